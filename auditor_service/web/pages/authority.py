"""The authority's page: the latest inspection of every school, the authority summary and its
CME indicators as ``inspect-la`` writes them, and the children to refer to the CME team; for an
officer of an authority, of its schools only. The LA's own inspections: never a self-audit."""

from __future__ import annotations

import csv
import datetime as dt
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auditor.authority_report import SEVERITIES
from auditor.indicators import PART_TIME_BANDS
from auditor.report import spreadsheet_safe
from auditor_service.summary import Referral, authority
from auditor_service.web.access import permit
from auditor_service.web.render import page

# The indicators that count a rule's findings, named as authority-summary.html names them.
FINDING_INDICATORS = (
    ("deletions_not_notified", "Deletions not notified to the local authority"),
    ("absence_returns_not_made", "Absence returns not made"),
    ("allocated_places_not_taken_up", "Allocated places not taken up"),
)

REFERRAL_COLUMNS = ["urn", "school", "as_at", "rule", "title", "upn", "pupil", "event_date", "summary", "action",
                    "inspection"]


def authority_page(request: Request):
    who = permit(request, "view-authority")
    with request.app.state.store.session() as session:
        found = authority(session, dt.date.today(), who.la)
    return page(request, "authority.html", {
        "authority": found, "summary": found.summary, "totals": found.totals, "indicators": found.indicators,
        "severities": SEVERITIES, "bands": PART_TIME_BANDS, "finding_indicators": FINDING_INDICATORS,
    })


def referrals_csv(request: Request):
    who = permit(request, "view-authority")
    today = dt.date.today()
    with request.app.state.store.session() as session:
        referrals = authority(session, today, who.la).referrals
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REFERRAL_COLUMNS)
    for referral in referrals:
        writer.writerow([spreadsheet_safe(cell) for cell in _cells(referral)])
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),  # the mark lets Excel read it as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="cme-referrals-{today:%Y-%m-%d}.csv"',
                 "cache-control": "no-store"},
    )


def _cells(referral: Referral) -> list[object]:
    row, finding = referral.inspection, referral.finding
    return [
        row.urn, row.school.name, f"{row.as_of:%d/%m/%Y}", finding.rule, finding.title, finding.upn, finding.pupil,
        f"{finding.event_date:%d/%m/%Y}" if finding.event_date else "", finding.summary, finding.action,
        f"/inspections/{row.id}",
    ]


routes = [
    Route("/authority", authority_page, name="authority"),
    Route("/authority/cme-referrals.csv", referrals_csv, name="cme-referrals"),
]
