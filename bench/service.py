#!/usr/bin/env python3
"""The service's benchmark: one command, kept out of the test suite.

    python bench/service.py                  # the 1,500-pupil school of bench/run.py, 5 runs; then 4 uploads at once
    python bench/service.py --runs 3 --pupils 600

Side by side in one run, alternating (this machine is noisy):
- ``register-audit inspect`` of the school's files, the whole process;
- the same files through ``register-audit serve`` over loopback, as a browser sends them: the
  upload, its validation, the inspect form, the inspection, until the report page has arrived.
  Polled every 50 ms (``progress.js`` polls every 250 ms at first).
Then four uploads at once, each a whole journey, while another client asks for the home page
over and over: all four must finish, and the home page's p95 is printed. Every loop is bounded
in count and time; everything is sent to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

try:
    import httpx2 as httpx  # the test extra's, as Starlette's TestClient uses it
except ImportError:
    import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.service.live import LiveServer, inspect_form_values, job_finished, wait_for  # noqa: E402  (the tests' own way to start the server)

_spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)

POLL = 0.05
JOURNEY_TIMEOUT = 600


def journey(url: str, pack: Path) -> tuple[float, int]:
    """Seconds from the first byte of the upload to the report page received; the inspection's id."""
    with httpx.Client(base_url=url, timeout=120, follow_redirects=False) as client:
        client.get("/inspections/new")
        token = client.cookies["csrftoken"]
        handles = [path.open("rb") for path in sorted(pack.iterdir()) if path.is_file() and path.suffix in (".csv", ".toml")]
        try:
            began = time.perf_counter()
            sent = client.post("/uploads", data={"csrftoken": token},
                               files=[("files", (Path(h.name).name, h, "application/octet-stream")) for h in handles])
        finally:
            for handle in handles:
                handle.close()
        assert sent.status_code == 303, (sent.status_code, sent.text[:500])
        upload = sent.headers["location"]
        form = _until(lambda: inspect_form_values(client.get(upload).text))
        started = client.post(f"{upload}/inspect", data={"csrftoken": token, **form})
        assert started.status_code == 303, (started.status_code, started.text[:500])
        job = int(started.headers["location"].rstrip("/").rsplit("/", 1)[1])
        status = _until(lambda: job_finished(client.get(f"/jobs/{job}/status").json()))
        assert status["status"] == "done", status
        report = client.get(status["next"])
        assert report.status_code == 200 and 'id="summary"' in report.text, report.status_code
        seconds = time.perf_counter() - began
        return seconds, int(status["next"].rsplit("/", 1)[1])


def _until(probe):
    return wait_for(probe, JOURNEY_TIMEOUT, POLL)


def side_by_side(url: str, pack: Path, runs: int) -> dict:
    cli_s, web_s = [], []
    out = Path(tempfile.mkdtemp())
    for _ in range(runs):
        seconds, _ = bench_run.run_measured([sys.executable, "-m", "auditor", "inspect", str(pack), "--out", str(out)])
        cli_s.append(seconds)
        web_s.append(journey(url, pack)[0])
    shutil.rmtree(out, ignore_errors=True)
    figures = {
        "case": "upload to report page vs register-audit inspect",
        "cli_inspect_s": round(statistics.median(cli_s), 2),
        "upload_to_report_s": round(statistics.median(web_s), 2),
        "ratio": round(statistics.median(web_s) / statistics.median(cli_s), 2),
        "target_ratio": 1.3,
        "runs_cli_s": [round(s, 2) for s in cli_s],
        "runs_web_s": [round(s, 2) for s in web_s],
    }
    print(json.dumps(figures))
    return figures


def concurrent(url: str, pack: Path, uploads: int) -> dict:
    results: list[tuple[float, int]] = []
    failures: list[str] = []
    latencies: list[float] = []
    done = threading.Event()

    def upload():
        try:
            results.append(journey(url, pack))
        except Exception as err:  # counted and printed: the benchmark fails on any
            failures.append(f"{type(err).__name__}: {err}"[:300])

    def browse():
        with httpx.Client(base_url=url, timeout=30) as client:
            deadline = time.monotonic() + JOURNEY_TIMEOUT
            while not done.is_set() and time.monotonic() < deadline:
                began = time.perf_counter()
                assert client.get("/").status_code == 200
                latencies.append(time.perf_counter() - began)
                time.sleep(0.1)

    browser = threading.Thread(target=browse)
    browser.start()
    began = time.perf_counter()
    threads = [threading.Thread(target=upload) for _ in range(uploads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    browser.join()
    latencies.sort()
    figures = {
        "case": f"{uploads} uploads at once, the home page asked every 100 ms meanwhile",
        "finished": len(results),
        "failed": failures,
        "distinct_inspections": len({inspection for _, inspection in results}),
        "all_done_s": round(time.perf_counter() - began, 2),
        "each_s": sorted(round(s, 2) for s, _ in results),
        "home_requests": len(latencies),
        "home_p50_ms": round(1000 * statistics.median(latencies)) if latencies else None,
        "home_p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))]) if latencies else None,
        "target_home_p95_ms": 300,
    }
    print(json.dumps(figures))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrent", type=int, default=4)
    args = parser.parse_args()
    bench_run.CACHE.mkdir(parents=True, exist_ok=True)
    bench_run.compile_package()
    pack = bench_run.generate(bench_run.CACHE / f"school-{args.pupils}", "--pupils", str(args.pupils), "--phase", "secondary")
    data = Path(tempfile.mkdtemp(prefix="register-audit-bench-"))
    server = LiveServer(data / "data", f"sqlite:///{data / 'bench.sqlite3'}").start()
    try:
        journey(server.url, pack)  # the first inspection of a school is compared with nothing: warm up
        side_by_side(server.url, pack, args.runs)
        if args.concurrent:
            concurrent(server.url, pack, args.concurrent)
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
