"""What the school and authority pages read from the store: each school's latest inspection, the
decisions that still hold, and the authority summary built, as ``inspect-la`` builds it, from the
stored findings objects by the library's own functions (no rule is computed here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from auditor.authority_report import as_at_label, indicator_totals, totals_by_rule
from auditor.batch import AuthoritySummary, SchoolResult, _summarise
from auditor.findings import Finding
from auditor.findings import Inspection as Findings
from auditor.report import cme_referrals
from auditor.rules import load_rules
from auditor_service.store.models import Decision, FindingRow, Inspection


def latest_inspections(session: Session) -> list[Inspection]:
    """Each school's latest inspection (by the date it was judged as at, then the newest), by name."""
    ranked = select(
        Inspection.id,
        func.row_number()
        .over(partition_by=Inspection.urn, order_by=(Inspection.as_of.desc(), Inspection.id.desc()))
        .label("rank"),
    ).subquery()
    rows = session.scalars(
        select(Inspection).join(ranked, ranked.c.id == Inspection.id).where(ranked.c.rank == 1)
        .options(joinedload(Inspection.school))
    ).all()
    return sorted(rows, key=lambda row: (row.school.name.casefold(), row.urn))


def latest_inspection(session: Session, urn: str) -> Inspection | None:
    return session.scalars(
        select(Inspection).where(Inspection.urn == urn).order_by(Inspection.as_of.desc(), Inspection.id.desc()).limit(1)
    ).first()


# Decisions. These belong with the decisions module (auditor_service/decisions.py) once it is on
# main: open_actions and overdue_actions keep its names and arguments.

def _holding(session: Session, kind: str, urn: str | None = None) -> list[Decision]:
    """The latest decision of ``kind`` on each finding, unless the finding was resolved after it."""
    query = select(Decision).order_by(Decision.recorded_at, Decision.id)
    if urn is not None:
        query = query.where(Decision.urn == urn)
    latest: dict[tuple[str, str], Decision] = {}
    for decision in session.scalars(query):
        key = (decision.urn, decision.finding_id)
        if decision.kind == kind:
            latest[key] = decision
        elif decision.kind == "resolved":
            latest.pop(key, None)
    return sorted(latest.values(), key=lambda d: (d.urn, d.recorded_at, d.id))


def open_actions(session: Session, urn: str) -> list[Decision]:
    """Actions agreed on findings the school's latest inspection still raises, not resolved since."""
    latest = latest_inspection(session, urn)
    if latest is None:
        return []
    raised = set(session.scalars(select(FindingRow.finding_id).where(FindingRow.inspection_id == latest.id)))
    return [d for d in _holding(session, "action", urn) if d.finding_id in raised]


def overdue_actions(session: Session, urn: str, today: dt.date) -> list[Decision]:
    """Open actions whose due date is before ``today``."""
    return [d for d in open_actions(session, urn) if d.due_on is not None and d.due_on < today]


def waivers_in_force(session: Session, today: dt.date, urn: str | None = None) -> list[Decision]:
    """Waivers not yet expired on ``today`` (a waiver holds on its expiry day), not resolved since."""
    return [d for d in _holding(session, "waiver", urn) if d.expires_on is None or d.expires_on >= today]


# The authority summary.

def school_result(row: Inspection, findings: Findings) -> SchoolResult:
    """A stored inspection as ``inspect-la`` summarises a school it has just inspected.

    TODO(library): ``auditor.batch._summarise`` is the function that does this; it should become
    public (``summarise``) so that the service does not reach into a private name."""
    return _summarise(findings, relative=f"inspections/{row.id}", outputs=f"/inspections/{row.id}", seconds=0.0)


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


def authority(session: Session, today: dt.date) -> Authority:
    latest = latest_inspections(session)
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
