"""A pack's Common Transfer Files as the source of its admission register and attendance: found
in the pack folder or in a zip in it (nothing outside the pack read, no zip member trusted), read
together, their register rows and marks validated as a CSV's are, and every pupil, entry and mark
accounted for in each file's ``InputSummary``."""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from auditor.errors import PackError
from auditor.load.ctf.combine import CtfFile, CtfRead, read_ctfs
from auditor.load.ctf.marks import LAYOUTS, TOKENS
from auditor.load.ctf.parse import SchoolId, looks_like_ctf
from auditor.load.files import FILES, inside_pack
from auditor.load.marks import _validate_attendance
from auditor.load.rows import _validate_rows
from auditor.load.table import InputSummary, RejectedRow
from auditor.models import SchoolConfig

# A 1,500-pupil school's CTF with a year of marks is about 6 MB: these bounds leave room for many
# such files and refuse a zip bomb before it is inflated.
MAX_CTF_BYTES = 256 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_ZIP_RATIO = 200  # uncompressed / compressed: XML compresses about 20 to 1, a bomb thousands to 1

# The register's contract columns as the CTF's elements, for the column of a rejection.
REGISTER_ELEMENTS = {
    "upn": "UPN", "surname": "Surname", "forename": "Forename", "date_of_birth": "DOB",
    "year_group": "NCyearActual", "admission_date": "EntryDate", "deletion_date": "LeavingDate",
    "deletion_ground": "LeavingReason", "dual_registered": "EnrolStatus", "ehcp": "SENprovision",
}
MARK_ELEMENTS = {"upn": "UPN", "date": "AttendanceStartDate", "session": "AttendanceMarks", "code": "AttendanceMarks"}

