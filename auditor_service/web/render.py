"""Templates: the service's own, and the library's report, which a page extends."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import HTMLResponse

from auditor.report import report_filters
from auditor.resources import reports_dir
from auditor_service.web.access import actor
from auditor_service.web.csrf import set_cookie, token_for

TEMPLATES = Path(__file__).parent / "templates"


@cache
def templates() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES), FileSystemLoader(reports_dir())]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["uk"] = uk_date
    env.filters["uk_time"] = lambda value: value.strftime("%d/%m/%Y %H:%M") if value else ""
    for name, function in report_filters().items():  # what the library's report template uses
        env.filters.setdefault(name, function)
    return env


def uk_date(value: dt.date | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def page(request: Request, name: str, context: dict | None = None, status: int = 200) -> HTMLResponse:
    settings = request.app.state.settings if request is not None and hasattr(request, "app") else None
    csrf = token_for(request) if settings is not None else ""
    signed_in = _signed_in(request) if settings is not None else None
    html = templates().get_template(name).render(request=request, csrf=csrf, settings=settings, signed_in=signed_in,
                                                 **(context or {}))
    response = HTMLResponse(html, status_code=status)
    if settings is not None:
        set_cookie(request, response)
    return response


def _signed_in(request: Request):
    """Who the header names and offers to sign out; None for the machine's one user, or on a
    page shown before the database could say (an error page)."""
    try:
        who = actor(request)
    except SQLAlchemyError:  # the error page of a database that cannot be read must still show
        return None
    return who if who is not None and who.role != "local" else None
