"""One error model for the command line: 0 inspected, 1 findings at --fail-on or rows rejected,
2 the pack, a policy or an option cannot be used (a message naming the file), 3 an internal
error (one line and a crash report without pupil data). Never a traceback unless --debug; data
is printed as it is, never read as Rich markup or emoji."""

import datetime as dt
import json
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import auditor
from auditor.cli import app
from auditor.errors import PackError
from tests.packs import PackBuilder, one_unnotified_deletion

runner = CliRunner()

MARKUP = "Brookfield [/x] :x: School"  # a closing tag Rich would choke on, and an emoji code


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def flat(result):
    """The output with its line wrapping undone (the console wraps at 80 columns)."""
    return " ".join(result.output.split())


def no_traceback(result):
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def rename_school(pack, name):
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('name = "Test School"', f'name = "{name}"'), "utf-8")


# ---- statuses, --version, --help ---------------------------------------------------------------


def test_version_prints_the_version_as_ruff_and_pytest_do():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"register-audit {auditor.__version__}\n"


def test_the_installed_command_refuses_without_a_traceback(tmp_path):
    """As a user runs it, in a process of its own, where typer's pretty exceptions would show."""
    version = subprocess.run([sys.executable, "-m", "auditor", "--version"], capture_output=True, text=True)
    assert (version.returncode, version.stdout) == (0, f"register-audit {auditor.__version__}\n")
    refused = subprocess.run(
        [sys.executable, "-m", "auditor", "inspect", str(one_unnotified_deletion(tmp_path)),
         "--out", str(tmp_path / "o"), "--as-of", "31/08/2023"],
        capture_output=True, text=True,
    )
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr and "before the period start" in refused.stderr


def test_help_documents_the_exit_statuses_and_the_always_written_json():
    main = run("--help")
    assert main.exit_code == 0
    assert "Exit status: 0 inspected; 1 findings at --fail-on" in main.output
    assert "3 an internal error" in main.output and "--debug" in main.output
    assert "findings.json is always written" in run("inspect", "--help").output
    assert "3 when any hit an internal error" in " ".join(run("inspect-la", "--help").output.split())


def test_an_unreadable_as_of_is_exit_2(tmp_path):
    result = run("inspect", one_unnotified_deletion(tmp_path), "--out", tmp_path / "o", "--as-of", "31/02/2025")
    assert result.exit_code == 2
    assert "--as-of" in result.output and "31/02/2025" in result.output
    no_traceback(result)


def test_explain_under_a_policy_that_does_not_exist_is_exit_2():
    result = run("explain", "REG005", "--policy", "nonexistent")
    assert result.exit_code == 2
    assert "'nonexistent'" in result.output and "no bundled policy of that name" in result.output
    no_traceback(result)


# ---- internal errors ---------------------------------------------------------------------------

PUPIL = "Wiśniewski, Kacper"  # what a message raised deep in the facts could hold


@pytest.fixture
def crash(monkeypatch, tmp_path):
    """Facts that fail with a message holding a pupil's name; the crash reports' folder."""

    def fails(*args, **kwargs):
        raise RuntimeError(f"unexpected value for {PUPIL}")

    monkeypatch.setattr("auditor.inspection.build_facts", fails)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "register-auditor" / "crash-reports"


def test_an_internal_error_is_one_line_exit_3_and_a_crash_report_without_pupil_data(tmp_path, crash):
    result = run("inspect", one_unnotified_deletion(tmp_path), "--out", tmp_path / "o")

    assert result.exit_code == 3
    no_traceback(result)
    assert PUPIL not in result.output and "Kacper" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "internal error (RuntimeError)" in lines[0]
    assert "run again with --debug for the traceback" in lines[0]
    [report] = crash.iterdir()
    assert str(report) in lines[0].replace("\n", "")
    text = report.read_text(encoding="utf-8")
    assert "Kacper" not in text and "unexpected value" not in text
    data = json.loads(text)
    assert data["version"] == auditor.__version__ and data["command"] == "inspect"
    assert data["python"] and data["platform"]
    [error] = data["exceptions"]
    assert error["type"] == "builtins.RuntimeError"
    assert {"file", "line", "function"} == set(error["frames"][-1])
    assert error["frames"][-1]["function"] == "fails"
    assert any(frame["function"] == "inspect" for frame in error["frames"])


