"""A pack folder: its ``pack.toml`` read and checked, each contract file found (nothing outside the
folder read for it) and read into a ``Pack``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from auditor.errors import PackError
from auditor.load.ctf.source import find_ctfs, read_ctf_tables, school_of
from auditor.load.decoding import decode
from auditor.load.files import FILES, PACK_FILES, FileSpec, inside_pack
from auditor.load.readers import OTHER_SUFFIXES, split_sheet
from auditor.load.rows import _describe
from auditor.load.table import InputSummary, RejectedRow, read_table
from auditor.models import PackConfig


@dataclass
class Pack:
    root: Path
    config: PackConfig
    tables: dict[str, pd.DataFrame | None]  # None: the optional file is not in the pack
    inputs: list[InputSummary] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    notes: list[RejectedRow] = field(default_factory=list)  # what a source noted and rejected nothing for (a CTF's)

    def has(self, key: str) -> bool:
        return self.tables.get(key) is not None

    def file_name(self, key: str) -> str:
        if key in DERIVED:
            return DERIVED[key]
        spec = next(s for s in PACK_FILES if s.key == key)
        return self.config.files.get(key) or _default_file(self.root, spec)


FILE_OPTIONS = ("attendance_layout",)  # [files] keys that are settings, not file names
CTF_KEY = "ctf"  # [files] ctf: the pack's Common Transfer Files (a name or a glob), in place of the next two
CTF_TABLES = ("admission_register", "attendance")
DERIVED = {"ctf_totals": "Common Transfer File"}  # tables a source gives beside the contract's, by what gives them


def load_pack(root: str | Path) -> Pack:
    root = Path(root)
    if not root.is_dir():
        raise PackError(str(root), "no such pack folder")
    config = read_config(root / "pack.toml")
    unknown = set(config.files) - {s.key for s in PACK_FILES} - set(FILE_OPTIONS) - {CTF_KEY}
    if unknown:
        raise PackError("pack.toml", f"[files] names unknown file keys: {', '.join(sorted(unknown))}")
    unknown = {k for k in config.columns if k != "preset"} - {s.key for s in PACK_FILES}
    if unknown:
        raise PackError("pack.toml", f"[columns] names unknown file keys: {', '.join(sorted(unknown))}")
    pack = Pack(root=root, config=config, tables={})
    ctfs = _find_ctfs(pack)
    for spec in PACK_FILES:
        if ctfs and spec.key in CTF_TABLES:
            continue
        name = config.files.get(spec.key) or _default_file(root, spec)
        file_name, _ = split_sheet(name)
        named_by = f"[files] {spec.key}" if spec.key in config.files else None
        if not inside_pack(root, file_name, "pack.toml" if named_by else file_name, named_by).is_file():
            if spec.required:
                raise PackError(name, "required file is missing from the pack")
            if spec.key in config.files:
                raise PackError(name, f"is named in pack.toml ([files] {spec.key}) but is not in the pack folder")
            pack.tables[spec.key] = None
            continue
        frame, summary, rejected = read_table(
            root,
            name,
            spec,
            config.mapping_for(spec.key),
            preset=config.preset_for(spec.key),
            layout=config.attendance_layout,
        )
        pack.tables[spec.key] = frame
        pack.inputs.append(summary)
        pack.rejected.extend(rejected)
    if ctfs:
        _read_ctfs(pack, ctfs)
    return pack


def _find_ctfs(pack: Pack) -> list[tuple[str, bytes]]:
    """The pack's CTFs, the source of its admission register and attendance, when ``[files] ctf``
    names them or the pack has no admission register file and holds CTFs; else none."""
    config, root = pack.config, pack.root
    present = {key: key in config.files or (root / _default_file(root, spec)).is_file()
               for spec in FILES if (key := spec.key) in CTF_TABLES}
    if CTF_KEY not in config.files and present["admission_register"]:
        return []
    files = find_ctfs(root, config.files.get(CTF_KEY))
    for key in CTF_TABLES:
        if files and present[key]:
            raise PackError(pack.file_name(key), f"is in the pack beside Common Transfer Files ({files[0][0]}), which "
                            f"carry the {key.replace('_', ' ')}: keep one or the other")
    return files


def _read_ctfs(pack: Pack, files: list[tuple[str, bytes]]) -> None:
    """The CTFs read into the pack's tables, after its other files: the calendar's open days are a
    layout the marks may take, and rule out layouts that put marks on closed days."""
    calendar = pack.tables.get("calendar")
    school_days = None
    if calendar is not None and len(calendar):
        school_days = pd.DatetimeIndex(calendar.loc[calendar["am_open"] | calendar["pm_open"], "date"])
    read = read_ctf_tables(files, school_of(pack.config.school), school_days)
    pack.tables.update(admission_register=read.register, attendance=read.attendance, ctf_totals=read.totals)
    pack.inputs[:0] = read.inputs
    pack.rejected[:0] = read.rejected
    pack.notes += read.notes


def _default_file(root: Path, spec: FileSpec) -> str:
    """``attendance.csv``, or else ``attendance.parquet`` or ``attendance.xlsx`` if the pack has one."""
    stem = spec.default_name.rsplit(".", 1)[0]
    for name in (spec.default_name, *(stem + suffix for suffix in OTHER_SUFFIXES)):
        if (root / name).is_file():
            return name
    return spec.default_name


def read_config(path: Path) -> PackConfig:
    if not path.is_file():
        raise PackError("pack.toml", "not found in the pack folder")
    try:
        raw = tomllib.loads(decode(path.read_bytes())[0])
    except tomllib.TOMLDecodeError as err:
        raise PackError("pack.toml", f"is not valid TOML: {err}") from None
    try:
        return PackConfig.model_validate(raw)
    except ValidationError as err:
        raise PackError("pack.toml", "; ".join(_describe(e) for e in err.errors())) from None
