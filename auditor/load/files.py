"""The contract's files: each one's key, default name and row model, and the columns it may hold;
the other files a pack may hold (its waivers); where a file named for a pack lies (never outside
it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from auditor.errors import PackError
from auditor.models import (
    AdmissionRow,
    AllocationRow,
    AttendanceColumns,
    CalendarRow,
    ReturnRow,
    Row,
    TimetableRow,
)
from auditor.waivers import WaiverRow


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
# Not the school's registers nor the LA's lists, so no rule needs it and `init` guesses it not:
# the waivers agreed for findings (auditor.waivers), read and accounted for like the others.
WAIVERS = FileSpec("waivers", "waivers.csv", WaiverRow)
PACK_FILES: tuple[FileSpec, ...] = (*FILES, WAIVERS)


def spec_columns(frame: pd.DataFrame, spec: FileSpec) -> list[str]:
    return [c for c in spec.columns if c in frame.columns]


def inside_pack(root: Path, name: str, file: str, key: str | None = None) -> Path:
    """``root / name`` with every symlink resolved, refused if that lies outside the pack folder:
    nothing outside a pack is read for it, whatever its pack.toml names or its links point to.
    ``file`` and ``key`` say who named it, for the message (no key: a default file name)."""
    named = f"{key} = {name!r} " if key else ""
    try:
        try:
            path = (root / name).resolve(strict=True)
        except FileNotFoundError:  # not there (the caller says so), or a link to nothing
            path = (root / name).resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop (RuntimeError to 3.12, OSError from 3.13), a NUL
        raise PackError(file, f"{named}is not a usable file name") from None
    if not path.is_relative_to(root.resolve()):
        raise PackError(file, f"{named}lies outside the pack folder" if key else "links outside the pack folder")
    return path
