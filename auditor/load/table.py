"""One file of a pack, from its bytes to the accepted frame and the rejected rows: read, columns
mapped, rows or marks validated, and every input row accounted for in its ``InputSummary``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from auditor.errors import PackError
from auditor.load.columns import _rename_columns, column_claims, get_preset, refuse_ambiguous
from auditor.load.files import FileSpec, spec_columns
from auditor.load.grids import detect_layout, melt_grid
from auditor.load.marks import _validate_attendance
from auditor.load.readers import read_cells, split_sheet
from auditor.load.rows import _validate_rows
from auditor.models import ATTENDANCE_LAYOUTS, AttendanceColumns


@dataclass(frozen=True)
class RejectedRow:
    file: str
    line: int
    reason: str
    column: str | None = None  # the header of the cell at fault, when one cell is
    records: int = 1  # the input rows it rejects: more for a CTF pupil rejected with its entries and marks


@dataclass(frozen=True)
class InputSummary:
    """``rows`` counts what is accounted for: lines of a table, or, for an attendance grid
    (``unit`` "cell"), its marks plus any whole lines rejected, or, for a Common Transfer File
    (``unit`` "record"), its pupils, school-history entries and marks. rows == accepted + rejected,
    and ``rejected`` is the sum of the file's rejected rows' ``records``."""

    file: str
    rows: int
    accepted: int
    rejected: int
    sha256: str
    encoding: str
    layout: str | None = None  # attendance: long, wide or weekly; a CTF: "ctf" and its marks' reading
    unit: str = "row"
    sheet: str | None = None
    preset: str | None = None
    marks: int = 0  # the attendance marks accepted from this file (a register grid, a list of marks, a CTF)


def read_table(
    root: Path,
    name: str,
    spec: FileSpec,
    mapping: dict[str, str],
    preset: str | None = None,
    layout: str | None = None,
) -> tuple[pd.DataFrame, InputSummary, list[RejectedRow]]:
    file_name, sheet = split_sheet(name)
    data = (root / file_name).read_bytes()
    cells = read_cells(data, name, sheet)
    headers = [c for c in cells.frame.columns if c != "line"]
    claims = column_claims(headers, spec, mapping, get_preset(preset), name, cells.written)
    refuse_ambiguous(claims, spec, name, cells.written)
    renames = {found[0]: contract for contract, found in claims.items()}
    original = {contract: header for header, contract in renames.items()}
    unit = "row"

    if spec.model is AttendanceColumns:
        layout = layout or detect_layout(headers)
        if layout not in ATTENDANCE_LAYOUTS:
            raise PackError("pack.toml", f"attendance_layout '{layout}' is not one of {', '.join(ATTENDANCE_LAYOUTS)}")
        if layout == "long":
            frame = _rename_columns(cells.frame, name, spec, renames, spec.required_columns)
            frame, faulty = _reject_faults(frame, cells.faults, renames)
            frame = frame[~frame[spec_columns(frame, spec)].eq("").all(axis=1)]
            marks, line_rejects = frame, faulty
        else:
            unit = "cell"
            frame = _rename_columns(cells.frame, name, spec, renames, ["upn"])
            marks, line_rejects = melt_grid(frame, layout, name, original.get("upn", "upn"), cells.faults)
        accepted, bad = _validate_attendance(marks, original)
        rejected = [RejectedRow(name, int(line), reason, column) for line, reason, column in line_rejects + bad]
        rows = len(marks) + len(line_rejects)
    else:
        frame = _rename_columns(cells.frame, name, spec, renames, spec.required_columns)
        frame, faulty = _reject_faults(frame, cells.faults, renames)
        frame = frame[~frame[spec_columns(frame, spec)].eq("").all(axis=1)]
        accepted, bad = _validate_rows(frame, spec, original)
        rejected = [RejectedRow(name, int(line), reason, column) for line, reason, column in faulty + bad]
        rows = len(frame) + len(faulty)
        layout = None

    rejected += [RejectedRow(name, line, reason) for line, reason in cells.skipped.items()]
    rejected.sort(key=lambda r: (r.line, r.column or ""))
    rows += len(cells.skipped)
    summary = InputSummary(
        file=name,
        rows=rows,
        accepted=len(accepted),
        rejected=rows - len(accepted),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=cells.encoding,
        layout=layout,
        unit=unit,
        sheet=cells.sheet,
        preset=preset,
        marks=len(accepted) if spec.model is AttendanceColumns else 0,
    )
    return accepted.reset_index(drop=True), summary, rejected


def _reject_faults(frame: pd.DataFrame, faults: pd.DataFrame, renames: dict[str, str]) -> tuple[pd.DataFrame, list]:
    """The rows with a fault in a column that is read, rejected with the first such fault (line,
    reason, column), and the frame without them."""
    faults = faults[faults["column"].isin(renames)]
    if faults.empty:
        return frame, []
    first = faults.drop_duplicates("line")
    reasons = first["column"].map(renames) + " " + first["problem"]
    return frame[~frame["line"].isin(first["line"])], list(zip(first["line"], reasons, first["column"]))
