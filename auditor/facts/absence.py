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

from auditor.facts import (
    Context,
    blocks,
    fact_ids,
    fact_kind,
    join_per_group,
    on_roll,
    pupil_blocks,
    returns_about,
    school_year_start,
    to_records,
    with_pupil,
)

RUN_COLUMNS = ["upn", "run_start", "run_end", "sessions", "school_days", "codes"]


def find_runs(marks: pd.DataFrame, qualifies: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs of qualifying marks (``marks``: a selection of ``Context.marks``, in its order): one
    row per run (upn, run_start, run_end, sessions, school_days, codes: the distinct codes in
    order of first use), and the run's marks (run, date, cumulative school days) for finding the
    day a run reached a length. A run's marks are consecutive rows: no groupby is needed."""
    chosen = marks[qualifies]
    seq = chosen["session_seq"].to_numpy()
    pupils = chosen["upn"].cat.codes.to_numpy()
    begins = np.ones(len(chosen), dtype=bool)
    begins[1:] = (pupils[1:] != pupils[:-1]) | (seq[1:] != seq[:-1] + 1)
    run = np.cumsum(begins) - 1
    starts, ends = blocks(begins)
    dates, weights = chosen["date"].to_numpy(), chosen["weight"].to_numpy()
    # Weights are halves and wholes, so these sums are exact.
    days = np.cumsum(weights)
    runs = pd.DataFrame(
        {
            "upn": chosen["upn"].array[starts],
            "run_start": dates[starts],
            "run_end": dates[ends - 1],
            "sessions": ends - starts,
            "school_days": np.add.reduceat(weights, starts).round(1) if len(starts) else np.array([], dtype=float),
        },
        index=pd.Index(np.arange(len(starts)), name="run"),
    )
    # The distinct codes of each run, in order of first use: one pass over the (run, code) pairs.
    firsts = pd.DataFrame({"run": run, "code": chosen["code"].to_numpy()}).drop_duplicates()
    runs["codes"] = join_per_group(firsts["run"], firsts["code"])
    days_before_run = (days - weights)[starts]
    run_marks = pd.DataFrame({"run": run, "date": dates, "days": days - days_before_run[run]})
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
    runs["return_due_by"] = pd.Series(pd.NaT, index=runs.index, dtype="datetime64[ns]")
    runs.loc[reached, "return_due_by"] = context.calendar.add_school_days_to(
        runs.loc[reached, "threshold_reached_on"], allowance
    )
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

    runs = with_pupil(context, runs)
    runs["id"] = fact_ids("absence_run", runs["upn"], runs["run_start"])
    columns = [
        "id", "upn", "pupil", "run_start", "run_end", "ongoing", "sessions", "school_days", "codes",
        "threshold_reached_on", "return_due_by", "school_days_since_threshold", "absence_returns",
        "first_return_date", "return_school_days_after_threshold",
    ]
    return to_records(runs[columns], "absence_run")


def _ongoing(context: Context, runs: pd.DataFrame) -> pd.Series:
    """A run is still going when it reaches the pupil's last mark."""
    return runs["run_end"].eq(runs["upn"].map(context.last_mark_dates))


def _code_runs(context: Context, code: str, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs of one attendance code that end in the period, with the pupil, and the register
    extract's convention (``run_start``/``run_end``)."""
    marks = context.marks
    runs, run_marks = find_runs(marks, marks["code"] == code)
    keep = runs["run_end"] >= pd.Timestamp(context.period_start)
    runs, run_marks = runs[keep].copy(), run_marks[run_marks["run"].isin(runs.index[keep])]
    runs = with_pupil(context, runs)
    runs["id"] = fact_ids(kind, runs["upn"], runs["run_start"])
    return runs, run_marks


def _school_days_to_inspection(context: Context, dates: pd.Series) -> pd.Series:
    """School days after each date up to and including the inspection date."""
    today = context.school_day_number(pd.Series([pd.Timestamp(context.as_of)])).iloc[0]
    return today - context.school_day_number(dates)


@fact_kind("unexplained_absence")
def unexplained_absence(context: Context) -> list[dict[str, Any]]:
    """Runs of N (absent, reason not yet established) still in the register: the school days
    since the run's first N, up to the inspection."""
    runs, _ = _code_runs(context, "N", "unexplained_absence")
    if runs.empty:
        return []
    runs["school_days_since_first_mark"] = _school_days_to_inspection(context, runs["run_start"])
    allowance = int(context.thresholds["unexplained_absence_resolution_school_days"])
    runs["resolve_by"] = context.calendar.add_school_days_to(runs["run_start"], allowance)
    columns = ["id", "upn", "pupil", "run_start", "run_end", "sessions", "school_days",
               "school_days_since_first_mark", "resolve_by"]
    return to_records(runs[columns], "unexplained_absence")


@fact_kind("exclusion_run")
def exclusion_runs(context: Context) -> list[dict[str, Any]]:
    """Runs of E (suspended or excluded, no alternative provision made) in school days, and the
    day the run reached the day after the policy's limit (the day provision was due)."""
    runs, run_marks = _code_runs(context, "E", "exclusion_run")
    if runs.empty:
        return []
    limit = float(context.thresholds["exclusion_provision_school_days"])
    runs["provision_due_on"] = day_reached(runs, run_marks, limit + 0.5)
    runs["ongoing"] = _ongoing(context, runs)
    columns = ["id", "upn", "pupil", "run_start", "run_end", "ongoing", "sessions", "school_days",
               "provision_due_on"]
    return to_records(runs[columns], "exclusion_run")


# The sickness return came with the 2024 Regulations: illness before them is not counted.
SICKNESS_RETURN_ERA = "2024"


@fact_kind("illness")
def illness(context: Context) -> list[dict[str, Any]]:
    """Per pupil and school year (from 19 August 2024), the school days recorded I (illness),
    cumulative and the longest continuous run, the day the total reached the policy's length,
    and the sickness returns the LA received about the pupil in that school year."""
    marks = context.marks
    ill = marks[(marks["code"] == "I") & (marks["era"] == SICKNESS_RETURN_ERA)].copy()
    ill = ill[ill["date"] >= pd.Timestamp(context.period_start)]
    if ill.empty:
        return []
    ill["school_year"] = school_year_start(ill["date"])
    key = ["upn", "school_year"]
    ill["cumulative"] = ill.groupby(key)["weight"].cumsum()
    threshold = float(context.thresholds["sickness_return_school_days"])
    # The day reached is aggregated with the totals, not grouped from the marks that reached it:
    # grouping an empty selection by the categorical UPN gives an index pandas cannot align.
    ill["reached_on"] = ill["date"].where(ill["cumulative"] >= threshold - 1e-9)

    runs, _ = find_runs(ill, pd.Series(True, index=ill.index))
    runs["school_year"] = school_year_start(runs["run_start"])
    longest = runs.groupby(key)["school_days"].max()

    years = ill.groupby(key).agg(
        illness_school_days=("weight", "sum"),
        illness_sessions=("weight", "size"),
        first_illness_date=("date", "min"),
        last_illness_date=("date", "max"),
        threshold_reached_on=("reached_on", "min"),
    )
    years["illness_school_days"] = years["illness_school_days"].round(1)
    years["longest_illness_run_school_days"] = longest.reindex(years.index)
    years["threshold_reached_on"] = years["threshold_reached_on"].astype("datetime64[ns]")
    years = years.reset_index()
    # Any sickness return about the pupil from the summer before the school year counts.
    years["year_from"] = pd.to_datetime(years["school_year"].astype(str) + "-08-01")
    returned = returns_about(context, years, ("sickness",), since="year_from")
    years["sickness_returns"] = returned["count"]
    years["first_return_date"] = returned["first_date"]
    years["school_year"] = years["school_year"].astype(str) + "/" + (years["school_year"] % 100 + 1).astype(str).str.zfill(2)
    years = with_pupil(context, years)
    years["id"] = fact_ids("illness", years["upn"], years["school_year"])
    columns = ["id", "upn", "pupil", "school_year", "illness_school_days", "illness_sessions",
               "longest_illness_run_school_days", "first_illness_date", "last_illness_date",
               "threshold_reached_on", "sickness_returns", "first_return_date"]
    return to_records(years[columns], "illness")


ATTENDING = ("present", "approved_activity")
POSSIBLE = ("present", "approved_activity", "authorised", "unauthorised")


@fact_kind("attendance_rate")
def attendance_rates(context: Context) -> list[dict[str, Any]]:
    """Per pupil on roll on the inspection date, the possible sessions in the period (present,
    approved activity, authorised and unauthorised absence: not ``not_possible`` codes nor
    closures) and the share of them attended, as percentages."""
    marks = context.marks
    marks = marks[(marks["date"] >= pd.Timestamp(context.period_start)) & marks["category"].isin(POSSIBLE)]
    current = on_roll(context, pd.Timestamp(context.as_of))
    marks = marks[marks["upn"].isin(current["upn"])]
    if marks.empty:
        return []
    # Each pupil's marks are together and in order: per-pupil sums without a groupby.
    starts, ends = pupil_blocks(marks)
    category, dates = marks["category"], marks["date"].to_numpy()
    rates = pd.DataFrame(
        {
            "upn": marks["upn"].array[starts],
            "possible_sessions": ends - starts,
            "attended_sessions": np.add.reduceat(category.isin(ATTENDING).to_numpy(dtype=int), starts),
            "unauthorised_sessions": np.add.reduceat(category.eq("unauthorised").to_numpy(dtype=int), starts),
            "first_mark": dates[starts],
            "last_mark": dates[ends - 1],
        }
    )
    rates["absent_sessions"] = rates["possible_sessions"] - rates["attended_sessions"]
    rates["attendance_percent"] = (100 * rates["attended_sessions"] / rates["possible_sessions"]).round(2)
    rates["absence_percent"] = (100 * rates["absent_sessions"] / rates["possible_sessions"]).round(2)
    rates = with_pupil(context, rates)
    rates["id"] = fact_ids("attendance_rate", rates["upn"])
    columns = ["id", "upn", "pupil", "first_mark", "last_mark", "possible_sessions", "attended_sessions",
               "absent_sessions", "unauthorised_sessions", "attendance_percent", "absence_percent"]
    return to_records(rates[columns], "attendance_rate")
