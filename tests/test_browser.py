"""The report as a person sees it: rendered by a real browser (headless Chromium), offline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from auditor.report import write_outputs
from tests.test_views import HOSTILE_SURNAME, report  # noqa: F401  (the fixture)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail("chromium is missing in CI: .ci/run must install it", pytrace=False)
    pytest.skip("chromium is not installed (CI installs it)", allow_module_level=True)


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, check=True)


def test_a_browser_shows_the_summary_and_the_register_grid(report, tmp_path):  # noqa: F811
    write_outputs(report, tmp_path, ["html"])
    url = (tmp_path / "report.html").as_uri()

    dom = chromium(tmp_path, "--dump-dom", url).stdout
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    assert "Register inspection report" in text and "Test School" in text
    assert re.search(r'data-count="red">1<', dom) and re.search(r'data-count="amber">1<', dom)
    assert "Children to refer to the children missing education team now" in text
    # The grid as an officer reads it: week of 13/01/2025, every session O and counted.
    row = re.search(r"<tr><th[^>]*>13/01/2025</th>(.*?)</tr>", dom, re.S).group(1)
    assert re.findall(r'<span class="mark counted"[^>]*>(\w)</span>', row) == ["O"] * 10
    # The hostile name is text on the page, never an element.
    assert HOSTILE_SURNAME.replace('"', "&quot;") in dom or "&lt;script&gt;" in dom
    assert "<script>" not in dom

    screenshot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1100,2400", url)
    assert screenshot.stat().st_size > 10_000
