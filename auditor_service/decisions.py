"""What happens next, per finding: an action agreed (with a due date), a waiver (with a reason
and an expiry), or resolved. Decisions are kept by school and stable finding id, so they carry
into that school's next inspection: its waivers are applied by the ``inspect`` job, and its open
and overdue actions are read here, by the inspection, school and authority pages alike.

Decisions are the LA's, on its own inspections: a school's self-audit is never the latest
inspection they are read against. What a school account is shown of them is the actions agreed
for it (what and by when), never the LA's own notes: no waiver's reason, no note of a finding
resolved, no name of who recorded it (``for_school``, ``actions_agreed``)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.findings import Inspection as Findings
from auditor.values import parse_date
from auditor.waivers import Waiver
from auditor_service.store.models import Decision, FindingRow, Inspection

KINDS = ("action", "waiver", "resolved")
LA_INSPECTION, SELF_AUDIT = "inspection", "self_audit"  # Inspection.kind: the LA's own, or a school's
NAME_LIMIT = 200  # Decision.recorded_by
NOTE_LIMIT = 2000
PEOPLES_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")


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
        if not PEOPLES_DATE.fullmatch(text):  # not a spreadsheet serial, nor ISO: what a person types
            raise ValueError(text)
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
    wanted = None if finding_ids is None else set(finding_ids)
    by_finding: dict[str, list[Decision]] = defaultdict(list)
    for decision in session.scalars(select(Decision).where(Decision.urn == urn).order_by(Decision.recorded_at, Decision.id)):
        if wanted is None or decision.finding_id in wanted:
            by_finding[decision.finding_id].append(decision)
    return dict(by_finding)


def holding(session: Session, kind: str, urn: str | None = None) -> list[Decision]:
    """The decision of ``kind`` that holds on each finding (of the school ``urn``, or of every
    school): the latest one, which replaces any before it, unless 'resolved' was recorded since."""
    query = select(Decision).where(Decision.kind.in_((kind, "resolved"))).order_by(Decision.recorded_at, Decision.id)
    if urn is not None:
        query = query.where(Decision.urn == urn)
    latest: dict[tuple[str, str], Decision] = {}
    for decision in session.scalars(query):
        if decision.kind == kind:
            latest[decision.urn, decision.finding_id] = decision
        else:
            latest.pop((decision.urn, decision.finding_id), None)
    return sorted(latest.values(), key=lambda d: (d.urn, d.recorded_at, d.id))


def waiver(decision: Decision) -> Waiver:
    """A waiver decision as the library applies it: to its finding's id, until its expiry."""
    return Waiver(
        finding_id=decision.finding_id, rule=decision.rule, upn=decision.upn, reason=decision.note,
        agreed_by=decision.recorded_by, agreed_on=decision.recorded_at.date(), expires=decision.expires_on,
        source=f"recorded by {decision.recorded_by} on {decision.recorded_at:%d/%m/%Y at %H:%M} UTC",
    )


def waivers(session: Session, urn: str, finding_ids: Iterable[str]) -> list[Waiver]:
    """The waivers that hold on these findings of the school, expired or not: ``apply_waivers``
    decides which run on the date an inspection is as at, and shows those that have expired."""
    raised = set(finding_ids)
    return [waiver(d) for d in holding(session, "waiver", urn) if d.finding_id in raised]


def waivers_in_force(session: Session, today: dt.date, urn: str | None = None) -> list[Decision]:
    """The waivers that hold and have not expired on ``today`` (a waiver runs on its expiry day)."""
    return [d for d in holding(session, "waiver", urn) if d.expires_on is None or d.expires_on >= today]


def latest_inspection(session: Session, urn: str, kind: str = LA_INSPECTION) -> Inspection | None:
    """The school's inspection by the LA (or, of ``kind`` SELF_AUDIT, its self-audit) as at the
    latest date (the latest made, of several that day)."""
    return session.scalars(
        select(Inspection).where(Inspection.urn == urn, Inspection.kind == kind)
        .order_by(Inspection.as_of.desc(), Inspection.id.desc()).limit(1)
    ).first()


def raised(session: Session, inspection: Inspection | None) -> dict[str, FindingRow]:
    """The findings an inspection raises, by finding id."""
    if inspection is None:
        return {}
    return {f.finding_id: f for f in session.scalars(select(FindingRow).where(FindingRow.inspection_id == inspection.id))}


def open_actions(session: Session, urn: str) -> list[Decision]:
    """The actions that hold on findings the school's latest inspection still raises (not
    resolved since, nor replaced by a later action); the soonest due first."""
    still = raised(session, latest_inspection(session, urn))
    actions = [d for d in holding(session, "action", urn) if d.finding_id in still]
    return sorted(actions, key=lambda d: (d.due_on or dt.date.max, d.id))


def overdue_actions(session: Session, urn: str, today: dt.date) -> list[Decision]:
    """The open actions whose due date is before ``today``."""
    return [d for d in open_actions(session, urn) if overdue(d, today)]


def overdue(action: Decision, today: dt.date) -> bool:
    return action.due_on is not None and action.due_on < today


def actions_agreed(session: Session, urn: str, finding_ids: Iterable[str]) -> dict[str, list[Decision]]:
    """The action that holds on each of these findings of the school: what a school account is
    shown of the LA's decisions on a finding (the action and its due date; not who agreed it)."""
    wanted = set(finding_ids)
    return {d.finding_id: [d] for d in holding(session, "action", urn) if d.finding_id in wanted}


# What a school account is shown of a waiver the LA agreed, in place of its terms.
LA_WAIVER = {"reason": "The reason is the local authority's own note", "agreed_by": "the local authority",
             "agreed_on": None, "source": "recorded by the local authority"}


def for_school(findings: Findings) -> Findings:
    """The findings object as a school account may see it, on the page and in every download:
    a waived finding still shown as waived until its expiry, and not counted, but without the
    LA's reason, who agreed it or when."""
    def plain(waiver: Waiver | None) -> Waiver | None:
        return None if waiver is None else waiver.model_copy(update=LA_WAIVER)

    return findings.model_copy(update={
        "findings": [f.model_copy(update={"waiver": plain(f.waiver), "waiver_expired": plain(f.waiver_expired)})
                     for f in findings.findings],
        "waivers": [plain(w) for w in findings.waivers],
    })
