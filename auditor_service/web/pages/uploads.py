"""New inspection: a school's files dropped on a page; what each was taken for, corrected by
choices; the validation, as ``register-audit validate`` shows it; then the school, the dates and
the policy, and an inspect job queued."""

from __future__ import annotations

import json
import re
import secrets
import shutil
from pathlib import Path

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from auditor.errors import PackError
from auditor.load import FILES, get_preset, presets, resolve_columns
from auditor.load.grids import detect_layout
from auditor.load.pack import read_config
from auditor.models import ATTENDANCE_LAYOUTS
from auditor.policy import bundled_policies
from auditor.values import parse_date
from auditor_service.accounts import covers
from auditor_service.jobs import enqueue
from auditor_service.store.models import Job, School, Upload
from auditor_service.uploads import (
    KINDS,
    PACK_TOML,
    ROLES,
    check_roles,
    new_folder,
    receive,
    write_inspection,
    write_roles,
)
from auditor_service.web.access import actor, permit
from auditor_service.web.render import page, uk_date

_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
SPECS = {spec.key: spec for spec in FILES}
PLACEHOLDER_URN = "000000"  # what `init` writes when it cannot know the URN
NAME_LIMIT = School.__table__.c.name.type.length  # a school's name and authority (School.la is as long)


def new_inspection(request: Request):
    permit(request, "upload")
    return page(request, "upload_new.html", _new_context(request))


def _own_school(request: Request) -> str | None:
    """A school account's URN: what it inspects is a self-audit of its own school."""
    who = actor(request)
    return who.urn if who is not None and who.role == "school" else None


def _new_context(request: Request, **extra) -> dict:
    return {"kinds": KINDS, "limit_mb": request.app.state.settings.max_upload_mb, "errors": [], "refused": [],
            "own_school": _own_school(request), **extra}


