"""Pseudonymised outputs: every pupil's name and UPN replaced by a stable pseudonym, in every
field and inside the words of summaries, actions, evidence and rejected-row reasons.

The pseudonym is a keyed HMAC-SHA256 of the UPN (of the name when a finding has no UPN), so the
same pupil gets the same pseudonym in every report made with the same key, and reports can be
compared (``--previous``) without names.

The key is the trade-off. By default it is derived from the school's URN: anyone running the tool
on the same school gets the same pseudonyms, which makes reports comparable across officers and
years, but anyone who knows the URN and a candidate UPN can recompute the pseudonym and confirm
who it is. That is pseudonymisation, not anonymisation (UK GDPR still applies). With
``--pseudonym-key``, kept secret by the LA, the pseudonyms cannot be recomputed without the key;
lose the key and the reports can no longer be linked to each other.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from auditor.findings import Inspection

# A UPN: a letter, 11 digits, then a digit or a letter (temporary UPNs end in a letter).
_UPN = re.compile(r"\b[A-Z]\d{11}[0-9A-Z]\b")
# Only these parts of the findings carry pupil data; the school, rules and inputs do not.
_PUPIL_SECTIONS = ("findings", "resolved", "rejected_rows")


def default_key(urn: str) -> bytes:
    return hashlib.sha256(f"register-auditor pseudonym key|{urn}".encode()).digest()


def pseudonymise(inspection: Inspection, key: bytes | str | None = None) -> Inspection:
    key = default_key(inspection.school.urn) if key is None else key
    key = key.encode() if isinstance(key, str) else key

    def token(identity: str) -> str:
        return hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()[:10].upper()

    # Known identities, longest first so "Surname, Forename" goes before its parts.
    replacements: dict[str, str] = {}
    for finding in [*inspection.findings, *inspection.resolved]:
        tag = token(finding.upn or finding.pupil or "")
        if finding.upn:
            replacements[finding.upn] = f"P{tag}"
        if finding.pupil:
            replacements[finding.pupil] = f"Pupil {tag}"
            for part in re.split(r",\s*", finding.pupil):
                if len(part.strip()) > 1:
                    replacements.setdefault(part.strip(), f"Pupil {tag}")
    names = sorted(replacements, key=len, reverse=True)
    name_pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in names)) if names else None

    def clean(text: str) -> str:
        if name_pattern is not None:
            text = name_pattern.sub(lambda m: replacements[m.group()], text)
        return _UPN.sub(lambda m: f"P{token(m.group())}", text)

    data = inspection.model_dump(mode="json")
    for section in _PUPIL_SECTIONS:
        data[section] = _walk(data[section], clean)
    data["inspection"]["pseudonymised"] = True
    return Inspection.model_validate(data)


def _walk(node: Any, clean) -> Any:
    if isinstance(node, str):
        return clean(node)
    if isinstance(node, list):
        return [_walk(value, clean) for value in node]
    if isinstance(node, dict):
        return {key: _walk(value, clean) for key, value in node.items()}
    return node
