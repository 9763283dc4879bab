"""Places the local authority allocated to the school, matched to the admission register and to
the pupil's first attendance."""

from __future__ import annotations

from typing import Any

import pandas as pd

from auditor.facts import Context, fact_ids, fact_kind, join_marks, one_per_id, pupil_label, to_records
from auditor.matching import match_to_register, person_keys, same_person_pairs

ATTENDING = ("present", "approved_activity")


@fact_kind("allocation")
def allocation_facts(context: Context) -> list[dict[str, Any]]:
    """One fact per allocation whose expected start has come: whether the pupil is on roll (and
    how the match was made), when they first attended, and the no-show returns the LA holds."""
    as_of = pd.Timestamp(context.as_of)
    allocations = context.table("allocations")
    due = allocations[allocations["expected_start_date"] <= as_of].copy()
    if due.empty:
        return []
    due = due.join(match_to_register(due, context.register))
    due["on_roll"] = due["matched_upn"].notna()
    due["upn"] = due["matched_upn"].fillna(due["upn"])
    registered = context.register.sort_values("admission_date").drop_duplicates("upn", keep="last").set_index("upn")
    due["admission_date"] = registered["admission_date"].reindex(due["matched_upn"]).to_numpy()

    day_before_start = context.school_day_number(due["expected_start_date"] - pd.Timedelta(days=1))
    due["school_days_since_expected_start"] = context.school_day_number(pd.Series(as_of, index=due.index)) - day_before_start
    due["attendance_known"] = context.table("attendance") is not None
    if due["attendance_known"].all():
        marks = context.marks
        attended = marks[marks["category"].isin(ATTENDING)][["upn", "date"]]
        expected = due[["matched_upn", "expected_start_date"]].reset_index().rename(columns={"matched_upn": "upn"})
        firsts = join_marks(attended, expected.dropna(subset=["upn"]))
        firsts = firsts[firsts["date"] >= firsts["expected_start_date"]].groupby("index")["date"].min()
        due["first_attended_on"] = pd.to_datetime(firsts.reindex(due.index))
        due["attended"] = due["first_attended_on"].notna()
        due["school_days_to_first_attendance"] = (
            context.school_day_number(due["first_attended_on"].fillna(as_of)) - day_before_start
        ).where(due["attended"])

    returns = context.table("la_returns")
    due["returns_known"] = returns is not None
    no_show = _no_show_returns(due, returns)
    due["no_show_returns"] = no_show["count"]
    due["first_no_show_return_date"] = no_show["first_date"]

    due["pupil"] = pupil_label(due)
    due["id"] = fact_ids(
        "allocation", person_keys(due), due["expected_start_date"], then_by=(due["upn"], due["allocated_on"])
    )
    due = one_per_id(due)  # a place listed twice, word for word, is one allocation
    columns = [
        "id", "upn", "pupil", "date_of_birth", "allocated_on", "expected_start_date", "on_roll", "matched_by",
        "admission_date", "attendance_known", "attended", "first_attended_on", "school_days_to_first_attendance",
        "school_days_since_expected_start", "returns_known", "no_show_returns", "first_no_show_return_date",
    ]
    return to_records(due.reindex(columns=columns), "allocation")


def _no_show_returns(due: pd.DataFrame, returns: pd.DataFrame | None) -> pd.DataFrame:
    """No-show returns about each allocated child since the allocation, matched to the allocation
    itself: a child who never arrived is in no register to match against."""
    counts = pd.DataFrame({"count": 0, "first_date": pd.NaT}, index=due.index)
    if returns is None or returns.empty:
        return counts
    no_show = returns[returns["return_type"] == "no_show"]
    pairs = same_person_pairs(due, no_show)
    pairs["received_date"] = no_show["received_date"].reindex(pairs["right"]).to_numpy()
    pairs = pairs[pairs["received_date"].to_numpy() >= due["allocated_on"].reindex(pairs["left"]).to_numpy()]
    counts["count"] = pairs.groupby("left").size().reindex(due.index).fillna(0).astype(int)
    counts["first_date"] = pd.to_datetime(pairs.groupby("left")["received_date"].min().reindex(due.index))
    return counts
