"""The home page: what is running, the latest inspections and the schools' latest self-audits
(of the officer's authority), and what is kept for how long."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from auditor_service.decisions import LA_INSPECTION, SELF_AUDIT
from auditor_service.store.models import Inspection, Job
from auditor_service.summary import in_authority
from auditor_service.web.access import actor, home_of, permit
from auditor_service.web.render import page

LATEST, SELF_AUDITS = 20, 10  # how many of each the page lists, the latest made first


def home(request: Request):
    who = actor(request)
    if who is not None and home_of(who) != "/":
        return RedirectResponse(home_of(who), status_code=303)  # a school's own page; the admin's accounts
    who = permit(request, "view-authority")
    with request.app.state.store.session() as session:
        running = session.scalars(
            select(Job).where(Job.status.in_(("queued", "running"))).order_by(Job.id).limit(50)
        ).all()

        def latest(kind: str, limit: int) -> list[Inspection]:
            return session.scalars(in_authority(
                select(Inspection).where(Inspection.kind == kind).options(joinedload(Inspection.school))
                .order_by(Inspection.id.desc()).limit(limit), session, who.la)).all()

        context = {"running": running, "latest": latest(LA_INSPECTION, LATEST),
                   "self_audits": latest(SELF_AUDIT, SELF_AUDITS)}
    return page(request, "home.html", context)


routes = [Route("/", home, name="home")]
