"""``register-audit init``: guess a pack.toml from the files found in a folder.

Each file's headers are held against each file of the contract under each column preset (and
none); the best fits are assigned one file per contract file. Nothing is guessed silently: every
guess comes back as a sentence, and the pack.toml says what to check.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from auditor.errors import PackError
from auditor.load import FILES, FileSpec, Preset, detect_layout, inside_pack, presets, read_cells, resolve_columns
from auditor.load.ctf import CtfFile, read_ctfs
from auditor.load.ctf.source import find_ctfs

_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet")
# Words in a file's name that hint at which register it is (a tie-breaker, never decisive).
_HINTS = {
    "admission_register": ("admission", "register", "roll", "pupil", "student", "leaver"),
    "attendance": ("attendance", "marks", "mark", "session"),
    "la_returns": ("return", "notification", "cme", "offroll", "off_roll"),
    "allocations": ("allocation", "offer", "admissions"),
    "part_time_timetables": ("part", "timetable", "reduced"),
    "calendar": ("calendar", "term", "sessions"),
}


@dataclass
class Fit:
    spec: FileSpec
    file: str
    preset: str | None
    mapped: dict[str, str]  # header -> contract column
    layout: str | None
    score: float


@dataclass
class Guess:
    files: dict[str, Fit] = field(default_factory=dict)
    preset: str | None = None
    notes: list[str] = field(default_factory=list)
    ctfs: list[CtfFile] = field(default_factory=list)  # Common Transfer Files: the register and attendance
    named: list[str] = field(default_factory=list)  # files read by their default names though not recognised

    @property
    def complete(self) -> bool:
        return "admission_register" in self.files or bool(self.ctfs)


def _unmapped(headers: list[str], spec: FileSpec) -> list[str]:
    """The contract's required columns that no header of the file gives."""
    found = set(resolve_columns(headers, spec, {}, None).values())
    return [column for column in spec.required_columns if column not in found] or ["nothing required"]


def _fits(path: Path, headers: list[str], spec: FileSpec, candidates: list[Preset | None]) -> list[Fit]:
    fits = []
    layout = detect_layout(headers) if spec.key == "attendance" else None
    required = ["upn"] if layout in ("wide", "weekly") else spec.required_columns
    hint = sum(word in path.stem.lower() for word in _HINTS[spec.key])
    for preset in candidates:
        mapped = resolve_columns(headers, spec, {}, preset)
        found = set(mapped.values())
        if not set(required) <= found:
            continue
        score = 10 * len(found & set(spec.required_columns)) + len(found) + 3 * hint + (20 if layout not in (None, "long") else 0)
        # A preset earns its place only by mapping headers that plain spelling would not.
        plain = set(resolve_columns(headers, spec, {}, None).values())
        if preset is not None and not found - plain:
            continue
        fits.append(Fit(spec, path.name, preset.name if preset else None, mapped, layout, score))
    return fits


def guess_pack(folder: Path) -> Guess:
    guess = Guess()
    candidates: list[Preset | None] = [None, *presets().values()]
    all_fits: list[Fit] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES):
        shown = os.fsencode(path.name).decode("utf-8", "replace")
        if shown != path.name:  # bytes that are no UTF-8 text: pack.toml could not name the file
            guess.notes.append(f"{shown}: skipped, its name is not UTF-8 text (rename it)")
            continue
        try:
            inside_pack(folder, path.name, path.name)  # a link out of the folder is never read
            cells = read_cells(path.read_bytes(), path.name)
        except PackError as err:
            guess.notes.append(f"{path.name}: skipped, {err.problem}")
            continue
        headers = [c for c in cells.frame.columns if c != "line"]
        fits = [fit for spec in FILES for fit in _fits(path, headers, spec, candidates)]
        if not fits:
            named = next((spec for spec in FILES if spec.default_name == path.name), None)
            shown = ", ".join(map(str, headers[:8]))
            if named is not None:  # read as that file by its name all the same: say what to map
                guess.named.append(path.name)
                guess.notes.append(f"{path.name}: read as the {named.key.replace('_', ' ')} by its name, but its headers "
                                   f"({shown}) lack {', '.join(_unmapped(headers, named))}: map them in "
                                   f"[columns.{named.key}]")
            else:
                guess.notes.append(f"{path.name}: not recognised (headers: {shown})")
        all_fits += fits
    used: set[str] = set()
    for fit in sorted(all_fits, key=lambda f: -f.score):
        if fit.spec.key in guess.files or fit.file in used:
            continue
        guess.files[fit.spec.key] = fit
        used.add(fit.file)
    for fit in all_fits:
        if fit.file not in used and not any(n.startswith(fit.file + ":") for n in guess.notes):
            guess.notes.append(f"{fit.file}: also looks like {fit.spec.key} but another file fitted better; not used")
            used.add(fit.file)
    _guess_ctfs(folder, guess)
    named = [fit.preset for fit in guess.files.values() if fit.preset]
    guess.preset = max(set(named), key=named.count) if named else None
    return guess


