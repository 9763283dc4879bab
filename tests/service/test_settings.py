"""Settings: from options and ``REGISTER_AUDIT_*`` variables, with checked values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from auditor_service.settings import Settings


def test_the_default_database_is_sqlite_in_the_data_folder(tmp_path):
    settings = Settings(data=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'register-auditor.sqlite3'}"
    assert settings.uploads == tmp_path.resolve() / "uploads"


def test_a_plain_postgresql_url_gets_the_installed_driver(tmp_path):
    assert Settings(data=tmp_path, database="postgresql://u@db/x").database_url == "postgresql+psycopg://u@db/x"
    assert Settings(data=tmp_path, database="postgres://u@db/x").database_url == "postgresql+psycopg://u@db/x"
    assert Settings(data=tmp_path, database="sqlite:////srv/a.db").database_url == "sqlite:////srv/a.db"


def test_environment_variables_are_read_and_options_win(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_AUDIT_RETENTION_DAYS", "14")
    monkeypatch.setenv("REGISTER_AUDIT_DATA", str(tmp_path))
    assert Settings.from_environment().retention_days == 14
    assert Settings.from_environment(retention_days=7).retention_days == 7
    assert Settings.from_environment().data == tmp_path.resolve()


@pytest.mark.parametrize("field, value", [("retention_days", 0), ("port", 70000), ("max_upload_mb", 0)])
def test_values_out_of_range_are_refused(tmp_path, field, value):
    with pytest.raises(ValidationError):
        Settings(data=tmp_path, **{field: value})


def test_a_bad_option_to_serve_is_exit_2_naming_it(tmp_path):
    from typer.testing import CliRunner

    from auditor_service.cli import app

    result = CliRunner().invoke(app, ["serve", "--no-browser", "--data", str(tmp_path), "--retention-days", "0"])
    assert result.exit_code == 2
    assert "--retention-days" in result.output


def test_a_database_that_cannot_be_opened_is_exit_2_without_its_password(tmp_path):
    from typer.testing import CliRunner

    from auditor_service.cli import app

    from tests.service.live import free_port

    url = "postgresql://officer:s3cret@127.0.0.1:1/nothing"
    port = str(free_port())
    result = CliRunner().invoke(app, ["serve", "--no-browser", "--data", str(tmp_path), "--database", url, "--port", port])
    assert result.exit_code == 2, result.output
    assert "cannot be opened" in result.output and "s3cret" not in result.output
