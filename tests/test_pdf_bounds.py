"""The printed report is made in bounded time and memory whatever the data (the defect report's
M9): it counts thousands of rejected rows by reason and lists the first, gives the first findings
in full and the next in brief, and shortens long register extracts. findings.json keeps it all."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from auditor.cli import app
from auditor.findings import RejectedRowInfo
from auditor.report import PRINTED, SCREEN, reason_kind, rejections, render_html, write_xlsx
from tests.test_views import a_finding, a_week, report  # noqa: F401 (report is a fixture)

SAMPLE = Path(__file__).resolve().parents[1] / "sample_registers" / "example-primary"


def test_a_pack_whose_marks_are_all_rejected_prints_a_short_pdf(tmp_path):
    import pypdf

    # Every attendance date written yyyy/mm/dd: all 46,524 marks rejected. The PDF took more
    # than 600 s and 3.5 GB.
    pack = tmp_path / "allrej"
    shutil.copytree(SAMPLE, pack)
    marks = (SAMPLE / "attendance.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    turned = [re.sub(r",(\d{2})/(\d{2})/(\d{4}),", r",\3/\2/\1,", line) for line in marks[1:]]
    (pack / "attendance.csv").write_text(marks[0] + "".join(turned), encoding="utf-8")

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["inspect", str(pack), "-o", str(out), "--format", "html,json,pdf"])
    assert result.exit_code == 0, result.output

    data = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    rejected = [row for row in data["rejected_rows"] if row["file"] == "attendance.csv"]
    assert len(rejected) == len(marks) - 1 == 46524
    assert [row["line"] for row in rejected] == list(range(2, len(marks) + 1))

    reader = pypdf.PdfReader(out / "report.pdf")
    assert len(reader.pages) < 120  # 46,524 rows at 25 a page would be 1,861
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "100 of the 46524 rows are listed here" in text
    assert "findings.json lists every one, and so does findings.xlsx" in text
    assert "is not a date in the form dd/mm/ yyyy or yyyy-mm-dd date 46524 2" in text  # the count by reason

    page = (out / "report.html").read_text(encoding="utf-8")
    assert len(page) < 1_000_000 and "findings.json</code> lists every one" in page  # it was 7.8 MB


def test_rejected_rows_are_counted_by_file_and_kind_of_reason():
    rows = [
        RejectedRowInfo("attendance.csv", 9, "date: '2024/09/03' is not a date", "03/09/2024 AM"),
        RejectedRowInfo("attendance.csv", 4, "date: '2024/09/02' is not a date", "02/09/2024 AM"),
        RejectedRowInfo("attendance.csv", 5, "date: 'O'Neill' is not a date", "02/09/2024 PM"),
        RejectedRowInfo(
            "attendance.csv", 7, "a second mark for this pupil and session (the first is on line 6)", "code"
        ),
        RejectedRowInfo("calendar.csv", 3, "am_open: 'x' is not Y or N", "am_open"),
    ]
    kinds = [(k.file, k.reason, k.rows, k.first_line, k.column) for k in rejections(rows)]
    assert kinds == [
        ("attendance.csv", "date: '…' is not a date", 3, 4, "03/09/2024 AM and 2 others"),
        ("attendance.csv", "a second mark for this pupil and session (the first is on line …)", 1, 7, "code"),
        ("calendar.csv", "am_open: '…' is not Y or N", 1, 3, "am_open"),
    ]
    assert reason_kind("deletion date 07/02/2025 is before the admission date 2025-03-01") == (
        "deletion date … is before the admission date …"
    )


def test_the_printed_report_gives_the_first_findings_in_full_and_the_next_in_brief(report):  # noqa: F811
    many = [a_finding(id=f"REG005-{n:012d}") for n in range(PRINTED.findings_in_full + PRINTED.lines + 7)]
    big = report.model_copy(update={"findings": many})
    printed = render_html(big, PRINTED)
    assert printed.count('<article class="finding') == PRINTED.findings_in_full
    brief = printed[
        printed.index('id="findings-in-brief"') : printed.index("</section>", printed.index('id="findings-in-brief"'))
    ]
    assert brief.count("<td><code>REG005</code>") == PRINTED.lines
    # A link to a finding given in brief lands on its line, as one to a finding in full on its article.
    first_in_brief = many[PRINTED.findings_in_full].id
    assert f'<tr id="{first_in_brief}"><td><code>REG005</code>' in brief
    assert "7 more findings are not shown here" in brief and "findings.csv" in brief
    # Every finding refers to the CME team: the referrals page is bounded the same way.
    assert f"{len(many) - PRINTED.lines} more children to refer are not shown here" in printed
    # On screen, everything.
    assert render_html(big, SCREEN).count('<article class="finding') == len(many)


def test_a_long_register_extract_is_printed_by_its_first_and_last_weeks(report):  # noqa: F811
    mondays = [dt.date(2024, 9, 2) + dt.timedelta(weeks=n) for n in range(60)]
    run = (mondays[0], mondays[-1] + dt.timedelta(days=4))
    weeks = [a_week(monday, ["O O"] * 5, run) for monday in mondays]
    finding = report.findings[0]
    extract = finding.register_extract.model_copy(update={"weeks": weeks, "run_start": run[0], "run_end": run[1]})
    long_run = report.model_copy(update={"findings": [finding.model_copy(update={"register_extract": extract})]})

    def week_rows(html: str) -> list[str]:
        return re.findall(r'<th scope="row" class="week">([^<]+)</th>', html)

    printed = render_html(long_run, PRINTED)
    half = PRINTED.extract_weeks // 2
    assert week_rows(printed) == [f"{m:%d/%m/%Y}" for m in mondays[:half] + mondays[-half:]]
    assert f"{60 - 2 * half} weeks from {mondays[half]:%d/%m/%Y} not shown" in printed
    assert len(week_rows(render_html(long_run, SCREEN))) == 60


def test_findings_xlsx_lists_every_rejected_row_going_on_in_another_sheet_at_the_row_limit(report, tmp_path):  # noqa: F811
    import openpyxl

    rows = [RejectedRowInfo("attendance.csv", line, f"code 'Q{line}' is not a code", "code") for line in range(2, 9)]
    write_xlsx(report.model_copy(update={"rejected_rows": rows}), tmp_path, max_rows=3)  # a header and 2 rows a sheet
    book = openpyxl.load_workbook(tmp_path / "findings.xlsx")
    parts = ["Rejected rows"] + [f"Rejected rows ({n})" for n in (2, 3, 4)]
    assert [name for name in book.sheetnames if name.startswith("Rejected")] == parts
    listed = [row for name in parts for row in book[name].iter_rows(min_row=2, values_only=True)]
    assert listed == [(r.file, r.line, r.reason, r.column) for r in rows]
    assert all(
        book[name].freeze_panes == "A2" and [c.value for c in book[name][1]][:2] == ["file", "line"] for name in parts
    )
