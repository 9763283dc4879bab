"""python -m auditor: the register-audit command."""

from auditor.cli import app

app(prog_name="register-audit")
