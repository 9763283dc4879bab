"""A policy owner in a real browser (headless Chromium, through Selenium) against ``register-audit
serve`` and its workers, under the service's strict CSP, on each database: a rule's page read
with its scenario's register grid; a draft made from statutory with the absence-return threshold
changed; tried on the sample pack, its added findings and changed scenarios seen; the draft
downloaded and loaded with ``register-audit inspect --policy`` to the findings the page listed."""

from __future__ import annotations

import json
import subprocess
import sys

from selenium.webdriver.common.by import By

from auditor_service.jobs.consequences import sample_pack
from tests.service.live import csp_violations, wait_for
from tests.service.test_journey_browser import _fill, _submit, _wait

THRESHOLD = "absence_return_school_days"
NINE_AND_A_HALF = "REG005-absence-return-not-made--nine-and-a-half-school-days-is-not-yet-ten"


def test_a_policy_owner_reads_a_rule_drafts_a_change_sees_what_it_changes_and_downloads_it(
        live_server, browser, tmp_path):
    # The rule's page: its scenario's register, a week per row, AM and PM side by side.
    browser.get(f"{live_server.url}/rules")
    browser.find_element(By.CSS_SELECTOR, 'a[href="/rules/REG005"]').click()
    scenario = _wait(browser, lambda d: d.find_element(By.ID, NINE_AND_A_HALF))
    assert "Nine and a half school days is not yet ten" in scenario.find_element(By.TAG_NAME, "h4").text
    rows = scenario.find_elements(By.CSS_SELECTOR, "table.register tbody tr")
    assert [row.find_element(By.CSS_SELECTOR, "th.week").text for row in rows] == ["06/01/2025", "13/01/2025", "20/01/2025"]
    monday = rows[0].find_elements(By.CSS_SELECTOR, "td")[0].find_elements(By.CSS_SELECTOR, "span.mark")
    assert [mark.text for mark in monday] == ["/", "N"]
    # The report's CSS draws it: marks side by side, as boxes of the same width.
    assert monday[0].location["y"] == monday[1].location["y"] and monday[0].location["x"] < monday[1].location["x"]
    assert monday[0].value_of_css_property("display") == "inline-block"

    # A draft from statutory, with a mistake first, then the absence return after 5 school days.
    browser.get(f"{live_server.url}/policies")
    _submit(browser, browser.find_element(By.ID, "new-draft"))
    _fill(browser, {"draft-name": "five-day-referral", "draft-title": "Referral after 5 school days",
                    f"draft-{THRESHOLD}-value": "five"})
    _submit(browser, browser.find_element(By.ID, "save-draft"))
    summary = browser.find_element(By.ID, "error-summary")
    assert f"{THRESHOLD}: 'five' is not a number of school days" in summary.text
    _fill(browser, {f"draft-{THRESHOLD}-value": "5"})
    _submit(browser, browser.find_element(By.ID, "save-draft"))
    assert browser.current_url.endswith("/policies/local/five-day-referral")
    assert "5 school days" in browser.find_element(By.ID, f"change-{THRESHOLD}").text

    # Tried on the sample pack: the job's progress, then the findings and scenarios it changes.
    browser.find_element(By.ID, "on-sample").click()
    _submit(browser, browser.find_element(By.ID, "try-draft"))
    _wait(browser, lambda d: d.find_elements(By.ID, "findings-changed"), 240)
    added = {row.get_attribute("id"): row.text for row in browser.find_elements(By.CSS_SELECTOR, "#added tbody tr")}
    assert added and all(text.startswith("REG005") for text in added.values())
    scenarios = browser.find_element(By.ID, "scenarios-changed")
    changed = browser.find_element(By.ID, f"scenario-{NINE_AND_A_HALF}")
    assert "Nine and a half school days is not yet ten" in changed.text
    assert 'no finding REG005 is raised for "Ada Example"' in changed.find_element(By.CSS_SELECTOR, "li.failed").text
    assert "holds now → fails under the draft" in changed.text.lower()
    assert "Scenario: The same register under the statutory policy gives no finding" in scenarios.text

    # Downloaded, and loaded with register-audit inspect --policy: the findings the page listed.
    browser.get(f"{live_server.url}/policies/local/five-day-referral")
    browser.find_element(By.ID, "download-draft").click()
    draft = browser.downloads / "five-day-referral.toml"
    wait_for(lambda: draft.is_file() and draft.stat().st_size > 0, 30)
    with_draft, as_is = tmp_path / "with-draft", tmp_path / "as-is"
    for out, extra in ((with_draft, ["--policy", str(draft)]), (as_is, [])):
        subprocess.run([sys.executable, "-m", "auditor", "inspect", str(sample_pack()), "--out", str(out), *extra],
                       check=True, capture_output=True)
    now = {f["id"] for f in json.loads((with_draft / "findings.json").read_text())["findings"]}
    was = {f["id"] for f in json.loads((as_is / "findings.json").read_text())["findings"]}
    assert now - was == set(added)
    assert csp_violations(browser) == []
