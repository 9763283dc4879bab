"""Inspections made for the school, authority and retention tests: the sample pack, copied as
an upload with its school and date changed, inspected by the job queue as the service does."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import tomlkit

from auditor_service.jobs import enqueue
from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.store.models import Job, Upload
from tests.service.conftest import run_jobs

SAMPLE = Path(__file__).resolve().parents[2] / "sample_registers" / "example-primary"


def upload_pack(store: Store, settings: Settings, urn: str = "990001", name: str = "Brookfield Community Primary School",
                date: dt.date = dt.date(2025, 3, 14), received: dt.datetime | None = None) -> str:
    """The sample pack as a school's upload, judged as at ``date``; returns the upload's id."""
    upload_id = uuid.uuid4().hex
    folder = settings.uploads / upload_id
    shutil.copytree(SAMPLE, folder)
    config = tomlkit.parse((folder / "pack.toml").read_text(encoding="utf-8"))
    config["school"]["urn"], config["school"]["name"] = urn, name
    config["inspection"]["date"] = date
    (folder / "pack.toml").write_text(tomlkit.dumps(config), encoding="utf-8")
    with store.session() as session:
        session.add(Upload(id=upload_id, **({"created_at": received} if received else {})))
    return upload_id


def inspect_pack(store: Store, settings: Settings, **pack) -> int:
    """Upload the pack and inspect it through the queue; returns the inspection's id."""
    upload_id = upload_pack(store, settings, **pack)
    job_id = enqueue(store, "inspect", upload_id)
    assert run_jobs(store, settings) == 1
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job.status == "done", job.error
        return job.inspection_id
