"""The bundled sample pack: for every rule, the inspection finds exactly the findings listed in
sample_registers/example-primary/manifest.json (written by the generator) and none of its near
misses. The manifest lists planted breaches, near misses, the green data-quality notes on the LA
lists, and every background pupil below 90% attendance (REG014, computed as the rule computes it)."""

import json
from pathlib import Path

import pytest

from auditor import inspect
from auditor.rules import load_rules

SAMPLE = Path(__file__).resolve().parent.parent / "sample_registers" / "example-primary"


@pytest.fixture(scope="module")
def result():
    return inspect(SAMPLE)


@pytest.fixture(scope="module")
def planted():
    return json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))


def _key(rule, upn, pupil):
    """Pupils by UPN; allocated children with no UPN by name; school-level findings by rule."""
    return (rule, upn or pupil or None)


def _found(result):
    return {_key(f.rule, f.upn, f.pupil) for f in result.findings}


def test_every_planted_case_is_judged_as_planted(result, planted):
    found = _found(result)
    wrong = [
        case
        for case in planted
        if (_key(case["rule"], case["upn"], case["pupil"]) in found) != (case["expect"] == "finding")
    ]
    assert wrong == []


def test_no_finding_that_was_not_planted(result, planted):
    """For every rule, REG and DQ alike, the findings are exactly the manifest's expected ones."""
    expected = {_key(c["rule"], c["upn"], c["pupil"]) for c in planted if c["expect"] == "finding"}
    unexpected = [(f.rule, f.upn, f.summary) for f in result.findings if _key(f.rule, f.upn, f.pupil) not in expected]
    assert unexpected == []
    assert len(result.findings) == len(expected)  # one finding per expected case, none twice


def test_the_sample_data_is_clean_but_for_what_the_lists_cannot_match(result, planted):
    # Data-quality findings are green notes on the LA lists (allocations never on roll, a
    # names-only match), and the marks the REG012 case records after its deletion.
    quality = {(f.rule, f.severity) for f in result.findings if f.rule.startswith("DQ")}
    assert quality == {("DQ007", "green"), ("DQ008", "green"), ("DQ003", "amber")}
    dq003 = [c for c in planted if c["rule"] == "DQ003"]
    assert [c["upn"] for c in dq003] == [
        c["upn"] for c in planted if c["rule"] == "REG012" and c["expect"] == "finding"
    ]


def test_each_rule_shows_a_finding_and_a_near_miss(planted):
    # REG004's near miss is REG003's finding (8 weeks is not 12 months); REG006's has no UPN.
    # REG015 is school-level: the primary sample holds its near miss; the secondary school of
    # tests/test_authority_sample.py holds its finding.
    codes = [rule.code for rule in load_rules() if rule.code.startswith("REG")]
    assert codes == [f"REG{n:03d}" for n in range(1, 16)]
    for code in codes:
        expected = {"no_finding"} if code == "REG015" else {"finding", "no_finding"}
        assert {
            case["expect"] for case in planted if case["rule"] == code and not case.get("background")
        } == expected, code


def test_persistent_absence_is_real_but_not_everyone(result, planted):
    background = [c for c in planted if c["rule"] == "REG014" and c.get("background")]
    pupils = {f.upn for f in result.findings if f.rule == "REG014"}
    assert 0.03 < len(background) / 210 < 0.2 and len(pupils) == len(background) + 2


def test_every_row_of_the_sample_is_accepted(result):
    assert sum(i.rows for i in result.inputs) > 40_000
    assert result.rejected_rows == []
    # Every rule is checked but DQ009, which judges a Common Transfer File's own totals.
    assert {rule.code for rule in result.rules if rule.status != "checked"} == {"DQ009"}
