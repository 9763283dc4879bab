"""Views of one findings object: ``findings.json`` (the source of truth), ``findings.csv`` and
``report.html``. Every view is rendered from the ``Inspection`` alone."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from auditor.findings import Finding, Inspection
from auditor.resources import reports_dir
from auditor.rules import load_rules
from auditor.text import plural, uk_date

# A spreadsheet treats a cell that begins with one of these as a formula (OWASP: CSV injection).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def evidence_text(finding: Finding, labels: dict[str, str]) -> str:
    return "; ".join(f"{labels.get(key, key)}: {_shown(value)}" for key, value in finding.evidence.items())


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    formatted = uk_date(value) if isinstance(value, str) and len(value) == 10 else None
    return formatted if formatted and formatted != value else str(value)


FINDING_COLUMNS = (
    "id",
    "rule",
    "title",
    "severity",
    "requirement",
    "upn",
    "pupil",
    "event_date",
    "summary",
    "evidence",
    "legal_basis",
    "action",
)


def finding_rows(inspection: Inspection) -> Iterable[list[str]]:
    labels = {rule.code: rule.evidence_labels for rule in inspection.rules}
    for finding in inspection.findings:
        row = finding.model_dump(mode="json")
        row["evidence"] = evidence_text(finding, labels.get(finding.rule, {}))
        row["event_date"] = uk_date(row["event_date"])
        yield [spreadsheet_safe(row[column]) for column in FINDING_COLUMNS]


def write_json(inspection: Inspection, out: Path) -> Path:
    path = out / "findings.json"
    path.write_text(inspection.model_dump_json(indent=2), encoding="utf-8")
    return path


def write_csv(inspection: Inspection, out: Path) -> Path:
    path = out / "findings.csv"
    # utf-8-sig: Excel opens it with accents intact.
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(FINDING_COLUMNS)
        writer.writerows(finding_rows(inspection))
    return path


@cache
def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(reports_dir()),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["uk"] = uk_date
    env.filters["plural"] = plural
    env.filters["shown"] = _shown
    return env


def render_html(inspection: Inspection) -> str:
    catalogue = {rule.code: rule for rule in load_rules()}
    return (
        _templates()
        .get_template("report.html.j2")
        .render(
            report=inspection,
            catalogue=catalogue,
            severities=("red", "amber", "green"),
        )
    )


def write_html(inspection: Inspection, out: Path) -> Path:
    path = out / "report.html"
    path.write_text(render_html(inspection), encoding="utf-8")
    return path


WRITERS = {"json": write_json, "csv": write_csv, "html": write_html}


def write_outputs(inspection: Inspection, out: str | Path, formats: Iterable[str] = WRITERS) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [WRITERS[name](inspection, out) for name in formats]
