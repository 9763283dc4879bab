"""Views of one findings object: ``findings.json`` (the source of truth), ``findings.csv``,
``report.html``, ``report.pdf`` (the same HTML, printed) and ``findings.xlsx``. Every view is
rendered from the ``Inspection`` alone."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from auditor.catalogue import entries
from auditor.findings import Finding, Inspection, RejectedRowInfo
from auditor.resources import reports_dir, template_bytecode_cache
from auditor.text import plural, uk_date

# A spreadsheet treats a cell that begins with one of these as a formula (OWASP: CSV injection).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def evidence_text(finding: Finding, labels: dict[str, str]) -> str:
    return "; ".join(f"{labels.get(key, key)}: {_shown(value)}" for key, value in finding.evidence.items())


def _past(items: list, limit: int | None) -> list:
    """The items a list shown up to ``limit`` leaves out (none when there is no limit)."""
    return [] if limit is None else items[limit:]


def _shown(value: object) -> str:
    if isinstance(value, bool):  # an evidence flag, read by people: "estimated: yes"
        return "yes" if value else "no"
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
    "waived",
)


def waiver_text(finding: Finding) -> str:
    """A finding's waiver as a cell reads it: running ("until ..."), expired, or none ("")."""
    waiver = finding.waiver or finding.waiver_expired
    if waiver is None:
        return ""
    agreed = f"agreed by {waiver.agreed_by}" + (f" on {waiver.agreed_on:%d/%m/%Y}" if waiver.agreed_on else "")
    until = f"{waiver.expires:%d/%m/%Y}"
    state = f"until {until}" if finding.waiver else f"expired {until} (counts again)"
    return f"{state}: {waiver.reason} ({agreed}; {waiver.source})"


def finding_rows(inspection: Inspection) -> Iterable[list[str]]:
    labels = {rule.code: rule.evidence_labels for rule in inspection.rules}
    for finding in inspection.findings:
        row = finding.model_dump(mode="json")
        row["evidence"] = evidence_text(finding, labels.get(finding.rule, {}))
        row["event_date"] = uk_date(row["event_date"])
        row["refer_to_cme"] = "yes" if refers_to_cme(finding) else ""
        row["change"] = (finding.change or "").replace("_", " ")
        row["waived"] = waiver_text(finding)
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


REPORT_TEMPLATE = "report.html.j2"
# The report's styles, in order: the palette and register grid, then the rest. Inlined in
# report.html, or served beside a page.
STYLESHEETS = ("register.css", "report.css")


def templates_dir() -> Path:
    """The folder of the report templates and ``report.css`` (in a checkout or in the wheel), for
    a loader of one's own: a page of the service extends ``report.html.j2`` (see its blocks)."""
    return reports_dir()


def report_filters() -> dict[str, Callable]:
    """The filters the report templates use: ``env.filters.update(report_filters())`` readies an
    Environment of one's own (autoescaping, with trim_blocks and lstrip_blocks as here)."""
    return {"uk": uk_date, "plural": plural, "shown": _shown, "past": _past}


@cache
def stylesheet() -> Markup:
    """The report's styles (``STYLESHEETS``), to be inlined: the shipped files, never data."""
    return Markup("\n".join((templates_dir() / name).read_text(encoding="utf-8") for name in STYLESHEETS))


@cache
def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        bytecode_cache=template_bytecode_cache(),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(report_filters())
    return env


@dataclass(frozen=True)
class Limits:
    """How much of what grows with the data a report shows (None: all of it). findings.json and
    findings.xlsx always hold everything, and findings.csv every finding."""

    findings_in_full: int | None = None  # then one line each, up to ``lines``
    lines: int | None = None  # rows of any list: findings in brief, referrals, resolved findings
    extract_weeks: int | None = None  # weeks of a register extract: its first and last halves
    # Rejected rows, on screen too: thousands of rows that fail alike are read as a count by
    # reason (a browser need not load 8 MB of them, nor a million marks' worth).
    rejected_rows: int = 100
    rejection_kinds: int = 40


SCREEN = Limits()
# The printed report (report.pdf) is made in bounded time and memory whatever the data.
PRINTED = Limits(findings_in_full=100, lines=300, extract_weeks=12)

# The values of a row in a reason: the cell values it quotes ("'2024/09/02' is not a date"),
# dates, and the line numbers it refers to.
_ROW_VALUES = re.compile(r"'.*?'(?= is not\b)|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b|(?<=\bline )\d+")


@lru_cache(maxsize=1 << 14)  # rows rejected by the thousand share a few reasons
def reason_kind(reason: str) -> str:
    """A rejected row's reason with its row's values elided: the rows that fail the same way
    share it, and it quotes none of the row's cells."""
    return _ROW_VALUES.sub(lambda m: "'…'" if m.group().startswith("'") else "…", reason)


