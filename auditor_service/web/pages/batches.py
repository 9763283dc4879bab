"""A folder of packs imported as one batch: each folder with a pack.toml becomes an upload of its
own and an inspect job; the batch's page follows them all (kept current by ``static/batch.js``,
or by the page itself with scripts off) and leads to the authority's page when all are done.

A pack whose pack.toml cannot be read is still queued: its job fails with the loader's message,
shown on the batch page, so that no pack sent is lost without a word."""

from __future__ import annotations

import json
import secrets
import shutil

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from auditor_service.jobs import enqueue
from auditor_service.settings import Settings
from auditor_service.store.models import Batch, Inspection, Job, Upload
from auditor_service.uploads import KINDS, MAX_FILES, BatchRefused, receive_batch
from auditor_service.web.access import may, permit
from auditor_service.web.pages.jobs import FINISHED
from auditor_service.web.render import page

NOT_USED = "not-used.json"


def new_batch(request: Request):
    permit(request, "batch")
    return page(request, "batch_new.html", _new_context(request))


def _new_context(request: Request, **extra) -> dict:
    return {"kinds": KINDS, "limit_mb": request.app.state.settings.max_upload_mb, "max_files": MAX_FILES,
            "errors": [], "refused": [], **extra}


def _batch_folder(settings: Settings, batch_id: int):
    """Where a batch keeps the list of files it did not use: under the uploads, so that it is
    deleted with them at the end of the retention."""
    return settings.uploads / f"batch-{batch_id}"


async def create_batch(request: Request):
    who = permit(request, "batch")
    settings, store = request.app.state.settings, request.app.state.store
    try:
        received = await receive_batch(request, settings, lambda: secrets.token_hex(16))
    except BatchRefused as err:
        return page(request, "batch_new.html", _new_context(request, errors=[str(err)]), status=400)
    if not received.packs:
        problem = ("No pack was found: a pack is a folder with a pack.toml in it" if received.not_used
                   else "Choose a folder of packs, or a zip of them")
        return page(request, "batch_new.html", _new_context(request, errors=[problem], refused=received.not_used),
                    status=400)
    try:
        with store.session() as session:
            batch = Batch(name=_name(received)[:300])
            session.add(batch)
            session.flush()
            batch_id = batch.id
            for pack in received.packs:
                session.add(Upload(id=pack.upload_id, batch_id=batch_id, files=json.dumps(pack.received.files),
                                   created_by=who.name))
        if received.not_used:
            folder = _batch_folder(settings, batch_id)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / NOT_USED).write_text(json.dumps(received.not_used), encoding="utf-8")
    except BaseException:
        for pack in received.packs:
            shutil.rmtree(settings.uploads / pack.upload_id, ignore_errors=True)
        raise
    for pack in received.packs:  # as-at date and policy: each pack's own pack.toml
        enqueue(store, "inspect", pack.upload_id, pack=pack.folder)
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


def _name(received) -> str:
    """The batch named by what was sent: the folders and zips its packs came from."""
    tops = dict.fromkeys(pack.folder.split(": ")[0] if ": " in pack.folder else pack.folder.split("/")[0]
                         for pack in received.packs)
    return ", ".join(tops)


def show_batch(request: Request):
    permit(request, "batch")
    batch_id = request.path_params["batch_id"]
    settings = request.app.state.settings
    with request.app.state.store.session() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise HTTPException(404)
        uploads = session.scalars(select(Upload).where(Upload.batch_id == batch_id)).all()
        # Only the packs of schools the officer may see (a pack not yet inspected names no school).
        shown = [upload for upload in uploads if upload.urn is None or may(request, "view-school", upload.urn)]
        if uploads and not shown:
            permit(request, "view-school", uploads[0].urn)  # another authority's batch: refused, and recorded
        uploads = shown
        jobs: dict[str, Job] = {}
        for job in session.scalars(select(Job).where(Job.upload_id.in_([u.id for u in uploads]), Job.kind == "inspect")
                                   .order_by(Job.id)):
            jobs[job.upload_id] = job  # the latest, if a pack was inspected again
        inspections = {row.id: row for row in session.scalars(
            select(Inspection).options(joinedload(Inspection.school)).where(Inspection.batch_id == batch_id))}
        packs = [_pack(upload, jobs.get(upload.id), inspections) for upload in uploads]
    packs.sort(key=lambda p: p["folder"])
    not_used = _not_used(settings, batch_id) + [
        {"name": f"{p['folder']}/{f['name']}", "refused": f["refused"]} for p in packs for f in p["refused"]]
    inspected = sum(p["status"] == "done" for p in packs)
    finished = all(p["status"] in FINISHED for p in packs)
    return page(request, "batch.html", {
        "batch": batch, "packs": packs, "not_used": not_used, "inspected": inspected,
        "failed": sum(p["status"] == "failed" for p in packs), "finished": finished,
    })


def _pack(upload: Upload, job: Job | None, inspections: dict[int, Inspection]) -> dict:
    inspection = inspections.get(job.inspection_id) if job is not None and job.inspection_id else None
    return {
        "upload": upload,
        "folder": json.loads(job.options).get("pack", upload.id) if job is not None else upload.id,
        "status": job.status if job is not None else "failed",
        "phase": job.phase if job is not None else "",
        "error": job.error if job is not None else "it was not queued: import the batch again",
        "inspection": inspection,
        "refused": [f for f in json.loads(upload.files) if f.get("refused")],
    }


def _not_used(settings: Settings, batch_id: int) -> list[dict]:
    try:
        return json.loads((_batch_folder(settings, batch_id) / NOT_USED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []  # none, or deleted with the uploads at the end of the retention


routes = [
    Route("/batches/new", new_batch, name="new_batch"),
    Route("/batches", create_batch, methods=["POST"], name="create_batch"),
    Route("/batches/{batch_id:int}", show_batch, name="batch"),
]
