"""Writing the sample school as a DfE Common Transfer File (CTF 25), in the layout of
docs/ctf-format.md: the register's pupils with their school history at this school and this
year's attendance.

The marks: two characters per calendar date from ``AttendanceStartDate`` (the pupil's first
marked day), AM then PM, ``#`` on every date without register columns (weekends, holidays) as
well as on INSET days; the one writer whose code we read (Aspen) does the same. The 2024 codes
with a digit (``C2``) are written as letter and digit, a hypothesis: no published source says how
they are written. The totals are counted from the marks with the regulations' categories.
"""

from __future__ import annotations

import argparse
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

from generator.core import CODES, ESTABLISHMENT, LA_CODE, PackBuilder

# The sessions each code counts as in the file's totals (SI 2024/208: D, X, Y, Z are not possible).
ATTENDED = {"/", "\\", "L", "K", "V", "P", "W", "B"}
AUTHORISED = {"C1", "M", "J1", "S", "C2", "C", "E", "R", "T", "I"}
UNAUTHORISED = {"G", "N", "O", "U"}
NOT_POSSIBLE = {"#", "D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z"}
# A plausible CTF leaving reason (code set D00206) for a deletion ground, by regulation: written
# beside RemovalGrounds, which holds the register's own words.
LEAVING_REASON = {
    "9(1)": {"a": "IM", "f": "EL", "g": "LC", "i": "MI", "k": "DD", "o": "PE"},
    "8(1)": {"b": "IM", "d": "EL", "e": "LC", "h": "MI", "j": "DD", "l": "PE"},
}
# The files of a CTF pack that stay CSV: the LA's lists and the school's calendar.
BESIDE = ("la_returns.csv", "allocations.csv", "part_time_timetables.csv", "calendar.csv", "manifest.json")


