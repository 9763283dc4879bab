"""Waivers: an agreement that a finding does not count until a date, e.g. an LA-agreed extension
of a part-time timetable until 28/02/2026.

A waiver names its finding by the finding's id, or by rule and UPN (any finding of that rule
about that pupil). It is kept in a pack's optional ``waivers.csv`` (``WaiverRow``, read by the
loader like the other files, each row accepted or rejected with its line) or, by the service,
in its database: ``apply_waivers`` takes ``Waiver`` records from either.

A waived finding is never dropped: it stays in the findings, shown as waived, and is not counted
(totals, ``--fail-on``, the authority summary) while the waiver runs, that is while its expiry is
on or after the date the inspection is as at. Once it has expired the finding counts again, and
is shown with the waiver that expired. A waiver that matches no finding is listed, so that none
is silently lost.

This module sits below the findings (``auditor.findings`` holds a ``Waiver`` on each finding),
so it imports neither the findings nor the loader.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
from pydantic import BeforeValidator, model_validator

from auditor.models import Date, OptionalDate, OptionalText, OptionalUpn, Row, Text, _blank_to_none

if TYPE_CHECKING:
    from auditor.findings import Finding, Inspection

NAMES_NO_FINDING = "names no finding: give a finding_id, or a rule and a upn"


def _code(value: Any) -> Any:
    value = _blank_to_none(value)
    return value.upper() if isinstance(value, str) else value


class WaiverRow(Row):
    """One row of ``waivers.csv``: the finding it is for, and the waiver's terms."""

    finding_id: OptionalText = None
    rule: Annotated[str | None, BeforeValidator(_code)] = None
    upn: OptionalUpn = None
    reason: Text
    agreed_by: Text
    expires: Date  # the last day it runs
    agreed_on: OptionalDate = None

    @model_validator(mode="after")
    def _names_a_finding(self) -> WaiverRow:
        if not self.finding_id and not (self.rule and self.upn):
            raise ValueError(NAMES_NO_FINDING)
        return self


class Waiver(WaiverRow):
    """One waiver, from a row of ``waivers.csv`` or a record of the service's, and where it is
    recorded (``source``, for the report): "waivers.csv line 3", "recorded by J Smith on
    01/12/2026". Dates may be given as dates or as dd/mm/yyyy."""

    source: Text

    @property
    def key(self) -> tuple[str | None, ...]:
        """What it matches, among a finding's ``finding_keys``: its id, or its rule and UPN."""
        return ("id", self.finding_id) if self.finding_id else ("pupil", self.rule, self.upn)

    def runs_on(self, day: dt.date) -> bool:
        return self.expires >= day

    @property
    def names(self) -> str:
        """The finding it names, as a person reads it."""
        return f"finding {self.finding_id}" if self.finding_id else f"{self.rule} for UPN {self.upn}"


def finding_keys(finding: Finding) -> tuple[tuple[str | None, ...], ...]:
    """The keys a waiver may name a finding by."""
    return ("id", finding.id), ("pupil", finding.rule, finding.upn)


def waivers_from_table(table: pd.DataFrame | None, file: str) -> list[Waiver]:
    """The waivers of a loaded ``waivers.csv`` (its accepted rows), each citing its line."""
    if table is None:
        return []
    columns = ["line", *WaiverRow.model_fields]
    records = table[columns].astype(object).where(table[columns].notna(), None).to_dict("records")
    return [
        Waiver(**{key: _value(record[key]) for key in WaiverRow.model_fields}, source=f"{file} line {record['line']}")
        for record in records
    ]


def _value(value: Any) -> Any:
    return value.date() if isinstance(value, pd.Timestamp) else value


def apply_waivers(inspection: Inspection, waivers: Iterable[Waiver], as_of: dt.date | None = None) -> Inspection:
    """The inspection with ``waivers`` applied, as at ``as_of`` (default: the date the inspection
    is as at), on top of any applied before (``inspect`` applies the pack's ``waivers.csv``); a
    waiver given twice counts once. Each finding a running waiver matches gets it as ``waiver``
    (the one that runs longest, if several do) and stops counting; else one that has expired
    (the latest) is shown as ``waiver_expired``. ``inspection.waivers`` holds every waiver
    considered, so that those that match no finding are still reported. Pure: returns a copy."""
    as_of = as_of or inspection.inspection.date
    considered = list(dict.fromkeys([*inspection.waivers, *waivers]))
    if not considered:
        return inspection
    by_key: dict[tuple[str | None, ...], list[Waiver]] = {}
    for waiver in considered:
        by_key.setdefault(waiver.key, []).append(waiver)

    findings = []
    for finding in inspection.findings:
        matching = [waiver for key in finding_keys(finding) for waiver in by_key.get(key, [])]
        running = [w for w in matching if w.runs_on(as_of)]
        expired = [w for w in matching if not w.runs_on(as_of)]
        latest = max(running, key=lambda w: w.expires, default=None)
        lapsed = None if latest else max(expired, key=lambda w: w.expires, default=None)
        if (latest, lapsed) != (finding.waiver, finding.waiver_expired):
            finding = finding.model_copy(update={"waiver": latest, "waiver_expired": lapsed})
        findings.append(finding)

    counted = Counter(f.rule for f in findings if f.waiver is None)
    waived = Counter(f.rule for f in findings if f.waiver is not None)
    rules = [s.model_copy(update={"findings": counted[s.code], "waived": waived[s.code]}) for s in inspection.rules]
    return inspection.model_copy(update={"findings": findings, "rules": rules, "waivers": considered})
