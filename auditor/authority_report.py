"""Views of an authority's summary: ``authority-summary.json`` (the source), ``.csv`` (one row per
school and rule, safe in a spreadsheet) and ``.html`` (tables and a chart, self-contained)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from auditor.batch import AuthoritySummary
from auditor.indicators import FINDING_COUNTS, GROUND_KINDS, PART_TIME_BANDS
from auditor.report import _templates, spreadsheet_safe

SEVERITIES = ("red", "amber", "green")


def totals_by_rule(summary: AuthoritySummary) -> dict[str, dict[str, int]]:
    totals = {code: dict.fromkeys(SEVERITIES, 0) for code in summary.rules}
    for school in summary.schools:
        for code, counts in school.findings.items():
            for severity, count in counts.items():
                totals.setdefault(code, dict.fromkeys(SEVERITIES, 0))[severity] += count
    return totals


def indicator_totals(summary: AuthoritySummary) -> dict[str, object]:
    """The CME indicators added up over the schools that were inspected (None: no school could
    check it)."""
    inspected = [s.indicators for s in summary.schools if s.ok and s.indicators]
    out: dict[str, object] = {
        "schools": len(inspected),
        "pupils_on_roll": sum(i.pupils_on_roll for i in inspected),
        "part_time_at_date": {band: sum(i.part_time_at_date[band] for i in inspected) for band in PART_TIME_BANDS},
        "part_time_in_period": {band: sum(i.part_time_in_period[band] for i in inspected) for band in PART_TIME_BANDS},
        "deletions_by_ground": {
            label: sum(i.deletions_by_ground.get(label, 0) for i in inspected) for label in GROUND_KINDS.values()
        },
    }
    for name in FINDING_COUNTS:
        counted = [getattr(i, name) for i in inspected if getattr(i, name) is not None]
        out[name] = {"count": sum(counted), "schools_checked": len(counted)}
    return out


def as_at_label(summary: AuthoritySummary) -> str:
    """The date the schools were judged as at, and so of the "at the date" indicators: each
    school's own, which are one date only when every school was judged as at the same day."""
    dates = summary.as_at_range
    if dates is None:
        return "each school's inspection date"
    first, last = (f"{d:%d/%m/%Y}" for d in dates)
    return first if first == last else f"each school's inspection date ({first}–{last})"


def write_summary(summary: AuthoritySummary, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "authority-summary.json", out / "authority-summary.csv", out / "authority-summary.html"]
    indicators = {**indicator_totals(summary), "at_date": as_at_label(summary)}
    document = {**summary.model_dump(mode="json"), "indicators": indicators}

    paths[0].write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    with paths[1].open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["urn", "school", "pack", "as_at", "status", "rule", *SEVERITIES, "generated_on"])
        for school in summary.schools:
            status = "inspected" if school.ok else f"failed: {school.error}"
            as_at = f"{school.as_at:%d/%m/%Y}" if school.as_at else ""
            rows = school.findings.items() if school.findings else [("", {})]
            for code, counts in rows:
                cells = [
                    school.urn, school.name, school.pack, as_at, status, code,
                    *(counts.get(s, 0) for s in SEVERITIES), f"{summary.generated_on:%d/%m/%Y}",
                ]
                writer.writerow([spreadsheet_safe(cell) for cell in cells])
    html = _templates().get_template("authority.html.j2").render(
        summary=summary,
        totals=totals_by_rule(summary),
        indicators=indicators,
        severities=SEVERITIES,
        bands=PART_TIME_BANDS,
    )
    paths[2].write_text(html, encoding="utf-8")
    return paths
