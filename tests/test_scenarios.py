"""The feature files as the library reads and runs them (auditor.scenarios): the same scenarios,
steps and outcomes pytest-bdd has, and what a draft policy changes in them."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_bdd.parser import FeatureParser

from auditor.drafts import make_draft, rules_using
from auditor.policy import load_policy
from auditor.resources import features_dir, policies_dir
from auditor.scenarios.parse import features, rule_codes_of, scenarios
from auditor.scenarios.run import changed_outcomes, run_scenario, run_scenarios
from auditor.scenarios.steps import STEPS, matching

NINE_AND_A_HALF = "REG005-absence-return-not-made--nine-and-a-half-school-days-is-not-yet-ten"


def _scenario(scenario_id):
    return next(s for s in scenarios() if s.id == scenario_id)


def _as_pytest_bdd_reads_them():
    """Every scenario of features/ as pytest-bdd reads it: name, and each step's kind, words and table."""
    read = {}
    for path in sorted(features_dir().glob("*.feature")):
        feature = FeatureParser(str(path.parent), path.name).parse()
        for template in feature.scenarios.values():
            contexts = [context for examples in template.examples for context in examples.as_contexts()]
            for context in contexts or [{}]:
                scenario = template.render(context)
                read[(path.stem, scenario.name)] = [
                    (step.type, step.name, step.datatable.raw() if step.datatable else None) for step in scenario.steps
                ]
    return read


def test_the_library_reads_the_scenarios_and_steps_pytest_bdd_runs():
    ours = {
        (s.feature, s.name): [(st.kind, st.text, [list(r) for r in st.table] if st.table else None) for st in s.all_steps]
        for s in scenarios()
    }
    assert len(ours) == 150
    assert ours == _as_pytest_bdd_reads_them()


def test_features_rules_and_outlines_as_data():
    by_stem = {f.path.stem: f for f in features()}
    assert sorted(by_stem) == sorted(p.stem for p in features_dir().glob("*.feature"))
    assert by_stem["REG003-REG004-part-time-timetables"].rule_codes == ("REG003", "REG004")
    assert rule_codes_of("DQ001-upn-check-letter-wrong") == ("DQ001",)
    reg005 = by_stem["REG005-absence-return-not-made"]
    assert reg005.name == "Unauthorised absence of 10 school days is returned to the local authority"
    assert reg005.description.startswith("A school tells the local authority")
    assert [s.text for s in reg005.background] == [
        "the local authority's list of returns from the school",
        'the pupil "Ada Example" is on roll at the school',
    ]
    nine = _scenario(NINE_AND_A_HALF)
    grid = nine.steps[0]
    assert (grid.keyword, grid.kind, grid.text) == ("Given", "given", 'the attendance register for "Ada Example" reads')
    assert grid.table[0] == ("week of", "Mon", "Tue", "Wed", "Thu", "Fri")
    assert grid.table[1] == ("06/01/2025", "/N", "NN", "OO", "OO", "OO")
    assert [(s.keyword, s.kind) for s in nine.steps[-2:]] == [("When", "when"), ("Then", "then")]
    # An outline is one scenario per example row, its values in its words.
    reg001 = by_stem["REG001-deletion-not-notified"]
    block = next(b for b in reg001.rules if b.name == "The return must arrive no later than the deletion")
    outline = [s for s in block.scenarios if s.name.startswith("A return received")]
    assert [s.name for s in outline] == [
        "A return received the day before the deletion",
        "A return received on the day of the deletion",
        "A return received 3 days after the deletion",
    ]
    assert outline[2].steps[-1].text == 'a red finding REG001 is raised for "Ada Example"'
    assert len({s.id for s in scenarios()}) == len(scenarios())


def test_every_step_of_every_scenario_matches_exactly_one_registered_step():
    unmatched, used = [], set()
    for scenario in scenarios():
        for step in scenario.all_steps:
            found = matching(step.kind, step.text)
            if len(found) != 1:
                unmatched.append((scenario.id, step.kind, step.text, len(found)))
            used.update(id(definition) for definition, _ in found)
    assert unmatched == []
    assert [d.pattern.text for d in STEPS if id(d) not in used] == []  # and no step is left unused


def test_a_step_no_pattern_matches_fails_its_scenario_in_words():
    from dataclasses import replace

    nine = _scenario(NINE_AND_A_HALF)
    mistyped = replace(nine.steps[-1], text='a purple finding REG005 is raised for "Ada Example"')
    outcome = run_scenario(replace(nine, steps=(*nine.steps[:-1], mistyped)))
    assert not outcome.passed
    assert outcome.failed_step == mistyped.text
    assert outcome.message == "no then step matches these words"


