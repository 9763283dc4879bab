"""Pseudonymised outputs: every pupil's name and UPN replaced by a stable pseudonym.

Whole identities are replaced, never parts of names, and never the rule's own words: a finding's
title and legal basis are copied as they are. Each finding names its pupils in structured fields,
so those are pseudonymised from the data: ``upn`` and ``pupil``, the evidence fields that hold
UPNs (``upn``, ``*_upn``), the candidates of a list match and the register extract's UPN. Its
prose (the summary and action, rendered from the rule's templates with the same values) then has
exactly those strings replaced: the pupil's name as "Surname, Forename" and "Forename Surname",
and each UPN, so a word that merely coincides with a name part ("England") is left alone, and a
name shared by two pupils gets each one's own pseudonym. Any UPN-shaped text left over is
replaced too. A waiver's UPN is replaced, and any name or UPN of a pupil in its reason.

A rejected row has not reached the register, so its pupil is not known: its reason is given as
its kind (``report.reason_kind``), with the values of its row that it quoted withheld (a cell in
the wrong column may hold a name or a UPN), and any known name or UPN in it replaced.

The pseudonym is a keyed HMAC-SHA256 of the UPN (of the name when a pupil has no UPN), so the
same pupil gets the same pseudonym in every finding and every report made with the same key: a
UPN becomes ``P<tag>`` and that pupil's name ``Pupil <tag>``, with the same tag. Two pupils share
a tag only if 40 bits of HMAC collide. Reports can be compared (``--previous``) without names.

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
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any

from auditor.findings import Finding, Inspection, ResolvedFinding
from auditor.report import reason_kind
from auditor.waivers import Waiver

# A UPN: a letter, 11 digits, then a digit or a letter (temporary UPNs end in a letter).
_UPN = re.compile(r"\b[A-Z]\d{11}[0-9A-Z]\b")
# A pseudonym already made (in a pseudonymised findings.json given as --previous).
_PSEUDONYM = re.compile(r"(?:P|Pupil )[0-9A-F]{10}")
# One candidate of a list match as matching.match_candidates writes it (joined by "; "):
# "UPN (Surname, Forename, born dd/mm/yyyy)".
_CANDIDATE = re.compile(r"(?P<upn>[^;()\s][^;()]*?) \((?P<name>[^;]+?), born (?P<born>\d{2}/\d{2}/\d{4}|\?)\)")
# A name in a rejected row that is more than one pupil's: who it is cannot be told.
_SOME_PUPIL = "[pupil]"


def default_key(urn: str) -> bytes:
    return hashlib.sha256(f"register-auditor pseudonym key|{urn}".encode()).digest()


class Pseudonyms:
    """The pseudonyms of one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def tag(self, identity: str) -> str:
        return hmac.new(self._key, identity.encode(), hashlib.sha256).hexdigest()[:10].upper()

    def upn(self, upn: str) -> str:
        return f"P{self.tag(upn)}"

    def pupil(self, identity: str) -> str:
        """The name of the pupil whose identity (UPN, else name) is given."""
        return f"Pupil {self.tag(identity)}"

    def identities(self, upn: str | None, pupil: str | None) -> dict[str, str]:
        """A pupil's UPN and name forms, each with its pseudonym."""
        found = {upn: self.upn(upn)} if upn else {}
        if pupil:
            found.update(dict.fromkeys(name_forms(pupil), self.pupil(upn or pupil)))
        return found

    def candidates(self, text: str) -> str:
        """A list match's candidates, each under its own UPN's pseudonyms; withheld whole if the
        text is not in the candidates' form (it could not then be told which name is whose)."""
        if "; ".join(m.group() for m in _CANDIDATE.finditer(text)) != text:
            return "[candidates withheld]"
        return _CANDIDATE.sub(lambda m: f"{self.upn(m['upn'])} ({self.pupil(m['upn'])}, born {m['born']})", text)


def name_forms(pupil: str) -> list[str]:
    """A finding's label of a pupil ("Surname, Forename") and the same name as "Forename Surname"."""
    surname, comma, forename = pupil.partition(", ")
    forms = [pupil.strip()]
    if comma and surname.strip() and forename.strip():
        forms.append(f"{forename.strip()} {surname.strip()}")
    return [form for form in forms if form]


def pseudonymise(inspection: Inspection, key: bytes | str | None = None) -> Inspection:
    key = default_key(inspection.school.urn) if key is None else key
    pseudonyms = Pseudonyms(key.encode() if isinstance(key, str) else key)

    # Rows rejected by the thousand share a few kinds of reason: each kind is cleaned once.
    clean = cache(_replacer(_known_identities(inspection, pseudonyms), pseudonyms))
    # A finding's waiver is one of the inspection's waivers, and stays equal to it.
    waivers = {waiver: _waiver(waiver, clean, pseudonyms) for waiver in inspection.waivers}

    def under_pseudonyms(waiver: Waiver | None) -> Waiver | None:
        return None if waiver is None else waivers.get(waiver) or _waiver(waiver, clean, pseudonyms)

    findings = [_finding(f, pseudonyms, under_pseudonyms) for f in inspection.findings]
    resolved = [_resolved(f, pseudonyms) for f in inspection.resolved]
    rejected = [replace(row, reason=clean(reason_kind(row.reason))) for row in inspection.rejected_rows]
    info = inspection.inspection.model_copy(update={"pseudonymised": True})
    return inspection.model_copy(
        update={
            "findings": findings,
            "resolved": resolved,
            "rejected_rows": rejected,
            "inspection": info,
            "waivers": list(waivers.values()),
        }
    )


