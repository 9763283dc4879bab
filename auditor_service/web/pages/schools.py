"""The schools: each with its latest inspection, and a school's page with its inspections over
time, a chart of its findings by severity, the actions open and overdue and the waivers in force.

A school's self-audits are listed in its history beside the LA's inspections, labelled, and
counted apart: the chart is of the LA's inspections (of the self-audits, while there are none).
A school account sees its own page without the LA's own notes: the actions agreed and the
waivers in force, but not who agreed them, nor a waiver's reason."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Row, func, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from auditor_service.charts import SEVERITIES, severity_chart
from auditor_service.decisions import LA_INSPECTION, SELF_AUDIT, open_actions, waivers_in_force
from auditor_service.retention import kept_until
from auditor_service.store.models import FindingRow, Inspection, School, Upload
from auditor_service.summary import in_authority, latest_inspections
from auditor_service.web.access import may, permit
from auditor_service.web.render import page


@dataclass(frozen=True)
class Listed:
    """A school on the list: its latest inspection by the LA (None: only self-audits so far)."""

    school: School
    latest: Inspection | None
    inspections: int
    self_audits: int
    latest_self_audit: Row | None  # its id and as_of


def schools(request: Request):
    who = permit(request, "view-authority")
    with request.app.state.store.session() as session:
        latest = {row.urn: row for row in latest_inspections(session, who.la)}
        counts = {(urn, kind): n for urn, kind, n in session.execute(
            in_authority(select(Inspection.urn, Inspection.kind, func.count())
                         .group_by(Inspection.urn, Inspection.kind), session, who.la))}
        audits = {row.urn: row for row in session.execute(in_authority(
            select(Inspection.urn, Inspection.id, Inspection.as_of).where(Inspection.kind == SELF_AUDIT)
            .order_by(Inspection.as_of, Inspection.id), session, who.la))}  # the last of each school's is its latest
        urns = {urn for urn, _ in counts}
        found = session.scalars(select(School).where(School.urn.in_(urns))).all()
    listed = [Listed(school, latest.get(school.urn), counts.get((school.urn, LA_INSPECTION), 0),
                     counts.get((school.urn, SELF_AUDIT), 0), audits.get(school.urn))
              for school in sorted(found, key=lambda school: (school.name.casefold(), school.urn))]
    return page(request, "schools.html", {"listed": listed})


@dataclass(frozen=True)
class Visit:
    """One inspection of the school, as its history shows it."""

    row: Inspection
    new: int | None  # findings not raised by the previous inspection (of its kind); None: there was none
    resolved: int | None  # the previous inspection's findings no longer raised
    upload: Upload | None

    @property
    def self_audit(self) -> bool:
        return self.row.kind == SELF_AUDIT

    def counts(self) -> dict[str, int]:
        return {severity: getattr(self.row, severity) for severity in SEVERITIES}


def school(request: Request):
    urn = request.path_params["urn"]
    who = permit(request, "view-school", urn)
    settings = request.app.state.settings
    today = dt.date.today()
    with request.app.state.store.session() as session:
        found = session.get(School, urn)
        if found is None and who.urn == urn:  # a school account's home, before its first self-audit
            found = School(urn=urn, name="Your school", la="")
        if found is None:
            raise HTTPException(404, f"There is no school with URN {urn} here.")
        visits = _history(session, urn)
        by_the_la = [visit for visit in visits if not visit.self_audit]
        raised = {f.finding_id: f for f in session.scalars(
            select(FindingRow).where(FindingRow.inspection_id == by_the_la[-1].row.id))} if by_the_la else {}
        actions = open_actions(session, urn)
        waivers = waivers_in_force(session, today, urn)
        earlier = _findings_of(session, urn, {d.finding_id for d in [*actions, *waivers]} - raised.keys())
    charted = by_the_la or visits
    chart = severity_chart(
        [(visit.row.as_of, visit.counts()) for visit in charted],
        title=f"Findings by severity over the {'inspections' if by_the_la else 'self-audits'} of {found.name}",
        described_by="inspections",
    ) if visits else None
    return page(request, "school.html", {
        "school": found, "visits": visits, "chart": chart, "charted": "inspections" if by_the_la else "self-audits",
        "self_audits": len(visits) - len(by_the_la), "today": today,
        "la_notes": may(request, "view-la-notes", urn),
        "actions": actions, "overdue": [a for a in actions if a.due_on is not None and a.due_on < today],
        "waivers": waivers, "findings": {**earlier, **raised},
        "kept_until": lambda upload: kept_until(upload, settings),
    })


def _history(session, urn: str) -> list[Visit]:
    """The school's inspections, oldest first, each compared with the one it was compared with
    when it was made (its ``previous_id``)."""
    rows = session.scalars(select(Inspection).where(Inspection.urn == urn)
                           .order_by(Inspection.as_of, Inspection.id)).all()
    ids: dict[int, set[str]] = defaultdict(set)
    new: dict[int, int] = defaultdict(int)
    for inspection_id, finding_id, change in session.execute(
        select(FindingRow.inspection_id, FindingRow.finding_id, FindingRow.change)
        .join(Inspection).where(Inspection.urn == urn)
    ):
        ids[inspection_id].add(finding_id)
        new[inspection_id] += change == "new"
    uploads = {u.id: u for u in session.scalars(
        select(Upload).where(Upload.id.in_([r.upload_id for r in rows if r.upload_id])))}
    return [
        Visit(
            row,
            new=new[row.id] if row.previous_id else None,
            resolved=len(ids[row.previous_id] - ids[row.id]) if row.previous_id else None,
            upload=uploads.get(row.upload_id),
        )
        for row in rows
    ]


def _findings_of(session, urn: str, finding_ids: set[str]) -> dict[str, FindingRow]:
    """The latest row of each finding a decision names that the latest inspection does not raise."""
    if not finding_ids:
        return {}
    rows = session.scalars(
        select(FindingRow).join(Inspection)
        .where(Inspection.urn == urn, Inspection.kind == LA_INSPECTION, FindingRow.finding_id.in_(finding_ids))
        .order_by(Inspection.as_of, Inspection.id)
    )
    return {row.finding_id: row for row in rows}


routes = [
    Route("/schools", schools, name="schools"),
    Route("/schools/{urn}", school, name="school"),
]
