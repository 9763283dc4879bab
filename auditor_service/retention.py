"""Raw uploads are pupil data: kept only for the configured retention, so that an inspection can
be run again, then deleted. The findings, decisions and history are kept."""

from __future__ import annotations

import datetime as dt
import shutil

from sqlalchemy import select

from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.store.models import Upload, _now


def purge(store: Store, settings: Settings, now: dt.datetime | None = None) -> list[str]:
    """Delete the files of every upload older than the retention; returns their ids."""
    cutoff = (now or _now()) - dt.timedelta(days=settings.retention_days)
    with store.session() as session:
        due = session.scalars(select(Upload).where(Upload.created_at <= cutoff, Upload.purged_at.is_(None))).all()
        for upload in due:
            folder = settings.uploads / upload.id
            shutil.rmtree(folder, ignore_errors=True)
            upload.purged_at = now or _now()
        return [upload.id for upload in due]
