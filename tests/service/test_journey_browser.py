"""The whole path as a user takes it, in a real browser (headless Chromium from Debian's packages,
through Selenium) against ``register-audit serve`` and its worker processes, under the service's
strict CSP, on each database: the sample pack's exports uploaded without their pack.toml, one
guess corrected with a choice and the validation seen to change, the school and dates given, the
inspection followed to its page and its counts seen; the PDF downloaded; a finding waived (a
mistake first), the files inspected again and the finding shown as waived and not counted; then
inspected as at a day after the waiver's expiry and counted again."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pypdf
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from auditor.findings import Inspection as Findings
from auditor_service.store import open_store
from auditor_service.store.models import Inspection
from tests.service.live import csp_violations

SAMPLE = Path(__file__).resolve().parents[2] / "sample_registers" / "example-primary"
SESSION_HEADER = "Half day"  # the attendance export's name for the session column, which no preset knows
SEVERITIES = ("red", "amber", "green")


def _exports(folder: Path) -> list[Path]:
    """The sample pack's exports, without its pack.toml, the attendance's session column renamed."""
    folder.mkdir()
    for path in sorted(SAMPLE.glob("*.csv")):
        shutil.copy(path, folder)
    attendance = folder / "attendance.csv"
    header, rest = attendance.read_text(encoding="utf-8").split("\n", 1)
    assert header == "upn,date,session,code"
    attendance.write_text(f"upn,date,{SESSION_HEADER},code\n{rest}", encoding="utf-8")
    return sorted(folder.iterdir())


def _wait(driver, condition, timeout: float = 120, ignored=()):
    return WebDriverWait(driver, timeout, ignored_exceptions=ignored).until(condition)


def _submit(driver, button) -> None:
    """Press ``button`` and wait until the page it was on has gone. Asked while the old page is
    being replaced, chromedriver can answer "Node with given id does not belong to the document"
    rather than that the element is stale: that too means "not yet", and is asked again."""
    page = driver.find_element(By.TAG_NAME, "html")
    button.click()
    _wait(driver, staleness_of(page), 60, ignored=(WebDriverException,))


def _checked(driver):
    """The upload's page once its validate job is done (progress.js reloads it then)."""
    return _wait(driver, lambda d: d.find_elements(By.ID, "files-taken") and d.find_element(By.ID, "choices"))


def _taken_for(driver, name: str) -> str:
    for entry in driver.find_elements(By.CSS_SELECTOR, "#files-taken > div"):
        if entry.find_element(By.TAG_NAME, "dt").text == name:
            return entry.find_element(By.TAG_NAME, "dd").text
    raise AssertionError(f"{name} is not listed")


def _choice_index(driver, name: str) -> int:
    legends = [legend.text for legend in driver.find_elements(By.CSS_SELECTOR, "#choices legend")]
    return legends.index(name)


def _fill(driver, values: dict[str, str]) -> None:
    for field, value in values.items():
        box = driver.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)


def _inspect(driver, as_of: str) -> int:
    """Inspect from the upload's page as at ``as_of``; follow the job's progress to the
    inspection's page; its id."""
    _fill(driver, {"urn": "990001", "name": "Brookfield Community Primary School", "la": "Northshire Council",
                   "as_of": as_of, "period_start": "02/09/2024"})
    _submit(driver, driver.find_element(By.ID, "inspect"))
    _wait(driver, lambda d: d.find_elements(By.ID, "summary"))  # the job page's script leads there
    return int(driver.current_url.split("/inspections/", 1)[1].split("#")[0])


def _page_counts(driver) -> dict[str, int]:
    return {element.get_attribute("data-count"): int(element.text)
            for element in driver.find_elements(By.CSS_SELECTOR, "#summary [data-count]")}


def _stored(live_server, inspection_id: int) -> tuple[Inspection, Findings]:
    store = open_store(live_server.database)
    try:
        with store.session() as session:
            row = session.get(Inspection, inspection_id)
            session.expunge(row)
    finally:
        store.dispose()
    return row, Findings.model_validate_json(row.findings_json)


def _counted(findings: Findings) -> dict[str, int]:
    """The findings object's counts by severity, waived findings left out, as the page should show."""
    return {severity: sum(1 for f in findings.findings if f.severity == severity and f.waiver is None)
            for severity in SEVERITIES}


def _shows_the_stored_counts(driver, live_server, inspection_id: int) -> tuple[Inspection, Findings]:
    row, findings = _stored(live_server, inspection_id)
    shown = _page_counts(driver)
    assert {s: shown[s] for s in SEVERITIES} == _counted(findings) == {s: getattr(row, s) for s in SEVERITIES}
    assert sum(_counted(findings).values()) > 0
    return row, findings


def _waiver_form(driver, finding_id: str):
    finding = driver.find_element(By.ID, finding_id)
    record = finding.find_element(By.CSS_SELECTOR, "details.record")
    if record.get_attribute("open") is None:
        record.find_element(By.TAG_NAME, "summary").click()
    return finding.find_element(By.ID, f"{finding_id}-waiver-note").find_element(By.XPATH, "./ancestor::form")


