"""Fixtures for the service: a database of each kind, the app over it, and jobs run here.

Every database test runs twice, on SQLite and on PostgreSQL. PostgreSQL is the throwaway server
that ``.ci/run`` starts (``.ci/postgres``) and names in ``REGISTER_AUDIT_TEST_POSTGRES``; each test
gets a database of its own on it. Without that server the PostgreSQL half fails in CI, and is
skipped elsewhere with the command that starts one."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from auditor_service.jobs import claim
from auditor_service.jobs.tasks import run
from auditor_service.settings import Settings
from auditor_service.store import Store, open_store
from auditor_service.web.app import create_app

POSTGRES = os.environ.get("REGISTER_AUDIT_TEST_POSTGRES")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with new_database(request.param, tmp_path) as url:
        yield url


@contextlib.contextmanager
def new_database(kind: str, folder: Path) -> Iterator[str]:
    """A database URL of ``kind``: SQLite in ``folder``, or a PostgreSQL database of its own on
    the test server, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'service.sqlite3'}"
        return
    if not POSTGRES:
        message = "REGISTER_AUDIT_TEST_POSTGRES is not set: start a server with `.ci/postgres` and export its URL"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data=tmp_path / "data", database=database_url)


@pytest.fixture
def store(settings) -> Store:
    store = open_store(settings.database_url)
    yield store
    store.dispose()


@pytest.fixture
def client(settings, store) -> TestClient:
    with TestClient(create_app(settings, store), base_url="http://localhost", raise_server_exceptions=False) as client:
        yield client


def csrf_token(client: TestClient) -> str:
    """The CSRF token a page's forms carry (the signed cookie that a page with a form sets)."""
    if "csrftoken" not in client.cookies:
        client.get("/inspections/new")
    return client.cookies["csrftoken"]


def run_jobs(store: Store, settings: Settings) -> int:
    """Run every queued job in this process, as a worker would; returns how many ran."""
    count = 0
    while (job := claim(store)) is not None:
        run(store, settings, job)
        count += 1
    return count


@pytest.fixture
def live_server(request, tmp_path, database_url):
    """``register-audit serve`` (with its worker processes) over a database of each kind; stopped
    after the test. More options for ``serve`` come as the fixture's parameter:
    ``@pytest.mark.parametrize("live_server", [("--max-upload-mb", "2")], indirect=True)``."""
    from tests.service.live import LiveServer

    server = LiveServer(tmp_path / "data", database_url, *getattr(request, "param", ()))
    yield server.start()
    server.stop()


@pytest.fixture
def browser(tmp_path):
    from tests.service.live import chrome, need_browser

    need_browser()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = chrome(downloads)
    driver.downloads = downloads
    yield driver
    driver.quit()


# ---- accounts ------------------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"
# One of each: an officer of Northshire, two schools (990001 is the sample's), another
# authority's officer, and an admin. Each signs in with PASSWORD.
ACCOUNTS = {
    "olive": {"role": "officer", "la": "Northshire"},
    "oscar": {"role": "officer", "la": "Southshire"},
    "sam": {"role": "school", "urn": "990001"},
    "sid": {"role": "school", "urn": "990002"},
    "ada": {"role": "admin"},
}


@pytest.fixture
def users(store) -> dict[str, dict]:
    """The accounts above, in the store: the service now needs a sign-in for every page."""
    from auditor_service import accounts

    with store.session() as session:
        for name, account in ACCOUNTS.items():
            accounts.add(session, name, account["role"], urn=account.get("urn"), la=account.get("la", ""),
                     password=PASSWORD)
    return ACCOUNTS


def sign_in(client: TestClient, name: str, password: str = PASSWORD):
    """Sign ``client`` in as ``name`` (its session cookie kept); the response to the form."""
    client.cookies.delete("session")
    return client.post("/sign-in", data={"csrftoken": csrf_token(client), "name": name, "password": password},
                       follow_redirects=False)
