"""Policy files: the thresholds the rules use, each with its source, valued by the date from which
it holds. ``statutory`` is the default; a local policy extends it and overrides what it changes.

A policy is checked against a schema before any rule sees it: only thresholds that some rule
``uses``, each a number from 0 to ``MAXIMUM``, with a unit, a source and a dated value; a policy
that extends nothing defines every threshold; no ``extends`` cycle. Every fault is a ``PackError``
naming the policy file and the threshold.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, ValidationError, field_validator

from auditor.errors import PackError
from auditor.load import inside_pack
from auditor.resources import policies_dir
from auditor.rules import load_rules

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


# Above any count of school days, sessions or deletions a rule could need (50 school years);
# larger ones would carry the calendar arithmetic past the dates pandas can hold.
MAXIMUM = 10_000


def _amount(value: object) -> int | float:
    # TOML gives int or float; bool is an int to Python but no number of days.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAXIMUM:
        raise ValueError(f"must be a number from 0 to {MAXIMUM:,}, not {_shown(value)}")
    return value


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: Text
    unit: Text
    source: Text
    values: Annotated[dict[dt.date, Annotated[int | float, PlainValidator(_amount)]], Field(min_length=1)]

    def value_on(self, day: dt.date) -> int | float:
        """The value in force on ``day``: the latest one whose start is not after it."""
        held = [start for start in self.values if start <= day]
        return self.values[max(held) if held else min(self.values)]


@cache
def threshold_names() -> frozenset[str]:
    """The thresholds the rules use: the only names a policy may set."""
    return frozenset(name for rule in load_rules() for name in rule.uses)


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text
    title: Text
    extends: Text | None = None
    thresholds: dict[str, Threshold] = {}

    @field_validator("thresholds", mode="before")
    @classmethod
    def _only_thresholds_the_rules_use(cls, value: object) -> object:
        unknown = [name for name in value if name not in threshold_names()] if isinstance(value, dict) else []
        if unknown:
            raise ValueError("; ".join(_unknown(name) for name in sorted(unknown)))
        return value


def _unknown(name: str) -> str:
    nearest = difflib.get_close_matches(name, threshold_names(), n=1)
    hint = f" (did you mean {nearest[0]}?)" if nearest else f" (known: {', '.join(sorted(threshold_names()))})"
    return f"no rule uses a threshold {_shown(name)}{hint}"


class Policy(BaseModel):
    name: str
    title: str
    thresholds: dict[str, Threshold]
    chain: list[str]  # this policy and the ones it extends, most specific first

    def values_on(self, day: dt.date) -> dict[str, int | float]:
        return {name: t.value_on(day) for name, t in self.thresholds.items()}

    def source_of(self, name: str) -> str:
        return self.thresholds[name].source


def bundled_policies() -> list[str]:
    return sorted(p.stem for p in policies_dir().glob("*.toml"))


_BUNDLED = "bundled"  # the scope of a bundled policy's own `extends`: bundled names only


def load_policy(reference: str, base: Path | None = None) -> Policy:
    """The policy ``reference`` names: a bundled policy (``statutory``) or a policy file (``*.toml``).

    With ``base``, a pack's folder, the reference is the ``policy`` of that pack's pack.toml: a file is named
    relative to the pack folder and must lie inside it (symlinks resolved), so that a pack never
    reads anything outside itself. Without, it is the user's own choice (``--policy``): a file is
    read as typed, from the working directory. A file's ``extends`` is resolved the same way
    inside the pack folder, or for the user's file inside the folder that holds it; a bundled
    policy extends only bundled ones."""
    scope: Path | str | None = base
    referrer, key = ("pack.toml", "[inspection] policy") if base is not None else ("--policy", None)
    files: list[PolicyFile] = []
    read: dict[Path, str] = {}  # the files read, resolved, with their names for messages
    while reference is not None:
        path, label, inner = _locate(reference, scope, referrer, key)
        if path in read:
            cycle = [*list(read.values())[list(read).index(path) :], label]
            raise PackError(referrer, f"{_setting(key, reference)} makes a cycle: {' -> '.join(cycle)}")
        read[path] = label
        files.append(_read(path, label))
        reference, scope, referrer, key = files[-1].extends, inner, label, "extends"
    # The last file extends nothing: every threshold falls back to it.
    missing = sorted(threshold_names() - set(files[-1].thresholds))
    if missing:
        raise PackError(
            referrer,
            f"extends no policy, so it must define every threshold the rules use; missing: {', '.join(missing)}",
        )
    thresholds: dict[str, Threshold] = {}
    for policy_file in reversed(files):
        thresholds.update(policy_file.thresholds)
    return Policy(name=files[0].name, title=files[0].title, thresholds=thresholds, chain=[f.name for f in files])


def _locate(reference: str, scope: Path | str | None, referrer: str, key: str | None) -> tuple[Path, str, Path | str]:
    """The file ``reference`` names (resolved), its name for messages, and the scope of its own
    ``extends``. ``scope``: a folder the file must lie in, ``None`` for the working directory
    (the user's choice), or bundled names only."""
    if not reference.endswith(".toml"):
        if reference not in bundled_policies():
            raise PackError(
                referrer,
                f"{_setting(key, reference)}: no bundled policy of that name (bundled: "
                f"{', '.join(bundled_policies())}; a policy file's name ends in .toml)",
            )
        return (policies_dir() / f"{reference}.toml").resolve(), f"{reference}.toml", _BUNDLED
    if scope == _BUNDLED:
        raise PackError(referrer, f"{_setting(key, reference)}: a bundled policy extends only bundled policies")
    if scope is None:
        try:
            path = Path(reference).resolve()
        except (OSError, RuntimeError, ValueError):
            path = None
        if path is None or not path.is_file():
            raise PackError(referrer, f"{_setting(key, reference)}: no such policy file")
        return path, reference, path.parent
    path = inside_pack(scope, reference, referrer, key)
    if not path.is_file():
        raise PackError(referrer, f"{_setting(key, reference)}: no such file in {scope}")
    return path, path.relative_to(Path(scope).resolve()).as_posix(), scope


def _setting(key: str | None, reference: str) -> str:
    return f"{key} = {_shown(reference)}" if key else _shown(reference)


def _read(path: Path, label: str) -> PolicyFile:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise PackError(label, f"cannot be read ({err.strerror})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise PackError(label, f"is not a valid policy file (not UTF-8 TOML: {err})") from None
    try:
        return PolicyFile.model_validate(raw)
    except ValidationError as err:
        raise PackError(label, "; ".join(_describe(e) for e in err.errors())) from None


def _describe(error: dict) -> str:
    """``thresholds.absence_return_school_days.values.2006-09-01: must be a finite number...``"""
    where = ".".join(_shown(part, quote=False) for part in error["loc"])
    problem = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        problem = "is not a key of a policy file" if len(error["loc"]) == 1 else "is not a key of a threshold"
    return f"{where}: {problem}" if where else problem


def _shown(value: object, quote: bool = True, limit: int = 60) -> str:
    """A value for a message: short, whatever its size (a policy may hold a megabyte string)."""
    text = repr(value) if quote else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
