"""A CTF's leaving reason and removal grounds read as the register's deletion ground, through
``rules/ctf_leaving_reasons.yaml``."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from auditor.regulations import normalise_ground, parse_ground, regulations
from auditor.resources import read_yaml, rules_dir


@cache
def leaving_reasons() -> dict[str, dict]:
    """``rules/ctf_leaving_reasons.yaml``: code -> meaning, grounds per era, certainty."""
    return {str(code).upper(): spec for code, spec in read_yaml(rules_dir() / "ctf_leaving_reasons.yaml")["leaving_reasons"].items()}


def deletion_ground(reason: str | None, grounds: str | None, leaving: dt.date | None) -> tuple[str, list[str]]:
    """The register's deletion ground for a leaving reason and removal grounds, and what to note:
    ``RemovalGrounds`` when it reads as a ground, else the leaving reason's ground in the era in
    force on the leaving date, else the file's own words (REG011 judges them). Never dropped."""
    notes = []
    era = regulations().era_on(leaving) if leaving else regulations().eras[-1]  # an unreadable date: the latest
    day = leaving or era.in_force_from
    from_reason = None
    code = re.sub(r"\s+", "", reason or "").upper()
    spec = leaving_reasons().get(code) if code else None
    if code and spec is None:
        notes.append(f"leaving reason '{reason}' is not a CTF leaving reason code (rules/ctf_leaving_reasons.yaml)")
    elif spec is not None:
        letter = spec.get("grounds", {}).get(era.id)
        if letter:
            from_reason = f"{era.deletion_regulation}({letter})"
    removal = normalise_ground(grounds, day) if grounds and parse_ground(grounds) else None
    if grounds and removal is None:
        notes.append(f"RemovalGrounds '{grounds}' is not a deletion ground")
    if removal:
        if from_reason and from_reason != removal:
            notes.append(f"RemovalGrounds {removal} and leaving reason {code} ({spec['meaning']}, read as {from_reason}) disagree: {removal} is used")
        return removal, notes
    if from_reason:
        if spec.get("certainty") == "guess":
            notes.append(f"deletion ground {from_reason} is a guess from leaving reason {code} ({spec['meaning']})")
        return from_reason, notes
    if spec is not None:
        notes.append(f"leaving reason {code} ({spec['meaning']}) maps to no deletion ground of the {era.short}")
        return f"leaving reason {code} ({spec['meaning']})", notes
    words = " / ".join(w for w in (grounds, reason) if w)
    return words, notes

