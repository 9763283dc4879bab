"""``register-audit serve`` as a user starts it: on loopback only, with its workers, and safe
against being killed in the middle of an inspection."""

from __future__ import annotations

import http.client
import shutil
import uuid
from pathlib import Path

from sqlalchemy import func, select, text

from auditor_service.jobs import enqueue
from auditor_service.store import Store, open_store
from auditor_service.store.models import Inspection, Job, Upload
from tests.service.live import LiveServer, wait_for

SAMPLE = Path(__file__).resolve().parents[2] / "sample_registers" / "example-primary"


def put_upload(store: Store, data: Path, pack: Path = SAMPLE) -> str:
    """A pack as if it had been uploaded: its files in the upload folder, and its row."""
    upload_id = uuid.uuid4().hex
    shutil.copytree(pack, data / "uploads" / upload_id)
    with store.session() as session:
        session.add(Upload(id=upload_id, files="[]"))
    return upload_id


def job_status(store: Store, job_id: int) -> str:
    with store.session() as session:
        return session.get(Job, job_id).status


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on ``port``, from the kernel's own table."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                addresses.add(address)
    return addresses


def test_the_server_listens_on_loopback_only_and_refuses_other_host_names(live_server):
    assert _listening_addresses(live_server.port) == {"0100007F"}  # 127.0.0.1, nothing else
    for host, status in (("attacker.example", 400), (f"attacker.example:{live_server.port}", 400),
                         (f"localhost:{live_server.port}", 200), (f"127.0.0.1:{live_server.port}", 200)):
        connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
        connection.request("GET", "/", headers={"Host": host})
        assert connection.getresponse().status == status, host
        connection.close()


def test_its_workers_inspect_what_is_queued(live_server):
    store = open_store(live_server.database)
    try:
        job_id = enqueue(store, "inspect", put_upload(store, live_server.data))
        wait_for(lambda: True if job_status(store, job_id) in ("done", "failed") else None)
        with store.session() as session:
            job = session.get(Job, job_id)
            assert (job.status, job.error) == ("done", None)
            assert session.get(Inspection, job.inspection_id).urn
    finally:
        store.dispose()


def test_killing_the_server_mid_inspection_loses_nothing_stored_and_the_restart_finishes_the_job(tmp_path, database_url):
    data = tmp_path / "data"
    store = open_store(database_url)
    try:
        first = LiveServer(data, database_url).start()
        kept = enqueue(store, "inspect", put_upload(store, data))
        wait_for(lambda: True if job_status(store, kept) == "done" else None)
        with store.session() as session:
            stored = session.get(Inspection, session.get(Job, kept).inspection_id).findings_json

        interrupted = enqueue(store, "inspect", put_upload(store, data))
        wait_for(lambda: True if job_status(store, interrupted) == "running" else None, every=0.005)
        first.kill()

        if database_url.startswith("sqlite"):
            with store.engine.connect() as connection:
                assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        with store.session() as session:
            assert session.get(Inspection, session.get(Job, kept).inspection_id).findings_json == stored
            assert session.get(Job, interrupted).status in ("running", "done")  # killed mid-way, or just after

        second = LiveServer(data, database_url).start()
        try:
            wait_for(lambda: True if job_status(store, interrupted) == "done" else None)
        finally:
            second.stop()
        with store.session() as session:
            job = session.get(Job, interrupted)
            assert session.scalar(select(func.count()).select_from(Inspection)
                                  .where(Inspection.upload_id == job.upload_id)) == 1
            assert session.scalar(select(func.count()).select_from(Inspection)) == 2
    finally:
        store.dispose()


def test_the_data_folder_it_makes_is_readable_by_its_owner_only(tmp_path, database_url):
    data = tmp_path / "data"
    assert not data.exists()
    server = LiveServer(data, database_url).start()
    try:
        assert data.stat().st_mode & 0o777 == 0o700
    finally:
        server.stop()
