"""Pydantic models: the pack's configuration and one row of each register file.

A row model names the contract's columns, which are required, and how each cell is read. The
loader reports a row that fails its model as rejected, with file, line and reason.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from auditor.values import parse_date, parse_optional_date, parse_year_group, parse_yes_no


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


Date = Annotated[dt.date, BeforeValidator(parse_date)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(parse_optional_date)]
YesNo = Annotated[bool | None, BeforeValidator(parse_yes_no)]
Text = Annotated[str, BeforeValidator(_blank_to_none), Field(min_length=1)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
Upn = Annotated[str, BeforeValidator(lambda v: _blank_to_none(v).upper() if _blank_to_none(v) else v)]
OptionalUpn = Annotated[str | None, BeforeValidator(lambda v: _blank_to_none(v).upper() if _blank_to_none(v) else None)]


class Row(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AdmissionRow(Row):
    upn: Upn
    surname: Text
    forename: Text
    date_of_birth: Date
    year_group: Annotated[str | None, BeforeValidator(parse_year_group)] = None
    admission_date: Date
    first_attendance_date: OptionalDate = None
    deletion_date: OptionalDate = None
    deletion_ground: OptionalText = None
    dual_registered: YesNo = None
    ehcp: YesNo = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> AdmissionRow:
        if self.deletion_date and self.deletion_date < self.admission_date:
            raise ValueError(
                f"deletion date {self.deletion_date:%d/%m/%Y} is before the admission date "
                f"{self.admission_date:%d/%m/%Y}"
            )
        if self.date_of_birth >= self.admission_date:
            raise ValueError("date of birth is not before the admission date")
        return self


class ReturnType(str, Enum):
    new_pupil = "new_pupil"
    deletion = "deletion"
    absence = "absence"
    sickness = "sickness"
    no_show = "no_show"
    part_time = "part_time"


class ReturnRow(Row):
    upn: OptionalUpn = None
    surname: OptionalText = None
    forename: OptionalText = None
    date_of_birth: OptionalDate = None
    return_type: ReturnType
    received_date: Date
    ground: OptionalText = None

    @field_validator("return_type", mode="before")
    @classmethod
    def _return_type(cls, value: Any) -> Any:
        text = str(value or "").strip().lower().replace("-", "_").replace(" ", "_")
        if text not in ReturnType.__members__:
            raise ValueError(f"'{value}' is not a return type ({', '.join(ReturnType.__members__)})")
        return text

    @model_validator(mode="after")
    def _identifies_a_pupil(self) -> ReturnRow:
        if not self.upn and not (self.surname and self.forename and self.date_of_birth):
            raise ValueError("names no pupil: give a upn, or surname, forename and date of birth")
        return self


class AllocationRow(Row):
    upn: OptionalUpn = None
    surname: Text
    forename: Text
    date_of_birth: Date
    allocated_on: Date
    expected_start_date: Date


class TimetableRow(Row):
    upn: Upn
    start_date: Date
    planned_end_date: OptionalDate = None
    end_date: OptionalDate = None
    hours_per_week: Annotated[float | None, BeforeValidator(_blank_to_none)] = None
    parent_agreed: YesNo = None
    last_review_date: OptionalDate = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> TimetableRow:
        if self.end_date and self.end_date < self.start_date:
            raise ValueError(f"end date {self.end_date:%d/%m/%Y} is before the start date {self.start_date:%d/%m/%Y}")
        return self


class CalendarRow(Row):
    date: Date
    am_open: Annotated[bool, BeforeValidator(parse_yes_no)]
    pm_open: Annotated[bool, BeforeValidator(parse_yes_no)]


class AttendanceColumns(Row):
    """The attendance file's columns. Its rows are checked column-wise (see ``load``), not row by
    row: a school's year holds over half a million marks."""

    upn: str
    date: dt.date
    session: str
    code: str


# ---- pack.toml -------------------------------------------------------------------------------


class SchoolConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    urn: str
    name: str
    la: str = ""
    # The DfE number, LA and establishment ("961/2999" or "9612999"): what a CTF's schools are named by.
    laestab: str | None = None
    # The school's most senior year group (e.g. "6"); else the highest year group in the register.
    senior_year_group: Annotated[str | None, BeforeValidator(parse_year_group)] = None

    @field_validator("urn", mode="before")
    @classmethod
    def _urn_as_text(cls, value: Any) -> str:
        return str(value)

    @field_validator("laestab", mode="before")
    @classmethod
    def _laestab_digits(cls, value: Any) -> str | None:
        if value is None:
            return None
        digits = re.sub(r"[\s/-]", "", str(value))
        if not re.fullmatch(r"\d{7}", digits):
            raise ValueError(f"'{value}' is not a LAESTAB: 3 digits of the LA and 4 of the school, e.g. 961/2999")
        return f"{digits[:3]}/{digits[3:]}"


class InspectionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: Date
    period_start: Date
    policy: str = "statutory"

    @model_validator(mode="after")
    def _period_before_date(self) -> InspectionConfig:
        if self.period_start > self.date:
            raise ValueError("period_start is after the inspection date")
        return self


ATTENDANCE_LAYOUTS = ("long", "wide", "weekly")


class PackConfig(BaseModel):
    """``[files]`` names files (``attendance = "marks.xlsx#Sheet2"``) and may fix the attendance
    layout; ``[columns]`` may name a preset for every file, and ``[columns.<file>]`` a preset and
    header mappings for one file (mappings override the preset)."""

    model_config = ConfigDict(extra="forbid")
    school: SchoolConfig
    inspection: InspectionConfig
    files: dict[str, str] = {}
    columns: dict[str, str | dict[str, str]] = {}

    @model_validator(mode="after")
    def _columns_shape(self) -> PackConfig:
        for key, value in self.columns.items():
            if isinstance(value, str) and key != "preset":
                raise ValueError(f"columns.{key}: expected a table of column = \"Header\" (or preset = \"name\")")
            if isinstance(value, dict) and key == "preset":
                raise ValueError("columns.preset: expected a preset name")
        layout = self.files.get("attendance_layout")
        if layout is not None and layout not in ATTENDANCE_LAYOUTS:
            raise ValueError(f"files.attendance_layout: '{layout}' is not one of {', '.join(ATTENDANCE_LAYOUTS)}")
        return self

    def preset_for(self, key: str) -> str | None:
        own = self.columns.get(key)
        if isinstance(own, dict) and own.get("preset"):
            return own["preset"]
        preset = self.columns.get("preset")
        return preset if isinstance(preset, str) else None

    def mapping_for(self, key: str) -> dict[str, str]:
        own = self.columns.get(key)
        return {k: v for k, v in own.items() if k != "preset"} if isinstance(own, dict) else {}

    @property
    def attendance_layout(self) -> str | None:
        return self.files.get("attendance_layout")