@pytest.fixture(scope="module")
def as_written():
    return run_scenarios()


def test_the_runner_passes_every_scenario_pytest_bdd_passes(as_written):
    assert len(as_written) == len(_as_pytest_bdd_reads_them()) == 150
    assert [(o.scenario.id, o.message) for o in as_written if not o.passed] == []
    assert not any(o.under_draft for o in as_written)
    by_id = {o.scenario.id: o for o in as_written}
    assert by_id[NINE_AND_A_HALF].policy == "statutory"
    assert [f for f in by_id[NINE_AND_A_HALF].findings if f.rule == "REG005"] == []
    overdue = by_id["REG005-absence-return-not-made--two-weeks-of-unexplained-absence-and-no-return-long-overdue"]
    assert ("REG005", "red", "Example, Ada") in [(f.rule, f.severity, f.pupil) for f in overdue.findings]
    stricter = by_id["REG005-absence-return-not-made--a-stricter-local-policy-asks-for-a-return-after-5-school-days"]
    assert stricter.policy == "stricter-local"


@pytest.fixture(scope="module")
def five_days():
    return make_draft("statutory", "five-days", "Absence referral after 5 school days",
                      {"absence_return_school_days": {"01/09/2016": "5"}})


def test_a_draft_turns_nine_and_a_half_school_days_into_a_finding(five_days, as_written):
    assert five_days.rule_codes == rules_using(["absence_return_school_days"]) == ("REG005",)
    under_draft = run_scenarios(five_days, rule_codes=five_days.rule_codes)
    assert {o.scenario.feature for o in under_draft} == {"REG005-absence-return-not-made"}  # nothing else is run
    by_id = {o.scenario.id: o for o in under_draft}
    nine = by_id[NINE_AND_A_HALF]
    assert not nine.passed and nine.under_draft and nine.policy == "five-days"
    assert nine.failed_step == 'no finding REG005 is raised for "Ada Example"'
    assert nine.message.startswith("expected no REG005 finding for Ada Example, got red REG005: Example, Ada has had 9.5")
    assert [(f.rule, f.severity, f.pupil) for f in nine.findings if f.rule == "REG005"] == [
        ("REG005", "red", "Example, Ada")
    ]
    changed = {after.scenario.id for _, after in changed_outcomes(as_written, under_draft)}
    assert NINE_AND_A_HALF in changed
    # The scenario written for the stricter local policy runs as written, and says so.
    stricter = by_id["REG005-absence-return-not-made--a-stricter-local-policy-asks-for-a-return-after-5-school-days"]
    assert stricter.passed and not stricter.under_draft and stricter.policy == "stricter-local"
    assert stricter.scenario.id not in changed


def test_scenarios_of_rules_a_draft_does_not_touch_stay_as_they_were(five_days, as_written):
    # These registers hold runs of absence, so the draft adds REG005 findings to them: not their outcome.
    codes = ["REG002", "REG012", "REG014"]
    under_draft = run_scenarios(five_days, rule_codes=codes)
    assert under_draft and all(o.passed and o.under_draft for o in under_draft)
    assert any(f.rule == "REG005" for o in under_draft for f in o.findings)
    assert changed_outcomes(as_written, under_draft) == []


def test_a_loaded_policy_or_a_policy_file_stands_in_for_the_policy_it_extends():
    nine = _scenario(NINE_AND_A_HALF)
    for policy in (load_policy("stricter-local"), policies_dir() / "stricter-local.toml", "stricter-local"):
        outcome = run_scenario(nine, policy)
        assert (outcome.passed, outcome.under_draft, outcome.policy) == (False, True, "stricter-local"), policy
    # A policy that extends nothing stands in for itself: statutory under statutory changes nothing.
    assert run_scenario(nine, "statutory").passed


def test_progress_is_told_after_each_scenario(five_days):
    told = []
    outcomes = run_scenarios(five_days, rule_codes=["REG007"], on_progress=lambda done, total: told.append((done, total)))
    assert told == [(n, len(outcomes)) for n in range(1, len(outcomes) + 1)] and told


def test_a_draft_from_a_later_date_leaves_an_earlier_inspection_as_it_was():
    later = make_draft("statutory", "from-2026", "Five days from September 2026",
                       {"absence_return_school_days": {"01/09/2026": 5}})
    assert later.policy().values_on(dt.date(2025, 2, 24))["absence_return_school_days"] == 10
    assert run_scenario(_scenario(NINE_AND_A_HALF), later).passed
