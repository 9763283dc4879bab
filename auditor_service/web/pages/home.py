"""The home page: what is running, the latest inspections, and what is kept for how long."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from auditor_service.store.models import Inspection, Job
from auditor_service.web.access import actor, home_of, permit
from auditor_service.web.render import page


def home(request: Request):
    who = actor(request)
    if who is not None and home_of(who) != "/":
        return RedirectResponse(home_of(who), status_code=303)  # a school's own page; the admin's accounts
    permit(request, "view-authority")
    with request.app.state.store.session() as session:
        running = session.scalars(
            select(Job).where(Job.status.in_(("queued", "running"))).order_by(Job.id).limit(50)
        ).all()
        latest = session.scalars(
            select(Inspection).options(joinedload(Inspection.school)).order_by(Inspection.id.desc()).limit(20)
        ).all()
    return page(request, "home.html", {"running": running, "latest": latest})


routes = [Route("/", home, name="home")]
