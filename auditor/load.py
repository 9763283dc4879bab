"""Load an inspection pack: ``pack.toml`` and its CSV files, into typed frames.

Every input row ends up accepted (in a frame, with its ``line``) or rejected (file, line, reason).
A pack that cannot be inspected at all raises ``PackError`` naming the file. This module knows
encodings, dates, column mappings and code tables; it knows nothing of rules.
"""

from __future__ import annotations

import hashlib
import io
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from auditor.errors import PackError
from auditor.models import (
    AdmissionRow,
    AllocationRow,
    AttendanceColumns,
    CalendarRow,
    PackConfig,
    ReturnRow,
    Row,
    TimetableRow,
)
from auditor.regulations import regulations
from auditor.values import parse_date_column


@dataclass(frozen=True)
class FileSpec:
    key: str
    default_name: str
    model: type[Row]
    required: bool = False

    @property
    def columns(self) -> list[str]:
        return list(self.model.model_fields)

    @property
    def required_columns(self) -> list[str]:
        return [name for name, f in self.model.model_fields.items() if f.is_required()]

    @property
    def date_columns(self) -> list[str]:
        return [
            name
            for name, f in self.model.model_fields.items()
            if "date" in str(f.annotation) or name.endswith(("_date", "_on"))
        ]


FILES: tuple[FileSpec, ...] = (
    FileSpec("admission_register", "admission_register.csv", AdmissionRow, required=True),
    FileSpec("attendance", "attendance.csv", AttendanceColumns),
    FileSpec("la_returns", "la_returns.csv", ReturnRow),
    FileSpec("allocations", "allocations.csv", AllocationRow),
    FileSpec("part_time_timetables", "part_time_timetables.csv", TimetableRow),
    FileSpec("calendar", "calendar.csv", CalendarRow),
)


@dataclass(frozen=True)
class RejectedRow:
    file: str
    line: int
    reason: str


@dataclass(frozen=True)
class InputSummary:
    file: str
    rows: int
    accepted: int
    rejected: int
    sha256: str
    encoding: str


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
        return self.config.files.get(key, spec.default_name)


def load_pack(root: str | Path) -> Pack:
    root = Path(root)
    if not root.is_dir():
        raise PackError(str(root), "no such pack folder")
    config = read_config(root / "pack.toml")
    unknown = set(config.files) - {s.key for s in FILES}
    if unknown:
        raise PackError("pack.toml", f"[files] names unknown file keys: {', '.join(sorted(unknown))}")
    pack = Pack(root=root, config=config, tables={})
    for spec in FILES:
        name = config.files.get(spec.key, spec.default_name)
        path = root / name
        if not path.is_file():
            if spec.required:
                raise PackError(name, "required file is missing from the pack")
            pack.tables[spec.key] = None
            continue
        frame, summary, rejected = read_table(path, name, spec, config.columns.get(spec.key, {}))
        pack.tables[spec.key] = frame
        pack.inputs.append(summary)
        pack.rejected.extend(rejected)
    return pack


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


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without byte-order mark), else Windows-1252, as English MIS exports are."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined: keep them rather than fail
        return data.decode("latin-1"), "latin-1"


def _header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def read_table(
    path: Path, name: str, spec: FileSpec, mapping: dict[str, str]
) -> tuple[pd.DataFrame, InputSummary, list[RejectedRow]]:
    data = path.read_bytes()
    text, encoding = decode(data)
    frame, skipped = _read_csv(text, name)
    frame = _rename_columns(frame, name, spec, mapping)

    lines = _line_numbers(len(frame), skipped)
    frame.insert(0, "line", lines)
    blank = frame[spec_columns(frame, spec)].eq("").all(axis=1)
    frame = frame[~blank]

    rejected = [RejectedRow(name, line, reason) for line, reason in skipped.items()]
    if spec.model is AttendanceColumns:
        accepted, bad = _validate_attendance(frame)
    else:
        accepted, bad = _validate_rows(frame, spec)
    rejected += [RejectedRow(name, int(line), reason) for line, reason in bad]
    rejected.sort(key=lambda r: r.line)
    rows = len(frame) + len(skipped)
    summary = InputSummary(
        file=name,
        rows=rows,
        accepted=len(accepted),
        rejected=rows - len(accepted),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
    )
    return accepted.reset_index(drop=True), summary, rejected


def spec_columns(frame: pd.DataFrame, spec: FileSpec) -> list[str]:
    return [c for c in spec.columns if c in frame.columns]


_SKIPPED = re.compile(r"Skipping line (\d+): (.+)")


