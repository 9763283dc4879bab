"""Admission facts: one per pupil entered in the admission register in the inspection period,
joined to the new pupil returns the LA holds and to the junior-class exemption's dates."""

from __future__ import annotations

from typing import Any

import pandas as pd

from auditor.facts import (
    Context,
    add_returns_since_admission,
    fact_ids,
    fact_kind,
    junior_year_group,
    one_per_id,
    pupil_label,
    school_year_start,
    to_records,
)


@fact_kind("admission")
def admission_facts(context: Context) -> list[dict[str, Any]]:
    """Each admission in the period: the calendar days since the entry, the new pupil returns
    received since it (the first one's delay in calendar days), whether the pupil is in the
    school's most junior year group, and the school days from the first day of the school year
    to the pupil's starting day (their first agreed day of attendance, else the admission date)."""
    register = context.register
    as_of = pd.Timestamp(context.as_of)
    window = register["admission_date"].between(pd.Timestamp(context.period_start), as_of)
    admitted = register[window].copy()
    if admitted.empty:
        return []
    admitted = admitted.set_index("line", drop=False)

    add_returns_since_admission(context, admitted, "new_pupil", count="new_pupil_returns", event="admission_date")
    admitted["days_since_admission"] = (as_of - admitted["admission_date"]).dt.days

    junior = junior_year_group(context)
    admitted["most_junior_year_group"] = admitted["year_group"].eq(junior) if junior else False
    admitted["starting_day"] = admitted["first_attendance_date"].fillna(admitted["admission_date"])
    years = school_year_start(admitted["starting_day"])
    first_days = {year: context.calendar.school_year_first_day(year) for year in years.unique()}
    admitted["school_year_first_day"] = pd.to_datetime(years.map({y: day for y, (day, _) in first_days.items()}))
    # The calendar knows nothing of that September: the first weekday it does not know closed.
    admitted["school_year_first_day_estimated"] = years.map({y: guess for y, (_, guess) in first_days.items()})
    admitted["school_days_from_year_start"] = context.school_day_number(
        admitted["starting_day"]
    ) - context.school_day_number(admitted["school_year_first_day"])

    admitted["pupil"] = pupil_label(admitted)
    admitted["id"] = fact_ids(
        "admission", admitted["upn"], admitted["admission_date"],
        then_by=tuple(admitted[c] for c in ("first_attendance_date", "year_group", "surname", "forename", "date_of_birth")),
    )
    admitted = one_per_id(admitted)  # a registration entered twice, word for word, is one admission
    columns = [
        "id", "upn", "pupil", "year_group", "admission_date", "starting_day", "days_since_admission",
        "new_pupil_returns", "first_return_date", "return_delay_days", "return_matched_by",
        "most_junior_year_group", "school_year_first_day", "school_year_first_day_estimated",
        "school_days_from_year_start",
    ]
    return to_records(admitted[columns].reset_index(drop=True), "admission")
