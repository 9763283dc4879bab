"""The rule catalogue, the policies and the feature files agree with one another."""

import re
from pathlib import Path

import pytest

from auditor.facts import BUILDERS, register_builders
from auditor.policy import bundled_policies, load_policy
from auditor.rules import load_rules

FEATURES = Path(__file__).resolve().parent.parent / "features"


def test_feature_files_name_exactly_the_rules_the_engine_loads():
    named = set()
    for feature in FEATURES.glob("*.feature"):
        named |= set(re.findall(r"\b(?:REG|DQ)\d{3}\b", feature.read_text(encoding="utf-8")))
    assert named == {rule.code for rule in load_rules()}


def test_every_rule_has_a_feature_file_of_its_own_name():
    names = [f.stem for f in FEATURES.glob("*.feature")]
    for rule in load_rules():
        assert any(rule.code in name for name in names), f"no feature file for {rule.code}"


@pytest.mark.parametrize("policy", bundled_policies())
def test_every_threshold_a_rule_uses_is_in_every_policy(policy):
    thresholds = load_policy(policy).thresholds
    for rule in load_rules():
        missing = set(rule.uses) - set(thresholds)
        assert not missing, f"{rule.code} uses {missing}, not in policy {policy}"


def test_every_rule_names_a_fact_kind_that_has_a_builder():
    register_builders()
    for rule in load_rules():
        assert rule.fact in BUILDERS, f"{rule.code} reasons about {rule.fact!r}, which nothing builds"


def test_every_rule_cites_law_or_guidance_for_each_era_or_any():
    for rule in load_rules():
        assert set(rule.legal_basis) in ({"2006", "2024"}, {"any"}), rule.code


def test_local_policy_overrides_only_what_it_changes():
    statutory, local = load_policy("statutory"), load_policy("stricter-local")
    assert local.chain == ["stricter-local", "statutory"]
    changed = {name for name in statutory.thresholds if local.thresholds[name] != statutory.thresholds[name]}
    assert changed == {"absence_return_school_days", "absence_return_allowance_school_days"}


def test_readme_rule_table_is_the_generated_catalogue():
    """The README's rule table is `register-audit rules --markdown`: regenerate it, never edit it."""
    from auditor.catalogue import markdown, readme_section

    readme = (FEATURES.parent / "README.md").read_text(encoding="utf-8")
    assert readme_section(readme) == markdown(), "README rule table is stale: paste `register-audit rules --markdown`"
