"""``register-audit serve`` and ``register-audit purge``: the service's commands, added to the
library's command line (which never imports this package)."""

from __future__ import annotations

import sys
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from auditor.cli import Commands, app, console
from auditor.errors import PackError
from auditor_service.settings import LOOPBACK, Settings

__all__ = ["app"]


DataOption = Annotated[
    Path | None, typer.Option("--data", help="Folder for the database and uploads (default: your data folder).")
]
DatabaseOption = Annotated[
    str | None, typer.Option("--database", help="A SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db.")
]
RetentionOption = Annotated[
    int | None, typer.Option("--retention-days", help="Days to keep uploaded files (default 30).")
]
SettingsOption = Annotated[
    Path | None, typer.Option("--settings", help="A TOML file of settings (names as the options'; see docs/deploy.md).")
]


@app.command("serve")
def serve_command(
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8765).")] = None,
    host: Annotated[str | None, typer.Option(
        "--host", help="Address to listen on (default 127.0.0.1). Off loopback only with accounts.")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the browser.")] = False,
    data: DataOption = None,
    database: DatabaseOption = None,
    retention_days: RetentionOption = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Inspection worker processes (default 1).")] = None,
    max_upload_mb: Annotated[int | None, typer.Option("--max-upload-mb", help="Largest upload, in MB (default 200).")] = None,
    public_host: Annotated[list[str] | None, typer.Option(
        "--public-host", help="A host name the pages answer to behind the proxy (repeatable).")] = None,
    trusted_proxy: Annotated[str | None, typer.Option(
        "--trusted-proxy", help="The reverse proxy's address: its X-Forwarded-* headers are believed.")] = None,
    trusted_user_header: Annotated[str | None, typer.Option(
        "--trusted-user-header", help="Single sign-on: the header in which the trusted proxy names the user.")] = None,
    settings_file: SettingsOption = None,
) -> None:
    """Start the web service on this computer (http://127.0.0.1:8765) and open it in the browser.

    It keeps each school's inspections, findings and decisions in a database (SQLite in your data
    folder unless --database says otherwise), and uploaded files for --retention-days."""
    from auditor_service.server import run

    settings = Settings.from_environment(
        settings_file, data=data, database=database, port=port, retention_days=retention_days, workers=workers,
        max_upload_mb=max_upload_mb, host=host, public_hosts=public_host or None, trusted_proxy=trusted_proxy,
        trusted_user_header=trusted_user_header,
    )
    url = f"http://{settings.host if settings.on_loopback else LOOPBACK}:{settings.port}/"
    console.print(Text(f"register-auditor at {url} · data in {settings.data} · Ctrl-C stops it"))
    opened = None if no_browser or not settings.on_loopback else threading.Timer(1.0, webbrowser.open, args=(url,))
    run(settings, on_ready=opened.start if opened else None)


@app.command("purge")
def purge_command(
    data: DataOption = None,
    database: DatabaseOption = None,
    retention_days: RetentionOption = None,
    settings_file: SettingsOption = None,
) -> None:
    """Delete uploaded files older than the retention (default 30 days); findings are kept."""
    from auditor_service.retention import purge

    settings = Settings.from_environment(settings_file, data=data, database=database, retention_days=retention_days)
    with _store(settings) as store:
        done = purge(store, settings)
    for upload in done:
        received = f"received {upload.received:%d/%m/%Y}" if upload.received else "a folder no upload names"
        what = f"upload {upload.upload_id} ({received}{''.join(', ' + s for s in upload.schools)})"
        # One line per upload, never wrapped, so that the output can be searched and logged.
        console.print(Text(f"{what}: {upload.error}" if upload.error else f"deleted the files of {what}"), soft_wrap=True)
    deleted = sum(1 for upload in done if upload.error is None)
    console.print(Text(f"purged {deleted} upload(s) older than {settings.retention_days} days from {settings.uploads};"
                       " their findings are kept"), soft_wrap=True)
    if deleted < len(done):
        raise typer.Exit(1)


@contextmanager
def _store(settings: Settings) -> Iterator:
    from auditor_service.store import open_store

    store = open_store(settings.database_url)
    try:
        yield store
    finally:
        store.dispose()


# ---- accounts -----------------------------------------------------------------------------------

users = typer.Typer(cls=Commands, help="Accounts for an authority's server: add, list, disable, enable, reset.",
                    no_args_is_help=True)
app.add_typer(users, name="users")

PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input (for scripts).")]
NoPassword = Annotated[bool, typer.Option(
    "--no-password", help="No password: the account signs in only through --trusted-user-header.")]


def _password(name: str, from_stdin: bool, none: bool) -> str | None:
    if none:
        return None
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)


@contextmanager
def _accounts(settings: Settings, doing: str):
    """A unit of work on the accounts; a refused change is exit 2, saying why."""
    from auditor_service.accounts import AccountError

    with _store(settings) as store:
        try:
            with store.session() as session:
                yield session
        except AccountError as err:
            raise PackError(doing, str(err)) from None


def _user(session, name: str):
    from auditor_service import accounts

    user = accounts.find(session, name)
    if user is None:
        raise PackError(f"users {name}", "there is no such account (register-audit users list shows them)")
    return user


def _recorded(settings: Settings, action: str, detail: str) -> None:
    from auditor_service import audit

    with _store(settings) as store:
        audit.record(store, actor="(command line)", role="admin", action=action, detail=detail)


@users.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Sign-in name (the one the proxy sends, with single sign-on).")],
    role: Annotated[str, typer.Option("--role", help="admin, officer or school.")],
    urn: Annotated[str | None, typer.Option("--urn", help="A school account's school.")] = None,
    la: Annotated[str, typer.Option("--la", help="An officer's authority, as the schools' packs name it; "
                                                 "none: every school on this server.")] = "",
    password_stdin: PasswordStdin = False,
    no_password: NoPassword = False,
    data: DataOption = None,
    database: DatabaseOption = None,
    settings_file: SettingsOption = None,
) -> None:
    """Add an account. The password is asked for twice (or read with --password-stdin)."""
    from auditor_service import accounts

    settings = Settings.from_environment(settings_file, data=data, database=database)
    with _accounts(settings, "users add") as session:
        accounts.check_account(name, role, urn)
        password = _password(name, password_stdin, no_password)
        accounts.add(session, name, role, urn=urn, la=la, password=password)
    _recorded(settings, "account-added", f"{name} ({role}{', URN ' + urn if urn else ''})")
    console.print(Text(f"added {role} account {name}" + (f" for URN {urn}" if urn else "")))


@users.command("list")
def users_list(data: DataOption = None, database: DatabaseOption = None, settings_file: SettingsOption = None) -> None:
    """List the accounts, with their role, school or authority, and state."""
    from sqlalchemy import select

    from auditor_service import accounts
    from auditor_service.store.models import User

    settings = Settings.from_environment(settings_file, data=data, database=database)
    with _store(settings) as store, store.session() as session:
        table = Table("name", "role", "URN", "authority", "state", box=None)
        for user in session.scalars(select(User).order_by(User.name)):
            table.add_row(Text(user.name), user.role, user.urn or "", Text(user.la), accounts.state(user))
    console.print(table)


def _switch(name: str, disabled: bool, settings: Settings) -> None:
    from auditor_service import accounts

    with _accounts(settings, f"users {'disable' if disabled else 'enable'}") as session:
        accounts.set_disabled(_user(session, name), disabled)
    _recorded(settings, "account-disabled" if disabled else "account-enabled", name)
    console.print(Text(f"{'disabled' if disabled else 'enabled'} {name}" + (": signed out everywhere" if disabled else "")))


@users.command("disable")
def users_disable(name: str, data: DataOption = None, database: DatabaseOption = None,
                  settings_file: SettingsOption = None) -> None:
    """Disable an account: it can no longer sign in, and its sessions end now."""
    _switch(name, True, Settings.from_environment(settings_file, data=data, database=database))


@users.command("enable")
def users_enable(name: str, data: DataOption = None, database: DatabaseOption = None,
                 settings_file: SettingsOption = None) -> None:
    """Enable a disabled account again."""
    _switch(name, False, Settings.from_environment(settings_file, data=data, database=database))


@users.command("reset")
def users_reset(
    name: str,
    password_stdin: PasswordStdin = False,
    no_password: NoPassword = False,
    data: DataOption = None,
    database: DatabaseOption = None,
    settings_file: SettingsOption = None,
) -> None:
    """Give an account a new password, lift its lock and end its sessions."""
    from auditor_service import accounts

    settings = Settings.from_environment(settings_file, data=data, database=database)
    with _accounts(settings, "users reset") as session:
        user = _user(session, name)
        accounts.reset(user, _password(name, password_stdin, no_password))
    _recorded(settings, "account-reset", name)
    console.print(Text(f"reset {name}: unlocked, signed out everywhere"))
