"""Where the shipped rules, policies, feature files and report templates live.

In an installed wheel they are copied into ``auditor/_shipped``; in a source checkout (or an
editable install) they are the top-level ``rules/``, ``features/`` and ``reports/`` folders.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from jinja2.bccache import Bucket, BytecodeCache, FileSystemBytecodeCache

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


def sample_pack_dir() -> Path:
    """The sample pack of a fictional school (``sample_registers/example-primary``): no real person's data."""
    return _shipped("sample_registers") / "example-primary"


def features_dir() -> Path:
    """The feature files: the rules' scenarios in plain English, shown to policy owners and run."""
    return _shipped("features")


def feature_data_dir() -> Path:
    """Files the feature files' steps read: the Common Transfer Files (``ctf/``) DQ009's scenarios name.
    They are the tests' own CTFs (``tests/data``), shipped with the features so that an installed
    tool runs every scenario."""
    for candidate in (_PACKAGE / "_shipped" / "feature-data", _PACKAGE.parent / "tests" / "data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("register-auditor is missing its feature-data/ folder (broken install?)")


def read_yaml(path: Path) -> Any:
    """A YAML file's data, with libyaml's parser when PyYAML was built with it (ten times faster)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def user_cache(name: str) -> Path | None:
    """A folder of the user's cache for things worth keeping between runs (compiled templates,
    bank-holiday dates: never pupil data); None when the user has no home folder. The folder may
    not exist, or not be writable: what is cached there is then worked out again."""
    try:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no home folder
        return None
    return root / "register-auditor" / name


def template_bytecode_cache() -> BytecodeCache | None:
    """Jinja's cache of compiled templates, so that each run does not compile them again."""
    folder = user_cache("templates")
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _BestEffortBytecodeCache(str(folder))


class _BestEffortBytecodeCache(FileSystemBytecodeCache):
    """A cache folder that cannot be written to is no cache, not an error."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass
