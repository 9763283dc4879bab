"""An inspection's page: the report as ``report.html`` shows it (the library's template, extended),
each finding with what happens next (decisions recorded, and forms to record one), and the
downloads, each rendered from the stored findings object by the library's writers."""

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
from auditor_service import decisions
from auditor_service.store.models import FindingRow, Inspection, Upload
from auditor_service.web.access import actor, permit
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


def _findings(inspection: Inspection) -> Findings:
    return Findings.model_validate_json(inspection.findings_json)


def show(request: Request) -> Response:
    with request.app.state.store.session() as session:
        inspection = _inspection(session, request, "view-school")
        return _page(request, session, inspection)


def _page(request: Request, session: Session, inspection: Inspection, failed: dict | None = None,
          status: int = 200) -> Response:
    findings = _findings(inspection)
    day = today()
    overdue = decisions.overdue_actions(session, inspection.urn, day)
    latest = decisions.latest_inspection(session, inspection.urn)
    context = report_context(findings, SCREEN) | {
        "inspection": inspection,
        "latest": latest,
        "upload": session.get(Upload, inspection.upload_id) if inspection.upload_id else None,
        "decided": decisions.decisions(session, inspection.urn, [f.id for f in findings.findings]),
        "overdue": overdue,
        "overdue_ids": {action.id for action in overdue},
        "latest_findings": decisions.raised(session, latest) if overdue else {},
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
    return f"{inspection.urn}-{inspection.as_of:%d-%m-%Y}-{name}"


def download(request: Request) -> Response:
    name = request.url.path.rsplit("/", 1)[-1]
    writer, media_type = DOWNLOADS[name]
    with request.app.state.store.session() as session:
        inspection = _inspection(session, request, "view-school")
    with tempfile.TemporaryDirectory(prefix="register-audit-") as folder:
        content = writer(_findings(inspection), Path(folder)).read_bytes()
    return Response(content, media_type=media_type, headers={
        "content-disposition": f'attachment; filename="{_download_name(inspection, name)}"',
        "cache-control": "no-store",
    })


async def decide(request: Request) -> Response:
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    return await run_in_threadpool(_decide, request, form)


def _decide(request: Request, form: dict[str, str]) -> Response:
    finding_id = request.path_params["finding_id"]
    with request.app.state.store.session() as session:
        inspection = _inspection(session, request, "decide")
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
