"""Draft policies (auditor.drafts): checked as data, one message for each problem naming the
threshold, written as a policy file that load_policy and `inspect --policy` read."""

from __future__ import annotations

import datetime as dt
import json
import tomllib

import pytest
from typer.testing import CliRunner

from auditor import inspect
from auditor.cli import app
from auditor.drafts import MAX_VALUES, DraftError, make_draft, rules_using, threshold_rules
from auditor.policy import MAXIMUM, load_policy, threshold_names
from auditor.rules import load_rules

SAMPLE = "sample_registers/example-primary"


def _problems(changes=None, base="statutory", name="local", title="A local policy"):
    with pytest.raises(DraftError) as raised:
        make_draft(base, name, title, changes if changes is not None else {"absence_return_school_days": {"01/09/2016": 5}})
    return [str(p) for p in raised.value.problems]


def test_a_draft_is_a_policy_file_that_extends_its_base_and_holds_only_what_it_changes(tmp_path):
    draft = make_draft("statutory", "local-five", "Local: referral after 5 school days",
                       {"absence_return_school_days": {"01/09/2025": "5", "2026-09-01": 4}})
    assert draft.changes == {"absence_return_school_days": {dt.date(2025, 9, 1): 5, dt.date(2026, 9, 1): 4}}
    text = draft.to_toml()
    data = tomllib.loads(text)
    assert set(data) == {"name", "title", "extends", "thresholds"}
    assert (data["name"], data["title"], data["extends"]) == ("local-five", "Local: referral after 5 school days", "statutory")
    assert list(data["thresholds"]) == ["absence_return_school_days"]
    written = data["thresholds"]["absence_return_school_days"]
    statutory = load_policy("statutory").thresholds["absence_return_school_days"]
    assert (written["description"], written["unit"]) == (statutory.description, statutory.unit)
    assert written["source"].startswith("Draft policy local-five (not adopted), changing statutory")
    assert statutory.source in written["source"]
    # Before the draft's first date the base's value still holds.
    assert written["values"] == {"2006-09-01": 10, "2025-09-01": 5, "2026-09-01": 4}
    assert "[thresholds.absence_return_school_days]" in text and "values = {" in text

    path = tmp_path / "local-five.toml"
    path.write_text(text, encoding="utf-8")
    loaded = load_policy(str(path))
    assert loaded.chain == ["local-five", "statutory"] and loaded.title == draft.title
    for day in (dt.date(2025, 3, 14), dt.date(2025, 10, 1), dt.date(2027, 1, 1)):
        assert loaded.values_on(day) == draft.policy().values_on(day)
    assert [loaded.values_on(d)["absence_return_school_days"] for d in (
        dt.date(2025, 3, 14), dt.date(2025, 10, 1), dt.date(2027, 1, 1))] == [10, 5, 4]
    assert loaded.values_on(dt.date(2025, 10, 1))["lost_pupil_school_days"] == 20  # the rest is statutory's


def test_inspect_with_the_downloaded_draft_gives_the_drafts_findings(tmp_path):
    # A draft with stricter-local's values gives stricter-local's findings, through the command line.
    draft = make_draft("statutory", "as-stricter", "As the stricter local policy", {
        "absence_return_school_days": {"01/09/2016": 5}, "absence_return_allowance_school_days": {"01/09/2016": 5}})
    path = tmp_path / "as-stricter.toml"
    path.write_text(draft.to_toml(), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["inspect", SAMPLE, "--policy", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert found["inspection"]["policy"] == "as-stricter"
    stricter = inspect(SAMPLE, policy="stricter-local")
    assert sorted(f["id"] for f in found["findings"]) == sorted(f.id for f in stricter.findings)
    assert sum(f["rule"] == "REG005" for f in found["findings"]) == 12


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"absence_return_school_day": {"01/09/2025": 5}},
         "absence_return_school_day: no rule uses a threshold 'absence_return_school_day' "
         "(did you mean absence_return_school_days?)"),
        ({"absence_return_school_days": {"01/09/2025": "five"}},
         "absence_return_school_days: 'five' is not a number of school days"),
        ({"absence_return_school_days": {"01/09/2025": -3}},
         "absence_return_school_days: -3 is negative: a number of school days is 0 or more"),
        ({"absence_return_school_days": {"01/09/2025": "-3"}},
         "absence_return_school_days: '-3' is negative: a number of school days is 0 or more"),
        ({"absence_return_school_days": {"01/09/2025": 7.5}},
         "absence_return_school_days: 7.5 is not a whole number of school days"),
        ({"new_pupil_return_days": {"01/09/2025": "2.5"}},
         "new_pupil_return_days: '2.5' is not a whole number of days"),
        ({"absence_return_school_days": {"01/09/2025": MAXIMUM + 1}},
         "absence_return_school_days: 10001 is too large: a number of school days is at most 10,000"),
        ({"persistent_absence_percent": {"01/09/2025": 101}},
         "persistent_absence_percent: 101 is too large: a percent is at most 100"),
        ({"absence_return_school_days": {"31/02/2025": 5}},
         "absence_return_school_days: the date 31/02/2025 does not exist"),
        ({"absence_return_school_days": {"2025-13-01": 5}},
         "absence_return_school_days: the date 2025-13-01 does not exist"),
        ({"absence_return_school_days": {"next September": 5}},
         "absence_return_school_days: the date 'next September' is not a date in the form dd/mm/yyyy"),
        ({"absence_return_school_days": {"01/09/1066": 5}},
         "absence_return_school_days: the date 01/09/1066 is out of range (01/01/1900 to 31/12/2100)"),
        ({"absence_return_school_days": {"01/09/1950": 5}},
         "absence_return_school_days: the date 01/09/1950 is out of range: a value holds from 01/01/1990 to 31/12/2100"),
        ({"absence_return_school_days": {"01/09/2025": 5, "2025-09-01": 6}},
         "absence_return_school_days: two values from 01/09/2025"),
        ({"absence_return_school_days": 5},
         "absence_return_school_days: give each value with the date from which it holds"),
        ({}, "thresholds: the draft changes no threshold: change at least one"),
    ],
)
def test_each_problem_is_one_message_naming_the_threshold(changes, expected):
    assert _problems(changes) == [expected]


