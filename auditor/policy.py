"""Policy files: the thresholds the rules use, each with its source, valued by the date from which
it holds. ``statutory`` is the default; a local policy extends it and overrides what it changes."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from auditor.errors import PackError, RuleDefinitionError
from auditor.resources import policies_dir


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str
    unit: str
    source: str
    values: dict[dt.date, float | int | str]

    def value_on(self, day: dt.date) -> float | int | str:
        """The value in force on ``day``: the latest one whose start is not after it."""
        held = [start for start in self.values if start <= day]
        return self.values[max(held) if held else min(self.values)]


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    extends: str | None = None
    thresholds: dict[str, Threshold] = {}


class Policy(BaseModel):
    name: str
    title: str
    thresholds: dict[str, Threshold]
    chain: list[str]  # this policy and the ones it extends, most specific first

    def values_on(self, day: dt.date) -> dict[str, float | int | str]:
        return {name: t.value_on(day) for name, t in self.thresholds.items()}

    def source_of(self, name: str) -> str:
        return self.thresholds[name].source


def bundled_policies() -> list[str]:
    return sorted(p.stem for p in policies_dir().glob("*.toml"))


def _read(reference: str, base: Path | None) -> tuple[PolicyFile, Path]:
    candidates = []
    if reference.endswith(".toml"):
        candidates += [Path(reference)] if Path(reference).is_absolute() else []
        candidates += [base / reference] if base else []
        candidates += [Path.cwd() / reference]
    candidates.append(policies_dir() / f"{reference}.toml")
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        known = ", ".join(bundled_policies())
        raise PackError("pack.toml", f"policy {reference!r} not found (bundled policies: {known})")
    try:
        return PolicyFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8"))), path
    except (tomllib.TOMLDecodeError, ValidationError) as err:
        raise PackError(path.name, f"is not a valid policy file: {err}") from None


def load_policy(reference: str, base: Path | None = None) -> Policy:
    """A bundled policy by name, or a policy file by path (relative to ``base``, the pack)."""
    files: list[PolicyFile] = []
    while reference is not None:
        policy_file, path = _read(reference, base)
        if any(f.name == policy_file.name for f in files):
            raise RuleDefinitionError(f"policy {policy_file.name!r} extends itself")
        files.append(policy_file)
        reference, base = policy_file.extends, path.parent
    thresholds: dict[str, Threshold] = {}
    for policy_file in reversed(files):
        thresholds.update(policy_file.thresholds)
    return Policy(name=files[0].name, title=files[0].title, thresholds=thresholds, chain=[f.name for f in files])
