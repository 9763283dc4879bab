"""Inspection packs built from a few Python calls: the contract's files, as the feature files'
steps (``auditor.scenarios.steps``) and the tests describe them."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from auditor.regulations import regulations
from auditor.values import upn_check_letter


def upn_for(name: str) -> str:
    """A stable, valid (right check letter) 13-character test UPN per pupil name."""
    digits = str(int(hashlib.sha256(name.encode()).hexdigest(), 16))[:12]
    return upn_check_letter("A" + digits) + digits


def uk(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def split_name(name: str) -> tuple[str, str]:
    forename, _, surname = name.partition(" ")
    return forename, surname


def tokenise_marks(cell: str) -> list[str]:
    """'NN' -> [N, N]; 'C2C2' -> [C2, C2]; '/\\' -> [/, \\]: longest code first."""
    codes = sorted(regulations().all_codes, key=len, reverse=True)
    cell = cell.strip()
    marks = []
    while cell:
        code = next((c for c in codes if cell.startswith(c)), None)
        if code is None:
            raise ValueError(f"no attendance code at {cell!r}")
        marks.append(code)
        cell = cell[len(code) :].lstrip()
    return marks


@dataclass
class PackBuilder:
    root: Path
    urn: str = "999001"
    period_start: dt.date = dt.date(2023, 9, 1)
    policy: str = "statutory"
    pupils: dict[str, dict] = field(default_factory=dict)
    marks: list[dict] = field(default_factory=list)
    returns: list[dict] | None = field(default_factory=list)
    calendar: list[dict] = field(default_factory=list)
    timetables: list[dict] | None = None  # None: the pack has no part-time timetable log
    allocations: list[dict] | None = None  # None: the pack has no allocations list
    extra_files: dict[str, list[dict]] = field(default_factory=dict)
    readmissions: list[dict] = field(default_factory=list)  # later registrations of a pupil's UPN
    ctf_files: dict[str, bytes] = field(default_factory=dict)  # CTFs in place of the register and attendance

    def add_pupil(
        self, name: str, year_group: str = "4", born: dt.date | None = None, admitted: dt.date = dt.date(2020, 9, 2)
    ) -> dict:
        forename, surname = split_name(name)
        pupil = {
            "upn": upn_for(name),
            "surname": surname,
            "forename": forename,
            "date_of_birth": uk(born or dt.date(2016, 2, 1)),
            "year_group": year_group,
            "admission_date": uk(admitted),
            "first_attendance_date": uk(admitted),
            "deletion_date": "",
            "deletion_ground": "",
        }
        self.pupils[name] = pupil
        return pupil

    def delete(self, name: str, on: dt.date, ground: str) -> None:
        self.pupils[name].update(deletion_date=uk(on), deletion_ground=ground)

    def admit(self, name: str, on: dt.date, starting: dt.date | None = None) -> None:
        self.pupils[name].update(admission_date=uk(on), first_attendance_date=uk(starting or on))

    def readmit(self, name: str, on: dt.date) -> None:
        row = dict(self.pupils[name], admission_date=uk(on), first_attendance_date=uk(on))
        self.readmissions.append(dict(row, deletion_date="", deletion_ground=""))

    def add_return(
        self,
        return_type: str,
        received: dt.date,
        name: str | None = None,
        *,
        upn: str | None = None,
        surname: str = "",
        forename: str = "",
        born: str = "",
    ) -> None:
        if name is not None:
            pupil = self.pupils[name]
            upn, surname, forename, born = (pupil["upn"], pupil["surname"], pupil["forename"], pupil["date_of_birth"])
        self.returns.append(
            {
                "upn": upn or "",
                "surname": surname,
                "forename": forename,
                "date_of_birth": born,
                "return_type": return_type,
                "received_date": uk(received),
                "ground": "",
            }
        )

    def add_week(self, name: str, monday: dt.date, cells: list[str]) -> None:
        for offset, cell in enumerate(cells):
            day = monday + dt.timedelta(days=offset)
            for session, code in zip(("AM", "PM"), tokenise_marks(cell)):
                self.marks.append({"upn": self.pupils[name]["upn"], "date": uk(day), "session": session, "code": code})

    def write(self, as_of: dt.date) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "pack.toml").write_text(
            f'[school]\nurn = "{self.urn}"\nname = "Test School"\nla = "Test LA"\n\n'
            f"[inspection]\ndate = {as_of.isoformat()}\nperiod_start = {self.period_start.isoformat()}\n"
            f'policy = "{self.policy}"\n',
            encoding="utf-8",
        )
        for name, data in self.ctf_files.items():
            (self.root / name).write_bytes(data)
        if not self.ctf_files:
            _write(
                self.root / "admission_register.csv",
                [*self.pupils.values(), *self.readmissions],
                [
                    "upn",
                    "surname",
                    "forename",
                    "date_of_birth",
                    "year_group",
                    "admission_date",
                    "first_attendance_date",
                    "deletion_date",
                    "deletion_ground",
                ],
            )
        if self.returns is not None:
            _write(
                self.root / "la_returns.csv",
                self.returns,
                ["upn", "surname", "forename", "date_of_birth", "return_type", "received_date", "ground"],
            )
        if self.marks and not self.ctf_files:
            _write(self.root / "attendance.csv", self.marks, ["upn", "date", "session", "code"])
        if self.timetables is not None:
            _write(self.root / "part_time_timetables.csv", self.timetables,
                   ["upn", "start_date", "planned_end_date", "end_date", "hours_per_week", "parent_agreed",
                    "last_review_date"])
        if self.allocations is not None:
            _write(self.root / "allocations.csv", self.allocations,
                   ["upn", "surname", "forename", "date_of_birth", "allocated_on", "expected_start_date"])
        if self.calendar:
            _write(self.root / "calendar.csv", self.calendar, ["date", "am_open", "pm_open"])
        for name, rows in self.extra_files.items():
            _write(self.root / name, rows, list(rows[0]))
        return self.root


def _write(path: Path, rows: list[dict], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
