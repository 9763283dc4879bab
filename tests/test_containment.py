"""A pack reads only itself: every file it names, by [files], by a default name, through a link or
as its policy, is refused (exit 2, naming the pack.toml key) when it lies outside the pack folder.
And `init` writes pack.toml with a TOML library, so that no file name can add a key."""

import json
import os
import re
import tomllib

import openpyxl
import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.errors import PackError
from auditor.load import load_pack
from auditor.policy import load_policy
from auditor.resources import policies_dir
from auditor.scaffold import guess_pack
from tests.test_load import PACK_TOML, REGISTER, write_pack

runner = CliRunner()

SECRET = "TOP-SECRET-LINE-1"
CALENDAR = f"date,am_open,pm_open\n{SECRET},Y,Y\n"


@pytest.fixture
def secret(tmp_path):
    """A file beside the pack, not in it, that looks like a calendar."""
    folder = tmp_path / "secret-dir"
    folder.mkdir()
    (folder / "secret.csv").write_text(CALENDAR, encoding="utf-8")
    return folder / "secret.csv"


def with_files(**files: str) -> str:
    return PACK_TOML + "\n[files]\n" + "".join(f"{key} = {json.dumps(name)}\n" for key, name in files.items())


def refused(root, *words):
    """The library raises PackError with ``words`` in its message; ``validate`` and ``inspect``
    exit 2 with that message, print nothing of the secret and write nothing."""
    with pytest.raises(PackError) as raised:
        pack = load_pack(root)
        load_policy(pack.config.inspection.policy, base=pack.root)
    message = str(raised.value)
    assert all(word in message for word in words), message
    # Until the console prints data without markup, Rich takes "[files]" for a tag and drops it.
    shown = {" ".join(message.split()), " ".join(re.sub(r"\[[a-z_.]+\]", "", message).split())}
    for command in (["validate", str(root)], ["inspect", str(root), "--out", str(root.parent / "out")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert any(text in " ".join(result.output.split()) for text in shown), result.output
        assert SECRET not in result.output
    assert not (root.parent / "out").exists()
    return message


def test_a_files_entry_up_and_out_of_the_pack_is_refused(tmp_path, secret):
    root = write_pack(tmp_path / "p", {}, with_files(calendar="../secret-dir/secret.csv"))
    message = refused(root, "pack.toml", "[files] calendar = '../secret-dir/secret.csv' lies outside the pack folder")
    assert message == "pack.toml: [files] calendar = '../secret-dir/secret.csv' lies outside the pack folder"


@pytest.mark.parametrize("key", ["la_returns", "calendar", "admission_register"])
def test_an_absolute_files_entry_is_refused(tmp_path, secret, key):
    root = write_pack(tmp_path / "p", {}, with_files(**{key: str(secret)}))
    refused(root, f"[files] {key}", "lies outside the pack folder")


def test_the_process_environment_is_never_read(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_AUDIT_PSEUDONYM_KEY", SECRET)
    root = write_pack(tmp_path / "p", {}, with_files(calendar="/proc/self/environ"))
    refused(root, "[files] calendar = '/proc/self/environ' lies outside the pack folder")


def test_inspect_la_reports_the_pack_that_names_an_outside_file(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_AUDIT_PSEUDONYM_KEY", SECRET)
    authority = tmp_path / "authority"
    authority.mkdir()
    write_pack(authority / "good", {})
    write_pack(authority / "bad", {}, with_files(calendar="/proc/self/environ"))
    out = tmp_path / "out"
    result = runner.invoke(app, ["inspect-la", str(authority), "--out", str(out), "--workers", "1"])
    assert "lies outside the pack folder" in " ".join(result.output.split())
    assert "1 of 2 schools inspected" in result.output
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_a_default_file_that_links_outside_is_refused(tmp_path, secret):
    root = write_pack(tmp_path / "p", {})
    (root / "calendar.csv").symlink_to(secret)
    assert refused(root, "calendar.csv", "links outside the pack folder") == "calendar.csv: links outside the pack folder"


def test_a_named_file_that_links_outside_is_refused(tmp_path, secret):
    root = write_pack(tmp_path / "p", {}, with_files(calendar="term dates.csv"))
    (root / "term dates.csv").symlink_to(secret)
    refused(root, "[files] calendar = 'term dates.csv' lies outside the pack folder")


def test_a_folder_that_links_outside_is_refused(tmp_path, secret):
    root = write_pack(tmp_path / "p", {}, with_files(calendar="exports/secret.csv"))
    (root / "exports").symlink_to(secret.parent, target_is_directory=True)
    refused(root, "[files] calendar = 'exports/secret.csv' lies outside the pack folder")


def test_links_and_folders_inside_the_pack_are_read(tmp_path):
    root = write_pack(tmp_path / "p", {}, with_files(admission_register="exports/pupils.csv"))
    (root / "exports").mkdir()
    (root / "admission_register.csv").rename(root / "exports" / "pupils.csv")
    (root / "exports" / "terms.csv").write_text("date,am_open,pm_open\n02/09/2024,Y,Y\n", encoding="utf-8")
    (root / "calendar.csv").symlink_to("exports/terms.csv")  # a link that stays inside
    pack = load_pack(root)
    assert pack.tables["admission_register"].loc[0, "surname"] == "Brown"
    assert len(pack.tables["calendar"]) == 1


def test_a_named_sheet_of_a_workbook_in_a_subfolder_is_read(tmp_path):
    root = write_pack(tmp_path / "p", {}, with_files(admission_register="exports/book.xlsx#Pupils"))
    (root / "admission_register.csv").unlink()
    (root / "exports").mkdir()
    book = openpyxl.Workbook()
    sheet = book.create_sheet("Pupils")
    for line in REGISTER.splitlines():
        sheet.append(line.split(","))
    book.save(root / "exports" / "book.xlsx")
    pack = load_pack(root)
    assert pack.tables["admission_register"].loc[0, "surname"] == "Brown"
    assert pack.inputs[0].sheet == "Pupils"


def test_a_workbook_outside_is_refused_whatever_its_sheet(tmp_path):
    outside = tmp_path / "book.xlsx"
    openpyxl.Workbook().save(outside)
    root = write_pack(tmp_path / "p", {}, with_files(admission_register="../book.xlsx#Sheet"))
    refused(root, "[files] admission_register = '../book.xlsx' lies outside the pack folder")


@pytest.mark.parametrize("name", ["loop.csv", "nul\u0000.csv"])
def test_a_link_loop_or_a_nul_in_a_name_is_refused(tmp_path, name):
    root = write_pack(tmp_path / "p", {}, with_files(calendar=name))
    (root / "loop.csv").symlink_to("loop.csv")
    with pytest.raises(PackError, match=r"^pack.toml: \[files\] calendar = .* is not a usable file name$"):
        load_pack(root)
    assert runner.invoke(app, ["validate", str(root)]).exit_code == 2


# ---- the pack's policy -------------------------------------------------------------------------

POLICY = 'name = "local"\ntitle = "Local"\nextends = "statutory"\n'


def with_policy(reference: str) -> str:
    return PACK_TOML.replace("period_start", f"policy = {json.dumps(reference)}\nperiod_start")


@pytest.mark.parametrize("reference", ["../local.toml", "{outside}", "sub/../../local.toml"])
def test_a_policy_outside_the_pack_is_refused(tmp_path, reference):
    (tmp_path / "local.toml").write_text(POLICY, encoding="utf-8")
    reference = reference.format(outside=tmp_path / "local.toml")
    root = write_pack(tmp_path / "p", {}, with_policy(reference))
    (root / "sub").mkdir()
    refused(root, "pack.toml", f"[inspection] policy = '{reference}' lies outside the pack folder")


def test_a_policy_that_links_outside_the_pack_is_refused(tmp_path):
    (tmp_path / "local.toml").write_text(POLICY, encoding="utf-8")
    root = write_pack(tmp_path / "p", {}, with_policy("local.toml"))
    (root / "local.toml").symlink_to(tmp_path / "local.toml")
    refused(root, "[inspection] policy = 'local.toml' lies outside the pack folder")


def test_a_policy_that_extends_one_outside_the_pack_is_refused(tmp_path):
    (tmp_path / "base.toml").write_text(POLICY, encoding="utf-8")
    root = write_pack(tmp_path / "p", {}, with_policy("policies/local.toml"))
    (root / "policies").mkdir()
    (root / "policies" / "local.toml").write_text(POLICY.replace('"statutory"', '"../base.toml"'), encoding="utf-8")
    refused(root, "policies/local.toml: extends = '../base.toml' lies outside the pack folder")


def test_a_bundled_name_cannot_climb_out_of_the_bundled_policies(tmp_path):
    (tmp_path / "evil.toml").write_text(POLICY, encoding="utf-8")
    climb = os.path.relpath(tmp_path / "evil", policies_dir())  # ../../../tmp/.../evil
    root = write_pack(tmp_path / "p", {}, with_policy(climb))
    refused(root, "pack.toml", "no bundled policy of that name")


def test_the_packs_policy_is_read_from_the_pack_never_the_working_directory(tmp_path, monkeypatch):
    """L8: a policy the pack names but lacks is not found in the folder the tool runs from."""
    root = write_pack(tmp_path / "p", {}, with_policy("local.toml"))
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    (elsewhere / "local.toml").write_text(POLICY, encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    refused(root, "pack.toml", "[inspection] policy = 'local.toml': no such file")
    (root / "local.toml").write_text(POLICY.replace("Local", "The pack's own"), encoding="utf-8")
    assert load_policy("local.toml", base=root).title == "The pack's own"
    assert runner.invoke(app, ["validate", str(root)]).exit_code == 0


def test_a_policy_the_user_names_is_read_from_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "mine.toml").write_text(POLICY.replace("Local", "Mine"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_policy("mine.toml").title == "Mine"
    assert load_policy(str(tmp_path / "mine.toml")).title == "Mine"
    result = runner.invoke(app, ["explain", "REG005", "--policy", "mine.toml"])
    assert result.exit_code == 0, result.output
    assert "(policy local)" in result.output
    pack = write_pack(tmp_path / "pack", {"admission_register.csv": REGISTER})
    result = runner.invoke(app, ["inspect", str(pack), "--policy", "mine.toml", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "findings.json").read_text())["inspection"]["policy"] == "local"


# ---- init --------------------------------------------------------------------------------------

HOSTILE_NAMES = [
    'Pupils "Autumn".csv',
    'adm" #\ncalendar = "\\u002ftmp\\u002frt-secret\\u002fsecret.csv" #.csv',
    "pupils # not a comment.csv",
    "back\\slash \\u0022 and 'single'.csv",
    "tab\tand\rreturn.csv",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_init_writes_any_file_name_as_one_toml_string(tmp_path, name):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / name).write_text(REGISTER, encoding="utf-8")
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    written = (folder / "pack.toml").read_text(encoding="utf-8")
    config = tomllib.loads(written)
    assert config["files"] == {"admission_register": name}
    assert "# CHECK: the school's URN" in written
    pack = load_pack(folder)
    assert pack.inputs[0].file == name and pack.tables["admission_register"].loc[0, "surname"] == "Brown"


def test_init_never_reads_a_file_that_links_out_of_the_folder(tmp_path, secret):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "pupils.csv").write_text(REGISTER, encoding="utf-8")
    (folder / "term dates.csv").symlink_to(secret)
    guess = guess_pack(folder)
    assert set(guess.files) == {"admission_register"}
    assert "term dates.csv: skipped, links outside the pack folder" in guess.notes
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0 and SECRET not in result.output


def test_init_skips_a_file_whose_name_is_not_text(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "pupils.csv").write_text(REGISTER, encoding="utf-8")
    (folder / os.fsdecode(b"Sch\xfcler.csv")).write_text(REGISTER, encoding="utf-8")  # a Latin-1 name
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Sch\ufffdler.csv: skipped, its name is not UTF-8 text" in result.output
    assert tomllib.loads((folder / "pack.toml").read_text(encoding="utf-8"))["files"] == {"admission_register": "pupils.csv"}
