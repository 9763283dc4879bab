"""``register-audit init`` gives a Parquet export a role, as it does a CSV or a workbook."""

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from auditor.cli import app
from auditor.load import load_pack

SAMPLE = Path(__file__).parents[1] / "sample_registers" / "example-primary"
runner = CliRunner()


def test_init_guesses_a_parquet_attendance_export(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "admission_register.csv").write_bytes((SAMPLE / "admission_register.csv").read_bytes())
    marks = pd.read_csv(SAMPLE / "attendance.csv", dtype=str, keep_default_na=False)
    marks.to_parquet(folder / "marks export.parquet", index=False)  # not a name the loader would find alone
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert "marks export.parquet is the attendance (the contract's column names, long layout)" in result.output
    assert 'attendance = "marks export.parquet"' in (folder / "pack.toml").read_text()
    read = {summary.file: summary for summary in load_pack(folder).inputs}["marks export.parquet"]
    assert (read.layout, read.rows, read.accepted) == ("long", len(marks), len(marks))
