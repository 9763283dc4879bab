"""The findings object: the machine-readable result of an inspection (``findings.json``), from
which every other view is rendered."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel

from auditor.rules import Severity


class ToolInfo(BaseModel):
    name: str = "register-auditor"
    version: str


class SchoolInfo(BaseModel):
    urn: str
    name: str
    la: str


class InspectionInfo(BaseModel):
    date: dt.date
    period_start: dt.date
    policy: str
    policy_title: str
    calendar: str  # how the school's sessions were known: calendar.csv, or derived


class InputInfo(BaseModel):
    file: str
    rows: int
    accepted: int
    rejected: int
    sha256: str
    encoding: str
    layout: str | None = None  # attendance: long, wide or weekly
    unit: str = "row"  # "cell" for an attendance grid: rows then counts marks and whole lines rejected
    sheet: str | None = None
    preset: str | None = None


class RuleStatus(BaseModel):
    code: str
    name: str
    title: str
    requirement: Literal["must", "should"]
    status: Literal["checked", "not_checked"]
    reason: str | None = None
    findings: int = 0
    evidence_labels: dict[str, str] = {}


class Finding(BaseModel):
    id: str  # stable: the same finding gets the same id on every run
    rule: str
    title: str
    severity: Severity
    requirement: Literal["must", "should"]
    upn: str | None = None
    pupil: str | None = None
    event_date: dt.date | None = None
    summary: str
    evidence: dict[str, Any]
    legal_basis: str
    action: str


class RejectedRowInfo(BaseModel):
    file: str
    line: int
    reason: str
    column: str | None = None


class Inspection(BaseModel):
    tool: ToolInfo
    school: SchoolInfo
    inspection: InspectionInfo
    inputs: list[InputInfo]
    rules: list[RuleStatus]
    findings: list[Finding]
    rejected_rows: list[RejectedRowInfo]

    def count(self, severity: str | None = None, rule: str | None = None) -> int:
        return sum(
            1
            for f in self.findings
            if (severity is None or f.severity == severity) and (rule is None or f.rule == rule)
        )
