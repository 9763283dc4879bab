"""Views of one findings object: ``findings.json`` (the source of truth), ``findings.csv``,
``report.html``, ``report.pdf`` (the same HTML, printed) and ``findings.xlsx``. Every view is
rendered from the ``Inspection`` alone."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from auditor.catalogue import entries
from auditor.findings import Finding, Inspection
from auditor.resources import reports_dir, template_bytecode_cache
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
    "refer_to_cme",
    "change",
)


def finding_rows(inspection: Inspection) -> Iterable[list[str]]:
    labels = {rule.code: rule.evidence_labels for rule in inspection.rules}
    for finding in inspection.findings:
        row = finding.model_dump(mode="json")
        row["evidence"] = evidence_text(finding, labels.get(finding.rule, {}))
        row["event_date"] = uk_date(row["event_date"])
        row["refer_to_cme"] = "yes" if finding.refer_to_cme and finding.severity == "red" else ""
        row["change"] = (finding.change or "").replace("_", " ")
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
        bytecode_cache=template_bytecode_cache(),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["uk"] = uk_date
    env.filters["plural"] = plural
    env.filters["shown"] = _shown
    return env


def cme_referrals(inspection: Inspection) -> list[Finding]:
    """Red findings of rules that concern a child's whereabouts or education (``refer_to_cme``)."""
    return [f for f in inspection.findings if f.refer_to_cme and f.severity == "red"]


def render_html(inspection: Inspection) -> str:
    catalogue = {e.code: e for e in entries()}
    return (
        _templates()
        .get_template("report.html.j2")
        .render(
            report=inspection,
            catalogue=catalogue,
            severities=("red", "amber", "green"),
            referrals=cme_referrals(inspection),
            weekdays=("Mon", "Tue", "Wed", "Thu", "Fri"),
        )
    )


def write_html(inspection: Inspection, out: Path) -> Path:
    path = out / "report.html"
    path.write_text(render_html(inspection), encoding="utf-8")
    return path


def _refuse_to_fetch(url: str, *args, **kwargs):
    # The report is self-contained; a URL in it would be a fault (or injected): fetch nothing.
    raise ValueError(f"report.pdf fetches nothing: {url}")


def write_pdf(inspection: Inspection, out: Path) -> Path:
    import weasyprint  # imported here: slow to load, and only PDF needs it (and its pango libraries)

    path = out / "report.pdf"
    weasyprint.HTML(string=render_html(inspection), url_fetcher=_refuse_to_fetch).write_pdf(path)
    return path


def write_xlsx(inspection: Inspection, out: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    def add_sheet(title: str, header: Iterable[str], rows: Iterable[Iterable[object]], widths: dict[int, int]):
        sheet = book.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append([_xlsx_value(value) for value in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula, whatever it holds
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for column, width in widths.items():
            sheet.column_dimensions[chr(ord("A") + column)].width = width
        return sheet

    book = Workbook()
    book.remove(book.active)
    wide = {FINDING_COLUMNS.index(c): 60 for c in ("summary", "evidence", "legal_basis", "action")}
    add_sheet("Findings", FINDING_COLUMNS, finding_rows(inspection), {0: 20, 2: 30, 6: 24, **wide})
    add_sheet(
        "Rules",
        ("rule", "title", "requirement", "status", "reason", "findings", "red", "amber", "green"),
        (
            [r.code, r.title, r.requirement, r.status.replace("_", " "), r.reason or "", r.findings]
            + [inspection.count(severity, r.code) for severity in ("red", "amber", "green")]
            for r in inspection.rules
        ),
        {1: 50, 4: 40},
    )
    add_sheet(
        "Rejected rows",
        ("file", "line", "reason", "column"),
        ([row.file, row.line, row.reason, row.column or ""] for row in inspection.rejected_rows),
        {0: 28, 2: 80, 3: 24},
    )
    if inspection.resolved:
        add_sheet(
            "Resolved",
            ("id", "rule", "severity", "upn", "pupil", "summary"),
            ([f.id, f.rule, f.severity, f.upn, f.pupil, f.summary] for f in inspection.resolved),
            {0: 20, 4: 24, 5: 80},
        )
    path = out / "findings.xlsx"
    book.save(path)
    return path


def _xlsx_value(value: object) -> object:
    # Numbers stay numbers (they cannot be formulas); everything else is made inert text.
    return value if isinstance(value, int | float) and not isinstance(value, bool) else spreadsheet_safe(value)


WRITERS = {"json": write_json, "csv": write_csv, "html": write_html, "pdf": write_pdf, "xlsx": write_xlsx}
DEFAULT_FORMATS = ("html", "json", "csv")


def write_outputs(
    inspection: Inspection, out: str | Path, formats: Iterable[str] = DEFAULT_FORMATS
) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [WRITERS[name](inspection, out) for name in formats]
