"""An inspection's page: the report as ``report.html`` shows it (the library's template, extended),
each finding with what happens next (decisions recorded, and forms to record one), and the
downloads, each rendered from the stored findings object by the library's writers.

An LA's inspection shows the school's self-audit before it beside it (``self_audit``). A school
account sees its own school's inspections and self-audits with the actions agreed for it, but
none of the LA's own notes (``decisions.for_school``), on the page and in the downloads alike;
decisions are recorded by officers, on the LA's inspections only."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from auditor.findings import Inspection as Findings
from auditor.report import SCREEN, report_context, write_csv, write_json, write_pdf, write_xlsx
from auditor_service import audit, decisions
from auditor_service.self_audit import before_the_visit
from auditor_service.store.models import FindingRow, Inspection, Upload
from auditor_service.web.access import actor, address, may, permit
from auditor_service.web.render import page

DOWNLOADS = {
    "report.pdf": (write_pdf, "application/pdf"),
    "findings.xlsx": (write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "findings.csv": (write_csv, "text/csv; charset=utf-8"),
    "findings.json": (write_json, "application/json"),
}
NAME_COOKIE_DAYS = 365


def today() -> dt.date:
    return dt.date.today()


def _inspection(session: Session, request: Request, action: str) -> Inspection:
    """The inspection of the path, once the actor may ``action`` on its school; else 404."""
    inspection = session.get(Inspection, request.path_params["id"])
    if inspection is None:
        permit(request, action)
        raise HTTPException(404, "There is no inspection with that number. It may have been made on another computer.")
    permit(request, action, inspection.urn, inspection_id=inspection.id)
    return inspection


def _findings(request: Request, inspection: Inspection) -> Findings:
    """The stored findings object, as the actor may see it."""
    findings = Findings.model_validate_json(inspection.findings_json)
    return findings if may(request, "view-la-notes", inspection.urn) else decisions.for_school(findings)


def show(request: Request) -> Response:
    with request.app.state.store.session() as session:
        inspection = _inspection(session, request, "view-school")
        return _page(request, session, inspection)


def _page(request: Request, session: Session, inspection: Inspection, failed: dict | None = None,
          status: int = 200) -> Response:
    findings = _findings(request, inspection)
    day = today()
    overdue = decisions.overdue_actions(session, inspection.urn, day)
    by_the_la = decisions.latest_inspection(session, inspection.urn)  # what actions are read against
    la_notes = may(request, "view-la-notes", inspection.urn)
    finding_ids = [f.id for f in findings.findings]
    context = report_context(findings, SCREEN) | {
        "inspection": inspection,
        "self_audit": inspection.kind == decisions.SELF_AUDIT,
        "latest": decisions.latest_inspection(session, inspection.urn, inspection.kind),
        "by_the_la": by_the_la,
        "before": before_the_visit(session, inspection),
        "upload": session.get(Upload, inspection.upload_id) if inspection.upload_id else None,
        "la_notes": la_notes,
        "can_decide": inspection.kind == decisions.LA_INSPECTION and may(request, "decide", inspection.urn),
        # A school account may inspect its own self-audit's files again, not the LA's.
        "can_reinspect": may(request, "inspect", inspection.urn) and (la_notes or inspection.kind == decisions.SELF_AUDIT),
        "decided": (decisions.decisions if la_notes else decisions.actions_agreed)(session, inspection.urn, finding_ids),
        "overdue": overdue,
        "overdue_ids": {action.id for action in overdue},
        "latest_findings": decisions.raised(session, by_the_la) if overdue else {},
        "downloads": list(DOWNLOADS),
        "download_name": lambda name: _download_name(inspection, name),
        "actor": actor(request),
        "failed": failed,
        "today": day,
        "notes": decisions.NOTES,
        "dates": decisions.DATES,
    }
    return page(request, "inspection.html", context, status=status)


def _download_name(inspection: Inspection, name: str) -> str:
    kind = "self-audit-" if inspection.kind == decisions.SELF_AUDIT else ""
    return f"{inspection.urn}-{inspection.as_of:%d-%m-%Y}-{kind}{name}"


def download(request: Request) -> Response:
    name = request.url.path.rsplit("/", 1)[-1]
    writer, media_type = DOWNLOADS[name]
    with request.app.state.store.session() as session:
        inspection = _inspection(session, request, "view-school")
    with tempfile.TemporaryDirectory(prefix="register-audit-") as folder:
        content = writer(_findings(request, inspection), Path(folder)).read_bytes()
    return Response(content, media_type=media_type, headers={
        "content-disposition": f'attachment; filename="{_download_name(inspection, name)}"',
        "cache-control": "no-store",
    })


async def decide(request: Request) -> Response:
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    return await run_in_threadpool(_decide, request, form)


def _decide(request: Request, form: dict[str, str]) -> Response:
    finding_id = request.path_params["finding_id"]
    who = actor(request)
    if who is not None and who.role != "local":
        form = {**form, "recorded_by": who.name}  # an account records under its own name, whatever was sent
    with request.app.state.store.session() as session:
        inspection = _inspection(session, request, "decide")
        if inspection.kind == decisions.SELF_AUDIT:
            raise HTTPException(404, "Decisions are recorded on the local authority's inspections, not on a school's self-audit.")
        finding = session.scalars(
            select(FindingRow).where(FindingRow.inspection_id == inspection.id, FindingRow.finding_id == finding_id)
        ).first()
        if finding is None:
            raise HTTPException(404, "This inspection has no such finding.")
        proposed = decisions.check(form, today())
        if proposed.errors:
            failed = {"finding": finding_id, "kind": proposed.kind, "errors": proposed.errors, "values": form}
            return _page(request, session, inspection, failed=failed, status=400)
        decisions.record(session, inspection, finding, proposed)
    audit.record(request.app.state.store, actor=who.name or proposed.recorded_by, role=who.role, action=proposed.kind,
                 urn=inspection.urn, inspection_id=inspection.id, path=request.url.path, address=address(request),
                 detail=f"finding {finding_id}" + (f", until {proposed.on:%d/%m/%Y}" if proposed.on else ""))
    response = RedirectResponse(f"/inspections/{inspection.id}#{finding_id}", status_code=303)
    # Remembered for the next form: who records a decision is said on each one.
    response.set_cookie("recorded_by", quote(proposed.recorded_by), max_age=NAME_COOKIE_DAYS * 86400,
                        httponly=True, samesite="strict", path="/")
    return response


routes = [
    Route("/inspections/{id:int}", show, name="inspection"),
    *(Route(f"/inspections/{{id:int}}/{name}", download, name=f"inspection-{name}") for name in DOWNLOADS),
    Route("/inspections/{id:int}/findings/{finding_id}/decisions", decide, methods=["POST"], name="decide"),
]