async def create_upload(request: Request):
    who = permit(request, "upload")
    settings, store = request.app.state.settings, request.app.state.store
    upload_id = secrets.token_hex(16)
    folder = new_folder(settings, upload_id)
    try:
        received = await receive(request, settings, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not received.taken:
        shutil.rmtree(folder, ignore_errors=True)
        problem = "None of the files could be taken" if received.refused else "Select the school's files to upload"
        return page(request, "upload_new.html", _new_context(request, errors=[problem], refused=received.refused),
                    status=400)
    with store.session() as session:
        # A school account's upload is its own school's from the start.
        session.add(Upload(id=upload_id, files=json.dumps(received.files), created_by=who.name,
                           urn=who.urn if who.role == "school" else None))
    enqueue(store, "validate", upload_id)
    return RedirectResponse(f"/uploads/{upload_id}", status_code=303)


def show_upload(request: Request):
    upload, job = _upload_and_job(request)
    return _show(request, upload, job)


def _upload_and_job(request: Request) -> tuple[Upload, Job | None]:
    """The upload of the path and its latest reading, once the actor may see it; else 404."""
    upload_id = request.path_params["upload_id"]
    with request.app.state.store.session() as session:
        upload = session.get(Upload, upload_id) if _UPLOAD_ID.fullmatch(upload_id) else None
        if upload is None:
            permit(request, "view-upload")
            raise HTTPException(404)
        permit(request, "view-upload", upload.urn, upload_id=upload.id)
        job = session.scalars(select(Job).where(Job.upload_id == upload_id, Job.kind == "validate")
                              .order_by(Job.id.desc()).limit(1)).first()
        session.expunge_all()
    if upload.purged_at is not None:
        raise HTTPException(404, "The files of this upload are no longer kept (past the retention). Upload them again.")
    return upload, job


def _result(job: Job | None) -> dict | None:
    return json.loads(job.result) if job is not None and job.status == "done" and job.result else None


def _show(request: Request, upload: Upload, job: Job | None, *, choice_errors=(), inspect_errors=None,
          values=None, status: int = 200):
    result = _result(job)
    files = json.loads(upload.files)
    context = {
        "upload": upload,
        "job": job,
        "result": result,
        "views": [_view(f) for f in result["files"]] if result else [],
        "refused": [f for f in files if f.get("refused")],
        "roles": ROLES,
        "specs": SPECS,
        "layouts": ATTENDANCE_LAYOUTS,
        "presets": presets(),
        "choice_errors": list(choice_errors),
        "inspect_errors": inspect_errors or {},
        "values": values or (_inspect_defaults(result, request.app.state.settings.uploads / upload.id, actor(request))
                             if result else {}),
        "policies": _policies(result) if result else [],
        "own_school": _own_school(request),
    }
    if context["own_school"]:
        context["values"] = {**context["values"], "urn": context["own_school"]}  # fixed: the form cannot change it
    return page(request, "upload.html", context, status=status)


def _view(file: dict) -> dict:
    """A file's mapping as the page shows it: the headers spelt otherwise, the columns as named."""
    mapping = file["mapping"]
    return {
        "by_column": {contract: header for header, contract in mapping.items()},
        "renamed": [(contract, header) for header, contract in mapping.items() if header != contract],
        "as_named": [contract for header, contract in mapping.items() if header == contract],
    }


def _inspect_defaults(result: dict, root: Path, who) -> dict:
    """The inspect form as the pack has it now (the school and dates a previous Inspect wrote
    there, when the files are inspected again), less what `init` wrote for the user to fill in;
    an officer's own authority where the pack names another."""
    school, inspection = result.get("school") or {}, result.get("inspection") or {}
    try:
        config = read_config(root / PACK_TOML)
        school, inspection = config.school.model_dump(mode="json"), config.inspection.model_dump(mode="json")
    except (PackError, OSError):
        pass  # as the validation read it
    urn = school.get("urn", "")
    name = school.get("name", "")
    return {
        "urn": "" if urn == PLACEHOLDER_URN else urn,
        "name": "" if name.startswith("CHECK") else name,
        "la": school.get("la", "") if who is None or who.role != "officer" or covers(who.la, school.get("la")) else who.la,
        "as_of": uk_date(inspection.get("date")),
        "period_start": uk_date(inspection.get("period_start")),
        "policy": inspection.get("policy", "statutory"),
    }


def _policies(result: dict) -> list[str]:
    """The bundled policies, and the pack's own if its pack.toml names another."""
    bundled = bundled_policies()
    own = (result.get("inspection") or {}).get("policy")
    return bundled + ([own] if own and own not in bundled else [])


async def correct_files(request: Request):
    """The choices of role, preset, layout and columns, written into pack.toml; validated again."""
    upload, job = _upload_and_job(request)
    result = _result(job)
    if result is None:
        return RedirectResponse(f"/uploads/{upload.id}", status_code=303)
    form = await request.form()
    roles, chosen_presets, mappings, layout = {}, {}, {}, None
    for index, file in enumerate(result["files"]):
        role = form.get(f"role-{index}") or None
        role = role if role in ROLES else None
        roles[file["name"]] = role
        spec = SPECS.get(role)
        if spec is None:
            continue
        preset = form.get(f"preset-{index}") or None
        chosen_presets[role] = preset if preset in presets() else None
        if role != file["role"] or chosen_presets[role] != file["preset"]:
            continue  # the columns shown were for another role or preset: let the loader find them first
        chosen = {c: form.get(f"column-{index}-{c}") for c in spec.columns}
        found = {contract: header for header, contract in
                 resolve_columns(file["headers"], spec, {}, get_preset(chosen_presets[role])).items()}
        mappings[role] = {c: h for c, h in chosen.items() if h in file["headers"] and found.get(c) != h}
        if role == "attendance":
            wanted = form.get("layout")
            if wanted in ATTENDANCE_LAYOUTS and wanted != detect_layout(file["headers"]):
                layout = wanted
    root = request.app.state.settings.uploads / upload.id
    problems = check_roles(root, roles)
    if problems:
        return _show(request, upload, job, choice_errors=problems, status=400)
    write_roles(root, roles, chosen_presets, layout, mappings)
    enqueue(request.app.state.store, "validate", upload.id)
    return RedirectResponse(f"/uploads/{upload.id}", status_code=303)


FIELDS = {
    "urn": "the school's URN",
    "name": "the school's name",
    "la": "the school's local authority",
    "as_of": "the as-at date",
    "period_start": "the period start",
    "policy": "the policy",
}


async def start_inspection(request: Request):
    """The school, dates and policy written into pack.toml, and the inspection queued."""
    upload, job = _upload_and_job(request)
    who = permit(request, "inspect", upload.urn, upload_id=upload.id)
    result = _result(job)
    form = await request.form()
    values = {key: str(form.get(key) or "").strip() for key in FIELDS}
    if result is None or result.get("error"):
        return _show(request, upload, job, values=values, status=400,
                     inspect_errors={"files": "The files cannot be inspected yet: correct what is said above first"})
    errors: dict[str, str] = {}
    if not re.fullmatch(r"\d{6}", values["urn"]):
        errors["urn"] = "Enter the school's URN: 6 digits, like 100001"
    elif who.role == "school" and values["urn"] != who.urn:
        errors["urn"] = f"A self-audit is of your own school: URN {who.urn}"
    for key in ("name", "la"):
        if not values[key]:
            errors[key] = f"Enter {FIELDS[key]}"
        elif len(values[key]) > NAME_LIMIT or not values[key].isprintable():  # what the database can hold
            errors[key] = f"Enter {FIELDS[key]} in {NAME_LIMIT} characters or fewer, with no control characters"
    dates = {}
    for key in ("as_of", "period_start"):
        if not values[key]:
            errors[key] = f"Enter {FIELDS[key]} as dd/mm/yyyy"
            continue
        try:
            dates[key] = parse_date(values[key])
        except ValueError as err:
            errors[key] = f"Enter {FIELDS[key]} as a real date in the form dd/mm/yyyy: {err}"
    if len(dates) == 2 and dates["period_start"] > dates["as_of"]:
        errors["period_start"] = "The period start must be on or before the as-at date"
    if values["policy"] not in _policies(result):
        errors["policy"] = "Choose a policy"
    if errors:
        return _show(request, upload, job, inspect_errors=errors, values=values, status=400)
    permit(request, "inspect", values["urn"], upload_id=upload.id)  # an officer's own authority's school
    if who.role == "officer" and not covers(who.la, values["la"]):
        # The school's authority decides which officers see it: an officer keeps it in their own.
        errors["la"] = f"You inspect for {who.la}: enter it as the school's local authority"
        return _show(request, upload, job, inspect_errors=errors, values=values, status=400)
    with request.app.state.store.session() as session:
        session.get(Upload, upload.id).urn = values["urn"]  # the upload is that school's from now on
    write_inspection(request.app.state.settings.uploads / upload.id, urn=values["urn"], name=values["name"],
                     la=values["la"], as_of=dates["as_of"], period_start=dates["period_start"], policy=values["policy"])
    job_id = enqueue(request.app.state.store, "inspect", upload.id, as_of=dates["as_of"].isoformat(),
                     policy=values["policy"], self_audit=who.role == "school",
                     created_by=who.name)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


routes = [
    Route("/inspections/new", new_inspection, name="new_inspection"),
    Route("/uploads", create_upload, methods=["POST"], name="create_upload"),
    Route("/uploads/{upload_id}", show_upload, name="upload"),
    Route("/uploads/{upload_id}/files", correct_files, methods=["POST"], name="correct_files"),
    Route("/uploads/{upload_id}/inspect", start_inspection, methods=["POST"], name="start_inspection"),
]
