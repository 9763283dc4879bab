"""Deletion facts: one per deletion from the admission register in the inspection period."""

from __future__ import annotations

from typing import Any

import pandas as pd

from auditor.facts import Context, fact_kind, matched_returns, pupil_label, senior_year_group, to_records


@fact_kind("deletion")
def deletion_facts(context: Context) -> list[dict[str, Any]]:
    """One fact per deletion in the inspection period, joined to the deletion returns about the
    pupil received since the admission, and to the final-year exemption's dates."""
    register = context.register
    window = register["deletion_date"].between(pd.Timestamp(context.period_start), pd.Timestamp(context.as_of))
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
    deleted["first_return_date"] = pd.to_datetime(first["received_date"].reindex(deleted.index))
    deleted["return_matched_by"] = first["matched_by"].reindex(deleted.index)
    deleted["return_delay_days"] = (deleted["first_return_date"] - deleted["deletion_date"]).dt.days

    grounds = [
        context.regulations.ground(text, day.date())
        for text, day in zip(deleted["deletion_ground"], deleted["deletion_date"])
    ]
    deleted["deletion_ground"] = [g.code if g else t for g, t in zip(grounds, deleted["deletion_ground"])]
    deleted["ground_text"] = [_ground_text(g, t) for g, t in zip(grounds, deleted["deletion_ground"])]
    deleted["ground_tags"] = [list(g.tags) if g else [] for g in grounds]

    senior = senior_year_group(context)
    deleted["senior_year_leaver"] = deleted["year_group"].eq(senior) if senior else False
    term_ends = {
        year: context.calendar.summer_term_end(year) for year in _academic_year_end(deleted["deletion_date"]).unique()
    }
    deleted["final_term_end"] = pd.to_datetime(
        _academic_year_end(deleted["deletion_date"]).map(lambda year: term_ends[year][0])
    )
    deleted["days_after_final_term_end"] = (deleted["deletion_date"] - deleted["final_term_end"]).dt.days

    deleted["id"] = "deletion:" + deleted["upn"] + ":" + deleted["deletion_date"].dt.strftime("%Y-%m-%d")
    deleted["pupil"] = pupil_label(deleted)
    columns = [
        "id",
        "upn",
        "pupil",
        "year_group",
        "admission_date",
        "deletion_date",
        "deletion_ground",
        "ground_text",
        "ground_tags",
        "deletion_returns",
        "first_return_date",
        "return_delay_days",
        "return_matched_by",
        "senior_year_leaver",
        "final_term_end",
        "days_after_final_term_end",
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
