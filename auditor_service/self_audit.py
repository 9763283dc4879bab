"""Before the visit: the school's self-audit beside the LA's own inspection of it.

The self-audit read is the school's latest as at the inspection's date or before it (by its
as-at date, then the latest made): what the registers showed the school on the nearest day not
after the day the LA judged. The two are compared by stable finding id, as ``auditor.history``
compares an inspection with the one before it, from the rows the store indexes them by:

- found and fixed: raised by the self-audit, no longer raised by the inspection;
- found, still open: raised by both;
- not found by the school: raised by the inspection, not by the self-audit.

A waived finding is raised all the same (waived is the LA's decision, not the registers')."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor_service.decisions import SELF_AUDIT
from auditor_service.store.models import FindingRow, Inspection


@dataclass(frozen=True)
class BeforeTheVisit:
    self_audit: Inspection
    fixed: list[FindingRow]  # the self-audit's rows: the inspection has none of them to link to
    still_open: list[FindingRow]  # the inspection's rows
    not_found: list[FindingRow]  # the inspection's rows
    same_policy: bool  # else a finding may differ because one policy checks what the other does not


def self_audit_before(session: Session, inspection: Inspection) -> Inspection | None:
    """The school's latest self-audit as at the inspection's date or before it."""
    return session.scalars(
        select(Inspection)
        .where(Inspection.urn == inspection.urn, Inspection.kind == SELF_AUDIT, Inspection.as_of <= inspection.as_of)
        .order_by(Inspection.as_of.desc(), Inspection.id.desc()).limit(1)
    ).first()


def before_the_visit(session: Session, inspection: Inspection) -> BeforeTheVisit | None:
    """The self-audit before an inspection by the LA and how the two compare; None for a
    self-audit, or when the school made none before it."""
    if inspection.kind == SELF_AUDIT:
        return None
    earlier = self_audit_before(session, inspection)
    if earlier is None:
        return None
    school, la = _rows(session, earlier), _rows(session, inspection)
    return BeforeTheVisit(
        self_audit=earlier,
        fixed=[row for finding_id, row in school.items() if finding_id not in la],
        still_open=[row for finding_id, row in la.items() if finding_id in school],
        not_found=[row for finding_id, row in la.items() if finding_id not in school],
        same_policy=earlier.policy == inspection.policy,
    )


def _rows(session: Session, inspection: Inspection) -> dict[str, FindingRow]:
    """The inspection's findings by id, in the report's order (the most severe first)."""
    rows = session.scalars(select(FindingRow).where(FindingRow.inspection_id == inspection.id).order_by(FindingRow.id))
    return {row.finding_id: row for row in rows}
