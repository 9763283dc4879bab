"""A batch imported in a real browser (headless Chromium, under the service's strict CSP): a zip of
three packs sent through the form, and the batch's page kept current by its script, without a
reload, until the live server's worker processes have inspected all three."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.service.test_batches import SCHOOLS, three_packs, zipped


def test_a_zip_of_packs_imported_in_the_browser_is_followed_until_all_are_inspected(live_server, browser, tmp_path):
    packs = tmp_path / "packs.zip"
    packs.write_bytes(zipped(three_packs()))
    browser.get(live_server.url + "/")
    browser.find_element(By.ID, "new-batch").click()
    WebDriverWait(browser, 10).until(lambda b: b.current_url.endswith("/batches/new"))
    browser.find_element(By.ID, "zip").send_keys(str(packs))
    browser.find_element(By.ID, "import").click()
    WebDriverWait(browser, 20).until(lambda b: "/batches/" in b.current_url and "/new" not in b.current_url)
    browser.execute_script("window.notReloaded = true;")  # gone if the page were loaded again

    count = WebDriverWait(browser, 240, poll_frequency=0.5).until(
        lambda b: b.find_element(By.ID, "batch-count").text.startswith("3 of 3") and b.find_element(By.ID, "batch-count"))
    assert count.text == "3 of 3 inspected", live_server.read_log()
    assert browser.execute_script("return window.notReloaded === true;"), "the script, not a reload, brought the page up to date"
    table = browser.find_element(By.ID, "packs").text
    for folder, (urn, name) in SCHOOLS.items():
        assert f"packs.zip: packs/{folder}" in table and f"{name} ({urn})" in table
    assert len(browser.find_elements(By.CSS_SELECTOR, '#packs a[href^="/inspections/"]')) == 3
    browser.find_element(By.ID, "to-authority").click()
    WebDriverWait(browser, 20).until(lambda b: b.current_url.endswith("/authority"))
    assert "3 schools" in browser.find_element(By.ID, "authority-meta").text
