"""The views of the findings: JSON to the contract, CSV safe in a spreadsheet, HTML inert."""

import csv
import datetime as dt
import json
import re

import pytest

from auditor import inspect
from auditor.report import spreadsheet_safe, write_outputs
from tests.packs import PackBuilder

HOSTILE_SURNAME = '<script>alert("x")</script>'
HOSTILE_FORENAME = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def hostile_outputs(tmp_path):
    pack = PackBuilder(tmp_path / "pack")
    pupil = pack.add_pupil("Ada Example")
    pupil.update(surname=HOSTILE_SURNAME, forename=HOSTILE_FORENAME)
    pack.delete("Ada Example", dt.date(2025, 1, 10), "9(1)(g)")
    result = inspect(pack.write(dt.date(2025, 1, 24)))
    out = tmp_path / "out"
    write_outputs(result, out)
    return result, out


def test_json_follows_the_contract(hostile_outputs):
    result, out = hostile_outputs
    data = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert set(data) >= {"tool", "school", "inspection", "inputs", "rules", "findings", "rejected_rows"}
    assert data["tool"]["name"] == "register-auditor"
    assert data["inspection"] == {**data["inspection"], "date": "2025-01-24", "policy": "statutory"}
    finding = data["findings"][0]
    assert set(finding) >= {"id", "rule", "severity", "upn", "pupil", "summary", "evidence", "legal_basis", "action"}
    assert finding["evidence"]["deletion_date"] == "2025-01-10"
    assert {"file", "rows", "accepted", "rejected", "sha256"} <= set(data["inputs"][0])


def test_finding_ids_are_stable_across_runs(hostile_outputs, tmp_path):
    result, _ = hostile_outputs
    again = inspect(tmp_path / "pack", as_of=dt.date(2025, 1, 24))
    assert [f.id for f in again.findings] == [f.id for f in result.findings]
    assert re.fullmatch(r"REG001-[0-9a-f]{12}", result.findings[0].id)


def test_csv_neutralises_formulas(hostile_outputs):
    _, out = hostile_outputs
    with (out / "findings.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    for value in rows[0].values():
        assert not value.startswith(("=", "+", "-", "@")), value
    assert HOSTILE_FORENAME in rows[0]["pupil"]  # kept, but never as the start of a cell


@pytest.mark.parametrize("text", ["=1+1", "+44 7700", "-3", "@SUM(A1)", "\tx"])
def test_spreadsheet_safe_prefixes_formula_triggers(text):
    assert spreadsheet_safe(text) == "'" + text


def test_html_escapes_everything_and_needs_no_network(hostile_outputs):
    _, out = hostile_outputs
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    assert 'data-count="red">1<' in html


def test_evidence_flags_read_as_yes_or_no():
    from auditor.report import _shown

    assert (_shown(True), _shown(False), _shown(0), _shown("2025-07-22")) == ("yes", "no", "0", "22/07/2025")
