"""A small authority with real data, for the access and hostile-input tests: two officers of two
authorities, two schools, an admin, and the sample pack inspected through the pages as each
would do it. Built once per test module and kind of database (the inspections are the slow
part), every test then asking it as the accounts would.

- olive (officer, Northshire) uploads the sample and inspects it as school 990001 in Northshire,
  and imports it as a batch (school 990003, Northshire);
- oscar (officer, Southshire) uploads it and inspects it as school 990002 in Southshire;
- sam (school 990001) uploads it and makes his self-audit; sid (school 990002) uploads it only."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from auditor_service import accounts
from auditor_service.settings import Settings
from auditor_service.store import Store, open_store
from auditor_service.store.models import FindingRow, Inspection, Job, Upload
from auditor_service.web.app import create_app
from tests.service.conftest import ACCOUNTS, PASSWORD, csrf_token, new_database, run_jobs, sign_in

SAMPLE = Path(__file__).parents[2] / "sample_registers" / "example-primary"
NORTH = {"urn": "990001", "name": "Brookfield Community Primary School", "la": "Northshire"}
SOUTH = {"urn": "990002", "name": "Southfield Primary School", "la": "Southshire"}
BATCHED = {"urn": "990003", "name": "Northfield Primary School", "la": "Northshire"}
DATES = {"as_of": "14/03/2025", "period_start": "02/09/2024", "policy": "statutory"}


@dataclass
class Made:
    """What one account's upload made: its id, jobs and inspection, and a finding of it."""

    urn: str
    upload_id: str
    job_id: int  # its latest job: the inspection's, or the validation's
    inspection_id: int | None = None
    finding_id: str | None = None
    batch_id: int | None = None
    kind: str | None = None  # the inspection's: an LA's inspection, or a school's self-audit

    def params(self, only: str | None = None) -> dict[str, str]:
        """The path parameters that name this school's things (those it has; or ``only`` one)."""
        given = {"urn": self.urn, "upload_id": self.upload_id, "job_id": self.job_id, "id": self.inspection_id,
                 "finding_id": self.finding_id, "batch_id": self.batch_id}
        return {key: str(value) for key, value in given.items() if value is not None and only in (None, key)}


@dataclass
class World:
    settings: Settings
    store: Store
    app: object
    made: dict[str, Made] = field(default_factory=dict)  # by who made it: olive, oscar, sam, sid; and batch
    pupils: set[str] = field(default_factory=set)  # every pupil's name and UPN in the sample

    def client(self, name: str | None = None) -> TestClient:
        """A browser of its own, signed in as ``name`` (or signed out)."""
        client = TestClient(self.app, base_url="http://localhost", raise_server_exceptions=False)
        if name is not None:
            assert sign_in(client, name).status_code == 303
        return client

    def shows_pupil_data(self, body: str) -> set[str]:
        """The sample's pupil names and UPNs in ``body``."""
        return {pupil for pupil in self.pupils if pupil in body}


def sample_files() -> list[tuple[str, bytes]]:
    """The sample's exports, as a school sends them (no pack.toml: the service guesses one)."""
    return [(p.name, p.read_bytes()) for p in sorted(SAMPLE.iterdir()) if p.suffix == ".csv"]


def send_files(client: TestClient, action: str, files: list[tuple[str, bytes]], **form: str):
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return client.post(action, data={"csrftoken": csrf_token(client), **form}, files=parts, follow_redirects=False)


def upload(world: World, client: TestClient, files=None) -> str:
    """An upload of ``files`` (the sample's), validated; its id."""
    response = send_files(client, "/uploads", files or sample_files())
    assert response.status_code == 303, response.text
    assert run_jobs(world.store, world.settings) == 1
    return response.headers["location"].rsplit("/", 1)[1]


def inspect_form(client: TestClient, school: dict, **values: str) -> dict[str, str]:
    return {"csrftoken": csrf_token(client), **school, **DATES, **values}