@dataclass
class Rejections:
    """The rejected rows of one file that share a kind of reason."""

    file: str
    reason: str
    rows: int = 0
    first_line: int = 0
    columns: dict[str, None] = field(default_factory=dict)  # in the order first met

    @property
    def column(self) -> str:
        names = list(self.columns)
        if len(names) <= 1:
            return names[0] if names else ""
        return f"{names[0]} and {plural(len(names) - 1, 'other')}"


def rejections(rows: Iterable[RejectedRowInfo]) -> list[Rejections]:
    """Rejected rows counted by file and kind of reason, in file order, the commonest first."""
    kinds: dict[tuple[str, str], Rejections] = {}
    for row in rows:
        reason = reason_kind(row.reason)
        kind = kinds.get((row.file, reason))
        if kind is None:
            kind = kinds[row.file, reason] = Rejections(row.file, reason, first_line=row.line)
        kind.rows += 1
        kind.first_line = min(kind.first_line, row.line)
        if row.column:
            kind.columns.setdefault(row.column)
    files = list(dict.fromkeys(kind.file for kind in kinds.values()))
    return sorted(kinds.values(), key=lambda k: (files.index(k.file), -k.rows))


def refers_to_cme(finding: Finding) -> bool:
    """A red finding of a rule that concerns a child's whereabouts or education (``refer_to_cme``),
    unless it is waived: the local authority has agreed it already."""
    return finding.refer_to_cme and finding.severity == "red" and finding.counts


def cme_referrals(inspection: Inspection) -> list[Finding]:
    return [f for f in inspection.findings if refers_to_cme(f)]


def report_context(inspection: Inspection, limits: Limits = SCREEN) -> dict[str, object]:
    """The variables ``report.html.j2`` is rendered with (and any template that extends it)."""
    return {
        "report": inspection,
        "catalogue": {e.code: e for e in entries()},
        "severities": ("red", "amber", "green"),
        "referrals": cme_referrals(inspection),
        "weekdays": ("Mon", "Tue", "Wed", "Thu", "Fri"),
        "limits": limits,
        "rejections": rejections(inspection.rejected_rows),
        "stylesheet": stylesheet(),
    }


def render_html(inspection: Inspection, limits: Limits = SCREEN) -> str:
    return _templates().get_template(REPORT_TEMPLATE).render(report_context(inspection, limits))


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
    weasyprint.HTML(string=render_html(inspection, PRINTED), url_fetcher=_refuse_to_fetch).write_pdf(path)
    return path


# Excel opens no sheet of more rows than this; a longer list goes on in a sheet "<title> (2)".
XLSX_MAX_ROWS = 1_048_576


def write_xlsx(inspection: Inspection, out: Path, max_rows: int = XLSX_MAX_ROWS) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    # Written as a stream (write-only): a million rejected marks need not be held as cells.
    book = Workbook(write_only=True)
    bold, wrapped = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def cell(sheet, value: object, **style) -> WriteOnlyCell:
        made = WriteOnlyCell(sheet, value=_xlsx_value(value))
        if isinstance(made.value, str):
            made.data_type = "s"  # text, never a formula, whatever it holds
        for name, setting in style.items():
            setattr(made, name, setting)
        return made

    def add_sheet(title: str, header: Iterable[str], rows: Iterable[Iterable[object]], widths: dict[int, int]):
        header, rows = list(header), iter(rows)
        row, part = next(rows, None), 1
        while True:
            sheet = book.create_sheet(title if part == 1 else f"{title} ({part})")
            sheet.freeze_panes = "A2"
            for column, width in widths.items():
                sheet.column_dimensions[get_column_letter(column + 1)].width = width
            sheet.append([cell(sheet, name, font=bold) for name in header])
            written = 1
            while row is not None and written < max_rows:
                sheet.append([cell(sheet, value, alignment=wrapped) for value in row])
                row, written = next(rows, None), written + 1
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{written}"
            if row is None:
                return
            part += 1

    wide = {FINDING_COLUMNS.index(c): 60 for c in ("summary", "evidence", "legal_basis", "action")}
    add_sheet("Findings", FINDING_COLUMNS, finding_rows(inspection), {0: 20, 2: 30, 6: 24, **wide})
    add_sheet(
        "Rules",
        ("rule", "title", "requirement", "status", "reason", "findings", "red", "amber", "green", "waived"),
        (
            [r.code, r.title, r.requirement, r.status.replace("_", " "), r.reason or "", r.findings]
            + [inspection.count(severity, r.code) for severity in ("red", "amber", "green")]
            + [r.waived]
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
