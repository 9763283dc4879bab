"""Small things on the pages an officer moves between: a running job links to its page, the
inspection page has the service's footer and title, and a Parquet export is given its role."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from auditor_service.jobs import enqueue
from tests.service.test_inspections import inspect_sample
from tests.service.test_uploads import role_of, upload

SAMPLE = Path(__file__).resolve().parents[2] / "sample_registers" / "example-primary"


def test_each_job_running_now_links_to_its_page(client, store, settings):
    upload_id, _ = upload(client, store, settings, [("admission_register.csv",
                                                     (SAMPLE / "admission_register.csv").read_bytes())])
    job_id = enqueue(store, "inspect", upload_id)
    home = client.get("/").text
    running = home[home.index('id="running"'):home.index("</table>", home.index('id="running"'))]
    assert f'<a href="/jobs/{job_id}">{job_id}</a>' in running
    assert client.get(f"/jobs/{job_id}").status_code == 200


def test_the_inspection_page_has_the_service_footer_and_title(client, store, settings):
    inspection_id = inspect_sample(store, settings)
    page = client.get(f"/inspections/{inspection_id}").text
    footer = page[page.index('<footer class="service-footer">'):]
    assert f"Uploaded files are kept for {settings.retention_days} days" in footer
    assert footer.rstrip().endswith("</html>") and footer.count("</body>") == 1
    assert "<title>Inspection as at 14/03/2025 – Brookfield Community Primary School – register-auditor</title>" in page


def test_a_parquet_attendance_export_is_taken_for_the_attendance(client, store, settings):
    marks = io.BytesIO()
    pd.read_csv(SAMPLE / "attendance.csv", dtype=str, keep_default_na=False).to_parquet(marks, index=False)
    _, page = upload(client, store, settings, [
        ("admission_register.csv", (SAMPLE / "admission_register.csv").read_bytes()),
        ("marks export.parquet", marks.getvalue()),
    ])
    assert role_of(page, "marks export.parquet") == "attendance register"
