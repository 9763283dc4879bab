"""What happens next, in a real browser (headless Chromium from Debian's packages, through
Selenium), under the service's strict CSP: the report PDF downloaded, a waiver recorded on a
finding (a mistake first), the school inspected again and the finding shown as waived and not
counted, then inspected as at a day after the expiry and counted again."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import threading
import time

import pytest
import uvicorn

from auditor_service.settings import Settings
from auditor_service.store import open_store
from auditor_service.web.app import create_app
from tests.service.test_inspections import inspect_sample, stored

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if CHROMIUM is None or CHROMEDRIVER is None:
    if os.environ.get("CI"):
        pytest.fail("chromium or chromium-driver is missing in CI: .ci/run must install them", pytrace=False)
    pytest.skip("chromium and chromium-driver are not installed (CI installs them)", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path, database_url):
    settings = Settings(data=tmp_path / "data", database=database_url, port=_free_port())
    store = open_store(settings.database_url)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store), host="127.0.0.1", port=settings.port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://localhost:{settings.port}", settings, store
    server.should_exit = True
    thread.join(10)
    store.dispose()


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path / "downloads"),
                                              "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.downloads = tmp_path / "downloads"
    yield driver
    driver.quit()


def _csp_violations(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]


def _count(driver, severity: str) -> int:
    return int(driver.find_element(By.CSS_SELECTOR, f'#summary [data-count="{severity}"]').text)


def _waiver_form(driver, finding_id: str):
    finding = driver.find_element(By.ID, finding_id)
    record = finding.find_element(By.CSS_SELECTOR, "details.record")
    if record.get_attribute("open") is None:
        record.find_element(By.TAG_NAME, "summary").click()
    return finding.find_element(By.ID, f"{finding_id}-waiver-note").find_element(By.XPATH, "./ancestor::form")


def test_an_officer_waives_a_finding_and_sees_it_waived_until_it_expires(served, browser):
    base, settings, store = served
    first = inspect_sample(store, settings)
    row, findings = stored(store, first)
    finding_id = next(f.id for f in findings.findings if f.severity == "red")

    browser.get(f"{base}/inspections/{first}")
    assert _count(browser, "red") == row.red
    browser.find_element(By.LINK_TEXT, "report.pdf").click()
    name = f"{row.urn}-{row.as_of:%d-%m-%Y}-report.pdf"
    WebDriverWait(browser, 60).until(lambda d: (d.downloads / name).exists())
    assert (browser.downloads / name).read_bytes().startswith(b"%PDF")

    expiry = dt.date.today() + dt.timedelta(days=30)
    form = _waiver_form(browser, finding_id)
    form.find_element(By.NAME, "date").send_keys(f"{expiry:%d/%m/%Y}")
    form.find_element(By.NAME, "recorded_by").send_keys("Jo Smith")
    form.find_element(By.TAG_NAME, "button").click()  # no reason given
    summary = WebDriverWait(browser, 30).until(lambda d: d.find_element(By.CLASS_NAME, "error-summary"))
    assert "Enter the reason for the waiver" in summary.text
    summary.find_element(By.LINK_TEXT, "Enter the reason for the waiver").click()
    assert browser.switch_to.active_element.get_attribute("id") == f"{finding_id}-waiver-note"
    browser.switch_to.active_element.send_keys("LA-agreed extension of the part-time timetable")
    _waiver_form(browser, finding_id).find_element(By.TAG_NAME, "button").click()
    WebDriverWait(browser, 30).until(lambda d: d.current_url.endswith(f"/inspections/{first}#{finding_id}"))
    recorded = browser.find_element(By.ID, finding_id).find_element(By.CLASS_NAME, "decisions-recorded").text
    assert "LA-agreed extension of the part-time timetable" in recorded and "Jo Smith" in recorded

    second = inspect_sample(store, settings)
    browser.get(f"{base}/inspections/{second}")
    assert _count(browser, "red") == row.red - 1
    waived = browser.find_element(By.ID, finding_id)
    assert "WAIVED" in waived.find_element(By.CLASS_NAME, "tags").text.upper()
    assert f"Waived until {expiry:%d/%m/%Y}" in waived.text and "Jo Smith" in waived.text

    after = inspect_sample(store, settings, as_of=expiry + dt.timedelta(days=1))
    browser.get(f"{base}/inspections/{after}")
    lapsed_row, lapsed_findings = stored(store, after)
    assert lapsed_row.waived == 0
    assert _count(browser, "red") == sum(1 for f in lapsed_findings.findings if f.severity == "red")
    lapsed = browser.find_element(By.ID, finding_id)
    assert "WAIVER EXPIRED" in lapsed.find_element(By.CLASS_NAME, "tags").text.upper()
    assert _csp_violations(browser) == []
