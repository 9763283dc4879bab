"""Runs of continuous absence, found column-wise over the marks.

A run is a stretch of consecutive school sessions whose marks all qualify (unauthorised codes, or
the lost-pupil codes of the era of each mark). Sessions that are not school sessions (weekends,
holidays, ``#`` closures) are not in the marks at all, so they neither count nor break a run; any
other mark, or a school session with no mark, breaks it. Length is in school days: the sum of the
sessions' weights (a whole day absent is 1, a morning 1/2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from auditor.facts import Context, fact_kind, pupil_label, returns_about, to_records


RUN_COLUMNS = ["upn", "run_start", "run_end", "sessions", "school_days", "codes"]


def find_runs(marks: pd.DataFrame, qualifies: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs of qualifying marks: one row per run (upn, run_start, run_end, sessions, school_days,
    codes: the distinct codes in order of first use), and the run's marks (run, date, cumulative
    school days) for finding the day a run reached a length."""
    chosen = marks[qualifies]
    seq = chosen["session_seq"].to_numpy()
    upn = chosen["upn"].to_numpy()
    starts = np.ones(len(chosen), dtype=bool)
    starts[1:] = (upn[1:] != upn[:-1]) | (seq[1:] != seq[:-1] + 1)
    run = np.cumsum(starts) - 1
    grouped = chosen.assign(run=run).groupby("run", sort=False)
    runs = grouped.agg(
        upn=("upn", "first"),
        run_start=("date", "first"),
        run_end=("date", "last"),
        sessions=("session_seq", "size"),
        school_days=("weight", "sum"),
    )
    runs["codes"] = grouped["code"].unique().map(" ".join) if len(chosen) else pd.Series(dtype=object)
    runs["school_days"] = runs["school_days"].round(1)
    run_marks = pd.DataFrame({"run": run, "date": chosen["date"].to_numpy(), "days": grouped["weight"].cumsum()})
    return runs.reindex(columns=RUN_COLUMNS), run_marks


def day_reached(runs: pd.DataFrame, run_marks: pd.DataFrame, school_days: float) -> pd.Series:
    """For each run, the date on which it reached ``school_days`` (NaT if it never did)."""
    hits = run_marks[run_marks["days"] >= school_days - 1e-9]
    return hits.groupby("run")["date"].first().reindex(runs.index).astype("datetime64[ns]")


@fact_kind("absence_run")
def unauthorised_absence_runs(context: Context) -> list[dict[str, Any]]:
    """Runs of continuous unauthorised absence (G, N, O, U in both eras) that end in the period,
    joined to the absence returns the LA received since each run began."""
    marks = context.marks
    runs, run_marks = find_runs(marks, marks["category"] == "unauthorised")
    runs = runs[runs["run_end"] >= pd.Timestamp(context.period_start)].copy()
    if runs.empty:
        return []
    threshold = float(context.thresholds["absence_return_school_days"])
    allowance = int(context.thresholds["absence_return_allowance_school_days"])
    as_of = pd.Timestamp(context.as_of)

    runs["threshold_reached_on"] = day_reached(runs, run_marks, threshold)
    reached = runs["threshold_reached_on"].notna()
    runs["return_due_by"] = pd.NaT
    runs.loc[reached, "return_due_by"] = [
        pd.Timestamp(context.calendar.add_school_days(day.date(), allowance))
        for day in runs.loc[reached, "threshold_reached_on"]
    ]
    today = context.school_day_number(pd.Series([as_of])).iloc[0]
    threshold_day = context.school_day_number(runs["threshold_reached_on"].fillna(as_of))
    runs["school_days_since_threshold"] = (today - threshold_day).where(reached)

    returned = returns_about(context, runs, ("absence",), since="run_start")
    runs["absence_returns"] = returned["count"]
    runs["first_return_date"] = returned["first_date"]
    has_return = runs["first_return_date"].notna() & reached
    runs["return_school_days_after_threshold"] = (
        context.school_day_number(runs["first_return_date"].fillna(as_of)) - threshold_day
    ).where(has_return)
    runs["ongoing"] = _ongoing(context, runs)

    register = context.register.drop_duplicates("upn", keep="last").set_index("upn")
    runs = runs[runs["upn"].isin(register.index)]
    runs["pupil"] = pupil_label(register.loc[runs["upn"]]).to_numpy()
    runs["id"] = "absence_run:" + runs["upn"] + ":" + runs["run_start"].dt.strftime("%Y-%m-%d")
    columns = [
        "id", "upn", "pupil", "run_start", "run_end", "ongoing", "sessions", "school_days", "codes",
        "threshold_reached_on", "return_due_by", "school_days_since_threshold", "absence_returns",
        "first_return_date", "return_school_days_after_threshold",
    ]
    return to_records(runs[columns], "absence_run")


def _ongoing(context: Context, runs: pd.DataFrame) -> pd.Series:
    """A run is still going when it reaches the pupil's last mark."""
    last = context.marks.groupby("upn")["date"].max()
    return runs["run_end"].eq(runs["upn"].map(last))
