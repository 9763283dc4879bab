"""The bundled sample pack: the inspection finds exactly the breaches planted in it, and none of
its near-misses (sample_registers/example-primary/manifest.json, written by the generator)."""

import json
from pathlib import Path

import pytest

from auditor import inspect

SAMPLE = Path(__file__).resolve().parent.parent / "sample_registers" / "example-primary"


@pytest.fixture(scope="module")
def result():
    return inspect(SAMPLE)


@pytest.fixture(scope="module")
def planted():
    return json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))


def _found(result, case) -> bool:
    if case["upn"]:
        return any(f.rule == case["rule"] and f.upn == case["upn"] for f in result.findings)
    return any(f.rule == case["rule"] and f.pupil == case["pupil"] for f in result.findings)


def test_every_planted_case_is_judged_as_planted(result, planted):
    wrong = [case for case in planted if _found(result, case) != (case["expect"] == "finding")]
    assert wrong == []


def test_no_finding_that_was_not_planted(result, planted):
    """For every rule the sample plants cases of, its findings are exactly the planted ones."""
    judged = {case["rule"] for case in planted}
    expected = {(case["rule"], case["upn"]) for case in planted if case["expect"] == "finding"}
    unexpected = [
        (f.rule, f.upn, f.summary) for f in result.findings if f.rule in judged and (f.rule, f.upn) not in expected
    ]
    assert unexpected == []


def test_the_sample_data_is_clean_but_for_what_the_lists_cannot_match(result):
    # Data-quality findings (DQ) are not planted: the sample's registers are consistent, so the
    # only ones are green notes on the LA lists (allocations never on roll, a names-only match).
    quality = [(f.rule, f.severity) for f in result.findings if f.rule.startswith("DQ")]
    assert {severity for _, severity in quality} <= {"green"}, quality


def test_each_rule_shows_a_finding_and_a_near_miss(planted):
    # REG004's near-miss is REG003's finding (8 weeks is not 12 months); REG006's has no UPN.
    for code in ("REG001", "REG002", "REG003", "REG004", "REG005", "REG006"):
        assert {case["expect"] for case in planted if case["rule"] == code} == {"finding", "no_finding"}, code


def test_every_row_of_the_sample_is_accepted(result):
    assert sum(i.rows for i in result.inputs) > 40_000
    assert result.rejected_rows == []
    assert all(rule.status == "checked" for rule in result.rules)
