"""Signing in and out. Failures are slowed down, then lock the account (``accounts.sign_in``);
every attempt is in the audit log."""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from auditor_service import accounts, audit
from auditor_service.web import session as cookie
from auditor_service.web.access import Actor, actor, address, home_of
from auditor_service.web.render import page


def _next(request: Request, given: str | None) -> str | None:
    """Where to go after signing in: a page of this service only, never another site."""
    if given and given.startswith("/") and not given.startswith(("//", "/\\")) and len(given) < 500:
        return given
    return None


def sign_in_page(request: Request) -> Response:
    who = actor(request)
    if who is not None and who.role != "local":
        return RedirectResponse(_next(request, request.query_params.get("next")) or home_of(who), status_code=303)
    return page(request, "sign_in.html", {"next": _next(request, request.query_params.get("next")) or "",
                                          "name": "", "problem": ""})


async def sign_in(request: Request) -> Response:
    form = await request.form()
    name, password = str(form.get("name", "")).strip()[:100], str(form.get("password", ""))[:1000]
    wanted = _next(request, str(form.get("next", "")))
    return await run_in_threadpool(_sign_in, request, name, password, wanted)


def _sign_in(request: Request, name: str, password: str, wanted: str | None) -> Response:
    store, settings = request.app.state.store, request.app.state.settings
    with store.session() as session:
        result = accounts.sign_in(session, name, password)
        token = None
        if result.user is not None:
            token = accounts.start_session(session, result.user, lasts=dt.timedelta(hours=settings.session_hours))
            who = Actor.of(result.user)
    audit.record(store, actor=name or "(no name)", role=result.user.role if result.user else "", action="sign-in",
                 outcome="ok" if token else "failed", detail=result.reason, path=request.url.path,
                 address=address(request))
    if token is None:
        return page(request, "sign_in.html", {"next": wanted or "", "name": name, "problem": result.problem},
                    status=400)
    response = RedirectResponse(wanted or home_of(who), status_code=303)
    cookie.give(request, response, token)
    return response


def sign_out(request: Request) -> Response:
    who = actor(request)
    with request.app.state.store.session() as session:
        accounts.end_session(session, request.cookies.get(cookie.SESSION_COOKIE))
    if who is not None:
        audit.record(request.app.state.store, actor=who.name, role=who.role, action="sign-out",
                     path=request.url.path, address=address(request))
    response = RedirectResponse("/sign-in", status_code=303)
    cookie.take_back(request, response)
    return response


routes = [
    Route("/sign-in", sign_in_page, name="sign-in"),
    Route("/sign-in", sign_in, methods=["POST"], name="sign-in-form"),
    Route("/sign-out", sign_out, methods=["POST"], name="sign-out"),
]
