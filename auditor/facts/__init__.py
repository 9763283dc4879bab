"""Facts: the small number of derived records the rules reason about, made with vectorised pandas.

A fact carries numbers and dates, never verdicts: whether 20 school days is enough is a rule's
business. Each builder is registered under the fact kind that rules name in their ``fact`` field;
every fact has a unique ``id`` and its ``kind``. Values are JSON: dates as ISO strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from auditor.calendar import SchoolCalendar
from auditor.load import Pack
from auditor.matching import match_to_register
from auditor.regulations import Regulations
from auditor.values import YEAR_GROUPS


@dataclass(frozen=True)
class Context:
    pack: Pack
    calendar: SchoolCalendar
    regulations: Regulations
    as_of: dt.date
    period_start: dt.date

    def table(self, key: str) -> pd.DataFrame | None:
        return self.pack.tables.get(key)

    @property
    def register(self) -> pd.DataFrame:
        return self.pack.tables["admission_register"]


FactBuilder = Callable[[Context], list[dict[str, Any]]]
BUILDERS: dict[str, FactBuilder] = {}


def fact_kind(kind: str) -> Callable[[FactBuilder], FactBuilder]:
    def register(builder: FactBuilder) -> FactBuilder:
        BUILDERS[kind] = builder
        return builder

    return register


def build_facts(kinds: set[str], context: Context) -> dict[str, list[dict[str, Any]]]:
    _register_builders()
    unknown = kinds - set(BUILDERS)
    if unknown:
        raise KeyError(f"no fact builder for: {', '.join(sorted(unknown))}")
    return {kind: BUILDERS[kind](context) for kind in sorted(kinds)}


def to_records(frame: pd.DataFrame, kind: str) -> list[dict[str, Any]]:
    """JSON-ready facts: ISO dates, plain numbers, and no key for a missing value."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    out = out.astype(object).where(out.notna(), None)
    records = []
    for record in out.to_dict("records"):
        fact = {"kind": kind}
        for key, value in record.items():
            if value is None:
                continue
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            fact[key] = value
        records.append(fact)
    return records


def pupil_label(frame: pd.DataFrame) -> pd.Series:
    return frame["surname"].str.strip() + ", " + frame["forename"].str.strip()


def senior_year_group(context: Context) -> str | None:
    configured = context.pack.config.school.senior_year_group
    if configured:
        return configured
    present = set(context.register["year_group"].dropna())
    return next((y for y in reversed(YEAR_GROUPS) if y in present), None)


def matched_returns(context: Context, return_type: str) -> pd.DataFrame:
    """The LA returns of one type, each with the register UPN it concerns."""
    returns = context.table("la_returns")
    if returns is None or returns.empty:
        return pd.DataFrame(columns=["matched_upn", "matched_by", "received_date"])
    returns = returns[returns["return_type"] == return_type]
    return returns.join(match_to_register(returns, context.register))


def _register_builders() -> None:
    """Import the modules whose builders register themselves (one per family of facts)."""
    from auditor.facts import deletions, quality  # noqa: F401