def test_a_user_uploads_corrects_inspects_downloads_waives_and_sees_the_waiver_expire(live_server, browser, tmp_path):
    # New inspection: the exports chosen in the file input, the guess shown when it is done.
    browser.get(f"{live_server.url}/inspections/new")
    browser.find_element(By.ID, "files").send_keys("\n".join(map(str, _exports(tmp_path / "exports"))))
    _submit(browser, browser.find_element(By.ID, "upload"))
    _checked(browser)
    upload_url = browser.current_url
    assert "/uploads/" in upload_url
    assert _taken_for(browser, "admission_register.csv").startswith("admission register")
    # Taken for the attendance by its name, but no column is the session: nothing to inspect yet.
    assert _taken_for(browser, "attendance.csv").startswith("attendance")
    problem = browser.find_element(By.ID, "pack-error").text
    assert "attendance.csv" in problem and "session" in problem
    assert not browser.find_elements(By.ID, "valid") and not browser.find_elements(By.ID, "inspect-form")

    # The user says which of the file's columns is the session.
    index = _choice_index(browser, "attendance.csv")
    session = Select(browser.find_element(By.ID, f"column-{index}-session"))
    assert session.first_selected_option.text == "– not in this file –"
    session.select_by_visible_text(SESSION_HEADER)
    _submit(browser, browser.find_element(By.ID, "save-choices"))
    _checked(browser)
    assert not browser.find_elements(By.ID, "pack-error")
    assert f"session ← {SESSION_HEADER}" in _taken_for(browser, "attendance.csv")
    validation = {row.find_element(By.TAG_NAME, "td").text: row.text
                  for row in browser.find_elements(By.CSS_SELECTOR, "#validation tbody tr")}
    marks = sum(1 for _ in (SAMPLE / "attendance.csv").open(encoding="utf-8")) - 1
    assert validation["attendance.csv"].split()[1:6] == ["long", "rows", str(marks), str(marks), "0"]
    assert all("attendance" not in absent.text for absent in browser.find_elements(By.ID, "absent"))
    assert browser.find_element(By.ID, "valid").is_displayed()

    # Inspect, follow the progress, and see the summary counts the stored findings have.
    first = _inspect(browser, "14/03/2025")
    row, findings = _shows_the_stored_counts(browser, live_server, first)
    assert row.waived == 0 and "waived" not in _page_counts(browser)

    # The PDF from the page's link.
    browser.find_element(By.LINK_TEXT, "report.pdf").click()
    pdf = browser.downloads / "990001-14-03-2025-report.pdf"
    _wait(browser, lambda d: pdf.exists() and pdf.stat().st_size > 0, 60)
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert len(reader.pages) > 1 and "Brookfield Community Primary School" in reader.pages[0].extract_text()

    # A waiver on a red finding: the reason forgotten first, the error summary leading to it.
    finding_id = next(f.id for f in findings.findings if f.severity == "red")
    expiry = dt.date.today() + dt.timedelta(days=30)
    form = _waiver_form(browser, finding_id)
    form.find_element(By.NAME, "date").send_keys(f"{expiry:%d/%m/%Y}")
    form.find_element(By.NAME, "recorded_by").send_keys("Jo Smith")
    _submit(browser, form.find_element(By.TAG_NAME, "button"))
    summary = _wait(browser, lambda d: d.find_element(By.CLASS_NAME, "error-summary"), 30)
    assert "Enter the reason for the waiver" in summary.text
    summary.find_element(By.LINK_TEXT, "Enter the reason for the waiver").click()
    assert browser.switch_to.active_element.get_attribute("id") == f"{finding_id}-waiver-note"
    browser.switch_to.active_element.send_keys("LA-agreed extension of the part-time timetable")
    _submit(browser, _waiver_form(browser, finding_id).find_element(By.TAG_NAME, "button"))
    _wait(browser, lambda d: d.current_url.endswith(f"/inspections/{first}#{finding_id}"), 30)
    recorded = browser.find_element(By.ID, finding_id).find_element(By.CLASS_NAME, "decisions-recorded").text
    assert "LA-agreed extension of the part-time timetable" in recorded and "Jo Smith" in recorded

    # Inspected again from the page's link: the finding shown as waived, and not counted.
    _submit(browser, browser.find_element(By.LINK_TEXT, "Inspect these files again"))
    _checked(browser)
    assert browser.current_url == upload_url
    second = _inspect(browser, "14/03/2025")
    row, findings = _shows_the_stored_counts(browser, live_server, second)
    assert row.waived == 1 and _page_counts(browser)["waived"] == 1
    assert row.red == sum(1 for f in findings.findings if f.severity == "red") - 1
    waived = browser.find_element(By.ID, finding_id)
    assert "WAIVED" in waived.find_element(By.CLASS_NAME, "tags").text.upper()
    assert f"Waived until {expiry:%d/%m/%Y}" in waived.text and "Jo Smith" in waived.text

    # As at the day after the expiry, it counts again.
    _submit(browser, browser.find_element(By.LINK_TEXT, "Inspect these files again"))
    _checked(browser)
    after = _inspect(browser, f"{expiry + dt.timedelta(days=1):%d/%m/%Y}")
    row, findings = _shows_the_stored_counts(browser, live_server, after)
    assert row.waived == 0 and "waived" not in _page_counts(browser)
    assert _page_counts(browser)["waiver_expired"] == 1
    lapsed = browser.find_element(By.ID, finding_id)
    assert "WAIVER EXPIRED" in lapsed.find_element(By.CLASS_NAME, "tags").text.upper()
    assert next(f for f in findings.findings if f.id == finding_id).waiver is None

    assert csp_violations(browser) == []
