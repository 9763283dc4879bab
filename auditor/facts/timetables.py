"""Part-time timetables: from the school's log, and inferred from C2 marks that no log row covers
(so that a school without a log is still checked)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from auditor.facts import Context, fact_ids, fact_kind, one_per_id, returns_about, to_records, with_pupil

_SPAN_DATES = ["start_date", "planned_end_date", "end_date", "last_review_date", "counted_to"]
_SPAN_COLUMNS = ["upn", *_SPAN_DATES, "running", "source", "hours_per_week", "parent_agreed", "c2_sessions"]

# C2 marks further apart than this are taken as separate timetables.
_SEPARATE_EPISODES_SCHOOL_DAYS = 10


@fact_kind("part_time_timetable")
def part_time_timetables(context: Context) -> list[dict[str, Any]]:
    """One fact per timetable running at some time in the period: its span in school days and
    calendar weeks, to its actual end or, while it runs, to the inspection date."""
    as_of = pd.Timestamp(context.as_of)
    logged = _logged(context)
    inferred = _inferred_from_marks(context, logged)
    found = [frame for frame in (logged, inferred) if len(frame)]
    if not found:
        return []
    spans = pd.concat(found, ignore_index=True).reindex(columns=_SPAN_COLUMNS)
    for column in _SPAN_DATES:
        spans[column] = pd.to_datetime(spans[column])
    spans = spans[(spans["counted_to"] >= pd.Timestamp(context.period_start)) & (spans["start_date"] <= as_of)].copy()
    if spans.empty:
        return []

    day_before_start = context.school_day_number(spans["start_date"] - pd.Timedelta(days=1))
    spans["school_days"] = context.school_day_number(spans["counted_to"]) - day_before_start
    spans["calendar_weeks"] = ((spans["counted_to"] - spans["start_date"]).dt.days + 1).div(7).round(1)
    reviewed = spans["last_review_date"].fillna(spans["start_date"])
    spans["school_days_since_review"] = (
        context.school_day_number(pd.Series(as_of, index=spans.index)) - context.school_day_number(reviewed)
    ).where(spans["running"])
    told = returns_about(context, spans, ("part_time",), since="start_date")
    spans["part_time_returns"] = told["count"]

    spans = with_pupil(context, spans)
    spans["id"] = fact_ids(
        "part_time", spans["upn"], spans["start_date"],
        then_by=tuple(spans[c] for c in ("source", "planned_end_date", "end_date", "hours_per_week", "parent_agreed", "last_review_date")),
    )
    spans = one_per_id(spans)  # a timetable logged twice, word for word, is one timetable
    columns = [
        "id", "upn", "pupil", "source", "start_date", "planned_end_date", "end_date", "running", "counted_to",
        "school_days", "calendar_weeks", "hours_per_week", "parent_agreed", "last_review_date",
        "school_days_since_review", "c2_sessions", "part_time_returns",
    ]
    return to_records(spans.reindex(columns=columns), "part_time_timetable")


def _logged(context: Context) -> pd.DataFrame:
    log = context.table("part_time_timetables")
    if log is None or log.empty:
        return pd.DataFrame(columns=["upn", "start_date", "counted_to"])
    as_of = pd.Timestamp(context.as_of)
    spans = log.copy()
    spans["running"] = spans["end_date"].isna() | (spans["end_date"] > as_of)
    spans["counted_to"] = spans["end_date"].where(~spans["running"], as_of)
    spans["source"] = "the school's part-time timetable log"
    spans["parent_agreed"] = spans["parent_agreed"].map({True: "yes", False: "no"}).fillna("not recorded")
    return spans


def _inferred_from_marks(context: Context, logged: pd.DataFrame) -> pd.DataFrame:
    """Timetables shown only by C2 marks: each pupil's C2 marks that no logged timetable covers,
    split where they stop for more than a fortnight of school days."""
    if context.table("attendance") is None:
        return pd.DataFrame(columns=["upn", "start_date", "counted_to"])
    marks = context.marks
    c2 = marks.loc[marks["code"] == "C2", ["upn", "date", "school_day"]]
    if len(logged):
        spans = logged[["upn", "start_date", "counted_to"]].reset_index(drop=True)
        pairs = c2.reset_index().merge(spans, on="upn")
        covered = pairs.loc[pairs["date"].between(pairs["start_date"], pairs["counted_to"]), "index"]
        c2 = c2.drop(index=covered.unique())
    if c2.empty:
        return pd.DataFrame(columns=["upn", "start_date", "counted_to"])
    c2 = c2.sort_values(["upn", "date"])
    gap = c2.groupby("upn")["school_day"].diff()
    episode = (gap.isna() | (gap > _SEPARATE_EPISODES_SCHOOL_DAYS)).cumsum()
    spans = c2.groupby(episode).agg(
        upn=("upn", "first"), start_date=("date", "min"), last_c2=("date", "max"), c2_sessions=("date", "size")
    )
    # Still running when the pupil's latest mark is C2-timetabled.
    spans["running"] = spans["last_c2"].eq(spans["upn"].map(context.last_mark_dates))
    spans["counted_to"] = spans["last_c2"].where(~spans["running"], pd.Timestamp(context.as_of))
    spans["end_date"] = spans["last_c2"].where(~spans["running"])
    spans["source"] = "inferred from C2 marks (no row in the school's log)"
    spans["parent_agreed"] = "not recorded"
    return spans.reset_index(drop=True)
