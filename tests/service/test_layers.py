"""The web layer sits on the library, never below it: nothing in ``auditor`` imports the service,
and importing the library loads none of the service's web or database packages."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[2] / "auditor"


def test_no_module_of_the_library_imports_the_service():
    offenders = []
    for path in LIBRARY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(LIBRARY)}: {n}" for n in names if n.split(".")[0] == "auditor_service"]
    assert offenders == []


def test_the_library_loads_without_the_web_or_the_database():
    code = ("import sys, auditor, auditor.cli, auditor.report; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'auditor_service', 'starlette', 'sqlalchemy', 'uvicorn'}))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
