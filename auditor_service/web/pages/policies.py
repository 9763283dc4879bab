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

import tomlkit
from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from auditor.errors import PackError
from auditor.policy import MAXIMUM, Policy, bundled_policies, load_policy
from auditor.resources import policies_dir
from auditor_service import decisions
from auditor_service.jobs import enqueue
from auditor_service.jobs.consequences import KIND, sample_pack
from auditor_service.settings import Settings
from auditor_service.uploads import new_folder
from auditor_service.store.models import Inspection, Job, School, Upload
from auditor_service.web.access import permit
from auditor_service.web.render import page

# A saved draft's name is its file's name: short, lower case, no dots or slashes, never a bundled one.
NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
NAME_RULE = "lower-case letters, digits and hyphens (at most 40), starting and ending with a letter or digit"
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

NUMBER = re.compile(r"\d{1,7}(?:\.\d{1,4})?")  # plain digits: no sign, exponent, nan or inf to misread
UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
MAX_TEXT = 300


@dataclass
class DraftForm:
    """A draft as the form holds it: the policy it starts from, what was typed, the problems
    found (field -> message, in the form's order) and the thresholds it changes."""

    base: Shown
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    changes: dict[str, dict] = field(default_factory=dict)

    def value(self, key: str, default: str = "") -> str:
        return self.values.get(key, default)


def in_force(threshold, day: dt.date) -> tuple[dt.date, int | float]:
    """The start and value of the dated value in force on ``day``."""
    held = [start for start in threshold.values if start <= day] or [min(threshold.values)]
    return max(held), threshold.values[max(held)]


def blank_form(base: Shown, day: dt.date) -> DraftForm:
    values = {"title": f"Draft from {base.reference}"}
    for name, threshold in base.policy.thresholds.items():
        start, value = in_force(threshold, day)
        values[f"{name}.value"], values[f"{name}.from"] = _number(value), f"{start:%d/%m/%Y}"
    return DraftForm(base, values)


def read_form(settings: Settings, base: Shown, sent: dict[str, str], day: dt.date) -> DraftForm:
    """The draft the form describes, checked: each problem a message by its field."""
    form = DraftForm(base, {key: value for key, value in sent.items() if key != "csrftoken"})
    errors = form.errors
    name = form.value("name").strip()
    if not name:
        errors["name"] = f"Enter a name for the draft: {NAME_RULE}"
    elif local_path(settings, name) is None:
        errors["name"] = f"The name must be {NAME_RULE}, and not the name of a bundled policy"
    elif local_path(settings, name).exists():
        errors["name"] = f"A draft called {name} is already saved: choose another name"
    title = form.value("title").strip()
    if not title:
        errors["title"] = "Enter a title that says what the draft is for"
    elif len(title) > MAX_TEXT:
        errors["title"] = f"The title must be {MAX_TEXT} characters or fewer"
    known = base.policy.thresholds
    for key in form.values:
        threshold = key.rsplit(".", 1)[0]
        if key not in ("name", "title") and (threshold not in known or not key.endswith((".value", ".from", ".source"))):
            errors[key] = f"There is no threshold called {_cut(threshold)}: a draft changes only the thresholds the rules use"
    for threshold_name, threshold in known.items():
        change = _read_threshold(form, threshold_name, threshold, day)
        if change is not None:
            form.changes[threshold_name] = change
    if not errors and not form.changes:
        errors["form"] = "The draft changes no threshold: change a value or the date from which it holds"
    return form


