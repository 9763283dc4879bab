"""New inspection in a real browser (headless Chromium from Debian's packages, through Selenium):
files chosen in the file input, the progress followed by our own script under the strict CSP,
the guess shown, the inspection started and followed to its page; and the upload cap's page."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from auditor_service.jobs import Workers
from auditor_service.settings import Settings
from auditor_service.store import open_store
from auditor_service.web.app import create_app

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

SAMPLE = Path(__file__).parents[2] / "sample_registers" / "example-primary"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path, database_url):
    """The service on loopback, as ``serve`` runs it (worker processes started by the test that needs them)."""
    settings = Settings(data=tmp_path / "data", database=database_url, max_upload_mb=2, port=_free_port())
    store = open_store(settings.database_url)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store), host="127.0.0.1", port=settings.port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://localhost:{settings.port}", settings
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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _csp_violations(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]


def test_a_user_uploads_the_files_sees_the_guess_and_starts_the_inspection(served, browser):
    base, settings = served
    workers = Workers(settings)
    workers.start()
    try:
        browser.get(f"{base}/inspections/new")
        files = [str(p) for p in sorted(SAMPLE.glob("*.csv"))]
        browser.find_element(By.ID, "files").send_keys("\n".join(files))
        browser.find_element(By.ID, "upload").click()
        # The progress script follows the validate job and opens the result when it is done.
        WebDriverWait(browser, 90).until(lambda d: d.find_elements(By.ID, "files-taken"))
        assert "/uploads/" in browser.current_url
        taken = browser.find_element(By.ID, "files-taken").text
        assert "admission_register.csv\nadmission register" in taken and "long layout" in taken
        assert browser.find_element(By.ID, "valid").is_displayed()

        for field, value in {"urn": "990001", "name": "Brookfield Community Primary School",
                             "la": "Northshire Council"}.items():
            browser.find_element(By.ID, field).send_keys(value)
        for field, value in {"as_of": "14/03/2025", "period_start": "02/09/2024"}.items():
            box = browser.find_element(By.ID, field)
            box.clear()
            box.send_keys(value)
        browser.find_element(By.ID, "inspect").click()
        WebDriverWait(browser, 120).until(lambda d: "/inspections/" in d.current_url)  # the job page leads there
        assert _csp_violations(browser) == []
    finally:
        workers.stop()


def test_an_upload_over_the_limit_shows_the_page_that_says_so(served, browser, tmp_path):
    base, settings = served
    big = tmp_path / "attendance.csv"
    big.write_bytes(b"upn,date,session,code\n" * (settings.max_upload_bytes // 20))
    browser.get(f"{base}/inspections/new")
    browser.find_element(By.ID, "files").send_keys(str(big))
    browser.find_element(By.ID, "upload").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "error-message"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Upload too large"
    assert f"the limit is {settings.max_upload_mb} MB" in browser.find_element(By.ID, "error-message").text