def _add(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = str(text)
    return element


def _school(parent: ET.Element, lea: str, estab: str, urn: str, name: str) -> None:
    for tag, text in (("LEA", lea), ("Estab", estab), ("URN", urn), ("SchoolName", name)):
        _add(parent, tag, text)


def _iso(value: object) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def leaving_reason(ground: str) -> str | None:
    """The leaving reason for a register's ground ("9(1)(a)", "9.1.a", "reg 9(1)(a)", "ground a":
    a bare letter is read as a 2024 ground), None when no code fits."""
    match = re.match(r"^(?:reg\s*|ground\s*)?(?:(\d)\D+1\D+)?\(?([a-o])\)?$", ground.strip().lower())
    if not match:
        return None
    return LEAVING_REASON.get(f"{match[1] or 9}(1)", {}).get(match[2])


def marks_strings(pack: PackBuilder, order: np.ndarray) -> tuple[list[str | None], list[str | None], np.ndarray]:
    """Per pupil (in ``order``): the start date, the marks string (None: no marks) and the
    codes counted as possible, attended, authorised and unauthorised."""
    from generator.output import on_roll

    timeline = pack.timeline
    calendar = pd.date_range(timeline.dates[0], timeline.dates[-1], freq="D")
    position = calendar.searchsorted(timeline.dates)  # calendar index of each register day
    roll = on_roll(pack.register.iloc[order], timeline, pack.marks_until)
    codes = CODES.astype(object)
    starts, strings = [], []
    totals = np.zeros((len(order), 4), dtype=int)
    for row, pupil in enumerate(order):
        days = np.flatnonzero(roll[row])
        if not len(days):
            starts.append(None)
            strings.append(None)
            continue
        first, last = position[days[0]], position[days[-1]]
        tokens = np.full((last - first + 1, 2), "#", dtype=object)
        tokens[position[days] - first] = codes[pack.marks[pupil, days]]
        flat = tokens.ravel().tolist()
        starts.append(calendar[first].strftime("%Y-%m-%d"))
        strings.append("".join(flat))
        attended = sum(1 for c in flat if c in ATTENDED)
        authorised = sum(1 for c in flat if c in AUTHORISED)
        unauthorised = sum(1 for c in flat if c in UNAUTHORISED)
        totals[row] = (attended + authorised + unauthorised, attended, authorised, unauthorised)
    return starts, strings, totals


def ctf_tree(pack: PackBuilder, args: argparse.Namespace) -> ET.ElementTree:
    lea = str(getattr(args, "lea", None) or LA_CODE)
    estab = str(getattr(args, "estab", None) or ESTABLISHMENT[pack.phase])
    school_year = args.start.year if args.start.month >= 8 else args.start.year - 1
    root = ET.Element("CTfile")
    header = _add(root, "Header")
    for tag, text in (
        ("DocumentName", "Common Transfer File"),
        ("CTFversion", "25.0"),
        ("DateTime", f"{args.end.isoformat()}T16:00:00"),
        ("DocumentQualifier", "partial"),
        ("DataDescriptor", "Admission register and attendance for a register inspection"),
        ("SupplierID", "register-auditor sample generator"),
    ):
        _add(header, tag, text)
    source = _add(header, "SourceSchool")
    _school(source, lea, estab, args.urn, args.name)
    _add(source, "AcademicYear", school_year)
    dest = _add(header, "DestSchool")
    _add(dest, "LEA", lea)
    _add(dest, "Estab", "XXXX")

    register = pack.register.sort_values(["admission_date", "surname", "forename"], kind="stable")
    order = register.index.to_numpy()
    starts, strings, totals = marks_strings(pack, order)
    pupils = _add(root, "CTFpupilData")
    for row, (_, person) in enumerate(register.iterrows()):
        pupil = _add(pupils, "Pupil")
        for tag, column in (("UPN", "upn"), ("Surname", "surname"), ("Forename", "forename")):
            _add(pupil, tag, person[column])
        _add(pupil, "DOB", _iso(person["date_of_birth"]))
        basic = _add(pupil, "BasicDetails")
        _add(basic, "PreferredSurname", person["surname"])
        _add(basic, "NCyearActual", person["year_group"])
        _add(basic, "EnrolStatus", "M" if person["dual_registered"] == "Y" else "C")
        sen = _add(_add(pupil, "SENhistory"), "SEN")
        _add(sen, "StartDate", _iso(person["admission_date"]))
        _add(sen, "SENprovision", "E" if person["ehcp"] == "Y" else "N")
        if strings[row] is not None:
            year = _add(_add(pupil, "Attendance"), "YearData")
            _add(year, "Year", school_year)
            _school(year, lea, estab, args.urn, args.name)
            for tag, value in zip(("SessionsPossible", "SessionsAttended", "SessionsAuthorised", "SessionsUnauthorised"), totals[row]):
                _add(year, tag, int(value))
            sessions = _add(year, "AttendSessions")
            _add(sessions, "AttendanceStartDate", starts[row])
            _add(sessions, "AttendanceMarks", strings[row])
        school = _add(_add(pupil, "SchoolHistory"), "School")
        _school(school, lea, estab, args.urn, args.name)
        _add(school, "EntryDate", _iso(person["admission_date"]))
        if _iso(person["deletion_date"]):
            _add(school, "LeavingDate", _iso(person["deletion_date"]))
            ground = str(person["deletion_ground"] or "").strip()
            reason = leaving_reason(ground) if ground else None
            if reason:
                _add(school, "LeavingReason", reason)
            if ground:
                _add(school, "RemovalGrounds", ground)
    ET.indent(root, space=" ")
    return ET.ElementTree(root)


def write_ctf(pack: PackBuilder, args: argparse.Namespace, path: Path) -> int:
    """The school's CTF at ``path``; returns the number of pupils written."""
    tree = ctf_tree(pack, args)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="utf-8"?>\n')
        out.write(b"<!-- Synthetic: a fictional school and fictional pupils (sample_registers/generate.py). -->\n")
        tree.write(out, encoding="utf-8", xml_declaration=False)
        out.write(b"\n")
    return len(pack.register)


def write_ctf_pack(pack: PackBuilder, args: argparse.Namespace, csv_pack: Path, out: Path) -> int:
    """A pack folder whose register and attendance are one CTF (``ctf.xml``), with pack.toml and
    the CSV files a CTF does not carry copied from the CSV pack just written."""
    out.mkdir(parents=True, exist_ok=True)
    lines = (csv_pack / "pack.toml").read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("# Regenerate:"))
    lines[at] += f" --ctf-out {args.ctf_out}"
    lines.insert(at + 1, "# The admission register and attendance are ctf.xml, a Common Transfer File.")
    (out / "pack.toml").write_text("\n".join(lines), encoding="utf-8")
    for name in BESIDE:
        if (csv_pack / name).is_file():
            shutil.copyfile(csv_pack / name, out / name)
    return write_ctf(pack, args, out / "ctf.xml")
