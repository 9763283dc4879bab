"""The policies side by side, draft policies, and what a draft would change.

A policy owner reads every threshold of ``statutory``, ``stricter-local`` and the local policies
saved here, each value with its unit, its source and the date from which it holds; starts a
draft from one of them, changes thresholds in a form (checked by the library, one message per
problem), saves it as a policy file extending the one it started from (``<data>/policies/``,
under a name checked here, never a path from the user) and downloads it. The consequences of a
saved draft are worked out by a ``consequences`` job (``jobs/consequences.py``): a school's
latest inspection, or the sample pack, inspected again under the draft and under the policy in
force, and the scenarios of the rules the draft touches run under it."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from auditor.drafts import Draft, DraftError, Problem, make_draft
from auditor.errors import PackError
from auditor.policy import Policy, Threshold, bundled_policies, load_policy
from auditor.resources import policies_dir
from auditor.scenarios.parse import scenarios
from auditor_service import decisions
from auditor_service.jobs import enqueue
from auditor_service.jobs.consequences import KIND, sample_pack
from auditor_service.settings import Settings
from auditor_service.store.models import Inspection, Job, School, Upload
from auditor_service.uploads import new_folder
from auditor_service.web.access import may, permit
from auditor_service.web.pages.rules import WEEKDAYS, grid
from auditor_service.web.render import page

# A saved draft's name is its file's name: short, lower case, no dots or slashes, never a bundled one.
NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?")  # as auditor.drafts checks a draft's name
FINISHED = ("done", "failed")


def local_folder(settings: Settings) -> Path:
    return settings.data / "policies"


def local_path(settings: Settings, name: str) -> Path | None:
    """The file of the saved draft ``name``, if the name is one a draft may have (else None)."""
    if not NAME.fullmatch(name) or name in bundled_policies():
        return None
    return local_folder(settings) / f"{name}.toml"


@dataclass
class Shown:
    """A policy as the pages show it: its name here, the policy (None if it cannot be read, with
    why), whether it is a local draft saved here, and the thresholds its own file sets."""

    reference: str
    policy: Policy | None
    local: bool
    error: str | None = None
    own: set[str] = field(default_factory=set)
    extends: str | None = None


def shown(settings: Settings, reference: str) -> Shown | None:
    if reference in bundled_policies():
        path, local = policies_dir() / f"{reference}.toml", False
    else:
        path, local = local_path(settings, reference), True
        if path is None or not path.is_file():
            return None
    try:
        policy = load_policy(str(path))
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except PackError as err:
        return Shown(reference, None, local, error=f"{err.file}: {err.problem}")
    return Shown(reference, policy, local, own=set(raw.get("thresholds", {})), extends=raw.get("extends"))


def local_names(settings: Settings) -> list[str]:
    folder = local_folder(settings)
    names = sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []
    return [name for name in names if local_path(settings, name) is not None]


def all_policies(settings: Settings) -> list[Shown]:
    """The bundled policies, statutory first, then the local ones saved here."""
    bundled = sorted(bundled_policies(), key=lambda name: (name != "statutory", name))
    return [s for s in (shown(settings, name) for name in [*bundled, *local_names(settings)]) if s is not None]


def threshold_order(policies: list[Shown]) -> list[str]:
    """The thresholds in the order the statutory policy lists them."""
    statutory = next(s.policy for s in policies if s.reference == "statutory")
    return list(statutory.thresholds)


def policies_page(request: Request) -> Response:
    permit(request, "view-policy")
    policies = all_policies(request.app.state.settings)
    return page(request, "policies.html", {"policies": policies, "names": threshold_order(policies)})


# ---- drafts ------------------------------------------------------------------------------------



@dataclass
class DraftForm:
    """A draft as the form holds it: the policy it started from (a bundled one, or a local draft
    to change further), the bundled policy it extends, what was typed, and the problems found
    (field -> message, in the form's order); once it has none, the library's ``Draft``."""

    start: Shown
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    draft: Draft | None = None

    @property
    def base(self) -> str:
        return self.start.extends if self.start.local and self.start.extends else self.start.reference

    def value(self, key: str, default: str = "") -> str:
        return self.values.get(key, default)


def in_force(threshold: Threshold, day: dt.date) -> tuple[str, str]:
    """The value in force on ``day`` and the date from which it holds, as the form shows them."""
    held = [start for start in threshold.values if start <= day] or [min(threshold.values)]
    start = max(held)
    return str(threshold.values[start]), f"{start:%d/%m/%Y}"


def blank_form(start: Shown, day: dt.date) -> DraftForm:
    values = {"title": start.policy.title if start.local else f"Draft from {start.reference}"}
    for name, threshold in start.policy.thresholds.items():
        values[f"{name}.value"], values[f"{name}.from"] = in_force(threshold, day)
    return DraftForm(start, values)


def read_form(settings: Settings, start: Shown, sent: dict[str, str], day: dt.date) -> DraftForm:
    """The draft the form describes, checked by the library (``make_draft``: each value, date
    and name), each problem a message by its field. A threshold is changed when its value or
    date differs from the policy the draft extends."""
    form = DraftForm(start, {key: value for key, value in sent.items() if key != "csrftoken"})
    base = load_policy(form.base)
    changes: dict[str, dict[str, str]] = {}
    fields: dict[str, str] = {}  # a threshold as the library names it in a problem -> its field
    for key in form.values:  # a field of the form's, or a name the library will say is no threshold
        threshold, _, part = key.rpartition(".")
        if key not in ("name", "title") and (threshold not in base.thresholds or part not in ("value", "from")):
            changes[threshold or key] = {"": ""}
            fields[_cut(threshold or key)] = key
    for name, threshold in base.thresholds.items():
        typed = form.value(f"{name}.value").strip(), form.value(f"{name}.from").strip()
        if typed != in_force(threshold, day):
            changes[name] = {typed[1]: typed[0]}
            if not decisions.PEOPLES_DATE.fullmatch(typed[1]):  # as a person writes it; the library checks it is one
                form.errors[f"{name}.from"] = f"{name}: enter the date from which it holds as dd/mm/yyyy, like 01/09/2025"
    for key, what in (("name", "Enter a name for the draft"), ("title", "Enter a title that says what the draft is for")):
        if not form.value(key).strip():
            form.errors[key] = what
    try:
        draft = make_draft(form.base, form.value("name"), form.value("title"), changes)
    except DraftError as err:
        for problem in err.problems:
            key = _field(problem, fields)
            form.errors.setdefault(key, _message(problem, key))
    else:
        if local_path(settings, draft.name).exists():
            form.errors["name"] = f"A draft called {draft.name} is already saved: choose another name"
        form.draft = None if form.errors else draft
    order = ["name", "title", *(f"{n}.{part}" for n in base.thresholds for part in ("value", "from"))]
    form.errors = dict(sorted(form.errors.items(), key=lambda e: order.index(e[0]) if e[0] in order else len(order)))
    return form


def _field(problem: Problem, unknown: dict[str, str]) -> str:
    if problem.where in ("name", "title"):
        return problem.where
    if problem.where in ("base", "thresholds"):
        return "form"
    if problem.where in unknown:
        return unknown[problem.where]
    return f"{problem.where}.{'from' if problem.message.startswith(('the date', 'two values')) else 'value'}"


def _message(problem: Problem, key: str) -> str:
    if key == "form":
        return problem.message[0].upper() + problem.message[1:]
    if key in ("name", "title"):
        return f"{key.capitalize()}: {problem.message}"
    return str(problem)


def save(settings: Settings, form: DraftForm) -> Path | None:
    """Write the draft, as the library writes it, where saved drafts live; never over another."""
    folder = local_folder(settings)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = local_path(settings, form.draft.name)
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(form.draft.to_toml())
    except FileExistsError:
        form.errors["name"] = f"A draft called {form.draft.name} was saved meanwhile: choose another name"
        return None
    return path


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def today() -> dt.date:
    return dt.date.today()


def _base(request: Request, reference: str) -> Shown:
    base = shown(request.app.state.settings, reference)
    if base is None or base.policy is None:
        raise HTTPException(404, "There is no policy of that name to start a draft from: the policies page lists them.")
    if base.local and base.extends not in bundled_policies():
        raise HTTPException(404, "A draft starts from a bundled policy, or from a draft that extends one.")
    return base


def draft_page(request: Request) -> Response:
    permit(request, "draft-policy")
    base = _base(request, request.query_params.get("from", "statutory"))
    return _draft_page(request, blank_form(base, today()))


def _draft_page(request: Request, form: DraftForm, status: int = 200) -> Response:
    policies = [s for s in all_policies(request.app.state.settings) if s.policy]
    return page(request, "policy_draft.html", {"form": form, "policies": policies, "today": today()}, status=status)


async def save_draft(request: Request) -> Response:
    permit(request, "draft-policy")
    sent = {key: value for key, value in (await request.form()).multi_items() if isinstance(value, str)}
    base = _base(request, request.query_params.get("from", "statutory"))
    settings = request.app.state.settings
    form = read_form(settings, base, sent, today())
    if form.errors or save(settings, form) is None:
        return _draft_page(request, form, status=400)
    return RedirectResponse(f"/policies/local/{form.draft.name}", status_code=303)


def _local(request: Request) -> Shown:
    found = shown(request.app.state.settings, request.path_params["name"])
    if found is None or not found.local:
        raise HTTPException(404, "There is no saved draft of that name: the policies page lists them.")
    return found


def local_page(request: Request) -> Response:
    permit(request, "draft-policy")
    return _local_page(request, _local(request))


def _local_page(request: Request, draft: Shown, problem: str | None = None, status: int = 200) -> Response:
    base = shown(request.app.state.settings, (draft.extends or "").removesuffix(".toml")) if draft.policy else None
    with request.app.state.store.session() as session:
        schools = [school for school in session.scalars(select(School).order_by(School.name)) if may(request, "view-school", school.urn)]
        latest = {school.urn: decisions.latest_inspection(session, school.urn) for school in schools}
        session.expunge_all()
    return page(request, "policy_local.html", {
        "draft": draft, "base": base, "schools": [s for s in schools if latest[s.urn]], "latest": latest,
        "sample": sample_pack() is not None, "problem": problem,
    }, status=status)


def download(request: Request) -> Response:
    permit(request, "draft-policy")
    draft = _local(request)
    path = local_path(request.app.state.settings, draft.reference)
    return Response(path.read_bytes(), media_type="application/toml", headers={
        "content-disposition": f'attachment; filename="{draft.reference}.toml"', "cache-control": "no-store"})


async def try_draft(request: Request) -> Response:
    permit(request, "draft-policy")
    form = await request.form()
    target = form.get("on")
    settings, store = request.app.state.settings, request.app.state.store
    draft = _local(request)
    if draft.policy is None:
        return _local_page(request, draft, "The draft cannot be read, so it cannot be tried.", status=400)
    options = {"draft": draft.reference, "draft_file": str(local_path(settings, draft.reference))}
    if target == "sample":
        if sample_pack() is None:
            return _local_page(request, draft, "The sample pack is not installed here.", status=400)
        upload_id = _sample_upload(settings, store)
        options["sample"] = True
    elif isinstance(target, str) and target.startswith("school:"):
        urn = target.removeprefix("school:")
        permit(request, "view-school", urn)
        with store.session() as session:
            inspection = decisions.latest_inspection(session, urn)
            upload = session.get(Upload, inspection.upload_id) if inspection and inspection.upload_id else None
            if inspection is None:
                return _local_page(request, draft, "That school has no inspection to try the draft on.", status=400)
            if upload is None or upload.purged_at or not (settings.uploads / upload.id / "pack.toml").is_file():
                return _local_page(request, draft, (
                    f"The files of {inspection.school.name}'s latest inspection, as at {inspection.as_of:%d/%m/%Y}, "
                    "were deleted when the retention period ended, so they cannot be inspected again. "
                    "Try the draft on the sample pack instead."), status=400)
            upload_id = upload.id
            # Judged again under the policy that inspection was made under (the pack's own if not a bundled one).
            in_force = inspection.policy if inspection.policy in bundled_policies() else None
            options |= {"inspection_id": inspection.id, "as_of": inspection.as_of.isoformat(), "in_force": in_force}
    else:
        return _local_page(request, draft, "Choose a school's latest inspection or the sample pack.", status=400)
    job_id = enqueue(store, KIND, upload_id, **options)
    return RedirectResponse(f"/policies/consequences/{job_id}", status_code=303)


def _sample_upload(settings: Settings, store) -> str:
    """The sample pack's files, copied in as an upload of their own (kept, then deleted, as any upload)."""
    upload_id = secrets.token_hex(16)
    folder = new_folder(settings, upload_id)
    files = []
    for path in sorted(sample_pack().iterdir()):
        if path.is_file():
            shutil.copyfile(path, folder / path.name)
            files.append({"name": path.name, "bytes": path.stat().st_size})
    with store.session() as session:
        session.add(Upload(id=upload_id, files=json.dumps(files)))
    return upload_id


def _job(request: Request) -> Job:
    with request.app.state.store.session() as session:
        job = session.get(Job, request.path_params["job_id"])
        if job is None or job.kind != KIND:
            raise HTTPException(404, "There is no such trial of a draft.")
        session.expunge(job)
    return job


def consequences_page(request: Request) -> Response:
    permit(request, "draft-policy")
    job = _job(request)
    result = json.loads(job.result) if job.status == "done" and job.result else None
    if result and result.get("inspection_id"):
        with request.app.state.store.session() as session:
            inspection = session.get(Inspection, result["inspection_id"])
            permit(request, "view-school", inspection.urn if inspection else None)
    return page(request, "policy_consequences.html", {
        "job": job, "result": result, "refresh": job.status not in FINISHED, "options": json.loads(job.options),
        # the scenarios as the feature files hold them now, to draw their registers
        "scenarios": {s.id: s for s in scenarios()} if result else {},
        "grid": grid, "weekdays": WEEKDAYS})


def consequences_status(request: Request) -> JSONResponse:
    permit(request, "draft-policy")
    job = _job(request)
    return JSONResponse({"id": job.id, "kind": job.kind, "status": job.status, "phase": job.phase, "done": job.done,
                         "total": job.total, "error": job.error,
                         "next": f"/policies/consequences/{job.id}" if job.status in FINISHED else None})


routes = [
    Route("/policies", policies_page, name="policies"),
    Route("/policies/draft", draft_page, name="policy-draft"),
    Route("/policies/draft", save_draft, methods=["POST"], name="policy-draft-save"),
    Route("/policies/local/{name}.toml", download, name="policy-download"),
    Route("/policies/local/{name}", local_page, name="policy-local"),
    Route("/policies/local/{name}/consequences", try_draft, methods=["POST"], name="policy-try"),
    Route("/policies/consequences/{job_id:int}", consequences_page, name="policy-consequences"),
    Route("/policies/consequences/{job_id:int}/status", consequences_status, name="policy-consequences-status"),
]
