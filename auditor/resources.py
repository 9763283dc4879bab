"""Where the shipped rules, policies and report templates live.

In an installed wheel they are copied into ``auditor/_shipped``; in a source checkout (or an
editable install) they are the top-level ``rules/`` and ``reports/`` folders.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    for candidate in (_PACKAGE / "_shipped" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"register-auditor is missing its {name}/ folder (broken install?)")


def rules_dir() -> Path:
    return _shipped("rules")


def policies_dir() -> Path:
    return rules_dir() / "policies"


def reports_dir() -> Path:
    return _shipped("reports")
