"""Policy files are checked against a schema before any rule sees them: only thresholds the rules
use, each a number in range with a unit, a source and a dated value; no `extends` cycle. Every
fault is a PackError naming the policy file and the threshold (exit 2), never a traceback."""

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.errors import PackError
from auditor.policy import MAXIMUM, bundled_policies, load_policy, threshold_names
from auditor.rules import load_rules
from tests.test_load import PACK_TOML, write_pack

runner = CliRunner()

HEAD = 'name = "mine"\ntitle = "Mine"\nextends = "statutory"\n'


def threshold(name: str = "absence_return_school_days", value: str = "5", extra: str = "", **fields: str) -> str:
    keys = {"description": '"x"', "unit": '"school days"', "source": '"local policy"', **fields}
    body = "".join(f"{key} = {text}\n" for key, text in keys.items())
    return f"[thresholds.{name}]\n{body}values = {{ 2006-09-01 = {value} }}\n{extra}"


def a_pack(tmp_path, policy_text: str, name: str = "mine.toml"):
    root = write_pack(tmp_path / "p", {}, PACK_TOML.replace("period_start", f'policy = "{name}"\nperiod_start'))
    (root / name).write_text(policy_text, encoding="utf-8")
    return root


def problem(tmp_path, policy_text: str) -> str:
    root = a_pack(tmp_path, policy_text)
    with pytest.raises(PackError) as raised:
        load_policy("mine.toml", base=root)
    assert raised.value.file == "mine.toml"
    return raised.value.problem


@pytest.mark.parametrize(
    "value, shown",
    [("nan", "nan"), ("inf", "inf"), ("-inf", "-inf"), ("-5", "-5"), ('"ten"', "'ten'"), ("true", "True"),
     ("{}", "{}"), ("[5]", "[5]"), (str(MAXIMUM + 1), str(MAXIMUM + 1)), ("1e308", "1e+308")],
)
def test_a_threshold_value_must_be_a_number_in_range(tmp_path, value, shown):
    message = problem(tmp_path, HEAD + threshold(value=value))
    assert message == (
        f"thresholds.absence_return_school_days.values.2006-09-01: must be a number from 0 to {MAXIMUM:,}, not {shown}"
    )


@pytest.mark.parametrize("value", ["0", "5", "7.5", str(MAXIMUM)])
def test_numbers_in_range_are_kept_as_written(tmp_path, value):
    root = a_pack(tmp_path, HEAD + threshold(value=value))
    chosen = load_policy("mine.toml", base=root)
    kept = chosen.values_on(dt.date(2025, 1, 1))["absence_return_school_days"]
    assert (kept, type(kept)) == (json.loads(value), type(json.loads(value)))


def test_an_unknown_threshold_is_refused_with_the_nearest_name(tmp_path):
    message = problem(tmp_path, HEAD + threshold(name="absence_return_school_day"))
    assert message == (
        "thresholds: no rule uses a threshold 'absence_return_school_day' (did you mean absence_return_school_days?)"
    )


def test_the_known_names_are_those_the_rules_use():
    assert threshold_names() == {name for rule in load_rules() for name in rule.uses}
    assert "absence_return_school_days" in threshold_names()


def test_a_threshold_table_with_extra_keys_is_refused(tmp_path):
    message = problem(tmp_path, HEAD + threshold(extra='colour = "red"\n'))
    assert message == "thresholds.absence_return_school_days.colour: is not a key of a threshold"


def test_a_policy_with_extra_keys_is_refused(tmp_path):
    assert problem(tmp_path, HEAD + 'owner = "me"\n') == "owner: is not a key of a policy file"


@pytest.mark.parametrize("field", ["unit", "source", "description"])
def test_a_threshold_needs_its_unit_source_and_description(tmp_path, field):
    assert problem(tmp_path, HEAD + threshold(**{field: '"  "'})) == (
        f"thresholds.absence_return_school_days.{field}: String should have at least 1 character"
    )


def test_a_threshold_needs_a_dated_value(tmp_path):
    text = HEAD + threshold().replace("{ 2006-09-01 = 5 }", "{}")
    assert problem(tmp_path, text).startswith("thresholds.absence_return_school_days.values: Dictionary should have at least 1 item")


def test_a_value_needs_a_date(tmp_path):
    text = HEAD + threshold().replace("2006-09-01", '"from September"')
    assert problem(tmp_path, text).startswith("thresholds.absence_return_school_days.values.from September.[key]: Input")


