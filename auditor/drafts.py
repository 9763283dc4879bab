"""Draft policies: a local policy being written, as data.

A ``Draft`` starts from a bundled policy and holds only the thresholds it changes, each as values
with the date from which each holds (the policy files' ``values = { 2016-09-01 = 5 }``). It is
checked against the thresholds the rules use (``make_draft``: one message for each problem,
naming the threshold) and written as a policy file of the same format as ``rules/policies/``
(``Draft.to_toml``), which ``load_policy`` and ``register-audit inspect --policy`` read. A draft is
data: numbers, dates and plain text, never evaluated, and written by tomlkit, which quotes and
escapes every string, so that no title can add a key to the file.

``compare`` tells what a policy changes in an inspection: the findings added, removed and
changed in severity, by their stable finding ids (``register-audit policy diff``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import tomlkit

from auditor.findings import Finding
from auditor.inspection import Inspection
from auditor.policy import MAXIMUM, Policy, Threshold, bundled_policies, load_policy, threshold_names
from auditor.rules import load_rules
from auditor.values import parse_date

# Units that count whole things: a threshold in any of them is a whole number.
WHOLE_UNITS = frozenset({"school days", "days", "sessions", "deletions"})
MAX_VALUES = 10  # dated values of one threshold in a draft: a policy changes a few times a decade
MAX_TITLE = 200
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)  # the dates a value may hold from
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?")
_NUMBER = re.compile(r"\d{1,6}(?:\.\d{1,6})?")  # what a person types for a number: 5, 12.5


@cache
def threshold_rules() -> dict[str, tuple[str, ...]]:
    """Each threshold the rules use, with the codes of the rules that use it (their ``uses``,
    as ``register-audit explain`` lists them)."""
    using: dict[str, list[str]] = {}
    for rule in load_rules():
        for name in rule.uses:
            using.setdefault(name, []).append(rule.code)
    return {name: tuple(codes) for name, codes in sorted(using.items())}


def rules_using(names: Iterable[str]) -> tuple[str, ...]:
    """The codes of the rules that use any of the thresholds ``names``, in order."""
    return tuple(sorted({code for name in names for code in threshold_rules().get(name, ())}))


@dataclass(frozen=True)
class Problem:
    where: str  # "name", "title", "base", "thresholds", or the threshold's name
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class DraftError(ValueError):
    """A draft that cannot be made, with every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class Draft:
    name: str
    title: str
    base: str  # the bundled policy it extends
    changes: Mapping[str, Mapping[dt.date, int | float]]  # threshold -> {from date: value}, dates in order

    @property
    def rule_codes(self) -> tuple[str, ...]:
        """The rules whose findings the draft can change: those that use a threshold it changes."""
        return rules_using(self.changes)

    def thresholds(self) -> dict[str, Threshold]:
        """The thresholds the draft changes, as its policy file holds them. Each keeps the base's
        values from before the draft's first date, so that an inspection of an earlier day is
        judged as the base judges it (a threshold's values replace the base's whole)."""
        base = load_policy(self.base)
        made = {}
        for name, values in self.changes.items():
            inherited = base.thresholds[name]
            first = min(values)
            kept = {day: value for day, value in inherited.values.items() if day < first}
            made[name] = Threshold(
                description=inherited.description,
                unit=inherited.unit,
                source=f"Draft policy {self.name} (not adopted), changing {self.base}; "
                f"{self.base}: {inherited.source}",
                values={**kept, **values},
            )
        return made

    def policy(self) -> Policy:
        """The draft as the loaded policy an inspection runs under (as ``load_policy`` reads its file)."""
        base = load_policy(self.base)
        return Policy(
            name=self.name,
            title=self.title,
            thresholds={**base.thresholds, **self.thresholds()},
            chain=[self.name, *base.chain],
        )

    def to_toml(self) -> str:
        """The draft as a policy file: it extends its base and holds only what it changes."""
        document = tomlkit.document()
        document.add(tomlkit.comment(f"A draft policy: {self.base} with the thresholds below changed."))
        document.add(tomlkit.comment("Not adopted: written to see what it would change (register-audit policy diff)."))
        document.add(tomlkit.nl())
        document["name"] = self.name
        document["title"] = self.title
        document["extends"] = self.base
        _add_thresholds(document, self.thresholds())
        return tomlkit.dumps(document)


def make_draft(base: str, name: str, title: str, changes: object) -> Draft:
    """A draft from what a person gave: ``changes`` maps each threshold to change to its values,
    ``{from date: value}``, a date as ``dd/mm/yyyy`` or ``yyyy-mm-dd`` (or a date), a value a
    number or its digits. Raises ``DraftError`` with every problem found."""
    problems: list[Problem] = []
    if not isinstance(base, str) or base not in bundled_policies():
        problems.append(Problem("base", f"{_shown(base)} is not a bundled policy ({', '.join(bundled_policies())})"))
    name = _plain(name, "name", problems)
    if name is not None and not _NAME.fullmatch(name):
        problems.append(
            Problem("name", f"{_shown(name)} must be 1 to 60 lower-case letters, digits and hyphens (as stricter-local)")
        )
    elif name is not None and name in bundled_policies():
        problems.append(Problem("name", f"{name} is the name of a bundled policy: give the draft a name of its own"))
    title = _plain(title, "title", problems)
    checked: dict[str, dict[dt.date, int | float]] = {}
    if not isinstance(changes, Mapping):
        problems.append(Problem("thresholds", "must map each threshold to its values"))
    elif not changes:
        problems.append(Problem("thresholds", "the draft changes no threshold: change at least one"))
    else:
        units = {n: t.unit for n, t in load_policy("statutory").thresholds.items()}
        for threshold, values in changes.items():
            if not isinstance(threshold, str) or threshold not in threshold_names():
                problems.append(Problem(_shown(threshold, quote=False), _unknown(threshold)))
                continue
            found = _values(threshold, values, units[threshold], problems)
            if found:
                checked[threshold] = dict(sorted(found.items()))
    if problems:
        raise DraftError(problems)
    return Draft(name=name, title=title, base=base, changes=checked)


def _values(threshold: str, values: object, unit: str, problems: list[Problem]) -> dict[dt.date, int | float]:
    def problem(message: str) -> None:
        problems.append(Problem(threshold, message))

    if not isinstance(values, Mapping) or not values:
        problem("give each value with the date from which it holds")
        return {}
    if len(values) > MAX_VALUES:
        problem(f"{len(values)} dated values: a draft holds at most {MAX_VALUES} for a threshold")
        return {}
    found = {}
    for start, value in values.items():
        day, amount = _day(start), _amount(value, unit)
        if isinstance(day, str):
            problem(day)
        if isinstance(amount, str):
            problem(f"{_shown(value)} {amount}")
        if not isinstance(day, str) and not isinstance(amount, str):
            if day in found:
                problem(f"two values from {day:%d/%m/%Y}")
            found[day] = amount
    return found if len(found) == len(values) else {}


def _day(value: object) -> dt.date | str:
    """The date a value holds from, or what is wrong with it."""
    wrong = f"the date {_shown(value)} is not a date in the form dd/mm/yyyy"
    if isinstance(value, dt.datetime) or not isinstance(value, str | dt.date):
        return wrong
    if isinstance(value, str) and (len(value) > 20 or not re.search(r"[-/.]", value)):
        return wrong  # nor a spreadsheet's date serial, here
    try:
        day = parse_date(value)
    except ValueError as err:
        return f"the {err}" if str(err).startswith("date ") else wrong
    if not EARLIEST <= day <= LATEST:
        return f"the date {day:%d/%m/%Y} is out of range: a value holds from {EARLIEST:%d/%m/%Y} to {LATEST:%d/%m/%Y}"
    return day


def _amount(value: object, unit: str) -> int | float | str:
    """The value as a number in ``unit``, or what is wrong with it."""
    what = f"a number of {unit}" if unit not in ("percent", "ratio") else f"a {unit}"
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("-") and _NUMBER.fullmatch(text[1:]):
            return f"is negative: {what} is 0 or more"
        if not _NUMBER.fullmatch(text):
            return f"is not {what}"
        value = float(text) if "." in text else int(text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"is not {what}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"is not {what}"
    if value < 0:
        return f"is negative: {what} is 0 or more"
    limit = 100 if unit == "percent" else MAXIMUM
    if value > limit:
        return f"is too large: {what} is at most {limit:,}"
    if unit in WHOLE_UNITS:
        if value != int(value):
            return f"is not a whole number of {unit}"
        return int(value)
    return int(value) if value == int(value) else float(value)


def _plain(value: object, where: str, problems: list[Problem]) -> str | None:
    """``value`` as one line of plain text, or None with the problem noted."""
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(where, "give it as text"))
        return None
    value = value.strip()
    if len(value) > MAX_TITLE:
        problems.append(Problem(where, f"is {len(value):,} characters long: at most {MAX_TITLE}"))
        return None
    if any(unicodedata.category(c).startswith("C") for c in value):  # controls, line breaks, bidi overrides
        problems.append(Problem(where, "must be one line of plain text (no control characters or line breaks)"))
        return None
    return value


def _unknown(name: object) -> str:
    nearest = difflib.get_close_matches(name, threshold_names(), n=1) if isinstance(name, str) else []
    hint = f" (did you mean {nearest[0]}?)" if nearest else ""
    return f"no rule uses a threshold {_shown(name)}{hint}"


def _shown(value: object, quote: bool = True, limit: int = 60) -> str:
    text = repr(value) if quote else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def policy_toml(policy: Policy) -> str:
    """A loaded policy written whole, as a policy file that extends nothing (every threshold)."""
    document = tomlkit.document()
    document["name"] = policy.name
    document["title"] = policy.title
    _add_thresholds(document, policy.thresholds)
    return tomlkit.dumps(document)


def _add_thresholds(document: tomlkit.TOMLDocument, thresholds: Mapping[str, Threshold]) -> None:
    tables = tomlkit.table(is_super_table=True)
    for name, threshold in thresholds.items():
        table = tomlkit.table()
        table["description"] = threshold.description
        table["unit"] = threshold.unit
        table["source"] = threshold.source
        values = tomlkit.inline_table()
        for day, value in sorted(threshold.values.items()):
            values[day.isoformat()] = value
        table["values"] = values
        tables[name] = table
    document.add(tomlkit.nl())
    document["thresholds"] = tables


# ---- what a policy changes in an inspection ----------------------------------------------------


@dataclass(frozen=True)
class SeverityChange:
    before: Finding
    after: Finding


@dataclass(frozen=True)
class FindingsChange:
    """The findings of one pack under two policies, by stable finding id."""

    added: list[Finding]  # raised only after
    removed: list[Finding]  # raised only before
    changed: list[SeverityChange]  # raised by both, in another severity

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def counts(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed in severity"
        )


def compare(before: Inspection, after: Inspection) -> FindingsChange:
    """What changes from the findings of ``before`` to those of ``after`` (the same pack under
    two policies), each list in the order of the inspection it comes from."""
    earlier = {f.id: f for f in before.findings}
    later = {f.id: f for f in after.findings}
    return FindingsChange(
        added=[f for f in after.findings if f.id not in earlier],
        removed=[f for f in before.findings if f.id not in later],
        changed=[
            SeverityChange(earlier[f.id], f)
            for f in after.findings
            if f.id in earlier and earlier[f.id].severity != f.severity
        ],
    )
