"""The service as a user runs it: ``register-audit serve`` in a process of its own (with its
worker processes), and Debian's headless Chromium driven through chromedriver by Selenium."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def need_browser() -> None:
    if CHROMIUM and CHROMEDRIVER:
        return
    message = "chromium and chromium-driver (Debian's packages) are needed: .ci/run installs them"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def wait_for(condition, timeout: float = 120, every: float = 0.02):
    """``condition()``'s first value that is not None, asked every ``every`` seconds; an
    AssertionError after ``timeout`` seconds. Bounded, as every loop against a server here is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := condition()) is not None:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """``register-audit serve`` on a free loopback port, in a session of its own so that it and
    its workers can be stopped, or killed, together."""

    def __init__(self, data: Path, database: str, *extra: str):
        self.data, self.database, self.extra = data, database, extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> LiveServer:
        command = [sys.executable, "-m", "auditor_service", "serve", "--no-browser", "--port", str(self.port),
                   "--data", str(self.data), "--database", self.database, *self.extra]
        self.log = open(self.data.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start: {self.read_log()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not answer in {timeout} s: {self.read_log()}")

    def read_log(self) -> str:
        self.log.flush()
        return (self.data.parent / f"server-{self.port}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def kill(self) -> None:
        """SIGKILL to the server and every worker at once, as a power cut or an OOM killer would."""
        if self.process:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(30)


def chrome(downloads: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a driver or a browser
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic", "--window-size=1280,2000",
                 f"--user-data-dir={downloads.parent / 'chrome-profile'}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "plugins.always_open_pdf_externally": True,
    })
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # what csp_violations reads
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(60)
    return driver


def csp_violations(driver) -> list[str]:
    """The Content-Security-Policy violations the browser logged since this was last called."""
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]


def inspect_form_values(html: str) -> dict | None:
    """The upload page's inspect form as it is filled in (None until the files are read; a
    failed reading raises, saying why)."""
    if 'id="job-error"' in html:
        raise AssertionError(re.search(r'id="job-error".*?</div>', html, re.S).group(0))
    if 'id="inspect-form"' not in html:
        return None
    form = html.split('id="inspect-form"', 1)[1].split("</form>", 1)[0]
    values = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
    values.pop("csrftoken", None)
    selected = re.search(r'<option value="([^"]+)" selected', form)
    values["policy"] = selected.group(1) if selected else "statutory"
    return values


def job_finished(status: dict) -> dict | None:
    """A job's status, once it is done or failed (for ``wait_for``)."""
    return status if status["status"] in ("done", "failed") else None
