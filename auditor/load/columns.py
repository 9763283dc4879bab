"""Which header is which contract column: the school systems' presets, the pack.toml mapping
and headers spelt like the contract's names; two headers for one column refused."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

import pandas as pd

from auditor.errors import PackError
from auditor.load.files import FileSpec
from auditor.resources import rules_dir


def _header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower()).strip("_")


@dataclass(frozen=True)
class Preset:
    """How one school system's exports name the contract's columns (``rules/presets/*.toml``)."""

    name: str
    title: str
    description: str
    columns: dict[str, dict[str, tuple[str, ...]]]  # file key -> contract column -> headers


@cache
def presets() -> dict[str, Preset]:
    found = {}
    for path in sorted((rules_dir() / "presets").glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        columns = {
            key: {contract: (h,) if isinstance(h, str) else tuple(h) for contract, h in table.items()}
            for key, table in raw.get("columns", {}).items()
        }
        found[raw["name"]] = Preset(raw["name"], raw["title"], raw.get("description", "").strip(), columns)
    return found


def get_preset(name: str | None) -> Preset | None:
    if not name:
        return None
    try:
        return presets()[name]
    except KeyError:
        known = ", ".join(presets())
        raise PackError("pack.toml", f"no column preset named '{name}' (known: {known})") from None


def resolve_columns(
    headers: list[str], spec: FileSpec, mapping: dict[str, str], preset: Preset | None, name: str = ""
) -> dict[str, str]:
    """Header -> contract column, each column from the first header that claims it (see
    ``column_claims``); ``refuse_ambiguous`` says when more than one does."""
    return {found[0]: contract for contract, found in column_claims(headers, spec, mapping, preset, name).items()}


def column_claims(
    headers: list[str],
    spec: FileSpec,
    mapping: dict[str, str],
    preset: Preset | None,
    name: str = "",
    written: dict[str, str] | None = None,
) -> dict[str, list[str]]:
    """Contract column -> the headers that claim it, at the first rank that claims it: the
    pack.toml mapping (its headers must exist); the preset's names for it, the first listed
    that the file has; headers that differ from the contract's name only in case, spacing or
    punctuation ("Date of Birth"). A header claims one column at most. A repeated header
    (``code.1``) is spelt as written (``code``)."""
    unknown = set(mapping) - set(spec.columns)
    if unknown:
        raise PackError("pack.toml", f"[columns.{spec.key}] maps unknown columns: {', '.join(sorted(unknown))}")
    missing_mapped = [h for h in mapping.values() if h not in headers]
    if missing_mapped:
        raise PackError(name, f"has no column {missing_mapped[0]!r} named in pack.toml")
    written = written or {}
    spelt = {header: _header_key(written.get(header, header)) for header in headers}
    claims: dict[str, list[str]] = {}

    def claim(contract: str, found: list[str]) -> bool:
        taken = {h for hs in claims.values() for h in hs}
        found = [h for h in found if h not in taken]
        if found and contract in spec.columns and contract not in claims:
            claims[contract] = found
        return bool(found)

    for contract, header in mapping.items():
        claim(contract, [header])
    for contract, names in (preset.columns.get(spec.key, {}) if preset else {}).items():
        for wanted in map(_header_key, names):
            if contract in claims or claim(contract, [h for h in headers if spelt[h] == wanted]):
                break
    for contract in spec.columns:
        claim(contract, [h for h in headers if spelt[h] == contract])
    return claims


def refuse_ambiguous(claims: dict[str, list[str]], spec: FileSpec, name: str, written: dict[str, str]) -> None:
    """Two headers that could each be one contract column: which one the school meant is not
    for the tool to guess."""
    for contract, found in claims.items():
        if len(found) > 1:
            shown = [f"'{written[h]}' again (read as '{h}')" if h in written else f"'{h}'" for h in found]
            raise PackError(
                name,
                f"headers {', '.join(shown[:-1])} and {shown[-1]} could each be the {contract} column: name the one "
                f'to read in pack.toml, e.g. [columns.{spec.key}] {contract} = "{found[0]}"',
            )


def _rename_columns(
    frame: pd.DataFrame, name: str, spec: FileSpec, renames: dict[str, str], required: list[str]
) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in spec.columns if c in frame.columns and c not in renames])
    frame = frame.rename(columns=renames)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        found = ", ".join(str(c) for c in frame.columns if c != "line")
        raise PackError(name, f"missing required column(s) {', '.join(missing)} (found: {found})")
    return frame