def test_a_percent_or_a_ratio_may_be_a_fraction():
    draft = make_draft("statutory", "local", "Local", {"persistent_absence_percent": {"01/09/2025": "12.5"},
                                                       "ehe_increase_ratio": {"01/09/2025": 1.5}})
    assert draft.changes == {"persistent_absence_percent": {dt.date(2025, 9, 1): 12.5},
                             "ehe_increase_ratio": {dt.date(2025, 9, 1): 1.5}}
    assert draft.rule_codes == ("REG014", "REG015")


def test_every_problem_is_told_at_once():
    problems = _problems({"absence_return_school_days": {"31/02/2025": "five"}, "nonsense": {"01/09/2025": 1}},
                         base="lenient", name="Local Policy", title="")
    assert problems == [
        "base: 'lenient' is not a bundled policy (statutory, stricter-local)",
        "name: 'Local Policy' must be 1 to 60 lower-case letters, digits and hyphens (as stricter-local)",
        "title: give it as text",
        "absence_return_school_days: the date 31/02/2025 does not exist",
        "absence_return_school_days: 'five' is not a number of school days",
        "nonsense: no rule uses a threshold 'nonsense'",
    ]


def test_a_draft_is_never_named_as_a_bundled_policy():
    assert _problems(name="statutory") == [
        "name: statutory is the name of a bundled policy: give the draft a name of its own"]


HOSTILE_TITLE = 'Local" \nextends = "../../../etc/passwd'
TOML_IN_TITLE = 'Local" ]] [thresholds.lost_pupil_school_days] values = { 2006-09-01 = 0 } #'


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"__import__('os').system('id')": {"01/09/2025": 5}}, "__import__('os').system('id')"),
        ({"absence_return_school_days": {"01/09/2025": "__import__('os').system('id')"}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": float("nan")}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": float("inf")}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": "nan"}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": "1e400"}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": "9" * 5000}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": 10**400}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": "0x10"}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": True}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": {"nested": {"table": 1}}}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": [5]}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": None}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"45537": 5}}, "absence_return_school_days"),  # a date serial
        ({"absence_return_school_days": {dt.datetime(2025, 9, 1, 12): 5}}, "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025" * 100: 5}}, "absence_return_school_days"),
        ({"absence_return_school_days": {f"01/09/{2000 + n}": 5 for n in range(MAX_VALUES + 1)}},
         "absence_return_school_days"),
        ({"absence_return_school_days": {"01/09/2025": 5}, ("nested", "key"): {"01/09/2025": 5}}, "('nested', 'key')"),
        ([("absence_return_school_days", 5)], "thresholds"),
        ("absence_return_school_days = 5", "thresholds"),
    ],
)
def test_hostile_values_are_refused_naming_where(changes, where):
    with pytest.raises(DraftError) as raised:
        make_draft("statutory", "local", "Local", changes)
    assert [p.where for p in raised.value.problems] == [where]
    assert all(len(str(p)) < 300 for p in raised.value.problems)  # a megabyte value is not echoed whole


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("local", HOSTILE_TITLE),  # a line break: not plain text
        ("local", "Local\x00policy"),
        ("local", "Local \u202epolicy"),  # a bidirectional override
        ("local", "x" * 201),
        ("../../etc/passwd", "Local"),
        ('local"\nextends = "x', "Local"),
        ("local", {"nested": "table"}),
        ("local", 5),
    ],
)
def test_a_name_or_title_that_is_not_plain_text_is_refused(name, title):
    with pytest.raises(DraftError) as raised:
        make_draft("statutory", name, title, {"absence_return_school_days": {"01/09/2016": 5}})
    assert [p.where for p in raised.value.problems] == ["name" if name != "local" else "title"]


def test_a_title_that_looks_like_toml_stays_a_title(tmp_path):
    draft = make_draft("statutory", "local", TOML_IN_TITLE, {"absence_return_school_days": {"01/09/2016": 5}})
    data = tomllib.loads(draft.to_toml())
    assert data["title"] == TOML_IN_TITLE
    assert set(data) == {"name", "title", "extends", "thresholds"} and list(data["thresholds"]) == [
        "absence_return_school_days"]
    path = tmp_path / "local.toml"
    path.write_text(draft.to_toml(), encoding="utf-8")
    loaded = load_policy(str(path))
    assert loaded.title == TOML_IN_TITLE
    assert loaded.values_on(dt.date(2025, 1, 1))["lost_pupil_school_days"] == 20  # not the title's 0


def test_the_thresholds_map_to_the_rules_that_use_them():
    using = threshold_rules()
    assert set(using) == threshold_names()
    for rule in load_rules():
        for name in rule.uses:
            assert rule.code in using[name]
    assert rules_using(["part_time_escalation_school_days"]) == ("REG003", "REG004")
    assert rules_using(["absence_return_school_days", "sickness_return_school_days"]) == ("REG005", "REG008")
    assert rules_using([]) == ()
