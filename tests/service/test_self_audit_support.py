"""Self-audits and the LA's inspections made for the self-audit and school-view tests: the sample
pack as the school's own upload or the LA's, inspected through the queue as the service does."""

from __future__ import annotations

import datetime as dt

import tomlkit
from sqlalchemy import select

from auditor_service.jobs import enqueue
from auditor_service.store.models import FindingRow, Job, Upload
from tests.service.conftest import run_jobs
from tests.service.test_schools_support import upload_pack

MAR = dt.date(2025, 3, 14)
# The sample's one finding that a line in la_returns.csv puts right: the LA told of Deniz Islam's admission.
FIXED = "REG007-c277b561654d"
RETURN_MADE = "P961215421027,Islam,Deniz,04/06/2017,new_pupil,08/01/2025,\n"


def inspect_as(store, settings, *, self_audit: bool = False, urn: str = "990001",
               name: str = "Brookfield Community Primary School", la: str = "Northshire",
               date: dt.date = MAR, fixed: bool = False, by: str | None = None) -> int:
    """The sample inspected as at ``date``, by the LA or (``self_audit``) by the school itself,
    with REG007's return made (``fixed``); returns the inspection's id."""
    upload_id = upload_pack(store, settings, urn=urn, name=name, date=date)
    folder = settings.uploads / upload_id
    config = tomlkit.parse((folder / "pack.toml").read_text(encoding="utf-8"))
    config["school"]["la"] = la
    (folder / "pack.toml").write_text(tomlkit.dumps(config), encoding="utf-8")
    if fixed:
        with (folder / "la_returns.csv").open("a", encoding="utf-8") as returns:
            returns.write(RETURN_MADE)
    with store.session() as session:
        upload = session.get(Upload, upload_id)
        upload.urn, upload.created_by = (urn if self_audit else None), by
    job_id = enqueue(store, "inspect", upload_id, self_audit=self_audit, created_by=by)
    assert run_jobs(store, settings) == 1
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job.status == "done", job.error
        return job.inspection_id


def finding_ids(store, inspection_id: int) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(FindingRow.finding_id).where(FindingRow.inspection_id == inspection_id)))
