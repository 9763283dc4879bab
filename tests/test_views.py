"""The printable report and its other views: register grid, CME page, PDF, XLSX, changes since
the last inspection, pseudonyms. Each view is rendered from an Inspection object alone."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.findings import (
    Finding,
    InputInfo,
    Inspection,
    InspectionInfo,
    RegisterDay,
    RegisterExtract,
    RegisterSession,
    RegisterWeek,
    RejectedRowInfo,
    RuleStatus,
    SchoolInfo,
    ToolInfo,
)
from auditor.history import compare
from auditor.pseudonym import pseudonymise
from auditor.report import render_html, write_outputs
from tests.packs import one_unnotified_deletion

HOSTILE_SURNAME = '<script>alert("x")</script>'
HOSTILE_FORENAME = '=HYPERLINK("http://evil.example","click")'
HOSTILE_PUPIL = f"{HOSTILE_SURNAME}, {HOSTILE_FORENAME}"
UPN = "T123456789012"


def a_week(monday: dt.date, codes: list[str], run: tuple[dt.date, dt.date], closed: set[dt.date] = frozenset()):
    days = []
    for offset, pair in enumerate(codes):
        day = monday + dt.timedelta(days=offset)
        counted = run[0] <= day <= run[1]
        am, pm = (RegisterSession(code=c, open=day not in closed, counted=counted) for c in pair.split())
        days.append(RegisterDay(date=day, am=am, pm=pm))
    return RegisterWeek(week_of=monday, days=days)


def an_extract() -> RegisterExtract:
    run = (dt.date(2025, 1, 6), dt.date(2025, 1, 17))
    return RegisterExtract(
        upn=UPN,
        run_start=run[0],
        run_end=run[1],
        weeks=[
            a_week(dt.date(2024, 12, 30), ["/ \\", "# #", "/ \\", "/ \\", "/ \\"], run, {dt.date(2025, 1, 1)}),
            a_week(dt.date(2025, 1, 6), ["N N", "O O", "O O", "O O", "O O"], run),
            a_week(dt.date(2025, 1, 13), ["O O", "O O", "O O", "O O", "O O"], run),
            a_week(dt.date(2025, 1, 20), ["/ \\", "/ \\", "L \\", "/ \\", "/ \\"], run),
        ],
    )


def a_finding(**changes) -> Finding:
    fields = dict(
        id="REG005-0123456789ab",
        rule="REG005",
        title="Continuous unauthorised absence not returned",
        severity="red",
        requirement="must",
        upn=UPN,
        pupil=HOSTILE_PUPIL,
        event_date=dt.date(2025, 1, 17),
        summary=f"{HOSTILE_PUPIL} ({UPN}) was absent without authorisation for 10 school days.",
        evidence={"run_start": "2025-01-06", "run_end": "2025-01-17", "school_days": 10},
        legal_basis="SI 2024/208, reg 13(3)",
        action=f"The school must make an absence return for {HOSTILE_PUPIL} now.",
        refer_to_cme=True,
        register_extract=an_extract(),
    )
    return Finding(**{**fields, **changes})


@pytest.fixture
def report() -> Inspection:
    return Inspection(
        tool=ToolInfo(version="test"),
        school=SchoolInfo(urn="999001", name="Test School", la="Test LA"),
        inspection=InspectionInfo(
            date=dt.date(2025, 1, 24),
            period_start=dt.date(2024, 9, 2),
            policy="statutory",
            policy_title="Statutory",
            calendar="calendar.csv",
        ),
        inputs=[InputInfo(file="attendance.csv", rows=3, accepted=2, rejected=1, sha256="ab" * 32, encoding="utf-8")],
        rules=[
            RuleStatus(code="REG005", name="absence-return-not-made", title="Absence not returned",
                       requirement="must", status="checked", findings=2,
                       evidence_labels={"run_start": "Run began", "run_end": "Run ended", "school_days": "School days"}),
            RuleStatus(code="REG006", name="allocated-place-not-taken-up", title="Allocated place not taken up",
                       requirement="must", status="not_checked", reason="no allocations.csv in the pack"),
        ],
        findings=[
            a_finding(),
            a_finding(id="REG005-ba9876543210", severity="amber", refer_to_cme=False, upn="T999999999999",
                      pupil="Other, Olive", summary="Other, Olive was absent.", action="Check.", register_extract=None),
        ],
        rejected_rows=[RejectedRowInfo(file="attendance.csv", line=7, reason=f"code 'Q' for {UPN} is not a code")],
    )


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_grid_shows_the_weeks_with_am_and_pm_marks(report):
    html = render_html(report)
    grid = html[html.index("<tbody>", html.index('<table class="register"')) : html.index("</tbody>", html.index('<table class="register"'))]
    rows = re.findall(r"<tr>(.*?)</tr>", grid, re.S)
    assert len(rows) == 4
    assert "30/12/2024" in rows[0] and "13/01/2025" in rows[2]
    # Monday 06/01/2025: N then N, side by side, both counted.
    assert re.search(r'<span class="mark counted"[^>]*>N</span><span class="mark counted"[^>]*>N</span>', rows[1])
    assert rows[0].count("mark closed") == 2  # the bank holiday's AM and PM
    assert rows[3].count("counted") == 0 and rows[2].count("counted") == 10


def test_summary_counts_by_rule_and_rag_and_the_duty(report):
    html = render_html(report)
    assert 'data-count="red">1<' in html and 'data-count="amber">1<' in html and 'data-count="green">0<' in html
    assert "must: legal duty" in html
    text = visible_text(html)
    assert "Not checked: no allocations.csv in the pack" in text
    assert "Officer's name" in text and "Signature" in text


def test_cme_referrals_get_their_own_printed_page(report):
    html = render_html(report)
    section = html[html.index('<section id="cme"') : html.index("</section>", html.index('<section id="cme"'))]
    assert 'class="referrals"' in section and "break-before: page" in html
    assert "T123456789012" in section and "Other, Olive" not in section  # amber, not referred


def test_no_cme_page_without_referrals(report):
    report.findings = [f.model_copy(update={"refer_to_cme": False}) for f in report.findings]
    assert 'id="cme"' not in render_html(report)


def test_html_is_inert_and_self_contained(report):
    html = render_html(report)
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?(https?:)?//", html, re.I)
    style = html[html.index("<style>") : html.index("</style>")]
    assert "script" not in style and "Test School" not in style  # no data inside CSS


def test_pdf_text_is_inert(report, tmp_path):
    import pypdf
    write_outputs(report, tmp_path, ["pdf"])
    reader = pypdf.PdfReader(tmp_path / "report.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", HOSTILE_SURNAME) in flat  # shown as the letters it is made of
    assert "Childrentorefertothechildrenmissingeducationteamnow" in flat
    assert all("/Annots" not in page for page in reader.pages)  # no links, no actions
    assert "/JavaScript" not in (tmp_path / "report.pdf").read_bytes().decode("latin-1")


def test_xlsx_sheets_are_filtered_frozen_and_inert(report, tmp_path):
    import openpyxl
    write_outputs(report, tmp_path, ["xlsx"])
    book = openpyxl.load_workbook(tmp_path / "findings.xlsx")
    assert book.sheetnames == ["Findings", "Rules", "Rejected rows"]
    findings = book["Findings"]
    assert findings.freeze_panes == "A2" and findings.auto_filter.ref
    header = [c.value for c in findings[1]]
    pupil = findings.cell(row=2, column=header.index("pupil") + 1)
    assert pupil.data_type == "s" and HOSTILE_FORENAME not in [c.value for c in findings[2]]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")))
    assert book["Rejected rows"]["C2"].value.startswith("code 'Q'")


def test_previous_inspection_marks_new_still_open_and_resolved(report):
    old_only = a_finding(id="REG001-aaaaaaaaaaaa", rule="REG001", pupil="Gone, Gina", summary="Gina was deleted.")
    previous = [report.findings[0], old_only]
    result = compare(report, dt.date(2024, 10, 1), previous)
    assert [f.change for f in result.findings] == ["still_open", "new"]
    assert [f.id for f in result.resolved] == ["REG001-aaaaaaaaaaaa"]
    html = render_html(result)
    assert 'data-count="new">1<' in html and 'data-count="resolved">1<' in html
    assert "Gina was deleted." in html and "Resolved since the last inspection" in html


def test_pseudonyms_replace_names_and_upns_everywhere(report, tmp_path):
    result = pseudonymise(report)
    again = pseudonymise(report)
    other_key = pseudonymise(report, "a secret")
    first = result.findings[0]
    assert first.upn == again.findings[0].upn != other_key.findings[0].upn  # stable per key
    assert first.pupil.startswith("Pupil ") and first.upn.startswith("P")
    write_outputs(result, tmp_path, ["json", "csv", "html", "xlsx"])
    for name in ("findings.json", "findings.csv", "report.html"):
        text = (tmp_path / name).read_text(encoding="utf-8-sig")
        for secret in (UPN, "T999999999999", "HYPERLINK", "alert", "Olive"):
            assert secret not in text, (name, secret)
    assert first.upn in (tmp_path / "report.html").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert data["inspection"]["pseudonymised"] is True
    assert data["findings"][0]["register_extract"]["upn"] == first.upn
    assert UPN not in data["rejected_rows"][0]["reason"]


def test_csv_carries_the_referral_and_change(report, tmp_path):
    write_outputs(compare(report, dt.date(2024, 10, 1), []), tmp_path, ["csv"])
    rows = list(csv.DictReader(io.StringIO((tmp_path / "findings.csv").read_text(encoding="utf-8-sig"))))
    assert [(r["refer_to_cme"], r["change"]) for r in rows] == [("yes", "new"), ("", "new")]


# ---- the command line ------------------------------------------------------------------------

runner = CliRunner()


a_pack = one_unnotified_deletion


def test_format_option_takes_a_list_or_repeats(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["inspect", str(a_pack(tmp_path)), "-o", str(out), "--format", "json,xlsx", "--format", "pdf"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"findings.json", "findings.xlsx", "report.pdf"}


def test_unknown_format_is_refused(tmp_path):
    result = runner.invoke(app, ["inspect", str(a_pack(tmp_path)), "-o", str(tmp_path / "o"), "--format", "docx"])
    assert result.exit_code == 2 and "docx" in result.output


def test_previous_from_the_command_line(tmp_path):
    pack = a_pack(tmp_path)
    first, second = tmp_path / "first", tmp_path / "second"
    assert runner.invoke(app, ["inspect", str(pack), "-o", str(first), "--format", "json"]).exit_code == 0
    data = json.loads((first / "findings.json").read_text())
    data["findings"].append({**data["findings"][0], "id": "REG001-000000000000", "pupil": "Gone, Gina"})
    (first / "findings.json").write_text(json.dumps(data))
    result = runner.invoke(app, ["inspect", str(pack), "-o", str(second), "--previous", str(first / "findings.json")])
    assert result.exit_code == 0, result.output
    now = json.loads((second / "findings.json").read_text())
    assert [f["change"] for f in now["findings"]] == ["still_open"]
    assert [f["id"] for f in now["resolved"]] == ["REG001-000000000000"]
    assert "1 resolved" in result.output


def test_previous_that_is_not_findings_json_exits_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = runner.invoke(app, ["inspect", str(a_pack(tmp_path)), "-o", str(tmp_path / "o"), "--previous", str(bad)])
    assert result.exit_code == 2 and "bad.json" in result.output


def test_pseudonymise_from_the_command_line(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["inspect", str(a_pack(tmp_path)), "-o", str(out), "--pseudonymise"])
    assert result.exit_code == 0, result.output
    for name in ("findings.json", "findings.csv", "report.html"):
        text = (out / name).read_text(encoding="utf-8-sig")
        assert "Ada" not in text and "Example, Ada" not in text, name
