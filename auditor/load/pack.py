"""A pack folder: its ``pack.toml`` read and checked, each contract file found (nothing outside the
folder read for it) and read into a ``Pack``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from auditor.errors import PackError
from auditor.load.decoding import decode
from auditor.load.files import FILES, FileSpec
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

    def has(self, key: str) -> bool:
        return self.tables.get(key) is not None

    def file_name(self, key: str) -> str:
        spec = next(s for s in FILES if s.key == key)
        return self.config.files.get(key) or _default_file(self.root, spec)


FILE_OPTIONS = ("attendance_layout",)  # [files] keys that are settings, not file names


def load_pack(root: str | Path) -> Pack:
    root = Path(root)
    if not root.is_dir():
        raise PackError(str(root), "no such pack folder")
    config = read_config(root / "pack.toml")
    unknown = set(config.files) - {s.key for s in FILES} - set(FILE_OPTIONS)
    if unknown:
        raise PackError("pack.toml", f"[files] names unknown file keys: {', '.join(sorted(unknown))}")
    unknown = {k for k in config.columns if k != "preset"} - {s.key for s in FILES}
    if unknown:
        raise PackError("pack.toml", f"[columns] names unknown file keys: {', '.join(sorted(unknown))}")
    pack = Pack(root=root, config=config, tables={})
    for spec in FILES:
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
    return pack


def inside_pack(root: Path, name: str, file: str, key: str | None = None) -> Path:
    """``root / name`` with every symlink resolved, refused if that lies outside the pack folder:
    nothing outside a pack is read for it, whatever its pack.toml names or its links point to.
    ``file`` and ``key`` say who named it, for the message (no key: a default file name)."""
    named = f"{key} = {name!r} " if key else ""
    try:
        path = (root / name).resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL in the name
        raise PackError(file, f"{named}is not a usable file name") from None
    if not path.is_relative_to(root.resolve()):
        raise PackError(file, f"{named}lies outside the pack folder" if key else "links outside the pack folder")
    return path


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
