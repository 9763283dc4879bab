"""A job's progress page and the JSON its script polls: under way, failed, and done."""

from __future__ import annotations

import re
import shutil

from sqlalchemy import update

from auditor_service.jobs import Progress, enqueue
from auditor_service.store.models import Job, Upload
from tests.service.test_uploads import SAMPLE


def _job(store, kind: str = "inspect") -> int:
    with store.session() as session:
        session.add(Upload(id="a" * 32, files="[]"))
    return enqueue(store, kind, "a" * 32, as_of="2025-03-14", policy="statutory")


def test_a_job_under_way_shows_its_phase_and_progress_and_refreshes_without_inline_script(client, store):
    job_id = _job(store)
    Progress(store, job_id)("building facts", 3, 8)
    page = client.get(f"/jobs/{job_id}").text
    assert f'data-job-status="/jobs/{job_id}/status"' in page
    assert '<progress max="8" value="3">3 of 8</progress>' in page and "building facts" in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert '<script src="/static/progress.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # the CSP allows no inline script
    assert client.get("/static/progress.js").status_code == 200
    status = client.get(f"/jobs/{job_id}/status").json()
    assert (status["status"], status["phase"], status["done"], status["total"], status["next"]) == (
        "queued", "building facts", 3, 8, None)


def test_a_failed_job_says_why_and_stops_refreshing(client, store):
    job_id = _job(store)
    with store.session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(
            status="failed", error="admission_register.csv: missing required column(s) <surname>"))
    page = client.get(f"/jobs/{job_id}").text
    assert 'id="job-error"' in page and "missing required column(s) &lt;surname&gt;" in page
    assert "refresh" not in page and "progress.js" not in page
    assert f'href="/uploads/{"a" * 32}"' in page
    assert client.get(f"/jobs/{job_id}/status").json()["next"] == f"/jobs/{job_id}"


def test_a_finished_validate_job_leads_to_its_upload(client, store):
    job_id = _job(store, "validate")
    with store.session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(status="done"))
    response = client.get(f"/jobs/{job_id}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/uploads/{'a' * 32}"


def test_an_unknown_job_is_not_found(client):
    assert client.get("/jobs/999").status_code == 404
    assert client.get("/jobs/999/status").status_code == 404
    assert client.get("/jobs/abc").status_code == 404


def test_an_inspection_under_way_names_its_school_and_date_from_the_pack(client, store, settings):
    job_id = _job(store)
    page = client.get(f"/jobs/{job_id}").text
    assert 'id="job-school"' not in page  # no pack.toml yet: nothing to name
    shutil.copytree(SAMPLE, settings.uploads / ("a" * 32))
    page = client.get(f"/jobs/{job_id}").text
    assert "Brookfield Community Primary School (URN 990001), as at 14/03/2025" in page


def test_a_draft_policys_trial_is_named_as_such_and_leads_to_its_own_page_when_done(client, store):
    job_id = _job(store, "consequences")
    page = client.get(f"/jobs/{job_id}").text
    assert "<h1>Trying a draft policy</h1>" in page and "<title>Trying a draft policy" in page
    with store.session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(status="done"))
    done = client.get(f"/jobs/{job_id}", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/policies/consequences/{job_id}"