_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=\s*["']([\w.-]+)["']""")


@dataclass
class CtfTables:
    """What a pack's CTFs give the pack: its two tables, the files' totals (for DQ009), each
    file's summary, the rejected rows and the notes (observations that reject nothing)."""

    register: pd.DataFrame
    attendance: pd.DataFrame
    totals: pd.DataFrame
    inputs: list[InputSummary]
    rejected: list[RejectedRow]
    notes: list[RejectedRow]
    read: CtfRead


def find_ctfs(root: Path, named: str | None) -> list[tuple[str, bytes]]:
    """The pack's CTFs, each (name as in the pack, bytes): ``named`` (``[files] ctf``, a name or
    a glob inside the pack), else every ``*.xml`` that opens a ``<CTfile>`` and every such member
    of a ``*.zip``. A zip member is named ``exports.zip/ctf1.xml``."""
    if named:
        if _is_glob(named):
            if Path(named).is_absolute():
                raise PackError("pack.toml", f"[files] ctf = {named!r} lies outside the pack folder")
            names = sorted(str(p.relative_to(root)) for p in root.glob(named) if p.is_file())
        else:
            names = [named]
        if not names:
            raise PackError("pack.toml", f"[files] ctf = {named!r} names no file in the pack folder")
        key = "[files] ctf"
    else:
        names = sorted(p.name for p in root.iterdir() if p.suffix.lower() in (".xml", ".zip") and p.is_file())
        key = None
    found = []
    for name in names:
        path = inside_pack(root, name, "pack.toml" if key else name, key)
        if not path.is_file():
            raise PackError("pack.toml", f"[files] ctf = {name!r} is not in the pack folder")
        if path.suffix.lower() == ".zip":
            found += [(f"{name}/{member}", data) for member, data in _zip_members(path, name) if key or looks_like_ctf(data)]
            continue
        if path.stat().st_size > MAX_CTF_BYTES:
            raise PackError(name, f"is larger than {MAX_CTF_BYTES // 2**20} MB, more than any school's CTF: it is not read")
        data = path.read_bytes()
        if key or looks_like_ctf(data):
            found.append((name, data))
    return found


def _is_glob(name: str) -> bool:
    return any(c in name for c in "*?[")


def _zip_members(path: Path, name: str) -> list[tuple[str, bytes]]:
    """The ``*.xml`` members of a zip, refused whole (``PackError``, nothing read) when a member's
    name climbs out of the zip or is absolute, or the members would inflate past the bounds."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise PackError(name, f"is not a readable zip file ({err})") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        for member in members:
            parts = PurePosixPath(member.filename.replace("\\", "/"))
            if parts.is_absolute() or ".." in parts.parts or re.match(r"^[A-Za-z]:", member.filename):
                raise PackError(name, f"holds {member.filename!r}, a name that climbs out of the zip: the zip is not read")
        xml = [m for m in members if m.filename.lower().endswith(".xml")]
        total = sum(m.file_size for m in xml)
        if total > MAX_ZIP_TOTAL_BYTES or any(m.file_size > MAX_CTF_BYTES for m in xml):
            raise PackError(name, f"would inflate to {total:,} bytes, more than any school's CTFs: the zip is not read")
        if any(m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1) and m.file_size > 2**20 for m in xml):
            raise PackError(name, f"holds a member compressed more than {MAX_ZIP_RATIO} to 1, as a zip bomb is: the zip is not read")
        out = []
        for member in xml:
            try:
                with archive.open(member) as stream:
                    data = stream.read(member.file_size + 1)  # never more than it declares
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as err:
                raise PackError(f"{name}/{member.filename}", f"cannot be read from the zip ({err})") from None
            if len(data) > member.file_size:
                raise PackError(f"{name}/{member.filename}", "inflates past the size the zip declares: the zip is not read")
            out.append((member.filename, data))
        return out


def school_of(config: SchoolConfig) -> SchoolId:
    """The school being inspected as a CTF names it: the LAESTAB when pack.toml gives one, and the URN."""
    given = SchoolId.of(config.laestab) if config.laestab else SchoolId()
    return SchoolId(given.lea, given.estab, config.urn)


def read_ctf_tables(files: list[tuple[str, bytes]], school: SchoolId, school_days: pd.DatetimeIndex | None = None) -> CtfTables:
    """The CTFs read together, then each file's register rows and marks validated as a CSV's (file
    by file: each file has its own lines), and each file's summary from what the reader counted."""
    read = read_ctfs(files, school=school, school_days=school_days)
    register_spec = next(s for s in FILES if s.key == "admission_register")
    rejected = [RejectedRow(i.file, i.line, i.reason, i.element, i.records) for i in read.rejected]
    registers, marks, invalid, accepted_marks = [], [], {}, {}
    for ctf in read.files:
        rows, bad = _validate_rows(read.register[read.register["file"] == ctf.name], register_spec, REGISTER_ELEMENTS)
        registers.append(rows)
        file_marks = read.attendance[read.attendance["file"] == ctf.name] if len(read.files) > 1 else read.attendance
        accepted, bad_marks = _validate_attendance(file_marks, MARK_ELEMENTS)
        marks.append(accepted)
        accepted_marks[ctf.name] = len(accepted)
        found = [RejectedRow(ctf.name, int(line), reason, column) for line, reason, column in bad + bad_marks]
        invalid[ctf.name] = len(found)
        rejected += found
    inputs = [_summary(ctf, read.counts.loc[ctf.name], invalid[ctf.name], accepted_marks[ctf.name], data)
              for ctf, (_, data) in zip(read.files, files)]
    notes = [RejectedRow(i.file, i.line, i.reason, i.element, records=0) for i in read.notes]
    rejected.sort(key=lambda r: (r.file, r.line, r.column or ""))
    return CtfTables(
        register=_concat(registers), attendance=_concat(marks), totals=read.totals,
        inputs=inputs, rejected=rejected, notes=sorted(notes, key=lambda r: (r.file, r.line)), read=read,
    )


def _summary(ctf: CtfFile, counts: pd.Series, invalid: int, marks: int, data: bytes) -> InputSummary:
    rows = int(counts["pupils"] + counts["entries"] + counts["marks"])
    rejected = int(counts["pupils_rejected"] + counts["entries_rejected"] + counts["marks_rejected"]) + invalid
    reading = f"ctf {ctf.version or '?'}" + (f": {LAYOUTS[ctf.layout]}, {TOKENS[ctf.tokens]}" if ctf.layout else ": no marks")
    declared = _ENCODING.match(data[:200])
    return InputSummary(
        file=ctf.name,
        rows=rows,
        accepted=rows - rejected,
        rejected=rejected,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=declared.group(1).decode("ascii").lower() if declared else "utf-8",
        layout=reading,
        unit="record",
        marks=marks,
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of several files as one, text columns categorical again where they were."""
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    categorical = [c for c in frames[0].columns if isinstance(frames[0][c].dtype, pd.CategoricalDtype)]
    joined = pd.concat(frames, ignore_index=True)
    return joined.astype({c: "category" for c in categorical}) if categorical else joined
