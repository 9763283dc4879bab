"""The queue: jobs wait their turn, and no job is ever claimed twice, however many workers ask."""

from __future__ import annotations

import threading

from auditor_service.jobs import Progress, claim, enqueue, recover
from auditor_service.store import Store
from auditor_service.store.models import Job, Upload


def _jobs(store: Store, count: int) -> list[int]:
    with store.session() as session:
        session.add(Upload(id="u" * 32, files="[]"))
    return [enqueue(store, "inspect", "u" * 32) for _ in range(count)]


def test_workers_asking_at_once_each_get_a_different_job_and_every_job_is_taken(store, settings):
    queued = _jobs(store, 24)
    claimed: list[int] = []
    lock = threading.Lock()

    def worker():
        own = Store(settings.database_url)  # a process of its own would have its own connections
        try:
            while (job := claim(own)) is not None:
                with lock:
                    claimed.append(job.id)
        finally:
            own.dispose()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == queued  # each once, none left
    with store.session() as session:
        assert {job.status for job in session.query(Job)} == {"running"}


def test_jobs_are_taken_oldest_first_and_progress_is_recorded(store):
    first, second = _jobs(store, 2)
    job = claim(store)
    assert job.id == first and job.status == "running"
    Progress(store, job.id)("judging the facts", 3, 7)
    with store.session() as session:
        row = session.get(Job, first)
        assert (row.phase, row.done, row.total) == ("judging the facts", 3, 7)
        assert session.get(Job, second).status == "queued"


def test_a_job_whose_worker_is_gone_is_queued_again_and_a_live_ones_is_not(store):
    dead, alive = _jobs(store, 2)
    with store.session() as session:
        session.get(Job, dead).status, session.get(Job, dead).worker_pid = "running", 2**22 + 12345  # no such pid
        session.get(Job, alive).status, session.get(Job, alive).worker_pid = "running", 1  # init: alive
    assert recover(store) == 1
    with store.session() as session:
        assert session.get(Job, dead).status == "queued"
        assert session.get(Job, alive).status == "running"


def test_a_job_another_machine_runs_is_left_to_it_though_its_pid_means_nothing_here(store):
    from auditor_service.jobs import HOST

    elsewhere, here = _jobs(store, 2)
    with store.session() as session:
        for job_id, host in ((elsewhere, "another-server"), (here, HOST)):
            job = session.get(Job, job_id)
            job.status, job.worker_pid, job.worker_host = "running", 2**22 + 12345, host  # no such pid here
    assert recover(store) == 1
    with store.session() as session:
        assert session.get(Job, elsewhere).status == "running"
        assert session.get(Job, here).status == "queued" and session.get(Job, here).worker_host is None


def test_a_claimed_job_names_the_machine_its_worker_runs_on(store):
    from auditor_service.jobs import HOST

    _jobs(store, 1)
    assert claim(store).worker_host == HOST
