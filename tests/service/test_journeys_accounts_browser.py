"""The two journeys of an authority's server with accounts, in a real browser (headless Chromium
through Selenium) against ``register-audit serve`` and its workers, under the strict CSP, on each
database. The accounts are made as an administrator makes them, with ``register-audit users add``.

- A school's attendance lead signs in, uploads the school's exports as a self-audit, sees its
  findings, and finds no page of another school, by its URN or by an inspection's number.
- The LA's officer signs in, inspects the school's files, in which one finding has been put right
  since the self-audit, sees the self-audit beside the inspection with that finding found and
  fixed, and records a waiver on another, which shows as waived once the files are inspected again.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

from selenium.webdriver.common.by import By

from auditor_service.jobs import enqueue
from auditor_service.settings import Settings
from auditor_service.store import open_store
from auditor_service.store.models import Job
from tests.service.conftest import PASSWORD
from tests.service.live import csp_violations, wait_for
from tests.service.test_journey_browser import _checked, _page_counts, _stored, _submit, _wait, _waiver_form
from tests.service.test_schools_support import upload_pack
from tests.service.test_self_audit_support import FIXED, RETURN_MADE

SAMPLE = Path(__file__).resolve().parents[2] / "sample_registers" / "example-primary"
LA = "Northshire Council"  # the sample's authority, as its pack.toml names it


def _add_account(live_server, name: str, *options: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "auditor_service", "users", "add", name, *options, "--password-stdin",
         "--data", str(live_server.data), "--database", live_server.database],
        input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def _another_schools_inspection(live_server) -> int:
    """The LA's inspection of another school (990002), made by the server's workers."""
    settings = Settings(data=live_server.data, database=live_server.database)
    store = open_store(live_server.database)
    try:
        upload_id = upload_pack(store, settings, urn="990002", name="Aardvark Infants")
        job_id = enqueue(store, "inspect", upload_id)

        def done():
            with store.session() as session:
                job = session.get(Job, job_id)
                assert job.status != "failed", job.error
                return job.inspection_id if job.status == "done" else None

        return wait_for(done, 120, 0.2)
    finally:
        store.dispose()


def _pack(folder: Path, *, fixed: bool = False) -> list[Path]:
    """The sample pack's files (its pack.toml too), with Deniz Islam's admission return made (``fixed``)."""
    shutil.copytree(SAMPLE, folder)
    (folder / "manifest.json").unlink()
    if fixed:
        with (folder / "la_returns.csv").open("a", encoding="utf-8") as returns:
            returns.write(RETURN_MADE)
    return sorted(folder.iterdir())


def _sign_in(driver, url: str, name: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{url}/")
    _wait(driver, lambda d: d.find_elements(By.ID, "sign-in"), 30)
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    _submit(driver, driver.find_element(By.ID, "sign-in"))
    assert f"{name} (" in driver.find_element(By.CLASS_NAME, "signed-in-as").text


def _upload(driver, files: list[Path]) -> None:
    driver.find_element(By.ID, "files").send_keys("\n".join(map(str, files)))
    _submit(driver, driver.find_element(By.ID, "upload"))
    _checked(driver)


def _run(driver) -> int:
    """Press the inspect form's button, follow the job to the inspection's page; its id."""
    _submit(driver, driver.find_element(By.ID, "inspect"))
    _wait(driver, lambda d: d.find_elements(By.ID, "summary"))
    return int(driver.current_url.split("/inspections/", 1)[1].split("#")[0])


def _shows_no_such_page(driver, url: str) -> None:
    driver.get(url)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Page not found"
    assert "Aardvark" not in driver.page_source


def _stored_counts(live_server, inspection_id: int) -> dict[str, int]:
    row = _stored(live_server, inspection_id)[0]
    return {severity: getattr(row, severity) for severity in ("red", "amber", "green")}


def test_a_school_self_audits_and_the_officer_sees_it_beside_the_inspection_and_waives(live_server, browser, tmp_path):
    _add_account(live_server, "sam", "--role", "school", "--urn", "990001")
    _add_account(live_server, "olive", "--role", "officer", "--la", LA)
    other = _another_schools_inspection(live_server)

    # The school's attendance lead: signed in, at the school's own page, then a self-audit.
    _sign_in(browser, live_server.url, "sam")
    assert browser.current_url == f"{live_server.url}/schools/990001"
    assert not browser.find_elements(By.CSS_SELECTOR, 'a[href="/schools"], a[href="/authority"]')
    _submit(browser, browser.find_element(By.LINK_TEXT, "New self-audit"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "New self-audit"
    _upload(browser, _pack(tmp_path / "as-the-school-has-it"))
    urn = browser.find_element(By.ID, "urn")
    assert urn.get_attribute("value") == "990001" and urn.get_attribute("readonly") is not None
    assert browser.find_element(By.ID, "as_of").get_attribute("value") == "14/03/2025"
    assert browser.find_element(By.ID, "inspect").text == "Run the self-audit"
    audit = _run(browser)
    assert browser.title.startswith("Self-audit as at 14/03/2025")
    assert browser.find_element(By.ID, "self-audit-notice").is_displayed()
    counts = _page_counts(browser)
    assert {s: counts[s] for s in ("red", "amber", "green")} == _stored_counts(live_server, audit)
    assert browser.find_elements(By.ID, FIXED)  # the finding the school will put right, among its findings
    assert not browser.find_elements(By.CSS_SELECTOR, "details.record")  # no LA's decision forms
    # Its own page lists the self-audit; another school's pages are not there for it.
    browser.get(f"{live_server.url}/schools/990001")
    assert browser.find_element(By.ID, f"inspection-{audit}").text.upper().count("SELF-AUDIT") == 1
    _shows_no_such_page(browser, f"{live_server.url}/schools/990002")
    _shows_no_such_page(browser, f"{live_server.url}/inspections/{other}")
    _shows_no_such_page(browser, f"{live_server.url}/authority")
    _submit(browser, browser.find_element(By.ID, "sign-out"))

    # The officer inspects the files as they are at the visit: the admission return made since.
    _sign_in(browser, live_server.url, "olive")
    _submit(browser, browser.find_element(By.LINK_TEXT, "New inspection"))
    _upload(browser, _pack(tmp_path / "at-the-visit", fixed=True))
    visit = _run(browser)
    before = browser.find_element(By.ID, "before-the-visit")
    link = before.find_element(By.ID, "self-audit-link")
    assert link.text == "self-audit as at 14/03/2025" and link.get_attribute("href").endswith(f"/inspections/{audit}")
    fixed = before.find_elements(By.CSS_SELECTOR, "#found-and-fixed-table tbody tr")
    assert [row.get_attribute("id") for row in fixed] == [f"found-and-fixed-{FIXED}"]
    assert fixed[0].find_element(By.TAG_NAME, "a").get_attribute("href").endswith(f"/inspections/{audit}#{FIXED}")
    assert before.find_element(By.CSS_SELECTOR, '[data-before="fixed"]').text == "1"
    assert before.find_element(By.CSS_SELECTOR, '[data-before="not_found"]').text == "0"
    assert not browser.find_elements(By.ID, FIXED)  # no longer raised by the inspection
    still_open = int(before.find_element(By.CSS_SELECTOR, '[data-before="still_open"]').text)
    assert still_open == sum(_stored_counts(live_server, visit).values()) > 0

    # A waiver on a red finding, seen recorded, then waived when the files are inspected again.
    _, findings = _stored(live_server, visit)
    finding_id = next(f.id for f in findings.findings if f.severity == "red")
    expiry = dt.date.today() + dt.timedelta(days=30)
    form = _waiver_form(browser, finding_id)
    form.find_element(By.NAME, "note").send_keys("LA-agreed extension of the part-time timetable")
    form.find_element(By.NAME, "date").send_keys(f"{expiry:%d/%m/%Y}")
    assert "Recorded as olive." in form.text  # an account records under its own name
    _submit(browser, form.find_element(By.TAG_NAME, "button"))
    _wait(browser, lambda d: d.current_url.endswith(f"/inspections/{visit}#{finding_id}"), 30)
    recorded = browser.find_element(By.ID, finding_id).find_element(By.CLASS_NAME, "decisions-recorded").text
    assert "LA-agreed extension of the part-time timetable" in recorded and "olive" in recorded
    _submit(browser, browser.find_element(By.LINK_TEXT, "Inspect these files again"))
    _checked(browser)
    again = _run(browser)
    waived = browser.find_element(By.ID, finding_id)
    assert "WAIVED" in waived.find_element(By.CLASS_NAME, "tags").text.upper()
    assert f"Waived until {expiry:%d/%m/%Y}" in waived.text and "olive" in waived.text
    assert _page_counts(browser)["waived"] == 1 == _stored(live_server, again)[0].waived
    # The self-audit is beside this inspection too: the same one, the latest before it.
    assert browser.find_element(By.ID, "self-audit-link").get_attribute("href").endswith(f"/inspections/{audit}")

    assert csp_violations(browser) == []
