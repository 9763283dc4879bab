"""What the school and authority pages read from the store: each school's latest inspection, the
decisions that still hold, and the authority summary built, as ``inspect-la`` builds it, from the
stored findings objects by the library's own functions (no rule is computed here).

"Inspection" here is the local authority's own: a school's self-audit is its school's to see,
and beside the LA's inspection, but it is never the latest inspection the actions, the CME list
and the authority summary are read from. An officer of an authority sees only its schools
(``in_authority``, the one place the lists are narrowed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from auditor.authority_report import as_at_label, indicator_totals, totals_by_rule
from auditor.batch import AuthoritySummary, SchoolResult, summarise
from auditor.findings import Finding
from auditor.findings import Inspection as Findings
from auditor.report import cme_referrals
from auditor.rules import load_rules
from auditor_service.accounts import covers
from auditor_service.decisions import LA_INSPECTION, waivers_in_force
from auditor_service.store.models import Inspection, School


def schools_of(session: Session, la: str) -> list[str] | None:
    """The URNs of the schools an officer of the authority ``la`` may see (``accounts.covers``);
    None: every school (no ``la``)."""
    if not la:
        return None
    return [urn for urn, school_la in session.execute(select(School.urn, School.la)) if covers(la, school_la)]


def in_authority(query: Select, session: Session, la: str, urn=Inspection.urn) -> Select:
    """``query`` narrowed to the schools of the authority ``la`` (by its column ``urn``)."""
    urns = schools_of(session, la)
    return query if urns is None else query.where(urn.in_(urns))


def latest_inspections(session: Session, la: str = "") -> list[Inspection]:
    """Each school's latest inspection by the LA (by the date it was judged as at, then the
    newest), of the schools of the authority ``la`` (every school: ""), by name."""
    ranked = select(
        Inspection.id,
        func.row_number()
        .over(partition_by=Inspection.urn, order_by=(Inspection.as_of.desc(), Inspection.id.desc()))
        .label("rank"),
    ).where(Inspection.kind == LA_INSPECTION).subquery()
    rows = session.scalars(in_authority(
        select(Inspection).join(ranked, ranked.c.id == Inspection.id).where(ranked.c.rank == 1)
        .options(joinedload(Inspection.school)), session, la)
    ).all()
    return sorted(rows, key=lambda row: (row.school.name.casefold(), row.urn))


# The authority summary.

def school_result(row: Inspection, findings: Findings) -> SchoolResult:
    """A stored inspection as ``inspect-la`` summarises a school it has just inspected."""
    return summarise(findings, relative=f"inspections/{row.id}", outputs=f"/inspections/{row.id}", seconds=0.0)


@dataclass(frozen=True)
class Referral:
    """A child to refer to the children missing education team, from a school's latest inspection."""

    inspection: Inspection
    finding: Finding


@dataclass(frozen=True)
class Authority:
    summary: AuthoritySummary
    totals: dict[str, dict[str, int]]  # rule -> severity -> count, as authority-summary.html shows
    indicators: dict[str, object]  # the CME indicators, as authority-summary.json holds them
    latest: list[tuple[Inspection, SchoolResult]]
    referrals: list[Referral]

    @property
    def children(self) -> int:
        """How many children the referrals are about (a child can have several findings)."""
        return len({(r.inspection.urn, r.finding.upn or r.finding.pupil) for r in self.referrals})


def authority(session: Session, today: dt.date, la: str = "") -> Authority:
    """The summary of the schools of the authority ``la`` (every school: "")."""
    latest = latest_inspections(session, la)
    parsed = [(row, Findings.model_validate_json(row.findings_json)) for row in latest]
    results = [(row, school_result(row, findings)) for row, findings in parsed]
    summary = AuthoritySummary(
        folder="",
        generated_on=today,
        schools=[result for _, result in results],
        rules={rule.code: rule.title for rule in load_rules()},
        seconds=0.0,
        workers=0,
    )
    waived = {(d.urn, d.finding_id) for d in waivers_in_force(session, today)}
    referrals = [
        Referral(row, finding)
        for row, findings in parsed
        for finding in cme_referrals(findings)
        if (row.urn, finding.id) not in waived
    ]
    return Authority(
        summary=summary,
        totals=totals_by_rule(summary),
        indicators={**indicator_totals(summary), "at_date": as_at_label(summary)},
        latest=results,
        referrals=referrals,
    )
