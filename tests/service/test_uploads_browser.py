"""An upload past the limit, in a real browser (headless Chromium from Debian's packages, through
Selenium): the page that says so, not a broken connection. The whole path of a new inspection in
the browser is the journey (test_journey_browser.py)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.service.live import csp_violations


@pytest.mark.parametrize("live_server", [("--max-upload-mb", "2")], indirect=True)
def test_an_upload_over_the_limit_shows_the_page_that_says_so(live_server, browser, tmp_path):
    big = tmp_path / "attendance.csv"
    big.write_bytes(b"upn,date,session,code\n" * (3 * 1024 * 1024 // 22))
    browser.get(f"{live_server.url}/inspections/new")
    browser.find_element(By.ID, "files").send_keys(str(big))
    browser.find_element(By.ID, "upload").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "error-message"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Upload too large"
    assert "the limit is 2 MB" in browser.find_element(By.ID, "error-message").text
    assert csp_violations(browser) == []