def _guess_ctfs(folder: Path, guess: Guess) -> None:
    """The folder's CTFs, when no export is the admission register: they are the register and the
    attendance (found again by ``load_pack``, so pack.toml need not name them), and their
    SourceSchool is the school."""
    if "admission_register" in guess.files:
        return
    try:
        files = find_ctfs(folder, None)
        guess.ctfs = read_ctfs(files).files if files else []
    except PackError as err:
        guess.notes.append(f"{err.file}: skipped, {err.problem}")
        return
    if guess.ctfs and "attendance" in guess.files:
        fit = guess.files.pop("attendance")
        guess.notes.append(f"{fit.file}: looks like attendance, but the CTFs carry the attendance; not used")


def describe(guess: Guess) -> list[str]:
    lines = []
    for ctf in guess.ctfs:
        lines.append(f"{ctf.name} is a Common Transfer File (CTF {ctf.version or '?'}) from {ctf.school_name or 'a school'} "
                     f"({ctf.source}): the admission register and attendance")
    for key, fit in guess.files.items():
        how = f"preset {fit.preset}" if fit.preset else "the contract's column names"
        layout = f", {fit.layout} layout" if fit.layout else ""
        pairs = ", ".join(f"{contract} = {header!r}" for header, contract in fit.mapped.items() if header != contract)
        lines.append(f"{fit.file} is the {key.replace('_', ' ')} ({how}{layout})" + (f": {pairs}" if pairs else ""))
    present = {fit.file for fit in guess.files.values()} | set(guess.named)
    missing = [spec.key for spec in FILES if spec.key not in guess.files and spec.default_name not in present
               and not (guess.ctfs and spec.key in ("admission_register", "attendance"))]
    if missing:
        lines.append("not found: " + ", ".join(missing) + " (rules that need them will be reported as not checked)")
    return lines + guess.notes


def pack_toml(guess: Guess, today: dt.date) -> str:
    """The pack.toml for ``guess``, written by a TOML library: a file's name, whatever it holds
    (quotes, ``#``, line breaks), stays one string value and cannot add a key."""
    start = dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    doc = tomlkit.document()
    doc.add(tomlkit.comment("Written by `register-audit init`: check every line marked CHECK before inspecting."))
    doc.add(tomlkit.nl())
    source = guess.ctfs[0].source if guess.ctfs else None
    school = {
        "urn": (source.urn, "from the CTF: CHECK") if source and source.urn else ("000000", "CHECK: the school's URN"),
        "name": ((guess.ctfs[0].school_name, "from the CTF") if guess.ctfs and guess.ctfs[0].school_name
                 else ("CHECK: school name", None)),
        "la": ("", None),
    }
    if source and source.lea and source.estab:
        school["laestab"] = (f"{source.lea}/{source.estab}", "from the CTF: how its records name the school")
    doc["school"] = _table(**school)
    doc["inspection"] = _table(
        date=(today, "CHECK: the 'as at' date"),
        period_start=(start, "CHECK: the first date the inspection looks at"),
        policy=("statutory", None),
    )
    files = {}
    for key, fit in guess.files.items():
        spec = next(s for s in FILES if s.key == key)
        if fit.file != spec.default_name:
            files[key] = (fit.file, None)
        if fit.layout and fit.layout != "long":
            files["attendance_layout"] = (fit.layout, "guessed from the headers")
    doc["files"] = _table(**files)
    columns = _table(**({"preset": (guess.preset, "guessed from the headers")} if guess.preset else {}))
    for key, fit in guess.files.items():
        if fit.preset and fit.preset != guess.preset:
            columns[key] = _table(preset=(fit.preset, "guessed from the headers"))
    if columns:
        doc["columns"] = columns
    return tomlkit.dumps(doc).rstrip("\n") + "\n"


def _table(**entries: tuple[object, str | None]) -> tomlkit.items.Table:
    """A TOML table of ``key = value  # comment``, with a blank line after it."""
    table = tomlkit.table()
    for key, (value, comment) in entries.items():
        item = tomlkit.item(value)
        table.add(key, item.comment(comment) if comment else item)
    if entries:
        table.add(tomlkit.nl())
    return table
