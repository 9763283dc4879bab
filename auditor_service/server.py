"""Run the service: the database brought up to date, jobs a killed server left running queued
again, the worker processes, an hourly purge of old uploads, and uvicorn (on loopback, unless
an authority's server with accounts)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

import uvicorn
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from auditor.errors import PackError
from auditor_service.jobs import Workers, recover
from auditor_service.retention import purge
from auditor_service.settings import Settings
from auditor_service.store import open_store
from auditor_service.store.models import User
from auditor_service.web.app import create_app

PURGE_EVERY_SECONDS = 3600


def run(settings: Settings, on_ready: Callable[[], None] | None = None) -> None:
    _check_port(settings)
    private_folder(settings.data)
    store = _open(settings)
    _refuse_open_without_accounts(settings, store)
    recover(store)
    purge(store, settings)
    workers = Workers(settings)
    workers.start()
    stop_purging = threading.Event()
    threading.Thread(target=_purge_hourly, args=(store, settings, stop_purging), daemon=True).start()
    # The app reads the proxy's headers itself (web/security.py), from the trusted proxy only.
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store), host=settings.host, port=settings.port,
                                           log_level="warning", access_log=False, proxy_headers=False))
    if on_ready is not None:
        threading.Thread(target=_when_started, args=(server, on_ready), daemon=True).start()
    try:
        server.run()
    finally:
        stop_purging.set()
        workers.stop()
        store.dispose()


def private_folder(folder: Path) -> None:
    """The data folder holds pupil data (the database, the uploads): made readable by its owner
    only. A folder that already exists is the administrator's to set, and is left as it is."""
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is masked by the umask


def _check_port(settings: Settings) -> None:
    with socket.socket() as probe:
        try:
            probe.bind((settings.host, settings.port))
        except OSError as err:
            raise PackError(f"--port {settings.port}", f"cannot be used on {settings.host}: {err.strerror}") from None


def _open(settings: Settings):
    """The store, or a clear refusal naming the database (never its password)."""
    try:
        return open_store(settings.database_url)
    except SQLAlchemyError as err:
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        raise PackError(f"--database {shown}", f"cannot be opened: {reason}") from None


def _refuse_open_without_accounts(settings: Settings, store) -> None:
    """Off loopback, or on loopback behind a reverse proxy, anyone on the network could reach it
    (and with no accounts, as the machine's one user): only with accounts, and an admin."""
    if settings.on_loopback and not (settings.public_hosts or settings.trusted_proxy):
        return
    with store.session() as session:
        admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.disabled.is_(False)))
    if not admins:
        store.dispose()
        where, why = ((f"--host {settings.host}", "is not loopback") if not settings.on_loopback else
                      ("--public-host/--trusted-proxy", "let other machines reach it through a proxy"))
        raise PackError(where, f"{why}, and no administrator's account is enabled: "
                        "first make one with  register-audit users add NAME --role admin")


def _purge_hourly(store, settings: Settings, stop: threading.Event) -> None:
    while not stop.wait(PURGE_EVERY_SECONDS):
        purge(store, settings)


def _when_started(server: uvicorn.Server, then: Callable[[], None]) -> None:
    while not server.started and not server.should_exit:
        threading.Event().wait(0.05)
    if server.started:
        then()
