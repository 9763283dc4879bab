"""A ``validate`` job: read an upload as ``register-audit validate`` reads a pack, after guessing
its pack.toml as ``register-audit init`` does if it came without one.

Its result is what the upload's page shows: what each file was taken for (role, preset, layout,
which header is which column, and the file's headers, to choose from) and the validation (rows
read, accepted and rejected per file, the rejected rows). A pack that cannot be read is not a
failed job: the page shows its error beside the choices that can correct it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import tomlkit

from auditor.errors import PackError
from auditor.load import FILES, Pack, get_preset, load_pack, read_cells, read_config, resolve_columns, split_sheet
from auditor.load.ctf.source import find_ctfs
from auditor.load.grids import detect_layout
from auditor.load.pack import CTF_KEY
from auditor.models import PackConfig
from auditor.policy import load_policy
from auditor.scaffold import describe, guess_pack, pack_toml
from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.store.models import Job
from auditor_service.uploads import CTF, PACK_FILES, PACK_TOML, read_toml, write_toml

MAX_REJECTED_SHOWN = 1000  # rows listed on the page; the counts are always whole
HEAD_BYTES = 256 * 1024


def validate_upload(store: Store, settings: Settings, job: Job, progress) -> dict:
    root = settings.uploads / job.upload_id
    if not root.is_dir():
        raise PackError("upload", "its files are no longer kept (past the retention): upload them again")
    result: dict = {"guessed": [], "error": None}
    if not (root / PACK_TOML).is_file():
        progress("guessing which file is which")
        guess = guess_pack(root)
        result["guessed"] = describe(guess)
        (root / PACK_TOML).write_text(pack_toml(guess, dt.date.today()), encoding="utf-8")
    progress("reading the files")
    try:
        config = read_config(root / PACK_TOML)
    except PackError as err:
        config = None
        result["error"] = {"file": err.file, "problem": err.problem}
    result["files"] = files_taken(root, config)
    if config is not None:
        result["school"] = config.school.model_dump(mode="json")
        result["inspection"] = config.inspection.model_dump(mode="json")
        try:
            pack = _load(root, config)
        except PackError as err:
            result["error"] = {"file": err.file, "problem": err.problem}
        else:
            if result["guessed"]:
                _dates_from_marks(root, pack, result)
            result.update(
                inputs=[dataclasses.asdict(s) for s in pack.inputs],
                rejected=sum(s.rejected for s in pack.inputs),
                rejected_rows=[dataclasses.asdict(r) for r in pack.rejected[:MAX_REJECTED_SHOWN]],
                notes=[dataclasses.asdict(n) for n in pack.notes[:MAX_REJECTED_SHOWN]],
                absent=[spec.key for spec in FILES if not pack.has(spec.key)],
            )
    return {"result": json.dumps(result, default=str)}


def _dates_from_marks(root: Path, pack: Pack, result: dict) -> None:
    """A guessed pack is judged as at the last day the attendance register has marks for, in that
    school year, rather than as at today (``init``'s guess): exports are often months old, and as at
    today every session since would seem unmarked. The page says where the dates came from."""
    marks = pack.tables.get("attendance")
    if marks is None or not len(marks):
        return
    last = marks["date"].max().date()
    if last > dt.date.today():
        return
    start = dt.date(last.year if last.month >= 9 else last.year - 1, 9, 1)
    doc = read_toml(root)
    doc["inspection"]["date"] = tomlkit.item(last).comment("CHECK: the 'as at' date (the last day with marks)")
    doc["inspection"]["period_start"] = tomlkit.item(start).comment("CHECK: the first date the inspection looks at")
    write_toml(root, doc)
    result["inspection"] = {**result["inspection"], "date": last.isoformat(), "period_start": start.isoformat()}
    result["last_marked"] = last.isoformat()


def _load(root: Path, config: PackConfig) -> Pack:
    pack = load_pack(root)
    load_policy(config.inspection.policy, base=root)  # as `validate` does: a policy that cannot be read is said now
    return pack


def files_taken(root: Path, config: PackConfig | None) -> list[dict]:
    """Each file of the upload (but pack.toml and waivers.csv) with what pack.toml takes it for."""
    roles = _roles(root, config) if config is not None else {}
    described = []
    for path in sorted(p for p in root.iterdir() if p.is_file() and p.name not in PACK_FILES):
        key, named = roles.get(path.name, (None, path.name))
        file = {"name": path.name, "bytes": path.stat().st_size, "role": key, "preset": None, "layout": None,
                "headers": [], "mapping": {}, "problem": None}
        described.append(file)
        if path.suffix.lower() == ".xml":
            continue
        try:
            file["headers"] = headers_of(path, named)
        except PackError as err:
            file["problem"] = err.problem
            continue
        spec = next((s for s in FILES if s.key == key), None)
        if spec is None:
            continue
        file["preset"] = config.preset_for(key)
        if key == "attendance":
            file["layout"] = config.attendance_layout or detect_layout(file["headers"])
        try:
            file["mapping"] = resolve_columns(file["headers"], spec, config.mapping_for(key),
                                              get_preset(file["preset"]), named)
        except PackError as err:
            file["problem"] = err.problem
    return described


def headers_of(path: Path, named: str) -> list[str]:
    """A file's headers; of a delimited file, read from its first lines only (load_pack reads it whole)."""
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES + 1)
        if len(head) > HEAD_BYTES and (whole_lines := head[: head.rfind(b"\n", 0, HEAD_BYTES) + 1]):
            try:
                return _headers(read_cells(whole_lines, named))
            except PackError:
                pass  # cut inside a quoted cell, or a fault the whole file will name
    return _headers(read_cells(path.read_bytes(), named, split_sheet(named)[1]))


def _headers(cells) -> list[str]:
    return [str(c) for c in cells.frame.columns if c != "line"]


def _roles(root: Path, config: PackConfig) -> dict[str, tuple[str, str]]:
    """File name -> (its role, the name pack.toml gives it, with any sheet), as ``load_pack`` finds them."""
    pack = Pack(root=root, config=config, tables={})
    roles: dict[str, tuple[str, str]] = {}
    register = "admission_register" in config.files or (root / pack.file_name("admission_register")).is_file()
    if CTF_KEY in config.files or not register:
        try:
            for name, _ in find_ctfs(root, config.files.get(CTF_KEY)):
                roles.setdefault(name.split("/", 1)[0], (CTF, name))
        except PackError:
            pass  # load_pack says why
    for spec in FILES:
        if spec.key in ("admission_register", "attendance") and any(r == CTF for r, _ in roles.values()):
            continue
        named = pack.file_name(spec.key)
        roles.setdefault(split_sheet(named)[0], (spec.key, named))
    return roles
