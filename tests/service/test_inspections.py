"""An inspection's page: the report as report.html shows it, in the service's frame, with each
finding marked against the school's previous inspection, and its downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import uuid
from pathlib import Path

import pypdf
from openpyxl import load_workbook

from auditor.findings import Inspection as Findings
from auditor_service.jobs import enqueue
from auditor_service.jobs.inspect import inspect_upload
from auditor_service.store.models import FindingRow, Inspection, Job, Upload
from tests.service.conftest import run_jobs

SAMPLE = Path(__file__).parents[2] / "sample_registers" / "example-primary"
EARLIER = dt.date(2025, 2, 3)  # the sample as at an earlier day: some findings then are gone by 14/03/2025


def inspect_sample(store, settings, **options) -> int:
    """The id of a new inspection of the sample pack, uploaded and inspected as the service does."""
    upload_id = uuid.uuid4().hex
    shutil.copytree(SAMPLE, settings.uploads / upload_id)
    with store.session() as session:
        session.add(Upload(id=upload_id, files="[]"))
    job_id = enqueue(store, "inspect", upload_id, **options)
    assert run_jobs(store, settings) == 1
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job.status == "done", job.error
        return job.inspection_id


def stored(store, inspection_id: int) -> tuple[Inspection, Findings]:
    with store.session() as session:
        row = session.get(Inspection, inspection_id)
        return row, Findings.model_validate_json(row.findings_json)


def counts(html: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def article(html: str, finding_id: str) -> str:
    """The HTML of one finding's article on the page."""
    start = html.index(f'id="{finding_id}"')
    return html[start:html.index("</article>", start)]


def test_the_page_shows_the_report_with_the_counts_of_the_findings_object(client, store, settings):
    inspection_id = inspect_sample(store, settings)
    row, findings = stored(store, inspection_id)
    response = client.get(f"/inspections/{inspection_id}")
    assert response.status_code == 200
    html = response.text
    shown = counts(html)
    for severity in ("red", "amber", "green"):
        assert shown[severity] == findings.count(severity) == getattr(row, severity)
    assert sum(shown[s] for s in ("red", "amber", "green")) == len(findings.findings) > 0
    assert set(re.findall(r'<article class="finding [^"]*" id="([^"]+)"', html)) == {f.id for f in findings.findings}
    for section in ("summary", "findings", "not-checked", "data-quality", "signoff", "rules"):
        assert f'<section id="{section}"' in html
    # The service's frame: its stylesheets, links home and to the school; nothing inline for the CSP to refuse.
    assert '<link rel="stylesheet" href="/static/service.css">' in html
    assert '<link rel="stylesheet" href="/static/report.css">' in html
    assert html.index("/static/report.css") < html.index('<link rel="stylesheet" href="/static/inspection.css">')
    assert f'href="/schools/{findings.school.urn}"' in html and 'href="/"' in html
    assert "<style" not in html and " style=" not in html and "<script" not in html
    assert "Content-Security-Policy" not in html  # the page's policy is the service's header
    assert client.get("/static/report.css").status_code == 200
    assert "body" in client.get("/static/inspection.css").text  # after report.css: the frame runs full width


def test_the_downloads_are_that_inspection_in_each_format(client, store, settings):
    inspection_id = inspect_sample(store, settings)
    row, findings = stored(store, inspection_id)
    ids = [f.id for f in findings.findings]
    stem = f"{row.urn}-{row.as_of:%d-%m-%Y}"

    def get(name: str, media_type: str):
        response = client.get(f"/inspections/{inspection_id}/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        assert response.headers["content-disposition"] == f'attachment; filename="{stem}-{name}"'
        assert response.headers["cache-control"] == "no-store"
        return response.content

    pdf = get("report.pdf", "application/pdf")
    assert pdf.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert findings.school.name in text and ids[0] in text

    book = load_workbook(io.BytesIO(get("findings.xlsx", "application/vnd.openxmlformats")), read_only=True)
    sheet = list(book["Findings"].values)
    assert sheet[0][0] == "id" and [r[0] for r in sheet[1:]] == ids

    table = list(csv.DictReader(io.StringIO(get("findings.csv", "text/csv").decode("utf-8-sig"))))
    assert [r["id"] for r in table] == ids
    assert [r["severity"] for r in table] == [f.severity for f in findings.findings]

    assert Findings.model_validate(json.loads(get("findings.json", "application/json"))) == findings


def test_a_second_inspection_marks_findings_still_open_and_lists_those_resolved(client, store, settings):
    first = inspect_sample(store, settings, as_of=EARLIER)
    second = inspect_sample(store, settings)
    earlier, now = stored(store, first)[1], stored(store, second)[1]
    before = {f.id for f in earlier.findings}
    gone = before - {f.id for f in now.findings}
    assert gone and before & {f.id for f in now.findings}  # the sample has some of each

    html = client.get(f"/inspections/{second}").text
    for finding in now.findings:
        expected = "still open" if finding.id in before else "new"
        assert f'<span class="tag {finding.change}">{expected}</span>' in article(html, finding.id)
    resolved = html[html.index('<section id="resolved"'):]
    resolved = resolved[:resolved.index("</section>")]
    assert set(re.findall(r"(\w+-[0-9a-f]{12})", resolved)) == gone
    shown = counts(html)
    assert shown["resolved"] == len(gone)
    assert shown["still_open"] == len(before) - len(gone)
    with store.session() as session:
        rows = session.query(FindingRow).filter_by(inspection_id=second).all()
        assert {r.finding_id: r.change for r in rows} == {f.id: f.change for f in now.findings}
        assert session.get(Inspection, second).previous_id == first
    # The first inspection, the school's first, marks nothing.
    assert "tag still_open" not in client.get(f"/inspections/{first}").text


def test_an_unknown_inspection_is_a_page_saying_so(client, store, settings):
    for path in ("/inspections/999999", "/inspections/999999/report.pdf"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Page not found" in response.text and "no inspection with that number" in response.text
    inspection_id = inspect_sample(store, settings)
    assert client.get(f"/inspections/{inspection_id}/pack.toml").status_code == 404  # not a download


def test_the_job_tells_its_progress_by_the_phases_of_the_inspection(store, settings):
    upload_id = uuid.uuid4().hex
    shutil.copytree(SAMPLE, settings.uploads / upload_id)
    with store.session() as session:
        session.add(Upload(id=upload_id, files="[]"))
    enqueue(store, "inspect", upload_id)
    from auditor_service.jobs import claim

    job = claim(store)
    told: list[tuple[str, int, int]] = []
    inspect_upload(store, settings, job, lambda phase, done=0, total=0: told.append((phase, done, total)))
    phases = [phase for phase, _, _ in told]
    assert phases[0] == "reading the files" and phases[-1] == "storing the findings"
    judging = [(done, total) for phase, done, total in told if phase == "judging the facts"]
    assert judging and judging[-1][0] == judging[-1][1] > 0
    assert all(isinstance(n, int) for _, done, total in told for n in (done, total))
    with store.session() as session:
        assert session.get(Job, job.id).status == "done"
