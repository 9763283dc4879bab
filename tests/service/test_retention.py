"""Retention: an upload's files are deleted once older than the retention, its findings kept, and
the pages say so; ``register-audit purge`` does the same and says what it deleted."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import func, select
from typer.testing import CliRunner

from auditor_service.cli import app
from auditor_service.retention import purge
from auditor_service.settings import Settings
from auditor_service.store import open_store
from auditor_service.store.models import FindingRow, Inspection, Upload, _now
from tests.service.test_schools_support import inspect_pack, table, upload_pack

DAY = dt.timedelta(days=1)


def _counts(store) -> tuple[int, int]:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Inspection)), \
            session.scalar(select(func.count()).select_from(FindingRow))


def test_purge_deletes_the_files_of_old_uploads_only_and_keeps_their_findings(client, store, settings):
    now = _now()
    old = inspect_pack(store, settings, date=dt.date(2025, 1, 17), received=now - (settings.retention_days + 1) * DAY)
    new = inspect_pack(store, settings, date=dt.date(2025, 3, 14), received=now - (settings.retention_days - 1) * DAY)
    with store.session() as session:
        old_upload, new_upload = (session.get(Inspection, i).upload_id for i in (old, new))
    kept = _counts(store)
    assert kept[1] > 0

    done = purge(store, settings, now=now)

    assert [(p.upload_id, p.error) for p in done] == [(old_upload, None)]
    assert done[0].schools == ["Brookfield Community Primary School (URN 990001)"]
    assert not (settings.uploads / old_upload).exists()
    assert (settings.uploads / new_upload / "pack.toml").is_file()
    with store.session() as session:
        assert session.get(Upload, old_upload).purged_at == now
        assert session.get(Upload, new_upload).purged_at is None
    assert _counts(store) == kept  # the findings stay
    assert purge(store, settings, now=now) == []  # nothing twice

    html = client.get("/schools/990001").text
    header, rows, _ = table(html, "inspections")
    files = [row[header.index("Uploaded files")] for row in rows]
    assert files[0] == f"The uploaded files were deleted on {now:%d/%m/%Y}; the findings are kept."
    assert files[1] == f"Kept until {now.date() + DAY:%d/%m/%Y}"
    assert f"Uploaded files are kept for {settings.retention_days} days" in html


def test_a_folder_no_upload_names_is_deleted_once_as_old(store, settings):
    settings.uploads.mkdir(parents=True)
    stale, fresh = settings.uploads / "left-by-a-crash", settings.uploads / "being-written"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "attendance.csv").write_text("upn\n", encoding="utf-8")
    then = (dt.datetime.now() - (settings.retention_days + 2) * DAY).timestamp()
    os.utime(stale, (then, then))
    done = purge(store, settings)
    assert [(p.upload_id, p.received, p.error) for p in done] == [("left-by-a-crash", None, None)]
    assert not stale.exists() and fresh.is_dir()


def test_register_audit_purge_prints_what_it_deleted(tmp_path):
    data = tmp_path / "data"
    database = f"sqlite:///{tmp_path / 'purge.sqlite3'}"
    settings = Settings(data=data, database=database, retention_days=14)
    store = open_store(database)
    try:
        now = _now()
        old = upload_pack(store, settings, received=now - 20 * DAY)
        inspected = inspect_pack(store, settings, urn="990009", name="Old Lane Primary", received=now - 15 * DAY)
        new = upload_pack(store, settings, received=now - 3 * DAY)
        with store.session() as session:
            old_inspected = session.get(Inspection, inspected).upload_id
    finally:
        store.dispose()

    result = CliRunner().invoke(app, ["purge", "--data", str(data), "--database", database, "--retention-days", "14"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(old in line and "deleted the files" in line for line in lines)
    assert any(old_inspected in line and "Old Lane Primary (URN 990009)" in line and
               f"received {now - 15 * DAY:%d/%m/%Y}" in line for line in lines)
    assert new not in result.output
    assert "purged 2 upload(s) older than 14 days" in result.output
    assert not (data / "uploads" / old).exists() and not (data / "uploads" / old_inspected).exists()
    assert (data / "uploads" / new).is_dir()
    store = open_store(database)
    try:
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(FindingRow).join(Inspection)
                                  .where(Inspection.id == inspected)) > 0
            assert session.get(Upload, new).purged_at is None and session.get(Upload, old).purged_at is not None
    finally:
        store.dispose()


def test_what_jobs_read_out_of_purged_files_goes_with_them(store, settings):
    from auditor_service.jobs import enqueue
    from auditor_service.store.models import Job

    now = _now()
    old = upload_pack(store, settings, date=dt.date(2025, 1, 17))
    new = upload_pack(store, settings, date=dt.date(2025, 3, 14))
    jobs = {upload: enqueue(store, "validate", upload) for upload in (old, new)}
    with store.session() as session:
        session.get(Upload, old).created_at = now - (settings.retention_days + 1) * DAY
        for job_id in jobs.values():
            session.get(Job, job_id).result = '{"rejected": [{"value": "Ada Example"}]}'  # a cell of the file
    purge(store, settings, now=now)
    with store.session() as session:
        assert session.get(Job, jobs[old]).result is None
        assert session.get(Job, jobs[new]).result is not None