def _waiver(waiver: Waiver, clean: Callable[[str], str], pseudonyms: Pseudonyms) -> Waiver:
    """A waiver under pseudonyms: its UPN, and any pupil's name or UPN in its reason (who agreed
    it is an officer, not a pupil)."""
    return waiver.model_copy(
        update={"upn": pseudonyms.upn(waiver.upn) if waiver.upn else None, "reason": clean(waiver.reason)}
    )


def _is_upn_field(key: str) -> bool:
    return key == "upn" or key.endswith("_upn")


def _finding_identities(finding: Finding, pseudonyms: Pseudonyms) -> dict[str, str]:
    """The text of every identity a finding names, with its pseudonym: the pupil it is about,
    the UPNs of its evidence, and the candidates of a list match (their whole text, so that each
    candidate's name gets its own UPN's pseudonym, even when it is also the pupil's name)."""
    swaps = pseudonyms.identities(finding.upn, finding.pupil)
    for key, value in finding.evidence.items():
        if _is_upn_field(key) and isinstance(value, str) and value:
            swaps.setdefault(value, pseudonyms.upn(value))
    candidates = finding.evidence.get("candidates")
    if isinstance(candidates, str) and candidates:
        swaps[candidates] = pseudonyms.candidates(candidates)
        swaps.update({m["upn"]: pseudonyms.upn(m["upn"]) for m in _CANDIDATE.finditer(candidates)})
    return swaps


def _finding(
    finding: Finding, pseudonyms: Pseudonyms, under_pseudonyms: Callable[[Waiver | None], Waiver | None]
) -> Finding:
    clean = _replacer(_finding_identities(finding, pseudonyms), pseudonyms)
    extract = finding.register_extract
    return finding.model_copy(
        update={
            "waiver": under_pseudonyms(finding.waiver),
            "waiver_expired": under_pseudonyms(finding.waiver_expired),
            "upn": pseudonyms.upn(finding.upn) if finding.upn else None,
            "pupil": pseudonyms.pupil(finding.upn or finding.pupil) if finding.pupil else None,
            "summary": clean(finding.summary),
            "action": clean(finding.action),
            "evidence": {key: _each(value, clean) for key, value in finding.evidence.items()},
            "register_extract": extract.model_copy(update={"upn": pseudonyms.upn(extract.upn)}) if extract else None,
        }
    )


def _resolved(finding: ResolvedFinding, pseudonyms: Pseudonyms) -> ResolvedFinding:
    named = [value for value in (finding.upn, finding.pupil) if value]
    if named and all(_PSEUDONYM.fullmatch(value) for value in named):
        return finding  # from a pseudonymised findings.json: already under these pseudonyms
    clean = _replacer(pseudonyms.identities(finding.upn, finding.pupil), pseudonyms)
    return finding.model_copy(
        update={
            "upn": pseudonyms.upn(finding.upn) if finding.upn else None,
            "pupil": pseudonyms.pupil(finding.upn or finding.pupil) if finding.pupil else None,
            "summary": clean(finding.summary),
        }
    )


def _known_identities(inspection: Inspection, pseudonyms: Pseudonyms) -> dict[str, str]:
    """Every identity the findings name. A name that is two pupils' maps to neither."""
    known: dict[str, set[str]] = {}

    def add(swaps: dict[str, str]) -> None:
        for text, pseudonym in swaps.items():
            known.setdefault(text, set()).add(pseudonym)

    for finding in inspection.findings:
        add(pseudonyms.identities(finding.upn, finding.pupil))
        for m in _CANDIDATE.finditer(str(finding.evidence.get("candidates") or "")):
            add(pseudonyms.identities(m["upn"], m["name"]))
    for finding in inspection.resolved:
        add(pseudonyms.identities(finding.upn, finding.pupil))
    return {text: next(iter(names)) if len(names) == 1 else _SOME_PUPIL for text, names in known.items()}


def _replacer(swaps: dict[str, str], pseudonyms: Pseudonyms) -> Callable[[str], str]:
    """Replaces each whole text of ``swaps`` (longest first, not inside a longer word), then any
    UPN-shaped text."""
    # Summaries are rendered with runs of spaces made one: a name with two spaces is found too.
    swaps = {**{re.sub(r"\s+", " ", text): pseudonym for text, pseudonym in swaps.items()}, **swaps}
    # Bounded only where the text begins or ends with a letter or digit: a name may start with
    # anything ("'t Hooft", or markup a test plants).
    alternatives = [
        ("(?<!\\w)" if text[0].isalnum() else "") + re.escape(text) + ("(?!\\w)" if text[-1].isalnum() else "")
        for text in sorted(swaps, key=len, reverse=True)
    ]
    pattern = re.compile("|".join(alternatives)) if alternatives else None

    def clean(text: str) -> str:
        if pattern is not None:
            text = pattern.sub(lambda m: swaps[m.group()], text)
        return _UPN.sub(lambda m: pseudonyms.upn(m.group()), text)

    return clean


def _each(value: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {key: _each(item, clean) for key, item in value.items()}
    if isinstance(value, list):
        return [_each(item, clean) for item in value]
    return value
