#!/usr/bin/env python3
"""The service under load: one command, kept out of the test suite.

    python bench/load.py                      # 60 s: 20 users browse, 4 upload and inspect
    python bench/load.py --seconds 20 --database postgresql+psycopg://postgres@127.0.0.1:5432/bench

A real ``register-audit serve --workers 2`` on a fresh data folder (and a fresh SQLite database,
unless --database names another), with the accounts made first. For the given time, each
browser signs in (arriving over the first 5 s) and asks, in turn, for the home page, the schools, a school's page, an
inspection's page, its CSV download and a job's status, thinking 0.5-1 s between pages; each
uploader signs in and sends the sample pack, waits for its validation, inspects it and waits
for the inspection, again and again. No page asked runs an inspection (the workers do): each
kind's latency is printed, with the target p95 of 500 ms. Then the database is asked whether
every upload was inspected exactly once. Everything is sent to 127.0.0.1 only, every loop is
bounded in count and time, and nothing is written but the temporary folder, deleted after.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

try:
    import httpx2 as httpx  # the test extra's, as Starlette's TestClient uses it
except ImportError:
    import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.service.live import LiveServer, inspect_form_values, job_finished, wait_for  # noqa: E402  (the tests' own way to start the server)

SAMPLE = ROOT / "sample_registers" / "example-primary"
PASSWORD = "load test pass phrase"
TARGET_P95_MS = 500
THINK = (0.5, 1.0)
POLL = 0.25  # as progress.js polls
JOURNEY_TIMEOUT = 300  # one upload's wait for its validation, then for its inspection
MAX_PAGES = 10_000  # per user: a bound on each loop besides the clock
ARRIVALS = 5  # seconds over which the users arrive and sign in
BROWSE = ("home", "schools", "school", "inspection", "csv", "job status")


@dataclass
class Load:
    """What happened: each request's seconds by kind of page, the errors, the uploads inspected."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)  # each upload sent by an uploader
    inspected: list[str] = field(default_factory=list)  # each upload whose inspection finished
    lock: threading.Lock = field(default_factory=threading.Lock)
    once: dict[str, int] = field(default_factory=dict)  # upload id -> inspections stored (the database's word)

    @property
    def requests(self) -> int:
        return sum(len(seconds) for seconds in self.latencies.values())


class User:
    """One person's browser: its own cookies, each request timed by its kind."""

    def __init__(self, url: str, load: Load, name: str):
        self.client = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
        self.load, self.name = load, name

    def ask(self, kind: str, method: str, path: str, expect: tuple[int, ...] = (200,), **options) -> httpx.Response:
        began = time.perf_counter()
        response = self.client.request(method, path, **options)
        seconds = time.perf_counter() - began
        with self.load.lock:
            self.load.latencies[kind].append(seconds)
        if response.status_code not in expect:
            raise AssertionError(f"{self.name}: {method} {path} gave {response.status_code}: {response.text[-300:]}")
        return response

    def sign_in(self) -> None:
        self.ask("sign-in page", "GET", "/sign-in")
        token = self.client.cookies["csrftoken"]
        signed = self.ask("sign in", "POST", "/sign-in", (303,),
                          data={"csrftoken": token, "name": self.name, "password": PASSWORD})
        assert "session" in self.client.cookies, signed.headers

    @property
    def token(self) -> str:
        return self.client.cookies["csrftoken"]


def journey(user: User, load: Load) -> tuple[int, int]:
    """The sample uploaded, validated, inspected and waited for; the inspection's id and its job's."""
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream"))
             for p in sorted(SAMPLE.iterdir()) if p.suffix in (".csv", ".toml")]
    sent = user.ask("upload", "POST", "/uploads", (303,), data={"csrftoken": user.token}, files=files)
    upload = sent.headers["location"]
    with load.lock:
        load.uploads.append(upload.rsplit("/", 1)[1])
    form = wait_for(lambda: inspect_form_values(user.ask("upload page", "GET", upload).text), JOURNEY_TIMEOUT, POLL)
    started = user.ask("inspect form", "POST", f"{upload}/inspect", (303,), data={"csrftoken": user.token, **form})
    job = started.headers["location"].rsplit("/", 1)[1]
    status = wait_for(lambda: job_finished(user.ask("job status", "GET", f"/jobs/{job}/status").json()),
                      JOURNEY_TIMEOUT, POLL)
    assert status["status"] == "done", status
    user.ask("inspection", "GET", status["next"])
    with load.lock:
        load.inspected.append(upload.rsplit("/", 1)[1])
    return int(status["next"].rsplit("/", 1)[1]), int(job)


def browse(user: User, until: float, seen: dict) -> None:
    """The pages in turn, with a think between each, until the clock runs out."""
    pages = {
        "home": "/", "schools": "/schools", "school": f"/schools/{seen['urn']}",
        "inspection": f"/inspections/{seen['inspection']}", "csv": f"/inspections/{seen['inspection']}/findings.csv",
        "job status": f"/jobs/{seen['job']}/status",
    }
    for turn in range(MAX_PAGES):
        if time.monotonic() >= until:
            return
        kind = BROWSE[turn % len(BROWSE)]
        user.ask(kind, "GET", pages[kind])
        time.sleep(random.uniform(*THINK))