def test_a_crash_report_that_cannot_be_written_is_said_in_the_one_line(tmp_path, crash, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # a file where the cache folder should be

    result = run("inspect", one_unnotified_deletion(tmp_path), "--out", tmp_path / "o")

    assert result.exit_code == 3
    no_traceback(result)
    assert "no crash report could be written" in result.output and "Kacper" not in result.output


def test_debug_prints_the_traceback_instead(tmp_path, crash):
    result = run("--debug", "inspect", one_unnotified_deletion(tmp_path), "--out", tmp_path / "o")
    assert result.exit_code == 3
    assert "Traceback" in result.output and "RuntimeError" in result.output
    assert not crash.exists()


# ---- options that cannot be used ---------------------------------------------------------------


def test_out_naming_a_file_is_exit_2_naming_it(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("", encoding="utf-8")
    result = run("inspect", one_unnotified_deletion(tmp_path), "--out", afile)
    assert result.exit_code == 2
    assert "afile" in result.output and "is a file" in result.output
    no_traceback(result)


def test_outputs_that_cannot_be_written_are_exit_2_naming_the_path(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("", encoding="utf-8")
    result = run("inspect", one_unnotified_deletion(tmp_path), "--out", afile / "inside")
    assert result.exit_code == 2
    assert "inside" in result.output and "cannot be written" in result.output
    no_traceback(result)


def test_previous_findings_of_another_school_are_refused_naming_both_urns(tmp_path):
    other = PackBuilder(tmp_path / "other", urn="990099")
    other.add_pupil("Ada Example")
    assert run("inspect", other.write(dt.date(2025, 1, 24)), "--out", tmp_path / "old").exit_code == 0

    result = run("inspect", one_unnotified_deletion(tmp_path), "--out", tmp_path / "o",
                 "--previous", tmp_path / "old" / "findings.json")

    assert result.exit_code == 2
    assert "990099" in result.output and "999001" in result.output
    no_traceback(result)


def test_as_of_before_the_period_start_is_refused(tmp_path):
    pack = one_unnotified_deletion(tmp_path)  # period_start 01/09/2023
    result = run("inspect", pack, "--out", tmp_path / "o", "--as-of", "31/08/2023")
    assert result.exit_code == 2
    assert "--as-of 31/08/2023 is before the period start 01/09/2023" in result.output
    assert "pack.toml" in result.output
    no_traceback(result)
    with pytest.raises(PackError, match="before the period start"):  # the library refuses it too
        auditor.inspect(pack, as_of=dt.date(2023, 8, 31))


def test_findings_json_is_written_whatever_format_says(tmp_path):
    out = tmp_path / "o"
    result = run("inspect", one_unnotified_deletion(tmp_path), "--out", out, "--format", "html,csv")
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"findings.json", "findings.csv", "report.html"}


# ---- data is never markup ----------------------------------------------------------------------


def test_a_school_name_with_markup_and_emoji_codes_prints_as_it_is(tmp_path):
    pack = one_unnotified_deletion(tmp_path)
    rename_school(pack, MARKUP)
    result = run("inspect", pack, "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert MARKUP in result.output and "❌" not in result.output

    validated = run("validate", pack)
    assert validated.exit_code == 0, validated.output
    assert MARKUP in flat(validated) and "❌" not in validated.output


def test_a_code_with_markup_is_rejected_and_printed_as_it_is(tmp_path):
    pack = PackBuilder(tmp_path / "pack")
    pack.add_pupil("Ada Example")
    pack.add_week("Ada Example", dt.date(2025, 1, 6), ["//", "//", "//", "//", "//"])
    root = pack.write(dt.date(2025, 1, 24))
    marks = root / "attendance.csv"
    lines = marks.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",[/x]"
    lines[2] = lines[2].rsplit(",", 1)[0] + ",:x:"
    marks.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run("validate", root)

    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert "[/x]" in result.output and ":x:" in result.output and "❌" not in result.output


def test_a_header_with_markup_is_named_as_it_is_in_the_exit_2_message(tmp_path):
    root = one_unnotified_deletion(tmp_path)
    register = root / "admission_register.csv"
    text = register.read_text(encoding="utf-8")
    register.write_text(text.replace("surname", "[/x] :x:", 1), encoding="utf-8")

    for command in ("inspect", "validate"):
        result = run(command, root, *(["--out", tmp_path / "o"] if command == "inspect" else []))
        assert result.exit_code == 2, result.output
        no_traceback(result)
        assert "[/x] :x:" in result.output and "❌" not in result.output


def test_init_prints_file_names_as_they_are(tmp_path):
    folder = tmp_path / "exports"
    root = one_unnotified_deletion(tmp_path)
    folder.mkdir()
    shutil.copy(root / "admission_register.csv", folder / "[b]pupils :x:.csv")  # a file name has no "/"
    result = run("init", folder)
    assert result.exit_code == 0, result.output
    assert "[b]pupils :x:.csv" in result.output and "❌" not in result.output


def test_explain_prints_a_policy_file_as_it_is(tmp_path):
    policy = tmp_path / "mine.toml"
    policy.write_text(
        'name = "mine"\ntitle = "t"\nextends = "statutory"\n'
        "[thresholds.deletion_return_allowance_days]\n"
        f'description = "{MARKUP}"\nunit = "days"\nsource = "[bold]x"\nvalues = {{ 2006-09-01 = 0 }}\n',
        encoding="utf-8",
    )
    result = run("explain", "REG001", "--policy", policy)
    assert result.exit_code == 0, result.output
    assert MARKUP in flat(result) and "Source: [bold]x" in flat(result)
