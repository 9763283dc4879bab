"""Which regulations were in force on a date, their attendance codes and their deletion grounds.

All of it is read from ``rules/regulations.yaml``; this module only answers questions about it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from auditor.resources import read_yaml, rules_dir

CATEGORIES = ("present", "approved_activity", "authorised", "unauthorised", "not_possible", "closure")


@dataclass(frozen=True)
class DeletionGround:
    era: str
    code: str  # canonical, e.g. "9(1)(i)"
    letter: str
    meaning: str
    tags: tuple[str, ...] = ()
    maps_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Era:
    id: str
    title: str
    citation: str
    short: str
    in_force_from: dt.date
    deletion_regulation: str
    code_category: dict[str, str]
    lost_pupil_codes: frozenset[str]
    leave_of_absence_codes: frozenset[str] = frozenset()
    grounds: dict[str, DeletionGround] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.title} ({self.citation})"


@dataclass(frozen=True)
class Regulations:
    eras: tuple[Era, ...]  # oldest first

    def era_on(self, day: dt.date) -> Era:
        """The regulations in force on ``day`` (the oldest era for days before every era)."""
        current = self.eras[0]
        for era in self.eras:
            if era.in_force_from <= day:
                current = era
        return current

    def era(self, era_id: str) -> Era:
        return next(e for e in self.eras if e.id == era_id)

    @property
    def all_codes(self) -> frozenset[str]:
        return frozenset(c for e in self.eras for c in e.code_category)

    def era_ids(self, dates: pd.Series) -> pd.Series:
        """Vectorised ``era_on`` for a datetime64 series."""
        starts = np.array([np.datetime64(era.in_force_from, "ns") for era in self.eras[1:]])
        which = np.searchsorted(starts, dates.to_numpy(dtype="datetime64[ns]"), side="right")
        ids = [era.id for era in self.eras]
        return pd.Series(pd.Categorical.from_codes(which, categories=ids), index=dates.index)

    def categorise(self, codes: pd.Series, era_ids: pd.Series) -> pd.Series:
        """Category of each code under the era of its date. A code that belongs only to another
        era (``C2`` in 2023, ``H`` in 2025) takes its category there; data quality reports it.
        Looked up once per distinct code: a year's marks use a few dozen."""
        codes, era_ids = codes.astype("category"), era_ids.astype("category")
        # The category of every (code, era) pair, in a table indexed by the two category codes.
        table = np.array(
            [[_position(CATEGORIES, self._category(code, era)) for era in era_ids.cat.categories]
             for code in codes.cat.categories],
            dtype=np.int8,
        ).reshape(len(codes.cat.categories), len(era_ids.cat.categories))
        found = table[codes.cat.codes.to_numpy(), era_ids.cat.codes.to_numpy()]
        found[(codes.cat.codes.to_numpy() < 0) | (era_ids.cat.codes.to_numpy() < 0)] = -1
        return pd.Series(pd.Categorical.from_codes(found, categories=CATEGORIES), index=codes.index)

    def _category(self, code: str, era_id: str) -> str | None:
        """A code's category in its own era, else in the latest other era that has it."""
        for era in [self.era(era_id), *reversed(self.eras)]:
            if code in era.code_category:
                return era.code_category[code]
        return None

    def has_code_of(self, marks: pd.DataFrame, code_set: str) -> pd.Series:
        """Whether each mark's code is in the named set (``lost_pupil_codes``,
        ``leave_of_absence_codes``) of the era of its date (the marks' ``era`` column)."""
        result = pd.Series(False, index=marks.index)
        for era in self.eras:
            result |= (marks["era"] == era.id) & marks["code"].isin(getattr(era, code_set))
        return result

    def ground(self, text: str | None, on: dt.date) -> DeletionGround | None:
        """The deletion ground a register's text names, read in the era in force ``on`` the
        deletion date when the text gives only a letter; None when no such ground exists."""
        parsed = parse_ground(text)
        if parsed is None:
            return None
        regulation, letter = parsed
        if regulation is None:
            return self.era_on(on).grounds.get(letter)
        for era in self.eras:
            if era.deletion_regulation == regulation:
                return era.grounds.get(letter)
        return None


_GROUND = re.compile(
    r"""^\s*(?:reg(?:ulation)?\.?|ground)?\s*
        (?:(?P<reg>\d+)\s*[(.\s-]*\s*(?P<para>\d+)\s*[).\s-]*)?
        \(?(?P<letter>[a-z])\)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def parse_ground(text: str | None) -> tuple[str | None, str] | None:
    """``reg 9(1)(i)``, ``9.1.i``, ``9(1)(i)``, ``ground i`` -> ("9(1)", "i"); None if unreadable."""
    if not text or not str(text).strip():
        return None
    match = _GROUND.match(str(text))
    if not match:
        return None
    regulation = f"{match['reg']}({match['para']})" if match["reg"] else None
    return regulation, match["letter"].lower()


def normalise_ground(text: str | None, on: dt.date) -> str | None:
    """Canonical spelling of a deletion ground, e.g. ``9(1)(i)``; None if unreadable."""
    parsed = parse_ground(text)
    if parsed is None:
        return None
    regulation, letter = parsed
    regulation = regulation or regulations().era_on(on).deletion_regulation
    return f"{regulation}({letter})"


@cache
def regulations() -> Regulations:
    raw = read_yaml(rules_dir() / "regulations.yaml")
    eras = []
    for spec in raw["eras"]:
        category = {code: cat for cat in CATEGORIES for code in spec["codes"].get(cat, [])}
        grounds = {
            letter: DeletionGround(
                era=spec["id"],
                code=f"{spec['deletion_regulation']}({letter})",
                letter=letter,
                meaning=g["meaning"],
                tags=tuple(g.get("tags", ())),
                maps_to=tuple(g.get("maps_to", ())),
            )
            for letter, g in spec["deletion_grounds"].items()
        }
        eras.append(
            Era(
                id=spec["id"],
                title=spec["title"],
                citation=spec["citation"],
                short=spec["short"],
                in_force_from=spec["in_force_from"],
                deletion_regulation=spec["deletion_regulation"],
                code_category=category,
                lost_pupil_codes=frozenset(spec["lost_pupil_codes"]),
                leave_of_absence_codes=frozenset(spec.get("leave_of_absence_codes", ())),
                grounds=grounds,
            )
        )
    eras.sort(key=lambda e: e.in_force_from)
    return Regulations(tuple(eras))


def _position(names: tuple[str, ...], name: str | None) -> int:
    """``name``'s position in ``names``; -1 (a missing value, for ``Categorical``) for None."""
    return names.index(name) if name is not None else -1
