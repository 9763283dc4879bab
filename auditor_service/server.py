"""Run the service: the database brought up to date, jobs a killed server left running queued
again, the worker processes, an hourly purge of old uploads, and uvicorn on loopback."""

from __future__ import annotations

import threading
from collections.abc import Callable

import uvicorn

from auditor_service.jobs import Workers, recover
from auditor_service.retention import purge
from auditor_service.settings import Settings
from auditor_service.store import open_store
from auditor_service.web.app import create_app

PURGE_EVERY_SECONDS = 3600


def run(settings: Settings, on_ready: Callable[[], None] | None = None) -> None:
    store = open_store(settings.database_url)
    recover(store)
    purge(store, settings)
    workers = Workers(settings)
    workers.start()
    stop_purging = threading.Event()
    threading.Thread(target=_purge_hourly, args=(store, settings, stop_purging), daemon=True).start()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store), host=settings.host, port=settings.port,
                                           log_level="warning", access_log=False))
    if on_ready is not None:
        threading.Thread(target=_when_started, args=(server, on_ready), daemon=True).start()
    try:
        server.run()
    finally:
        stop_purging.set()
        workers.stop()
        store.dispose()


def _purge_hourly(store, settings: Settings, stop: threading.Event) -> None:
    while not stop.wait(PURGE_EVERY_SECONDS):
        purge(store, settings)


def _when_started(server: uvicorn.Server, then: Callable[[], None]) -> None:
    while not server.started and not server.should_exit:
        threading.Event().wait(0.05)
    if server.started:
        then()
