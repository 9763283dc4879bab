"""What a worker does with each kind of job. A job ends done or failed, and a failure carries
a message a person can act on: the pack's own error, or the kind of an internal error and where
its crash report is (never a traceback, which could quote a cell)."""

from __future__ import annotations

from sqlalchemy import update

from auditor.errors import PackError, write_crash_report
from auditor_service.jobs import Progress
from auditor_service.jobs.consequences import consequences
from auditor_service.jobs.inspect import inspect_upload
from auditor_service.jobs.validate import validate_upload
from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.store.models import Job, _now

TASKS = {"validate": validate_upload, "inspect": inspect_upload, "consequences": consequences}


def run(store: Store, settings: Settings, job: Job) -> None:
    progress = Progress(store, job.id)
    try:
        outcome = TASKS[job.kind](store, settings, job, progress)
    except PackError as err:
        _finish(store, job, "failed", error=f"{err.file}: {err.problem}")
    except Exception as err:  # a fault in the tool: said, reported, and the worker goes on
        report = write_crash_report(f"serve: {job.kind} job", err)
        _finish(store, job, "failed", error=f"internal error ({type(err).__name__}); crash report: {report}")
    else:
        if outcome is not None:  # a task that stores a result marks its job done in that same transaction
            _finish(store, job, "done", **outcome)


def _finish(store: Store, job: Job, status: str, **values: object) -> None:
    with store.session() as session:
        session.execute(
            update(Job).where(Job.id == job.id).values(status=status, finished_at=_now(), phase=status, **values)
        )
