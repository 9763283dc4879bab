"""Inspections run in worker processes, never in the server's threads: durable-rules takes no
locks. The queue is the ``jobs`` table: a worker claims the oldest queued job by updating its
status where it is still queued, so two workers never run one job, and a job outlives the server
that queued it. A job left running by a worker that died is queued again at the next start."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import or_, select, update

from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.store.models import Job, _now

POLL_SECONDS = 0.1  # how soon an idle worker sees a new job
# With inspections running, pages slowed to a p95 of 0.5-1 s on two cores (bench/load.py); at this
# niceness every page's p95 stays under 500 ms, and as many inspections are done.
WORKER_NICENESS = 10
HOST = socket.gethostname()[:255]


def enqueue(store: Store, kind: str, upload_id: str, **options: object) -> int:
    with store.session() as session:
        job = Job(kind=kind, upload_id=upload_id, options=json.dumps(options, default=str))
        session.add(job)
        session.flush()
        return job.id


def claim(store: Store) -> Job | None:
    """The oldest queued job, now marked running by this process; None if there is none."""
    with store.session() as session:
        for job_id in session.scalars(select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(4)):
            claimed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(status="running", worker_pid=os.getpid(), worker_host=HOST, started_at=_now(), phase="starting")
            )
            if claimed.rowcount == 1:
                return session.get(Job, job_id)
    return None


class Progress:
    """What a running job tells the page: its phase and how far through it."""

    def __init__(self, store: Store, job_id: int):
        self.store, self.job_id = store, job_id

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None:
        with self.store.session() as session:
            session.execute(update(Job).where(Job.id == self.job_id).values(phase=phase, done=done, total=total))


def recover(store: Store) -> int:
    """Queue again every job left running by a process of this machine that is gone (a killed
    server's workers). Another machine's jobs, on a database several servers share, are its own
    to recover: their process numbers mean nothing here."""
    with store.session() as session:
        running = session.scalars(select(Job).where(Job.status == "running", or_(Job.worker_host == HOST, Job.worker_host.is_(None))))
        stale = [job for job in running if not _alive(job.worker_pid)]
        for job in stale:
            job.status, job.phase, job.worker_pid, job.worker_host = "queued", "waiting for a worker (restarted)", None, None
        return len(stale)


def _alive(pid: int | None) -> bool:
    """Is the worker ``pid`` still running? A killed worker whose parent died with it can linger
    as a zombie until init reaps it: that is not alive."""
    if pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc here: the signal said it exists
    return state not in ("Z", "X")


def work(settings: Settings, stop: Callable[[], bool] = lambda: False) -> None:
    """A worker's loop: claim, run, record; until ``stop()`` or SIGTERM."""
    from auditor.inspection import prepare_process
    from auditor_service.jobs.tasks import run

    stopping = False

    def on_term(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops us
    if hasattr(os, "nice"):  # not on Windows
        os.nice(WORKER_NICENESS)  # the pages first: an inspection (and its processes) takes what is left
    prepare_process()
    store = Store(settings.database_url)
    try:
        while not (stopping or stop()):
            job = claim(store)
            if job is None:
                time.sleep(POLL_SECONDS)
                continue
            run(store, settings, job)
    finally:
        store.dispose()


class Workers:
    """The server's worker processes. Spawned, not forked: a fork of a server with threads
    running can copy a lock held by another thread."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.processes: list[multiprocessing.Process] = []

    def start(self) -> None:
        spawn = multiprocessing.get_context("spawn")
        for _ in range(self.settings.workers):
            # Not daemonic: an inspection forks helpers of its own to build facts.
            process = spawn.Process(target=work, args=(self.settings,), name="register-audit worker")
            process.start()
            self.processes.append(process)

    def stop(self, timeout: float = 10) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(timeout)
            if process.is_alive():
                process.kill()
                process.join()
        self.processes.clear()
