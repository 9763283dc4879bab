"""The contract's files: each one's key, default name and row model, and the columns it may hold."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from auditor.models import (
    AdmissionRow,
    AllocationRow,
    AttendanceColumns,
    CalendarRow,
    ReturnRow,
    Row,
    TimetableRow,
)


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


def spec_columns(frame: pd.DataFrame, spec: FileSpec) -> list[str]:
    return [c for c in spec.columns if c in frame.columns]
