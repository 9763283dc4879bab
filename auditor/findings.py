"""The findings object: the machine-readable result of an inspection (``findings.json``), from
which every other view is rendered."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from auditor.indicators import Indicators
from auditor.load import InputSummary, RejectedRow
from auditor.rules import Severity
from auditor.waivers import Waiver, finding_keys


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
    previous_date: dt.date | None = None  # the inspection compared against (--previous)
    pseudonymised: bool = False  # names and UPNs replaced by stable pseudonyms


# What was read, and what was rejected, as the loader accounts for it (one definition of each).
InputInfo = InputSummary
RejectedRowInfo = RejectedRow


class RuleStatus(BaseModel):
    code: str
    name: str
    title: str
    requirement: Literal["must", "should"]
    status: Literal["checked", "not_checked"]
    reason: str | None = None
    findings: int = 0  # those that count: not waived
    waived: int = 0
    evidence_labels: dict[str, str] = {}


class RegisterSession(BaseModel):
    """One AM or PM cell of a register extract."""

    code: str | None = None  # the mark; None when the register holds none
    open: bool | None = None  # a school session? None outside the known calendar
    counted: bool = False  # inside the run the finding counts (run_start..run_end)


class RegisterDay(BaseModel):
    date: dt.date
    am: RegisterSession
    pm: RegisterSession


class RegisterWeek(BaseModel):
    week_of: dt.date  # the Monday
    days: list[RegisterDay]  # Monday to Friday


class RegisterExtract(BaseModel):
    """The weeks of the attendance register around a run, the way a register is read."""

    upn: str
    run_start: dt.date
    run_end: dt.date
    weeks: list[RegisterWeek]


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
    refer_to_cme: bool = False  # the rule asks for a referral to the children missing education team
    register_extract: RegisterExtract | None = None  # for facts with run_start/run_end, when attendance was given
    change: Literal["new", "still_open"] | None = None  # against --previous findings.json
    waiver: Waiver | None = None  # a waiver running on the inspection date: shown, not counted
    waiver_expired: Waiver | None = None  # a waiver that ran out before it: shown, and it counts again

    @property
    def counts(self) -> bool:
        return self.waiver is None


class ResolvedFinding(BaseModel):
    """A finding of the previous inspection that this one no longer raises."""

    model_config = ConfigDict(extra="ignore")
    id: str
    rule: str
    title: str = ""
    severity: Severity
    upn: str | None = None
    pupil: str | None = None
    summary: str = ""


class Inspection(BaseModel):
    tool: ToolInfo
    school: SchoolInfo
    inspection: InspectionInfo
    inputs: list[InputInfo]
    rules: list[RuleStatus]
    findings: list[Finding]
    rejected_rows: list[RejectedRowInfo]
    resolved: list[ResolvedFinding] = []  # with --previous: findings no longer raised
    # The CME indicators, for the authority summary. Their counts of breaches (deletions not
    # notified, ...) are of what the registers show, waived or not.
    indicators: Indicators | None = None
    waivers: list[Waiver] = []  # every waiver considered (auditor.waivers.apply_waivers)

    def count(self, severity: str | None = None, rule: str | None = None) -> int:
        """The findings that count (not waived), of a severity and a rule if given."""
        return sum(
            1
            for f in self.findings
            if f.counts and (severity is None or f.severity == severity) and (rule is None or f.rule == rule)
        )

    @property
    def counted(self) -> list[Finding]:
        return [f for f in self.findings if f.counts]

    @property
    def waived(self) -> list[Finding]:
        return [f for f in self.findings if not f.counts]

    def unmatched_waivers(self) -> list[Waiver]:
        """The waivers that match no finding of this inspection."""
        keys = {key for finding in self.findings for key in finding_keys(finding)}
        return [waiver for waiver in self.waivers if waiver.key not in keys]
