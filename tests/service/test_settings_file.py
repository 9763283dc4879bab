"""The settings file (``--settings FILE`` or ``REGISTER_AUDIT_SETTINGS``): TOML, names as the
options', overridden by ``REGISTER_AUDIT_*`` variables, overridden by the options; a misspelt
name or a file that is not TOML is refused naming the file (and the name)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.errors import PackError
from auditor_service.settings import Settings

AUTHORITY = """\
data = "{data}"
database = "postgresql://auditor@db.internal/register_auditor"
host = "0.0.0.0"
port = 8800
retention_days = 14
max_upload_mb = 400
workers = 2
public_hosts = ["audit.northshire.gov.uk"]
trusted_proxy = "10.0.0.5"
trusted_user_header = "X-Remote-User"
session_idle_minutes = 20
session_hours = 8
"""


@pytest.fixture(autouse=True)
def no_settings_from_the_environment(monkeypatch):
    for name in [*Settings.model_fields, "settings"]:
        monkeypatch.delenv(f"REGISTER_AUDIT_{name.upper()}", raising=False)


def written(tmp_path: Path, text: str, name: str = "register-audit.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_setting_is_read_from_the_file(tmp_path):
    settings = Settings.from_environment(written(tmp_path, AUTHORITY.format(data=tmp_path / "data")))
    assert settings.data == (tmp_path / "data").resolve()
    assert settings.database_url == "postgresql+psycopg://auditor@db.internal/register_auditor"
    assert (settings.host, settings.port, settings.retention_days, settings.max_upload_mb, settings.workers) == (
        "0.0.0.0", 8800, 14, 400, 2)
    assert settings.public_hosts == ["audit.northshire.gov.uk"]
    assert (settings.trusted_proxy, settings.trusted_user_header) == ("10.0.0.5", "X-Remote-User")
    assert (settings.session_idle_minutes, settings.session_hours) == (20, 8)


def test_register_audit_settings_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_AUDIT_SETTINGS", str(written(tmp_path, "retention_days = 9\n")))
    assert Settings.from_environment().retention_days == 9
    other = written(tmp_path, "retention_days = 5\n", "other.toml")
    assert Settings.from_environment(other).retention_days == 5  # --settings wins over the variable


def test_the_file_is_overridden_by_the_environment_and_both_by_an_option(tmp_path, monkeypatch):
    path = written(tmp_path, 'retention_days = 14\nworkers = 3\npublic_hosts = ["a.example"]\n')
    monkeypatch.setenv("REGISTER_AUDIT_RETENTION_DAYS", "21")
    monkeypatch.setenv("REGISTER_AUDIT_PUBLIC_HOSTS", "b.example, c.example")
    settings = Settings.from_environment(path)
    assert (settings.retention_days, settings.workers, settings.public_hosts) == (21, 3, ["b.example", "c.example"])
    given = Settings.from_environment(path, retention_days=7, workers=None, public_hosts=["d.example"])
    assert (given.retention_days, given.workers, given.public_hosts) == (7, 3, ["d.example"])


@pytest.mark.parametrize("text, named, problem", [
    ("retension_days = 14\n", "retension_days", "Extra inputs are not permitted"),
    ("retention_days = 0\n", "retention_days", "greater than or equal to 1"),
    ('trusted_proxy = "10.0.0.0/8"\n', "trusted_proxy", "does not appear to be an IPv4 or IPv6 address"),
])
def test_a_name_or_value_the_service_does_not_take_is_refused_naming_the_file_and_the_name(tmp_path, text, named,
                                                                                           problem):
    path = written(tmp_path, text)
    with pytest.raises(PackError) as refused:
        Settings.from_environment(path)
    assert refused.value.file == f"{path}: {named}" and problem in refused.value.problem


def test_serve_refuses_a_misspelt_name_in_the_file_with_exit_2(tmp_path):
    from auditor_service.cli import app

    path = written(tmp_path, "retention_days = 14\nworker = 2\n")
    result = CliRunner().invoke(app, ["serve", "--no-browser", "--settings", str(path)])
    assert result.exit_code == 2
    assert f"{path}: worker" in " ".join(result.output.split())


@pytest.mark.parametrize("text, problem", [
    ("retention_days = \n", "is not a TOML settings file"),
    ("[service\nport = 1\n", "is not a TOML settings file"),
    (b"\xff\xfe retention", "is not a TOML settings file"),
    (None, "cannot be read"),
])
def test_a_settings_file_that_is_not_toml_or_not_there_is_exit_2_naming_it(tmp_path, text, problem):
    from auditor_service.cli import app

    path = tmp_path / "settings.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    for command in (["serve", "--no-browser"], ["purge"], ["users", "list"]):
        result = CliRunner().invoke(app, [*command, "--settings", str(path)])
        assert result.exit_code == 2, (command, result.output)
        assert f"{path}: {problem}" in " ".join(result.output.split()), command


def test_the_users_and_purge_commands_use_the_database_the_file_names(tmp_path):
    from auditor_service.cli import app

    path = written(tmp_path, f'data = "{tmp_path / "data"}"\nretention_days = 3\n')
    added = CliRunner().invoke(app, ["users", "add", "ada", "--role", "admin", "--no-password", "--settings", str(path)])
    assert added.exit_code == 0, added.output
    assert (tmp_path / "data" / "register-auditor.sqlite3").exists()
    listed = CliRunner().invoke(app, ["users", "list", "--settings", str(path)])
    assert "ada" in listed.output and "admin" in listed.output
    purged = CliRunner().invoke(app, ["purge", "--settings", str(path)])
    assert purged.exit_code == 0 and "older than 3 days" in purged.output


# ---- docs/deploy.md says what the code does ------------------------------------------------------

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def test_deploy_md_lists_every_setting_with_its_variable_and_default():
    import re

    rows = re.findall(r"^\| `([a-z_]+)` \| `(REGISTER_AUDIT_[A-Z_]+)`.*\| ([^|]+) \|$", DEPLOY.read_text(encoding="utf-8"),
                      re.M)
    assert sorted((name, variable) for name, variable, _ in rows) == sorted(
        (name, f"REGISTER_AUDIT_{name.upper()}") for name in Settings.model_fields)
    defaults = Settings(data="/x")
    for name, _, default in rows:
        if isinstance(value := getattr(defaults, name), int) or name == "host":
            assert default.startswith(f"`{value}`"), name


def test_deploy_md_settings_file_is_one_the_service_reads(tmp_path):
    import re

    example = re.search(r"```toml\n(data = .*?)```", DEPLOY.read_text(encoding="utf-8"), re.S).group(1)
    settings = Settings.from_environment(written(tmp_path, example))
    assert settings.public_hosts == ["audit.northshire.gov.uk"] and settings.trusted_proxy == "127.0.0.1"
    assert settings.database_url == "postgresql+psycopg://auditor@/register_auditor?host=/var/run/postgresql"


def test_every_option_deploy_md_gives_a_command_is_one_it_takes():
    import re

    import typer

    from auditor_service.cli import app

    root = typer.main.get_command(app)
    text = DEPLOY.read_text(encoding="utf-8").replace("\\\n", " ")
    checked = 0
    for line in re.findall(r"register-audit ((?:serve|purge|users \w+)\b[^\n`|#]*)", text):
        words = line.split()
        command = root.commands[words[0]]
        if words[0] == "users":
            command = command.commands[words[1]]
        taken = {option for parameter in command.params for option in parameter.opts}
        for option in (word.split("=")[0] for word in words if word.startswith("--")):
            assert option in taken, f"register-audit {line}: {option}"
            checked += 1
    assert checked >= 20
