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


# ---- deletions -------------------------------------------------------------------------------


@fact_kind("deletion")
def deletion_facts(context: Context) -> list[dict[str, Any]]:
    """One fact per deletion in the inspection period, joined to the deletion returns about the
    pupil received since the admission, and to the final-year exemption's dates."""
    register = context.register
    window = register["deletion_date"].between(
        pd.Timestamp(context.period_start), pd.Timestamp(context.as_of)
    )
    deleted = register[window].copy()
    if deleted.empty:
        return []

    returns = matched_returns(context, "deletion")
    joined = deleted[["line", "upn", "admission_date"]].merge(
        returns[["matched_upn", "matched_by", "received_date"]],
        left_on="upn",
        right_on="matched_upn",
        how="inner",
    )
    joined = joined[joined["received_date"] >= joined["admission_date"]]
    first = joined.sort_values("received_date").groupby("line").first()
    counts = joined.groupby("line").size()

    deleted = deleted.set_index("line", drop=False)
    deleted["deletion_returns"] = counts.reindex(deleted.index).fillna(0).astype(int)
    deleted["first_return_date"] = first["received_date"].reindex(deleted.index)
    deleted["return_matched_by"] = first["matched_by"].reindex(deleted.index)
    deleted["return_delay_days"] = (deleted["first_return_date"] - deleted["deletion_date"]).dt.days

    grounds = [context.regulations.ground(text, day.date())
               for text, day in zip(deleted["deletion_ground"], deleted["deletion_date"])]
    deleted["deletion_ground"] = [g.code if g else t for g, t in zip(grounds, deleted["deletion_ground"])]
    deleted["ground_text"] = [_ground_text(g, t) for g, t in zip(grounds, deleted["deletion_ground"])]
    deleted["ground_tags"] = [list(g.tags) if g else [] for g in grounds]

    senior = senior_year_group(context)
    deleted["senior_year_leaver"] = deleted["year_group"].eq(senior) if senior else False
    term_ends = {
        year: context.calendar.summer_term_end(year)
        for year in _academic_year_end(deleted["deletion_date"]).unique()
    }
    deleted["final_term_end"] = pd.to_datetime(_academic_year_end(deleted["deletion_date"]).map(
        lambda year: term_ends[year][0]))
    deleted["days_after_final_term_end"] = (deleted["deletion_date"] - deleted["final_term_end"]).dt.days

    deleted["id"] = "deletion:" + deleted["upn"] + ":" + deleted["deletion_date"].dt.strftime("%Y-%m-%d")
    deleted["pupil"] = pupil_label(deleted)
    columns = [
        "id", "upn", "pupil", "year_group", "admission_date", "deletion_date", "deletion_ground",
        "ground_text", "ground_tags", "deletion_returns", "first_return_date", "return_delay_days",
        "return_matched_by", "senior_year_leaver", "final_term_end", "days_after_final_term_end",
    ]
    return to_records(deleted[columns].reset_index(drop=True), "deletion")


def _academic_year_end(dates: pd.Series) -> pd.Series:
    """The calendar year in which each date's school year ends (September to August)."""
    return dates.dt.year + (dates.dt.month >= 9).astype(int)


def _ground_text(ground, text: str | None) -> str:
    if ground is not None:
        return f"ground {ground.code}: {ground.meaning}"
    if not text:
        return "no ground recorded"
    return f"ground '{text}', which is not a deletion ground in the regulations"
