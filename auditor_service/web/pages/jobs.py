"""Any job's progress: a page that follows it (refreshed by ``static/progress.js``, or by the
page itself with scripts off) and the JSON it polls. A finished job leads on to what it made."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from auditor.errors import PackError
from auditor.load.pack import read_config
from auditor_service.store.models import Job, Upload
from auditor_service.web.access import permit
from auditor_service.web.render import page

FINISHED = ("done", "failed")


def _job(request: Request, action: str) -> Job:
    """The job of the path, once the actor may ``action`` on its upload's school; else 404."""
    with request.app.state.store.session() as session:
        job = session.get(Job, request.path_params["job_id"])
        if job is None:
            permit(request, action)
            raise HTTPException(404)
        permit(request, action, session.get(Upload, job.upload_id).urn, upload_id=job.upload_id)
        session.expunge(job)
    return job


def next_page(job: Job) -> str:
    """Where a finished job's page leads: the inspection it made, or the upload it read; a failed
    inspection stays on its own page, which says why."""
    if job.kind == "consequences":
        return f"/policies/consequences/{job.id}"
    if job.kind == "inspect":
        return f"/inspections/{job.inspection_id}" if job.status == "done" and job.inspection_id else f"/jobs/{job.id}"
    return f"/uploads/{job.upload_id}"


def show_job(request: Request):
    job = _job(request, "view-upload")
    if job.status == "done":
        return RedirectResponse(next_page(job), status_code=303)
    return page(request, "job.html", {"job": job, "refresh": job.status not in FINISHED,
                                      "school": _school(request.app.state.settings.uploads / job.upload_id)})


def _school(root: Path) -> str | None:
    """The school and date the job is about, as its pack.toml names them, for the page's heading."""
    try:
        config = read_config(root / "pack.toml")
    except (PackError, OSError):
        return None  # not yet known (a guess still being made), or the files are gone
    return f"{config.school.name} (URN {config.school.urn}), as at {config.inspection.date:%d/%m/%Y}"


def job_status(request: Request):
    job = _job(request, "follow-job")
    return JSONResponse({
        "id": job.id, "kind": job.kind, "status": job.status, "phase": job.phase, "done": job.done,
        "total": job.total, "error": job.error, "next": next_page(job) if job.status in FINISHED else None,
    })


routes = [
    Route("/jobs/{job_id:int}", show_job, name="job"),
    Route("/jobs/{job_id:int}/status", job_status, name="job_status"),
]
