"""An ``inspect`` job: inspect an upload, apply the school's waivers, compare it with the
school's previous inspection, and store the findings object whole with the rows the pages query.

A school account's inspection is a self-audit: compared with the school's previous self-audit,
with no LA waivers applied, and leaving the school's name and authority as the LA has them."""

from __future__ import annotations

import datetime as dt
import json
import os

from sqlalchemy import select, update

from auditor import inspect
from auditor.errors import PackError
from auditor.findings import Inspection as Findings
from auditor.findings import ResolvedFinding
from auditor.history import compare
from auditor.waivers import apply_waivers
from auditor_service import decisions
from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.store.models import FindingRow, Inspection, Job, School, Upload, _now


def inspect_upload(store: Store, settings: Settings, job: Job, progress) -> None:
    options = json.loads(job.options)
    kind = "self_audit" if options.get("self_audit") else "inspection"
    as_of = dt.date.fromisoformat(options["as_of"]) if options.get("as_of") else None

    def on_phase(phase: str, done: int | None = None, total: int | None = None) -> None:
        progress(phase, done or 0, total or 0)

    result = inspect(settings.uploads / job.upload_id, as_of=as_of, policy=options.get("policy"),
                     processes=os.cpu_count() or 1, on_phase=on_phase)
    progress("storing the findings")
    with store.session() as session:
        upload = session.get(Upload, job.upload_id)
        if kind == "self_audit" and result.school.urn != upload.urn:
            raise PackError("pack.toml", f"a self-audit is of the school's own URN {upload.urn}, "
                                         f"not {result.school.urn}")
        upload.urn = result.school.urn  # a batch's or an officer's upload is its school's from now on
        school = session.get(School, result.school.urn)
        if school is None:
            school = School(urn=result.school.urn, name=result.school.name, la=result.school.la)
            session.add(school)
        elif kind == "inspection":
            school.name, school.la = result.school.name, result.school.la
        if kind == "inspection":
            # A waiver recorded on a finding runs while it has not expired on the date inspected as at.
            waivers = decisions.waivers(session, school.urn, [f.id for f in result.findings])
            result = apply_waivers(result, waivers, result.inspection.date)
        previous = session.scalars(
            select(Inspection)
            .where(Inspection.urn == school.urn, Inspection.kind == kind, Inspection.as_of <= result.inspection.date)
            .order_by(Inspection.as_of.desc(), Inspection.id.desc())
            .limit(1)
        ).first()
        if previous is not None:
            earlier = Findings.model_validate_json(previous.findings_json)
            result = compare(result, earlier.inspection.date,
                             [ResolvedFinding.model_validate(f.model_dump()) for f in earlier.findings])
        row = Inspection(
            urn=school.urn, upload_id=job.upload_id, previous_id=previous.id if previous else None,
            batch_id=upload.batch_id,
            as_of=result.inspection.date, policy=result.inspection.policy, kind=kind,
            created_by=options.get("created_by"),
            red=result.count("red"), amber=result.count("amber"), green=result.count("green"),  # not waived
            waived=len(result.waived),
            rows_read=sum(i.rows for i in result.inputs), rows_rejected=sum(i.rejected for i in result.inputs),
            findings_json=result.model_dump_json(),
        )
        row.findings = [
            FindingRow(finding_id=f.id, rule=f.rule, severity=f.severity, upn=f.upn, pupil=f.pupil,
                       summary=f.summary, change=f.change, refer_to_cme=f.refer_to_cme,
                       waived=f.waiver is not None)
            for f in result.findings
        ]
        session.add(row)
        session.flush()
        # Done in the same transaction as the findings: a kill leaves either both or neither.
        session.execute(update(Job).where(Job.id == job.id)
                        .values(status="done", phase="done", finished_at=_now(), inspection_id=row.id))
    return None
