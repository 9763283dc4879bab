"""What happens next, per finding: an action agreed (with a due date), a waiver (with a reason
and an expiry), or resolved. Decisions are kept by school and stable finding id, so they carry
into that school's next inspection: its waivers are applied by the ``inspect`` job, and its open
and overdue actions are read here, by the inspection, school and authority pages alike."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.values import parse_date
from auditor.waivers import Waiver
from auditor_service.store.models import Decision, FindingRow, Inspection

KINDS = ("action", "waiver", "resolved")
NAME_LIMIT = 200  # Decision.recorded_by
NOTE_LIMIT = 2000


@dataclass(frozen=True)
class Proposed:
    """A decision as an officer filled in its form, checked: ``errors`` maps each field to what
    is wrong with it, in the GOV.UK Design System's words; nothing is stored unless it is empty."""

    kind: str
    note: str
    on: dt.date | None  # an action's due date, a waiver's expiry
    recorded_by: str
    errors: dict[str, str]


# The form's fields, by kind: (what the note is, whether it is needed), and the date's name.
NOTES = {"action": ("the action agreed", True), "waiver": ("the reason for the waiver", True),
         "resolved": ("a note", False)}
DATES = {"action": "due date", "waiver": "expiry date"}


def check(form: Mapping[str, str], today: dt.date) -> Proposed:
    """The decision a form holds (``kind``, ``note``, ``date`` as dd/mm/yyyy, ``recorded_by``)."""
    kind = form.get("kind", "")
    if kind not in KINDS:
        return Proposed(kind, "", None, "", {"kind": "Choose what was decided"})
    note, recorded_by, errors = form.get("note", "").strip(), form.get("recorded_by", "").strip(), {}
    what, needed = NOTES[kind]
    if needed and not note:
        errors["note"] = f"Enter {what}"
    elif len(note) > NOTE_LIMIT:
        errors["note"] = f"{what[0].upper()}{what[1:]} must be {NOTE_LIMIT} characters or fewer"
    on = None
    if kind in DATES:
        on, problem = _date(form.get("date", ""), DATES[kind], today)
        if problem:
            errors["date"] = problem
    if not recorded_by:
        errors["recorded_by"] = "Enter your name"
    elif len(recorded_by) > NAME_LIMIT:
        errors["recorded_by"] = f"Your name must be {NAME_LIMIT} characters or fewer"
    return Proposed(kind, note, on, recorded_by, errors)


def _date(text: str, name: str, today: dt.date) -> tuple[dt.date | None, str | None]:
    text = text.strip()
    if not text:
        return None, f"Enter the {name}"
    try:
        day = parse_date(text)
    except ValueError:
        return None, f"The {name} must be a real date, as dd/mm/yyyy, for example 28/02/2026"
    if day < today:
        return None, f"The {name} must be today or in the future"
    return day, None


def record(session: Session, inspection: Inspection, finding: FindingRow, decision: Proposed) -> Decision:
    row = Decision(
        urn=inspection.urn, finding_id=finding.finding_id, rule=finding.rule, upn=finding.upn, kind=decision.kind,
        note=decision.note, recorded_by=decision.recorded_by, inspection_id=inspection.id,
        due_on=decision.on if decision.kind == "action" else None,
        expires_on=decision.on if decision.kind == "waiver" else None,
    )
    session.add(row)
    session.flush()
    return row


def decisions(session: Session, urn: str, finding_ids: Iterable[str] | None = None) -> dict[str, list[Decision]]:
    """The decisions on the school's findings (those of ``finding_ids``, if given), oldest first."""
    query = select(Decision).where(Decision.urn == urn).order_by(Decision.recorded_at, Decision.id)
    if finding_ids is not None:
        query = query.where(Decision.finding_id.in_(list(finding_ids)))
    by_finding: dict[str, list[Decision]] = defaultdict(list)
    for decision in session.scalars(query):
        by_finding[decision.finding_id].append(decision)
    return dict(by_finding)


def waiver(decision: Decision) -> Waiver:
    """A waiver decision as the library applies it: to its finding's id, until its expiry."""
    return Waiver(
        finding_id=decision.finding_id, rule=decision.rule, upn=decision.upn, reason=decision.note,
        agreed_by=decision.recorded_by, agreed_on=decision.recorded_at.date(), expires=decision.expires_on,
        source=f"recorded by {decision.recorded_by} on {decision.recorded_at:%d/%m/%Y %H:%M} (UTC)",
    )


def waivers(session: Session, urn: str, finding_ids: Iterable[str]) -> list[Waiver]:
    """The school's waivers of these findings, expired or not: ``apply_waivers`` decides which run
    on the date an inspection is as at, and shows the ones that have expired."""
    query = (select(Decision)
             .where(Decision.urn == urn, Decision.kind == "waiver", Decision.finding_id.in_(list(finding_ids)))
             .order_by(Decision.recorded_at, Decision.id))
    return [waiver(decision) for decision in session.scalars(query)]


def latest_inspection(session: Session, urn: str) -> Inspection | None:
    """The school's inspection as at the latest date (the latest made, of several that day)."""
    return session.scalars(
        select(Inspection).where(Inspection.urn == urn)
        .order_by(Inspection.as_of.desc(), Inspection.id.desc()).limit(1)
    ).first()


@dataclass(frozen=True)
class OpenAction:
    decision: Decision  # the action agreed
    finding: FindingRow  # as the school's latest inspection raises it

    def overdue(self, today: dt.date) -> bool:
        return self.decision.due_on is not None and self.decision.due_on < today


def open_actions(session: Session, urn: str) -> list[OpenAction]:
    """The actions agreed on findings that the school's latest inspection still raises, with no
    'resolved' recorded since; the soonest due first."""
    latest = latest_inspection(session, urn)
    if latest is None:
        return []
    raised = {f.finding_id: f for f in session.scalars(select(FindingRow).where(FindingRow.inspection_id == latest.id))}
    query = select(Decision).where(Decision.urn == urn, Decision.kind.in_(("action", "resolved"))).order_by(Decision.id)
    open_: dict[str, list[Decision]] = defaultdict(list)
    for decision in session.scalars(query):
        if decision.kind == "resolved":
            open_.pop(decision.finding_id, None)  # closes every action agreed before it
        elif decision.finding_id in raised:
            open_[decision.finding_id].append(decision)
    actions = [OpenAction(d, raised[d.finding_id]) for recorded in open_.values() for d in recorded]
    return sorted(actions, key=lambda a: (a.decision.due_on or dt.date.max, a.decision.id))


def overdue_actions(session: Session, urn: str, today: dt.date) -> list[OpenAction]:
    """The open actions whose due date is before ``today``."""
    return [action for action in open_actions(session, urn) if action.overdue(today)]
