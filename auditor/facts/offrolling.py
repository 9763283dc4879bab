"""The school's pattern of deletions: one fact for the school (no pupil), for indicators of
off-rolling. Counts and shares only: whether a concentration is worth probing is the rule's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from auditor.facts import Context, fact_kind, school_year_start, senior_year_group, to_records

# The years whose results count: GCSEs for a secondary school, key stage 2 tests for a primary.
EXAM_YEARS = {"11": ("10", "11"), "6": ("6",)}


def third_thursday_of_january(year: int) -> dt.date:
    """The spring (January) school census day."""
    first = dt.date(year, 1, 1)
    return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 14)


@fact_kind("school_deletions")
def school_deletions(context: Context) -> list[dict[str, Any]]:
    """Deletions in the period (less those that end compulsory schooling: the end-of-compulsory-age
    ground, and the senior year group leaving at or after its last term), with: the share of them
    from the exam years against the exam years' share of the roll; the number in the school days
    before each January census in the period against the number an even spread would give; and
    elective home education deletions in the period against the same length of time before it."""
    register = context.register
    start, end = pd.Timestamp(context.period_start), pd.Timestamp(context.as_of)
    grounds = [
        context.regulations.ground(text, day.date()) if pd.notna(day) else None
        for text, day in zip(register["deletion_ground"], register["deletion_date"])
    ]
    tags = pd.Series([g.tags if g else () for g in grounds], index=register.index)
    leaving_age = tags.map(lambda t: "end_of_compulsory_age" in t)
    home_education = tags.map(lambda t: "elective_home_education" in t)

    senior = senior_year_group(context)
    deleted_on = register["deletion_date"]
    term_end_year = school_year_start(deleted_on.fillna(start)) + 1
    term_ends = {y: context.calendar.summer_term_end(int(y))[0] for y in term_end_year.unique()}
    after_final_term = deleted_on >= pd.to_datetime(term_end_year.map(term_ends))
    senior_leaver = register["year_group"].eq(senior) & after_final_term if senior else pd.Series(False, index=register.index)
    in_period = deleted_on.between(start, end)
    counted = in_period & ~leaving_age & ~senior_leaver
    deletions = int(counted.sum())

    exam_years = EXAM_YEARS.get(senior or "", ())
    on_roll_in_period = (register["admission_date"] <= end) & (deleted_on.isna() | (deleted_on >= start))
    roll = register[on_roll_in_period].drop_duplicates("upn", keep="last")
    exam_roll_share = roll["year_group"].isin(exam_years).mean() if len(roll) else 0.0
    exam_deletions = int((counted & register["year_group"].isin(exam_years)).sum())
    exam_share = exam_deletions / deletions if deletions else 0.0

    school_days = context.calendar.school_days_between(context.period_start - dt.timedelta(days=1), context.as_of)
    window_days = int(context.thresholds["census_window_school_days"])
    census_days = [
        census
        for census in (third_thursday_of_january(y) for y in range(context.period_start.year, context.as_of.year + 1))
        if context.period_start <= census <= context.as_of
    ]
    numbers = context.school_day_number(deleted_on[counted])
    census_deletions, census_window_school_days = 0, 0
    for census in census_days:
        census_number = context.school_day_number(pd.Series([pd.Timestamp(census)])).iloc[0]
        census_deletions += int(numbers.between(census_number - window_days + 1, census_number).sum())
        # Only the window's school days inside the period: deletions before it are not counted.
        census_window_school_days += min(window_days, context.calendar.school_days_between(context.period_start - dt.timedelta(days=1), census))
    expected = deletions * census_window_school_days / school_days if school_days else 0.0

    length = end - start
    before = deleted_on.between(start - length, start - pd.Timedelta(days=1))
    ehe_deletions = int((in_period & home_education).sum())
    ehe_before = int((before & home_education).sum())

    fact = {
        "id": "school_deletions:" + context.pack.config.school.urn,
        "period_start": start,
        "period_end": end,
        "senior_year_group": senior,
        "deletions": deletions,
        "exam_years": " and ".join(f"Year {y}" for y in exam_years) or None,
        "exam_year_deletions": exam_deletions,
        "exam_year_deletion_percent": round(100 * exam_share, 1),
        "exam_year_roll_percent": round(100 * exam_roll_share, 1),
        "exam_year_concentration": round(exam_share / exam_roll_share, 2) if exam_roll_share else 0.0,
        "census_days": ", ".join(d.strftime("%d/%m/%Y") for d in census_days) or None,
        "census_window_deletions": census_deletions,
        "census_window_expected": round(expected, 2),
        "census_concentration": round(census_deletions / expected, 2) if expected else 0.0,
        "ehe_deletions": ehe_deletions,
        "ehe_deletions_before": ehe_before,
        "ehe_comparison_from": start - length,
        "ehe_increase": round(ehe_deletions / max(ehe_before, 1), 2),
        "history_covered": bool(register["admission_date"].min() <= start - length),
    }
    return to_records(pd.DataFrame([fact]), "school_deletions")
