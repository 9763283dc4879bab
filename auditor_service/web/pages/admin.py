"""The administrator's pages: the accounts (add, disable, enable, reset), the audit log (filtered,
a page at a time, and as CSV) and the settings in force.

Accounts are changed through ``accounts`` only, and each change is recorded in the audit log
under the same actions as the ``users`` command's. Reading the log is recorded too."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, fields

from sqlalchemy import Select, func, select
from sqlalchemy.engine import make_url
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from auditor.report import spreadsheet_safe
from auditor_service import accounts, audit
from auditor_service.accounts import AccountError
from auditor_service.settings import Settings
from auditor_service.store.models import AuditEvent, SignedIn, User
from auditor_service.web.access import ALLOWED, Actor, address, permit
from auditor_service.web.render import page

PAGE_SIZE = 100  # audit events a page
CSV_BATCH = 2000  # audit events read at a time for the CSV: a year's log never sits in memory
OUTCOMES = ("ok", "refused", "failed")
# Suggested in the action filter (any other action can be typed).
ACTIONS = sorted({*ALLOWED, "sign-in", "sign-out", "account-added", "account-disabled", "account-enabled",
                  "account-reset", "view-audit-log", "download-audit-log"})


def _recorded(request: Request, who: Actor, action: str, detail: str = "") -> None:
    audit.record(request.app.state.store, actor=who.name or "(this computer)", role=who.role, action=action,
                 path=request.url.path, address=address(request), detail=detail)


# ---- accounts -----------------------------------------------------------------------------------


def _last_sign_ins(session) -> dict[int, dt.datetime]:
    """Each account's last sign-in with a password: when its newest session began (the sessions
    table is indexed by account; the audit log is not)."""
    newest = select(SignedIn.user_id, func.max(SignedIn.created_at)).group_by(SignedIn.user_id)
    return dict(session.execute(newest).all())


def users_page(request: Request) -> Response:
    permit(request, "admin")
    return _users(request)


def _users(request: Request, problems: list[tuple[str, str]] | None = None, typed: dict | None = None,
           status: int = 200) -> Response:
    with request.app.state.store.session() as session:
        users = session.scalars(select(User).order_by(User.name)).all()
        last = _last_sign_ins(session)
    return page(request, "admin_users.html", {
        "users": users, "state": accounts.state, "last": last, "roles": accounts.ROLES, "problems": problems or [],
        "typed": typed or {"role": "officer"}, "first": not users, "shortest": accounts.PASSWORD_LENGTH[0],
    }, status=status)


async def add_user(request: Request) -> Response:
    who = await run_in_threadpool(permit, request, "admin")
    form = await request.form()
    typed = {key: str(form.get(key, "")).strip()[:300] for key in ("name", "role", "urn", "la")}
    typed["sso"] = form.get("sso") == "yes"
    password = (str(form.get("password", ""))[:1000], str(form.get("password_again", ""))[:1000])
    return await run_in_threadpool(_add_user, request, who, typed, password)


def _add_user(request: Request, who: Actor, typed: dict, passwords: tuple[str, str]) -> Response:
    name, role, urn = typed["name"], typed["role"], typed["urn"] or None
    store = request.app.state.store
    problems = _account_problems(name, role, urn)
    with store.session() as session:
        if not accounts.any_accounts(session) and role != "admin" and not problems:
            problems.append(("role", "The first account must be an administrator's, so that someone can "
                                     "manage the others: once it exists, every page needs a sign-in"))
    password = None if typed["sso"] else _password_problem(passwords, problems)
    if not problems:
        try:
            with store.session() as session:
                user = accounts.add(session, name, role, urn=urn, la=typed["la"] if role == "officer" else "",
                                    password=password)
                user_id = user.id
        except AccountError as err:
            problems.append(("name", str(err)))
    if problems:
        return _users(request, problems, typed, status=400)
    _recorded(request, who, "account-added", f"{name} ({role}{', URN ' + urn if urn else ''})")
    return RedirectResponse(f"/admin/users/{user_id}?done=added", status_code=303)


def _account_problems(name: str, role: str, urn: str | None) -> list[tuple[str, str]]:
    """What ``accounts.check_account`` refuses, with the form field it is about."""
    try:
        accounts.check_account(name, "admin", None)
    except AccountError as err:
        return [("name", str(err))]
    try:
        accounts.check_account(name, role, urn)
    except AccountError as err:
        return [("role" if role not in accounts.ROLES else "urn", str(err))]
    return []


def _password_problem(passwords: tuple[str, str], problems: list[tuple[str, str]]) -> str:
    """The password typed twice; what is wrong with it added to ``problems``."""
    password, again = passwords
    try:
        accounts.check_password(password)
    except AccountError as err:
        problems.append(("password", str(err)))
    else:
        if password != again:
            problems.append(("password_again", "The two passwords are not the same: type the same one twice"))
    return password


DONE = {
    "added": "Account added.",
    "disabled": "Account disabled: it is signed out everywhere and can no longer sign in.",
    "enabled": "Account enabled: it can sign in again.",
    "reset": "Account reset: unlocked, and signed out everywhere.",
}


def _account(session, request: Request) -> User:
    user = session.get(User, request.path_params["user_id"])
    if user is None:
        raise HTTPException(404, "There is no such account here.")
    return user


def user_page(request: Request) -> Response:
    who = permit(request, "admin")
    return _user_page(request, who)


def _user_page(request: Request, who: Actor, problems: list[tuple[str, str]] | None = None,
               status: int = 200) -> Response:
    with request.app.state.store.session() as session:
        user = _account(session, request)
        last = _last_sign_ins(session).get(user.id)
    return page(request, "admin_user.html", {
        "user": user, "state": accounts.state(user), "last": last, "yourself": user.name == who.name,
        "done": DONE.get(request.query_params.get("done", "")), "problems": problems or [],
        "shortest": accounts.PASSWORD_LENGTH[0],
    }, status=status)


def disable_user(request: Request) -> Response:
    return _switch(request, disabled=True)


def enable_user(request: Request) -> Response:
    return _switch(request, disabled=False)


def _switch(request: Request, disabled: bool) -> Response:
    who = permit(request, "admin")
    with request.app.state.store.session() as session:
        user = _account(session, request)
        yourself = user.name == who.name
        if not (disabled and yourself):
            accounts.set_disabled(user, disabled)
        name, user_id = user.name, user.id
    if disabled and yourself:
        return _user_page(request, who, [("disable", "You cannot disable your own account: another administrator can.")],
                          status=400)
    _recorded(request, who, "account-disabled" if disabled else "account-enabled", name)
    return RedirectResponse(f"/admin/users/{user_id}?done={'disabled' if disabled else 'enabled'}", status_code=303)


async def reset_user(request: Request) -> Response:
    who = await run_in_threadpool(permit, request, "admin")
    form = await request.form()
    sso = form.get("sso") == "yes"
    passwords = (str(form.get("password", ""))[:1000], str(form.get("password_again", ""))[:1000])
    return await run_in_threadpool(_reset_user, request, who, sso, passwords)


def _reset_user(request: Request, who: Actor, sso: bool, passwords: tuple[str, str]) -> Response:
    problems: list[tuple[str, str]] = []
    password = None if sso else _password_problem(passwords, problems)
    if problems:
        return _user_page(request, who, problems, status=400)
    with request.app.state.store.session() as session:
        user = _account(session, request)
        accounts.reset(user, password)
        name, user_id = user.name, user.id
    _recorded(request, who, "account-reset", name)
    return RedirectResponse(f"/admin/users/{user_id}?done=reset", status_code=303)


# ---- the audit log --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the audit log is narrowed to, as the query string gives it."""

    who: str = ""
    urn: str = ""
    action: str = ""
    outcome: str = ""
    since: str = ""  # dd/mm/yyyy, UTC
    until: str = ""

    @classmethod
    def of(cls, request: Request) -> Filters:
        return cls(**{f.name: request.query_params.get(f.name, "").strip()[:100] for f in fields(cls)})

    def given(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def query(self) -> tuple[Select, list[tuple[str, str]]]:
        """The events that match, newest first; and what is wrong with the filters, by field."""
        problems = []
        chosen = select(AuditEvent).order_by(AuditEvent.id.desc())
        for column, value in ((AuditEvent.actor, self.who), (AuditEvent.urn, self.urn),
                              (AuditEvent.action, self.action), (AuditEvent.outcome, self.outcome)):
            if value:
                chosen = chosen.where(column == value)
        since, until = (_date(self.since, "since", problems), _date(self.until, "until", problems))
        if since and until and since > until:
            problems.append(("until", "The date to must be the same as or after the date from"))
        if since:
            chosen = chosen.where(AuditEvent.at >= dt.datetime.combine(since, dt.time()))
        if until:
            chosen = chosen.where(AuditEvent.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
        return chosen, problems

    def described(self) -> str:
        return "; ".join(f"{key}={value}" for key, value in self.given().items())


def _date(typed: str, field: str, problems: list[tuple[str, str]]) -> dt.date | None:
    if not typed:
        return None
    try:
        return dt.datetime.strptime(typed, "%d/%m/%Y").date()
    except ValueError:
        problems.append((field, f"Enter the date {'from' if field == 'since' else 'to'} as dd/mm/yyyy, "
                                f"like 01/09/2026 (you typed {typed})"))
        return None


def audit_page(request: Request) -> Response:
    who = permit(request, "admin")
    filters = Filters.of(request)
    chosen, problems = filters.query()
    _recorded(request, who, "view-audit-log", filters.described())
    if problems:
        return page(request, "admin_audit.html", {"filters": filters, "problems": problems, "events": [],
                                                  "older": None, "newer": None, **_choices()}, status=400)
    before, after = _id(request, "before"), _id(request, "after")
    with request.app.state.store.session() as session:
        if after is not None:  # the page before this one: the events just newer, read oldest first
            events = session.scalars(chosen.where(AuditEvent.id > after).order_by(None)
                                     .order_by(AuditEvent.id).limit(PAGE_SIZE + 1)).all()
            newer = events[PAGE_SIZE - 1].id if len(events) > PAGE_SIZE else None
            events = events[:PAGE_SIZE][::-1]
            older = events[-1].id if events else None
        else:
            if before is not None:
                chosen = chosen.where(AuditEvent.id < before)
            events = session.scalars(chosen.limit(PAGE_SIZE + 1)).all()
            older = events[PAGE_SIZE - 1].id if len(events) > PAGE_SIZE else None
            events = events[:PAGE_SIZE]
            newer = events[0].id if before is not None and events else None
    return page(request, "admin_audit.html", {"filters": filters, "problems": [], "events": events,
                                              "older": older, "newer": newer, **_choices()})


def _choices() -> dict:
    return {"outcomes": OUTCOMES, "actions": ACTIONS}


def _id(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


CSV_COLUMNS = ["time (UTC)", "who", "role", "action", "outcome", "URN", "inspection", "upload", "page", "address",
               "detail"]


def audit_csv(request: Request) -> Response:
    who = permit(request, "admin")
    filters = Filters.of(request)
    chosen, problems = filters.query()
    if problems:
        raise HTTPException(400, "; ".join(message for _, message in problems))
    _recorded(request, who, "download-audit-log", filters.described())
    return StreamingResponse(
        _csv_lines(request.app.state.store, chosen), media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="audit-log-{dt.date.today():%Y-%m-%d}.csv"'})


def _csv_lines(store, chosen: Select) -> Iterator[str]:
    """The events as CSV, newest first, read CSV_BATCH at a time, each batch in a short
    transaction of its own (so that a long download holds nothing open between batches)."""
    out = io.StringIO()
    writer = csv.writer(out)

    def taken() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + taken()  # the mark lets Excel read it as UTF-8
    before = None
    while True:
        with store.session() as session:
            batch = session.scalars(
                (chosen if before is None else chosen.where(AuditEvent.id < before)).limit(CSV_BATCH)).all()
        for event in batch:
            writer.writerow([spreadsheet_safe(cell) for cell in (
                f"{event.at:%d/%m/%Y %H:%M:%S}", event.actor, event.role, event.action, event.outcome, event.urn,
                event.inspection_id, event.upload_id, event.path, event.address, event.detail)])
        if batch:
            yield taken()
        if len(batch) < CSV_BATCH:
            return
        before = batch[-1].id


# ---- settings -------------------------------------------------------------------------------------

SETTING_LABELS = {
    "data": "Data folder (the SQLite database, uploads, secret.key)",
    "database": "Database",
    "host": "Listens on",
    "port": "Port",
    "public_hosts": "Host names it answers to, beyond loopback",
    "trusted_proxy": "Trusted reverse proxy",
    "trusted_user_header": "Single sign-on header",
    "retention_days": "Uploaded files kept for (days)",
    "max_upload_mb": "Largest upload (MB)",
    "workers": "Inspection worker processes",
    "session_idle_minutes": "A session ends after idling for (minutes)",
    "session_hours": "A session ends, however busy, after (hours)",
}


def shown_settings(settings: Settings) -> list[tuple[str, str, str, str]]:
    """Each setting: what it is, its value in force (a database password hidden), its name in
    the settings file and its environment variable."""
    rows = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name == "database":
            value = make_url(settings.database_url).render_as_string(hide_password=True)
        elif isinstance(value, list):
            value = ", ".join(value)
        shown = "" if value is None else str(value)
        rows.append((SETTING_LABELS.get(name, name), shown, name, f"REGISTER_AUDIT_{name.upper()}"))
    return rows


def settings_page(request: Request) -> Response:
    permit(request, "admin")
    return page(request, "admin_settings.html", {"rows": shown_settings(request.app.state.settings)})


routes = [
    Route("/admin/users", users_page, name="admin-users"),
    Route("/admin/users", add_user, methods=["POST"], name="admin-add-user"),
    Route("/admin/users/{user_id:int}", user_page, name="admin-user"),
    Route("/admin/users/{user_id:int}/disable", disable_user, methods=["POST"], name="admin-disable-user"),
    Route("/admin/users/{user_id:int}/enable", enable_user, methods=["POST"], name="admin-enable-user"),
    Route("/admin/users/{user_id:int}/reset", reset_user, methods=["POST"], name="admin-reset-user"),
    Route("/admin/audit", audit_page, name="admin-audit"),
    Route("/admin/audit.csv", audit_csv, name="admin-audit-csv"),
    Route("/admin/settings", settings_page, name="admin-settings"),
]
