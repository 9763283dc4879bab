"""`register-audit policy diff PACK --policy DRAFT.toml` and the comparison under it
(auditor.drafts.compare): what a draft adds, removes and changes in severity, by finding id."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor import inspect
from auditor.cli import app
from auditor.drafts import compare, make_draft
from auditor.resources import policies_dir

SAMPLE = str(Path("sample_registers/example-primary").resolve())
STRICTER = str(policies_dir() / "stricter-local.toml")
runner = CliRunner()


@pytest.fixture(scope="module")
def statutory():
    return inspect(SAMPLE)


def _under(draft, tmp_path):
    path = tmp_path / f"{draft.name}.toml"
    path.write_text(draft.to_toml(), encoding="utf-8")
    return inspect(SAMPLE, policy=str(path))


def test_the_stricter_local_policy_adds_reg005_findings(statutory):
    stricter = inspect(SAMPLE, policy=STRICTER)
    assert statutory.inspection.policy == "statutory"
    assert sum(f.rule == "REG005" for f in statutory.findings) == 3
    assert sum(f.rule == "REG005" for f in stricter.findings) == 12
    change = compare(statutory, stricter)
    assert (len(change.added), len(change.removed), len(change.changed)) == (9, 0, 0)
    assert {f.rule for f in change.added} == {"REG005"}
    before = {f.id for f in statutory.findings}
    assert all(f.id not in before for f in change.added)
    assert change.counts() == "9 added, 0 removed, 0 changed in severity"
    assert compare(statutory, statutory).counts() == "0 added, 0 removed, 0 changed in severity"
    assert not compare(statutory, statutory)


def test_a_longer_allowance_changes_severity_and_a_higher_threshold_removes(statutory, tmp_path):
    longer = make_draft("statutory", "longer", "Longer allowance",
                        {"absence_return_allowance_school_days": {"01/09/2016": 200}})
    change = compare(statutory, _under(longer, tmp_path))
    assert (len(change.added), len(change.removed)) == (0, 0)
    assert [(c.before.rule, c.before.severity, c.after.severity) for c in change.changed] == [("REG005", "red", "amber")] * 3
    assert all(c.before.id == c.after.id for c in change.changed)

    higher = make_draft("statutory", "higher", "Twenty days", {"absence_return_school_days": {"01/09/2016": 20}})
    change = compare(statutory, _under(higher, tmp_path))
    assert [f.rule for f in change.removed] == ["REG005"] and change.added == change.changed == []


def test_policy_diff_prints_each_finding_added_and_a_count(statutory):
    result = runner.invoke(app, ["policy", "diff", SAMPLE, "--policy", STRICTER])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("Brookfield Community Primary School (URN 990001) as at 14/03/2025: "
                        "policy statutory -> stricter-local")
    assert lines[-1] == "9 added, 0 removed, 0 changed in severity"
    added = [line for line in lines if line.startswith("added")]
    assert len(added) == 9 and all(" REG005 " in line and "none -> " in line for line in added)
    stricter = inspect(SAMPLE, policy=STRICTER)
    for finding in compare(statutory, stricter).added:
        assert any(finding.id in line and f"{finding.pupil}: {finding.summary}" in line for line in added)


def test_policy_diff_prints_a_change_of_severity(tmp_path):
    longer = make_draft("statutory", "longer", "Longer allowance",
                        {"absence_return_allowance_school_days": {"01/09/2016": 200}})
    path = tmp_path / "longer.toml"
    path.write_text(longer.to_toml(), encoding="utf-8")
    result = runner.invoke(app, ["policy", "diff", SAMPLE, "--policy", str(path)])
    assert result.exit_code == 0, result.output
    changed = [line for line in result.output.splitlines() if line.startswith("changed")]
    assert len(changed) == 3 and all("red -> amber" in line for line in changed)
    assert result.output.splitlines()[-1] == "0 added, 0 removed, 3 changed in severity"


def test_policy_diff_as_of_judges_an_earlier_day():
    result = runner.invoke(app, ["policy", "diff", SAMPLE, "--policy", STRICTER, "--as-of", "01/10/2024"])
    assert result.exit_code == 0, result.output
    assert "as at 01/10/2024" in result.output.splitlines()[0]
    assert result.output.splitlines()[-1] == "1 added, 0 removed, 0 changed in severity"  # Moore, Poppy's September run


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such policy file"),
        ("name = [\n", "is not a valid policy file (not UTF-8 TOML"),
        ('name = "x"\ntitle = "x"\nextends = "statutory"\n[thresholds.absence_return_school_day]\n'
         'description = "d"\nunit = "school days"\nsource = "s"\nvalues = { 2016-09-01 = 5 }\n',
         "no rule uses a threshold 'absence_return_school_day'"),
        ('name = "x"\ntitle = "x"\nextends = "statutory"\n[thresholds.absence_return_school_days]\n'
         'description = "d"\nunit = "school days"\nsource = "s"\nvalues = { 2016-09-01 = "__import__(\'os\')" }\n',
         "must be a number from 0 to 10,000"),
    ],
)
def test_a_policy_that_cannot_be_used_exits_2_naming_the_file(tmp_path, monkeypatch, content, expected):
    monkeypatch.chdir(tmp_path)  # the file as typed, from the working directory
    if content is not None:
        Path("draft.toml").write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["policy", "diff", SAMPLE, "--policy", "draft.toml"])
    assert result.exit_code == 2, result.output
    assert "Cannot compare the policies" in result.output
    assert "draft.toml" in result.output and expected in " ".join(result.output.split())


def test_a_pack_that_cannot_be_used_exits_2_naming_it(tmp_path):
    result = runner.invoke(app, ["policy", "diff", str(tmp_path / "no-pack"), "--policy", STRICTER])
    assert result.exit_code == 2, result.output
    assert "no-pack" in result.output


def test_a_bad_as_of_exits_2():
    result = runner.invoke(app, ["policy", "diff", SAMPLE, "--policy", STRICTER, "--as-of", "31/02/2025"])
    assert result.exit_code == 2
    assert "does not exist" in result.output
