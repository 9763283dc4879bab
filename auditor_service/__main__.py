from auditor_service.cli import app

app(prog_name="register-audit")