def _read_threshold(form: DraftForm, name: str, threshold, day: dt.date) -> dict | None:
    start, current = in_force(threshold, day)
    raw_value, raw_from = form.value(f"{name}.value").strip(), form.value(f"{name}.from").strip()
    unit = threshold.unit
    value = from_ = None
    if not NUMBER.fullmatch(raw_value.removesuffix(unit).strip()):
        form.errors[f"{name}.value"] = (f"Enter {name} as a number of {unit} from 0 to {MAXIMUM:,}, "
                                        f"like {_number(current)}")
    else:
        value = _amount(raw_value.removesuffix(unit).strip())
        if value > MAXIMUM:
            form.errors[f"{name}.value"] = f"{name} must be at most {MAXIMUM:,} {unit}"
            value = None
    match = UK_DATE.fullmatch(raw_from)
    try:
        from_ = dt.date(int(match[3]), int(match[2]), int(match[1])) if match else None
    except ValueError:
        from_ = None
    if from_ is None:
        form.errors[f"{name}.from"] = (f"Enter the date from which {name} holds as dd/mm/yyyy, "
                                       f"like {start:%d/%m/%Y}")
    source = form.value(f"{name}.source").strip()
    if len(source) > MAX_TEXT:
        form.errors[f"{name}.source"] = f"The source of {name} must be {MAX_TEXT} characters or fewer"
    if value is None or from_ is None or (value == current and from_ == start and not source):
        return None
    values = {d: v for d, v in threshold.values.items() if d < from_} | {from_: value}
    return {"description": threshold.description, "unit": unit,
            "source": source or f"Local draft: {_number(value)} {unit} from {from_:%d/%m/%Y}, in place of {_number(current)}",
            "values": values}


def policy_toml(form: DraftForm) -> str:
    """The draft as a policy file of the format of ``rules/policies/``: it extends the policy it
    started from and holds only what it changes."""
    document = tomlkit.document()
    document.add(tomlkit.comment(f"A local draft policy, made from {form.base.reference} on the policies page."))
    document.add(tomlkit.nl())
    document["name"] = form.value("name").strip()
    document["title"] = form.value("title").strip()
    document["extends"] = form.base.reference if not form.base.local else f"{form.base.reference}.toml"
    thresholds = tomlkit.table(is_super_table=True)
    for name, change in form.changes.items():
        table = tomlkit.table()
        for key in ("description", "unit", "source"):
            table[key] = change[key]
        values = tomlkit.inline_table()
        values.update({start.isoformat(): value for start, value in sorted(change["values"].items())})
        table["values"] = values
        thresholds[name] = table
    document["thresholds"] = thresholds
    return tomlkit.dumps(document)


def save(settings: Settings, form: DraftForm) -> Path | None:
    """Write the draft where saved drafts live, once the library reads it as a policy; else say
    why on the form and write nothing."""
    folder = local_folder(settings)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = policy_toml(form)
    trial = folder / f".{secrets.token_hex(8)}.toml"  # beside the drafts it may extend; never listed
    try:
        trial.write_text(text, encoding="utf-8")
        load_policy(str(trial))
    except PackError as err:
        form.errors["form"] = f"The draft is not a valid policy: {err.problem}"
        return None
    finally:
        trial.unlink(missing_ok=True)
    path = local_path(settings, form.value("name").strip())
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        form.errors["name"] = "A draft of that name was saved meanwhile: choose another name"
        return None
    return path


def _amount(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number


def _number(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def today() -> dt.date:
    return dt.date.today()


def _base(request: Request, reference: str) -> Shown:
    base = shown(request.app.state.settings, reference)
    if base is None or base.policy is None:
        raise HTTPException(404, "There is no policy of that name to start a draft from: the policies page lists them.")
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
    return RedirectResponse(f"/policies/local/{form.value('name').strip()}", status_code=303)


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
        schools = [school for school in session.scalars(select(School).order_by(School.name)) if _may_view(request, school.urn)]
        latest = {school.urn: decisions.latest_inspection(session, school.urn) for school in schools}
        session.expunge_all()
    return page(request, "policy_local.html", {
        "draft": draft, "base": base, "schools": [s for s in schools if latest[s.urn]], "latest": latest,
        "sample": sample_pack() is not None, "problem": problem,
    }, status=status)


def _may_view(request: Request, urn: str) -> bool:
    """Whether the actor may see the school ``urn`` (the schools a draft may be tried on)."""
    try:
        permit(request, "view-school", urn)
    except HTTPException:
        return False
    return True


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
    base = draft.extends or "statutory"
    options = {"draft": draft.reference, "draft_file": str(local_path(settings, draft.reference)),
               "base": str(local_folder(settings) / base) if base.endswith(".toml") else base}
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
            options |= {"inspection_id": inspection.id, "as_of": inspection.as_of.isoformat()}
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
        "job": job, "result": result, "refresh": job.status not in FINISHED,
        "options": json.loads(job.options)})


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