def inspect(world: World, client: TestClient, upload_id: str, school: dict) -> int:
    """The upload inspected as ``school``: its inspection."""
    response = client.post(f"/uploads/{upload_id}/inspect", data=inspect_form(client, school), follow_redirects=False)
    assert response.status_code == 303, response.text
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert run_jobs(world.store, world.settings) == 1
    with world.store.session() as session:
        job = session.get(Job, job_id)
        assert job.status == "done", job.error
        return job.inspection_id


def made(world: World, who: str, client: TestClient, school: dict | None) -> None:
    """``who`` uploads the sample and inspects it as ``school`` (or leaves it validated)."""
    upload_id = upload(world, client)
    if school is not None:
        inspect(world, client, upload_id, school)
    world.made[who] = of_upload(world, upload_id)


def of_upload(world: World, upload_id: str) -> Made:
    """What the upload made, as the database has it."""
    with world.store.session() as session:
        upload = session.get(Upload, upload_id)
        job_id = session.scalar(select(func.max(Job.id)).where(Job.upload_id == upload_id))
        inspection = session.scalar(select(Inspection).where(Inspection.upload_id == upload_id))
        finding_id = session.scalar(select(FindingRow.finding_id).where(
            FindingRow.inspection_id == inspection.id).order_by(FindingRow.id).limit(1)) if inspection else None
        return Made(urn=upload.urn, upload_id=upload_id, job_id=job_id, finding_id=finding_id,
                    inspection_id=inspection.id if inspection else None, batch_id=upload.batch_id,
                    kind=inspection.kind if inspection else None)


def batch_files(school: dict) -> list[tuple[str, bytes]]:
    """The sample as one pack folder of a batch, named as ``school``."""
    files = []
    for path in sorted(SAMPLE.iterdir()):
        data = path.read_bytes()
        if path.name == "pack.toml":
            toml = path.read_text(encoding="utf-8")
            for key in ("urn", "name", "la"):
                toml = re.sub(rf'(?m)^{key} = ".*"$', f'{key} = "{school[key]}"', toml)
            data = toml.encode()
        files.append((f"packs/{school['urn']}/{path.name}", data))
    return files


def sample_pupils() -> set[str]:
    with (SAMPLE / "admission_register.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {row["upn"] for row in rows} | {f"{row['surname']}, {row['forename']}" for row in rows} | {
        f"{row['forename']} {row['surname']}" for row in rows}


def build(folder: Path, database_url: str) -> World:
    settings = Settings(data=folder / "data", database=database_url)
    store = open_store(settings.database_url)
    with store.session() as session:
        for name, account in ACCOUNTS.items():
            accounts.add(session, name, account["role"], urn=account.get("urn"), la=account.get("la", ""),
                         password=PASSWORD)
    world = World(settings, store, create_app(settings, store), pupils=sample_pupils())
    made(world, "olive", world.client("olive"), NORTH)
    made(world, "oscar", world.client("oscar"), SOUTH)
    made(world, "sam", world.client("sam"), {**NORTH, "la": "Northshire Council"})
    made(world, "sid", world.client("sid"), None)
    response = send_files(olive := world.client("olive"), "/batches", batch_files(BATCHED))
    assert response.status_code == 303, response.text
    assert run_jobs(store, settings) == 1
    batch_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert olive.get(f"/batches/{batch_id}").status_code == 200
    with store.session() as session:
        world.made["batch"] = of_upload(world, session.scalar(select(Upload.id).where(Upload.batch_id == batch_id)))
    return world


@pytest.fixture(scope="module", params=["sqlite", "postgresql"], name="world")
def world_fixture(request, tmp_path_factory) -> World:
    """The world, for the tests of a module that imports this fixture."""
    folder = tmp_path_factory.mktemp("world")
    with new_database(request.param, folder) as url:
        built = build(folder, url)
        yield built
        built.store.dispose()
