"""A ``consequences`` job: what a saved draft policy would change. The upload's files (a school's
latest inspection, or the sample pack) are inspected as at the same date under the policy in force
and under the draft, and the findings compared by their stable ids; then every scenario of the
rules the draft touches is run under the draft and under the policy it extends, with the
project's own steps and engine, and those whose outcome differs are kept. The result is stored
as JSON in ``Job.result``; nothing else is stored."""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from pathlib import Path

from auditor import inspect
from auditor.drafts import compare, rules_using
from auditor.errors import PackError
from auditor.findings import Finding
from auditor.inspection import Inspection
from auditor.policy import load_policy
from auditor.resources import sample_pack_dir
from auditor.scenarios.parse import rule_codes_of
from auditor.scenarios.run import changed_outcomes, run_scenarios
from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.store.models import Job

KIND = "consequences"


def sample_pack() -> Path | None:
    """The sample pack shipped with the tool (a fictional school), if it is there."""
    try:
        folder = sample_pack_dir()
    except FileNotFoundError:
        return None
    return folder if (folder / "pack.toml").is_file() else None


def consequences(store: Store, settings: Settings, job: Job, progress) -> dict:
    options = json.loads(job.options)
    draft_file = Path(options["draft_file"])
    if not draft_file.is_file():
        raise PackError(draft_file.name, "the draft is no longer saved here")
    folder = settings.uploads / job.upload_id
    if not (folder / "pack.toml").is_file():
        raise PackError("the upload", "its files were deleted when the retention period ended")
    as_of = dt.date.fromisoformat(options["as_of"]) if options.get("as_of") else None
    load_policy(str(draft_file))  # a draft that no longer reads is said as such, before any inspection

    progress("inspecting under the policy in force", 0, 2)
    before = inspect(folder, as_of=as_of, policy=options.get("in_force"), processes=os.cpu_count() or 1)
    progress("inspecting under the draft", 1, 2)
    after = inspect(folder, as_of=as_of, policy=str(draft_file), processes=os.cpu_count() or 1)
    changes = compare_findings(before, after)

    # A draft's file holds only the thresholds it changes (auditor.drafts.Draft.to_toml).
    touched = list(rules_using(tomllib.loads(draft_file.read_text(encoding="utf-8")).get("thresholds", {})))
    scenarios = changed_scenarios(draft_file, touched, progress)
    result = {
        "draft": options["draft"],
        "in_force": before.inspection.policy,
        "in_force_title": before.inspection.policy_title,
        "school": before.school.name,
        "urn": before.school.urn,
        "as_of": before.inspection.date.isoformat(),
        "inspection_id": options.get("inspection_id"),
        "sample": bool(options.get("sample")),
        "touched_rules": touched,
        **changes,
        **scenarios,
    }
    return {"result": json.dumps(result)}


def compare_findings(before: Inspection, after: Inspection) -> dict:
    """Added, removed and changed-severity findings, by stable finding id (the library's compare)."""
    change = compare(before, after)
    return {
        "added": [_brief(f) for f in change.added],
        "removed": [_brief(f) for f in change.removed],
        "changed": [_brief(c.after) | {"was": c.before.severity} for c in change.changed],
    }


def _brief(finding: Finding) -> dict:
    return {"id": finding.id, "rule": finding.rule, "title": finding.title, "severity": finding.severity,
            "pupil": finding.pupil, "summary": finding.summary}


def changed_scenarios(draft_file: Path, rule_codes: list[str], progress) -> dict:
    """The scenarios of ``rule_codes`` whose outcome under the draft differs from their outcome as
    written, run with the project's own steps and engine (``auditor.scenarios.run``)."""
    if not rule_codes:
        return {"scenarios_run": 0, "scenarios": []}

    def told(what: str):
        return lambda done, total: progress(f"running the scenarios {what}", done, total)

    as_written = run_scenarios(None, rule_codes=rule_codes, on_progress=told("as written"))
    under_draft = run_scenarios(str(draft_file), rule_codes=rule_codes, on_progress=told("under the draft"))
    changed = []
    for before, after in changed_outcomes(as_written, under_draft):
        scenario = after.scenario
        failing = after if not after.passed else before
        changed.append({
            "id": scenario.id, "name": scenario.name, "feature": scenario.feature,
            "rule": next(code for code in rule_codes_of(scenario.feature) if code in rule_codes),
            "steps": [[step.keyword, step.text] for step in scenario.steps],
            "passes_now": before.passed, "passes_under_draft": after.passed,
            "failed_step": failing.failed_step, "message": failing.message,
        })
    return {"scenarios_run": len(under_draft), "scenarios": changed}
