"""The progress script in a real browser (headless Chromium through Selenium): it asks for the
job's status every 250 ms for its first 10 s, so that a short job's next page opens at once, then
every second; and it opens the job's next page when the status names one. The page and the status
are served by a stub here, with the browser's clock moved on by the test."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from selenium.webdriver.support.ui import WebDriverWait

SCRIPT = Path(__file__).resolve().parents[2] / "auditor_service" / "web" / "static" / "progress.js"
PAGE = b"""<!doctype html><html><head><title>job</title>
<script>var realNow = Date.now; window.ahead = 0; Date.now = function () { return realNow() + window.ahead; };</script>
</head><body><div data-job-status="/status"><span data-status></span><span data-phase></span><progress></progress></div>
<script src="/progress.js"></script></body></html>"""


class _Stub(BaseHTTPRequestHandler):
    asked: list[float] = []
    done = False

    def do_GET(self):  # noqa: N802
        if self.path == "/status":
            _Stub.asked.append(time.monotonic())
            job = {"status": "running", "phase": "inspecting", "done": 1, "total": 4,
                   "next": "/next" if _Stub.done else None}
            self._send(json.dumps(job).encode(), "application/json")
        elif self.path == "/progress.js":
            self._send(SCRIPT.read_bytes(), "text/javascript")
        else:
            self._send(PAGE if self.path == "/" else b"<!doctype html><title>next</title>", "text/html")

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _gaps(since: float) -> list[float]:
    times = [t for t in _Stub.asked if t >= since]
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_the_status_is_asked_for_every_250_ms_then_every_second_and_the_next_page_opened(browser):
    _Stub.asked, _Stub.done = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/")
        start = time.monotonic()
        WebDriverWait(browser, 10).until(lambda _: len(_Stub.asked) >= 8)
        fast = _gaps(start)
        assert max(fast) < 0.7 and sorted(fast)[len(fast) // 2] < 0.45, fast  # 250 ms, with a busy machine's slack
        assert browser.find_element("css selector", "[data-phase]").text == "inspecting"

        browser.execute_script("window.ahead = 10000;")  # the job has been under way for 10 s
        later = time.monotonic() + 1.2  # the first ask after the clock moved may still be a fast one
        WebDriverWait(browser, 15).until(lambda _: len(_gaps(later)) >= 2)
        assert min(_gaps(later)) > 0.9, _gaps(later)

        _Stub.done = True
        WebDriverWait(browser, 5).until(lambda d: d.title == "next")
    finally:
        server.shutdown()
        server.server_close()
