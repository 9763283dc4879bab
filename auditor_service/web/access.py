"""Who may see and do what: the one check every view calls before it reads or changes anything.

With no accounts (``register-audit serve`` on an officer's laptop) the one user of the machine
may do everything. Once an account exists, every page needs a signed-in user, and each role may
do what ``ALLOWED`` says: an officer the schools of their authority, a school account only its
own school, an admin the accounts and the audit log and no pupil data. A refusal is a 404, so
it says no more than that there is no such page, and it is recorded in the audit log; so is
every view of pupil data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import unquote

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request

from auditor_service import accounts, audit
from auditor_service.store.models import School
from auditor_service.web.session import SESSION_COOKIE

ALLOWED = {
    "view-authority": {"officer"},  # every school's latest findings, the CME list
    "view-school": {"officer", "school"},  # a school's history, its inspections and downloads
    "view-la-notes": {"officer"},  # waivers' reasons, who recorded what: the LA's own notes
    "decide": {"officer"},  # record an action, a waiver, resolved
    "upload": {"officer", "school"},
    "view-upload": {"officer", "school"},  # an upload's files, their rejected rows, its jobs
    "inspect": {"officer", "school"},  # a school account's inspection is its self-audit
    "follow-job": {"officer", "school"},  # a job's progress: no pupil data, polled, not recorded
    "batch": {"officer"},  # import a folder of packs
    "view-policy": {"officer", "school", "admin"},
    "draft-policy": {"officer"},
    "admin": {"admin"},  # accounts, settings, the audit log
}
# Not about one school's data: a school account needs no URN to do them.
UNSCOPED = {"upload", "view-policy"}
# What shows or changes pupil data: recorded in the audit log each time it is allowed.
RECORDED = {"view-authority", "view-school", "decide", "upload", "view-upload", "inspect", "batch"}


@dataclass(frozen=True)
class Actor:
    name: str
    role: str  # local | officer | school | admin
    urn: str | None = None  # a school account's school
    la: str = ""  # an officer's authority; empty: every school on this server

    @classmethod
    def of(cls, user) -> Actor:
        return cls(user.name, user.role, user.urn, user.la)


HOMES = {"admin": "/admin/users", "school": "/schools/{urn}"}  # where each role starts; else "/"


def home_of(who: Actor) -> str:
    return HOMES.get(who.role, "/").format(urn=who.urn)


class SignedOut(HTTPException):
    """No one is signed in: the app sends a page request to the sign-in page."""

    def __init__(self) -> None:
        super().__init__(401, "Sign in to use this service.")


def actor(request: Request) -> Actor | None:
    """Who is asking: the machine's one user with no accounts, else the account signed in (by
    the trusted proxy's header or this service's session), else None."""
    if "actor" not in request.scope:
        request.scope["actor"] = _who(request)
    return request.scope["actor"]


def _who(request: Request) -> Actor | None:
    store, settings = request.app.state.store, request.app.state.settings
    with store.session() as session:
        if not accounts.any_accounts(session):
            # The name the officer last recorded a decision under (quoted: a cookie holds no spaces or accents).
            return Actor(name=unquote(request.cookies.get("recorded_by", ""))[:200], role="local")
        if settings.trusted_user_header and peer(request) == settings.trusted_proxy:
            named = request.headers.get(settings.trusted_user_header, "").strip()
            user = accounts.find(session, named) if named else None
            if user is not None and not user.disabled:
                _signed_in_by_proxy(request, user.name, user.role)
                return Actor.of(user)
            if named:
                audit.record(store, actor=named[:100], action="sign-in", outcome="refused", path=request.url.path,
                             address=address(request), detail="the proxy named no enabled account")
                return None
        # The same transaction as the question above: this runs for every request.
        idle = dt.timedelta(minutes=settings.session_idle_minutes)
        user = accounts.session_user(session, request.cookies.get(SESSION_COOKIE), idle=idle)
        return Actor.of(user) if user is not None else None


def _signed_in_by_proxy(request: Request, name: str, role: str) -> None:
    """A sign-in by the proxy's header is recorded as one, once per spell of use: the first
    request, and the first after idling as long as a session may."""
    seen = request.app.state.__dict__.setdefault("seen_by_proxy", {})
    now, idle = accounts.now(), dt.timedelta(minutes=request.app.state.settings.session_idle_minutes)
    last, seen[name] = seen.get(name), now
    if last is None or now - last > idle:
        audit.record(request.app.state.store, actor=name, role=role, action="sign-in", path=request.url.path,
                     address=address(request), detail="by the proxy's header")


def permit(request: Request, action: str, urn: str | None = None, *, inspection_id: int | None = None,
           upload_id: str | None = None) -> Actor:
    """The actor, if they may do ``action`` (on the school ``urn``); otherwise 404 (or the
    sign-in page, if no one is signed in)."""
    who = actor(request)
    if who is None:
        raise SignedOut()
    allowed = may(request, action, urn)
    if not allowed or action in RECORDED:
        audit.record(request.app.state.store, actor=who.name, role=who.role, action=action,
                     outcome="ok" if allowed else "refused", urn=urn, inspection_id=inspection_id,
                     upload_id=upload_id, path=request.url.path, address=address(request))
    if not allowed:
        raise HTTPException(404)
    return who


def may(request: Request, action: str, urn: str | None = None) -> bool:
    """Whether the actor may do ``action`` (on the school ``urn``): for what a page shows or
    leaves out. Nothing is recorded."""
    who = actor(request)
    if who is None:
        return False
    if who.role == "local":
        return action in ALLOWED
    if who.role not in ALLOWED[action]:
        return False
    if who.role == "school":
        return action in UNSCOPED if urn is None else urn == who.urn
    if who.role == "officer" and who.la and urn is not None:
        with request.app.state.store.session() as session:
            return accounts.covers(who.la, session.scalar(select(School.la).where(School.urn == urn)))
    return True


def peer(request: Request) -> str:
    """The address of the machine that sent the request: the proxy itself, when there is one."""
    client = request.scope.get("peer") or request.scope.get("client")
    return client[0] if client else ""


def address(request: Request) -> str:
    """The user's address, as the trusted proxy forwarded it (or the peer's)."""
    return request.client.host if request.client else ""
