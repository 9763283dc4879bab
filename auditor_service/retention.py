"""Raw uploads are pupil data: kept only for the configured retention, so that an inspection can
be run again, then deleted. The findings, decisions and history are kept."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field

from sqlalchemy import select, update

from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.store.models import Inspection, Job, Upload, _now


@dataclass(frozen=True)
class Purged:
    """An upload whose files were deleted (or could not be: ``error`` says why)."""

    upload_id: str
    received: dt.datetime | None  # None: a folder the database does not know
    schools: list[str] = field(default_factory=list)  # "name (URN)" of the inspections made from it
    error: str | None = None


def kept_until(upload: Upload, settings: Settings) -> dt.date:
    """The last day an upload's files are kept."""
    return (upload.created_at + dt.timedelta(days=settings.retention_days)).date()


def purge(store: Store, settings: Settings, now: dt.datetime | None = None) -> list[Purged]:
    """Delete the files of every upload older than the retention, and mark it purged; its
    inspections' findings stay. A folder under the uploads that no upload names (left by a
    crash) is deleted too once it is as old. Returns what was deleted, and what could not be."""
    now = now or _now()
    cutoff = now - dt.timedelta(days=settings.retention_days)
    done: list[Purged] = []
    with store.session() as session:
        due = session.scalars(
            select(Upload).where(Upload.created_at <= cutoff, Upload.purged_at.is_(None)).order_by(Upload.created_at)
        ).all()
        for upload in due:
            schools = sorted({f"{row.school.name} (URN {row.urn})" for row in session.scalars(
                select(Inspection).where(Inspection.upload_id == upload.id))})
            error = _delete(settings, upload.id)
            if error is None:
                upload.purged_at = now
                # What its jobs read out of the files (rejected rows' cells, a trial's findings) goes with them.
                session.execute(update(Job).where(Job.upload_id == upload.id).values(result=None))
            done.append(Purged(upload.id, upload.created_at, schools, error))
        known = set(session.scalars(select(Upload.id)))
    if settings.uploads.is_dir():
        for folder in sorted(settings.uploads.iterdir()):
            if folder.name not in known and folder.is_dir() and not folder.is_symlink() \
                    and dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC).replace(tzinfo=None) <= cutoff:
                done.append(Purged(folder.name, None, [], _delete(settings, folder.name)))
    return done


def _delete(settings: Settings, name: str) -> str | None:
    """Delete one upload's folder (gone already is deleted); the reason it cannot be, if not."""
    folder = settings.uploads / name
    if folder.parent != settings.uploads or name in ("", ".", ".."):
        return "not an upload folder"  # an id never names anything outside the uploads
    try:
        if folder.is_symlink():
            folder.unlink()
        else:
            shutil.rmtree(folder)
    except FileNotFoundError:
        return None
    except OSError as err:
        return f"cannot be deleted ({err.strerror or err})"
    return None