def test_a_megabyte_string_is_refused_in_a_short_message(tmp_path):
    huge = '"' + "A" * 1_000_000 + '"'
    for text in (HEAD + threshold(value=huge), HEAD + threshold(source=huge), HEAD + threshold(name="A" * 1_000_000)):
        message = problem(tmp_path, text)
        assert "absence_return_school_days" in message or "no rule uses a threshold 'AAA" in message
        assert len(message) < 1000


def test_a_policy_that_extends_nothing_must_define_every_threshold(tmp_path):
    message = problem(tmp_path, 'name = "mine"\ntitle = "Mine"\n' + threshold())
    assert message.startswith("extends no policy, so it must define every threshold the rules use; missing: ")
    assert "absence_return_allowance_school_days" in message and "absence_return_school_days," not in message


def test_a_policy_that_extends_itself_is_refused(tmp_path):
    message = problem(tmp_path, 'name = "mine"\ntitle = "Mine"\nextends = "mine.toml"\n')
    assert message == "extends = 'mine.toml' makes a cycle: mine.toml -> mine.toml"


def test_a_cycle_of_two_or_three_files_is_refused(tmp_path):
    root = a_pack(tmp_path, 'name = "a"\ntitle = "A"\nextends = "b.toml"\n', name="a.toml")
    (root / "b.toml").write_text('name = "b"\ntitle = "B"\nextends = "a.toml"\n', encoding="utf-8")
    with pytest.raises(PackError, match=r"^b.toml: extends = 'a.toml' makes a cycle: a.toml -> b.toml -> a.toml$"):
        load_policy("a.toml", base=root)
    (root / "b.toml").write_text('name = "b"\ntitle = "B"\nextends = "c.toml"\n', encoding="utf-8")
    (root / "c.toml").write_text('name = "c"\ntitle = "C"\nextends = "b.toml"\n', encoding="utf-8")
    with pytest.raises(PackError, match=r"^c.toml: extends = 'b.toml' makes a cycle: b.toml -> c.toml -> b.toml$"):
        load_policy("a.toml", base=root)


def test_two_policies_of_one_name_are_not_a_cycle(tmp_path):
    root = a_pack(tmp_path, HEAD.replace('"statutory"', '"base.toml"') + threshold(value="3"))
    (root / "base.toml").write_text(HEAD + threshold(value="4"), encoding="utf-8")  # also named "mine"
    chosen = load_policy("mine.toml", base=root)
    assert chosen.chain == ["mine", "mine", "statutory"]
    assert chosen.values_on(dt.date(2025, 1, 1))["absence_return_school_days"] == 3


def test_a_policy_that_is_not_toml_is_refused(tmp_path):
    assert problem(tmp_path, 'name = "mine\n').startswith("is not a valid policy file (not UTF-8 TOML")


def test_an_unknown_policy_name_is_a_pack_error():
    with pytest.raises(PackError) as raised:
        load_policy("nonexistent")
    assert raised.value.file == "--policy"
    assert raised.value.problem == (
        f"'nonexistent': no bundled policy of that name (bundled: {', '.join(bundled_policies())}; "
        "a policy file's name ends in .toml)"
    )
    with pytest.raises(PackError, match="no such policy file"):
        load_policy("nonexistent.toml")


@pytest.mark.parametrize("policy", bundled_policies())
def test_the_bundled_policies_pass_the_schema(policy):
    assert set(load_policy(policy).thresholds) == threshold_names()


@pytest.mark.parametrize(
    "policy_text, words",
    [
        (HEAD + threshold(value='"ten"'), "not 'ten'"),
        (HEAD + threshold(value="nan"), "not nan"),
        (HEAD + threshold(name="absence_return_school_day"), "did you mean absence_return_school_days?"),
        ('name = "mine"\ntitle = "Mine"\n' + threshold(), "must define every threshold"),
        ('name = "mine"\ntitle = "Mine"\nextends = "mine.toml"\n', "makes a cycle"),
    ],
)
def test_validate_and_inspect_refuse_a_bad_policy_with_exit_2(tmp_path, policy_text, words):
    root = a_pack(tmp_path, policy_text)
    for command in (["validate", str(root)], ["inspect", str(root), "--out", str(tmp_path / "out")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "mine.toml" in result.output and words in " ".join(result.output.split())