def upload_again(user: User, load: Load, until: float) -> None:
    for _ in range(MAX_PAGES):
        if time.monotonic() >= until:
            return
        journey(user, load)


def accounts(database: str, names: list[str]) -> None:
    """Officers of one authority (every school: an empty ``la``), made before the server starts."""
    from auditor_service import accounts as made
    from auditor_service.store import open_store

    store = open_store(database)
    with store.session() as session:
        for name in names:
            made.add(session, name, "officer", password=PASSWORD)
        made.add(session, "admin", "admin", password=PASSWORD)
    store.dispose()


def inspected_once(database: str, uploads: list[str]) -> dict[str, int]:
    """How many inspections the database holds of each upload."""
    from sqlalchemy import func, select

    from auditor_service.store import open_store
    from auditor_service.store.models import Inspection

    store = open_store(database)
    with store.session() as session:
        counts = dict(session.execute(select(Inspection.upload_id, func.count()).where(
            Inspection.upload_id.in_(uploads)).group_by(Inspection.upload_id)).all())
    store.dispose()
    return {upload: counts.get(upload, 0) for upload in uploads}


def run(data: Path, database: str, *, seconds: float = 60, browsers: int = 20, uploaders: int = 4) -> Load:
    """The load on a server of its own over ``data`` and ``database``, for ``seconds``."""
    browsing = [f"browser{n:02}" for n in range(1, browsers + 1)]
    uploading = [f"uploader{n:02}" for n in range(1, uploaders + 1)]
    accounts(database, browsing + uploading)
    load = Load()
    server = LiveServer(data, database, "--workers", "2").start()
    try:
        first = User(server.url, load, (uploading or browsing)[0])  # the one upload before the clock
        first.sign_in()
        inspection, job = journey(first, load)  # something to browse from the first second
        school = first.ask("inspection", "GET", f"/inspections/{inspection}").text
        seen = {"inspection": inspection, "job": job, "urn": re.search(r'href="/schools/(\d+)"', school)[1]}
        load.latencies.clear()  # the figures are of the load only
        until = time.monotonic() + seconds

        def user(name: str, task, start: float) -> None:
            person = User(server.url, load, name)
            try:
                time.sleep(start)  # people arrive over the first seconds, not all in one instant
                person.sign_in()
                task(person)
            except Exception as err:  # counted and printed: any fails the load
                with load.lock:
                    load.errors.append(f"{type(err).__name__}: {err}"[:500])
            finally:
                person.client.close()

        tasks = [(name, lambda p: browse(p, until, seen)) for name in browsing]
        tasks += [(name, lambda p: upload_again(p, load, until)) for name in uploading]
        arrivals = min(ARRIVALS, seconds / 4)
        threads = [threading.Thread(target=user, args=(name, task, arrivals * n / len(tasks)))
                   for n, (name, task) in enumerate(tasks)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 2 * JOURNEY_TIMEOUT)  # an upload under way is let finish
        if any(thread.is_alive() for thread in threads):
            load.errors.append("a user was still waiting after the time allowed")
        first.client.close()
    finally:
        server.stop()
    load.once = inspected_once(database, load.uploads)
    return load


def percentile(seconds: list[float], share: float) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(load: Load, seconds: float) -> str:
    lines = [f"{'page':<16}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  p95 < {TARGET_P95_MS} ms"]
    for kind, times in sorted(load.latencies.items(), key=lambda item: -len(item[1])):
        p95 = 1000 * percentile(times, 0.95)
        lines.append(f"{kind:<16}{len(times):>9}{1000 * statistics.median(times):>9.0f}{p95:>9.0f}"
                     f"{1000 * max(times):>9.0f}  {'yes' if p95 < TARGET_P95_MS else 'NO'}")
    twice = {upload: n for upload, n in load.once.items() if n != 1}
    lines += [
        "",
        f"{load.requests} requests in {seconds:.0f} s, {len(load.errors)} errors",
        f"{len(load.uploads)} uploads made (with the first, before the clock), {len(load.inspected)} inspected; "
        f"in the database each inspected exactly once: {'yes' if not twice else f'NO {twice}'}",
        *(f"error: {error}" for error in load.errors[:20]),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--browsers", type=int, default=20)
    parser.add_argument("--uploaders", type=int, default=4)
    parser.add_argument("--database", help="a SQLAlchemy URL of an empty database (default: SQLite in the folder)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="register-audit-load-"))
    try:
        load = run(folder / "data", args.database or f"sqlite:///{folder / 'load.sqlite3'}", seconds=args.seconds,
                   browsers=args.browsers, uploaders=args.uploaders)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(report(load, args.seconds))
    return 0 if not load.errors and all(n == 1 for n in load.once.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
