"""The command line: exit status, outputs, the rule catalogue."""

import json

from typer.testing import CliRunner

from auditor.cli import app
from tests.packs import one_unnotified_deletion

runner = CliRunner()


a_pack = one_unnotified_deletion


def test_inspect_writes_outputs_and_exits_0(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["inspect", str(a_pack(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"findings.json", "findings.csv", "report.html"}
    assert "1 red" in result.output
    assert json.loads((out / "findings.json").read_text())["findings"][0]["rule"] == "REG001"


def test_fail_on_red_exits_1(tmp_path):
    result = runner.invoke(app, ["inspect", str(a_pack(tmp_path)), "--out", str(tmp_path / "o"), "--fail-on", "red"])
    assert result.exit_code == 1


def test_as_of_before_the_deletion_judges_nothing_after_it(tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(app, ["inspect", str(a_pack(tmp_path)), "--out", str(out), "--as-of", "09/01/2025"])
    assert result.exit_code == 0
    assert json.loads((out / "findings.json").read_text())["findings"] == []


def test_malformed_pack_exits_2_naming_the_file(tmp_path):
    root = a_pack(tmp_path)
    (root / "pack.toml").write_text("[school\n", encoding="utf-8")
    result = runner.invoke(app, ["inspect", str(root), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "pack.toml" in result.output and "not valid TOML" in result.output


def test_missing_pack_folder_exits_2(tmp_path):
    result = runner.invoke(app, ["inspect", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no such pack folder" in result.output


def test_rules_lists_the_catalogue():
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0
    assert "REG001" in result.output and "deletion-not-notified" in result.output


def test_explain_a_rule_like_ruff_rule():
    result = runner.invoke(app, ["explain", "REG001"])
    assert result.exit_code == 0
    for heading in ("What it does", "Why is this bad?", "Example", "Legal basis", "Thresholds"):
        assert heading in result.output
    assert "SI 2024/208" in result.output and "SI 2006/1751" in result.output
    assert "deletion_return_allowance_days = 0" in result.output
    assert "Severity: red · duty: must · needs: la_returns.csv" in result.output


def test_explain_names_what_a_rule_needs_as_the_catalogue_does():
    result = runner.invoke(app, ["explain", "DQ009"])
    assert result.exit_code == 0
    assert "needs: Common Transfer File" in result.output and "ctf_totals" not in result.output


def test_explain_unknown_rule_exits_2():
    assert runner.invoke(app, ["explain", "REG999"]).exit_code == 2


def test_rules_markdown_prints_the_readme_table():
    from auditor.catalogue import markdown

    result = runner.invoke(app, ["rules", "--markdown"])
    assert result.exit_code == 0
    assert result.output == markdown()
    assert result.output.count("\n| REG") + result.output.count("\n| DQ") == len(result.output.splitlines()) - 2


def test_explain_works_for_every_rule():
    from auditor.rules import load_rules

    for rule in load_rules():
        result = runner.invoke(app, ["explain", rule.code])
        assert result.exit_code == 0, result.output
        assert "What it does" in result.output and "Legal basis" in result.output
