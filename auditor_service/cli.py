"""``register-audit serve`` and ``register-audit purge``: the service's commands, added to the
library's command line (which never imports this package)."""

from __future__ import annotations

import threading
import webbrowser
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from auditor.cli import app, console
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


@app.command("serve")
def serve_command(
    port: Annotated[int | None, typer.Option("--port", help="Port on 127.0.0.1 (default 8765).")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the browser.")] = False,
    data: DataOption = None,
    database: DatabaseOption = None,
    retention_days: RetentionOption = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Inspection worker processes (default 1).")] = None,
    max_upload_mb: Annotated[int | None, typer.Option("--max-upload-mb", help="Largest upload, in MB (default 200).")] = None,
) -> None:
    """Start the web service on this computer (http://127.0.0.1:8765) and open it in the browser.

    It keeps each school's inspections, findings and decisions in a database (SQLite in your data
    folder unless --database says otherwise), and uploaded files for --retention-days."""
    from auditor_service.server import run

    settings = Settings.from_environment(
        data=data, database=database, port=port, retention_days=retention_days, workers=workers,
        max_upload_mb=max_upload_mb, host=LOOPBACK,
    )
    url = f"http://{settings.host}:{settings.port}/"
    console.print(Text(f"register-auditor at {url} · data in {settings.data} · Ctrl-C stops it"))
    opened = None if no_browser else threading.Timer(1.0, webbrowser.open, args=(url,))
    run(settings, on_ready=opened.start if opened else None)


@app.command("purge")
def purge_command(
    data: DataOption = None,
    database: DatabaseOption = None,
    retention_days: RetentionOption = None,
) -> None:
    """Delete uploaded files older than the retention (default 30 days); findings are kept."""
    from auditor_service.retention import purge
    from auditor_service.store import open_store

    settings = Settings.from_environment(data=data, database=database, retention_days=retention_days)
    store = open_store(settings.database_url)
    try:
        done = purge(store, settings)
    finally:
        store.dispose()
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