def _read_csv(text: str, name: str) -> tuple[pd.DataFrame, dict[int, str]]:
    """Every cell as text; rows with too many fields are skipped and reported, not fatal."""
    if not text.strip():
        raise PackError(name, "file is empty (no header row)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                on_bad_lines="warn",
            )
        except (pd.errors.ParserError, ValueError) as err:
            raise PackError(name, f"cannot be read as CSV: {err}") from None
    skipped = {
        int(m[1]): f"has more fields than the header ({m[2].strip()})"
        for w in caught
        for m in _SKIPPED.finditer(str(w.message))
    }
    return frame.fillna(""), skipped


def _line_numbers(count: int, skipped: dict[int, str]) -> np.ndarray:
    """File line of each parsed row: the header is line 1; skipped lines take no row."""
    lines = np.arange(2, 2 + count + len(skipped))
    return lines[~np.isin(lines, list(skipped))]


def _rename_columns(frame: pd.DataFrame, name: str, spec: FileSpec, mapping: dict[str, str]) -> pd.DataFrame:
    """Map the pack's headers onto the contract's names: the pack.toml mapping first, then
    headers that differ only in case, spacing or punctuation ("Date of Birth")."""
    unknown = set(mapping) - set(spec.columns)
    if unknown:
        raise PackError("pack.toml", f"[columns.{spec.key}] maps unknown columns: {', '.join(sorted(unknown))}")
    by_header = {header: contract for contract, header in mapping.items()}
    missing_mapped = [h for h in by_header if h not in frame.columns]
    if missing_mapped:
        raise PackError(name, f"has no column {missing_mapped[0]!r} named in pack.toml")
    renames = {}
    for header in frame.columns:
        target = by_header.get(header) or _header_key(str(header))
        if target in spec.columns and target not in renames.values():
            renames[header] = target
    frame = frame.rename(columns=renames)
    missing = [c for c in spec.required_columns if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns))
        raise PackError(name, f"missing required column(s) {', '.join(missing)} (found: {found})")
    return frame


def _describe(error: dict) -> str:
    where = ".".join(str(p) for p in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "no value given"
    elif error["type"] == "string_too_short":
        message = "is empty"
    return f"{where}: {message}" if where else message


def _validate_rows(frame: pd.DataFrame, spec: FileSpec) -> tuple[pd.DataFrame, list]:
    accepted, bad = [], []
    columns = spec_columns(frame, spec)
    for line, record in zip(frame["line"], frame[columns].to_dict("records")):
        try:
            row = spec.model.model_validate(record)
        except ValidationError as err:
            bad.append((line, "; ".join(_describe(e) for e in err.errors())))
            continue
        accepted.append({"line": int(line), **row.model_dump(mode="python")})
    result = pd.DataFrame(accepted, columns=["line", *spec.columns])
    for column in spec.date_columns:
        result[column] = pd.to_datetime(result[column]).astype("datetime64[ns]")
    return result, bad


SESSIONS = ("AM", "PM")


def _validate_attendance(frame: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """Column-wise checks of the marks, each row's first failure as its reason."""
    regs = regulations()
    upn = frame["upn"].str.strip().str.upper()
    session = frame["session"].str.strip().str.upper()
    code = frame["code"].str.strip().str.upper()
    date, date_reason = parse_date_column(frame["date"])

    reason = pd.Series(None, index=frame.index, dtype=object)

    def fail(mask: pd.Series, message: pd.Series | str) -> None:
        nonlocal reason
        reason = reason.mask(reason.isna() & mask, message)

    fail(upn.eq(""), "no upn")
    fail(date.isna(), "date: " + date_reason.fillna(""))
    fail(~session.isin(SESSIONS), "session '" + frame["session"] + "' is not AM or PM")
    fail(code.eq(""), "no attendance code")
    fail(~code.isin(regs.all_codes), "code '" + frame["code"] + "' is not an attendance code")

    ok = reason.isna()
    keys = [upn[ok], date[ok], session[ok]]
    first_line = frame.loc[ok, "line"].groupby(keys).transform("first")
    repeated = frame.loc[ok, "line"].ne(first_line)
    fail(
        repeated.reindex(frame.index, fill_value=False),
        "a second mark for this pupil and session (the first is on line " + first_line[repeated].astype(str) + ")",
    )
    ok = reason.isna()

    era = regs.era_ids(date[ok])
    accepted = pd.DataFrame(
        {
            "line": frame.loc[ok, "line"].astype("int64"),
            "upn": upn[ok],
            "date": date[ok],
            "session": session[ok],
            "code": code[ok],
            "era": era,
            "category": regs.categorise(code[ok], era),
        }
    )
    bad = list(zip(frame.loc[~ok, "line"], reason[~ok]))
    return accepted, bad
