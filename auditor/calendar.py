"""Which sessions were school sessions, and school-day arithmetic. Everything that counts days
goes through here: thresholds in the regulations are school days, never calendar days."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from auditor.resources import user_cache

if TYPE_CHECKING:
    from auditor.load import InputSummary

SESSIONS = ("AM", "PM")
_USUAL_SUMMER_BREAK = (7, 22)  # month, day: used only when no calendar covers the summer term


@dataclass(frozen=True)
class SchoolCalendar:
    """One row per calendar day from ``start`` to ``end``, with the AM and PM open flags."""

    days: pd.DataFrame  # index: date (datetime64, every day); columns am_open, pm_open
    source: str  # a sentence for the report: how the calendar was obtained
    # The days it knows from the school's own records (calendar.csv's rows, wherever they fall,
    # and the days inside the attendance extract), with their flags: the rest is estimated.
    known: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"am_open": [], "pm_open": []}, dtype=bool))

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        start: dt.date,
        end: dt.date,
        explicit: pd.DataFrame | None = None,
        attendance: pd.DataFrame | None = None,
        explicit_input: InputSummary | None = None,
    ) -> SchoolCalendar:
        """From ``calendar.csv`` where it covers a day; elsewhere derived: a weekday that is not
        a bank holiday in England and, inside the span of the attendance extract, not a day on
        which no pupil has any mark (holidays the export leaves out). A session in which every
        pupil is marked ``#`` is closed wherever it falls, even on a day calendar.csv lists as
        open. ``explicit_input`` is the summary of the file ``explicit`` was read from (its
        ``file``, ``rows`` and ``rejected``), so that the report can say when none of its rows
        could be used. The calendar starts no later than 1 September of ``start``'s school year,
        so that the first day of that school year is counted like any other day."""
        start = min(start, dt.date(start.year - (start.month < 9), 9, 1))
        index = pd.date_range(start, end, freq="D")
        weekday = index.day_of_week < 5
        given = None
        if explicit is not None and len(explicit):
            # A date listed twice is open only where every row says so (not whichever came last).
            given = explicit[["date", "am_open", "pm_open"]].astype({"am_open": bool, "pm_open": bool})
            given = given.groupby("date").min().sort_index()
        covered = index.isin(given.index) if given is not None else np.zeros(len(index), dtype=bool)
        # Bank holidays matter only on weekdays calendar.csv does not cover.
        not_holiday = ~index.isin(_bank_holidays(start, end)) if (weekday & ~covered).any() else True
        days = pd.DataFrame({"am_open": weekday & not_holiday, "pm_open": weekday & not_holiday}, index=index)
        known = covered.copy()

        notes = ["weekdays that are not bank holidays in England"]
        closed_sessions = pd.DataFrame({"date": pd.DatetimeIndex([]), "session": []})
        if attendance is not None and len(attendance):
            marked_days = pd.DatetimeIndex(attendance["date"].unique())
            extract = (index >= marked_days.min()) & (index <= marked_days.max())
            days.loc[extract & ~index.isin(marked_days), ["am_open", "pm_open"]] = False
            known |= extract
            closed_sessions = _whole_school_closures(attendance)
            notes.append("less whole-school closures (#) and days with no marks in the register")
        if given is not None:
            days.loc[covered] = given.reindex(index[covered]).to_numpy()
        overruled = []
        for session in SESSIONS:
            flag = f"{session.lower()}_open"
            shut = index.isin(closed_sessions.loc[closed_sessions["session"] == session, "date"])
            overruled.append(pd.Series(session, index=index[shut & covered & days[flag].to_numpy()]))
            days.loc[shut, flag] = False

        known_days = days[known]
        if given is not None:  # calendar.csv's days outside the span are known too
            known_days = pd.concat([known_days, given[~given.index.isin(index)]]).sort_index()
        source = _source(given, covered, weekday, notes, explicit_input, explicit is not None, pd.concat(overruled))
        return cls(days, source, known_days)

    # ---- questions -------------------------------------------------------------------------

    @property
    def start(self) -> pd.Timestamp:
        return self.days.index[0]

    @property
    def end(self) -> pd.Timestamp:
        return self.days.index[-1]

    @property
    def _school_day(self) -> np.ndarray:
        return (self.days["am_open"] | self.days["pm_open"]).to_numpy()

    def is_school_day(self, day: dt.date) -> bool:
        return bool(self._school_day[self._position(pd.Series([pd.Timestamp(day)]))[0]])

    def open_sessions(self) -> pd.DataFrame:
        """Every open session in order: date, session, its sequence number among open sessions,
        the school-day number of its date, and its weight in school days (1/2 on a two-session
        day, 1 when only one session of the day was open)."""
        long = self.days.rename(columns={"am_open": "AM", "pm_open": "PM"}).rename_axis("date")
        long = long.reset_index().melt(id_vars="date", var_name="session", value_name="open")
        long = long[long["open"]].sort_values(["date", "session"], ignore_index=True)
        per_day = long.groupby("date")["session"].transform("size")
        return pd.DataFrame(
            {
                "date": long["date"],
                "session": long["session"],
                "session_seq": np.arange(len(long)),
                "school_day": self.school_day_number(long["date"]).to_numpy(),
                "weight": 1.0 / per_day,
            }
        )

    def open_session_numbers(self, dates: pd.Series, sessions: pd.Series) -> np.ndarray:
        """Each (date, session)'s ``session_seq`` in ``open_sessions``; -1 for a closed session or
        a date outside the calendar. Array arithmetic, not a join: it is asked of every mark."""
        flags = self.days[["am_open", "pm_open"]].to_numpy().ravel()  # day by day, AM then PM
        numbers = np.where(flags, np.cumsum(flags) - 1, -1)
        offsets = (dates - self.start).dt.days.to_numpy()
        slots = 2 * offsets + sessions.eq("PM").to_numpy(dtype=int)
        inside = (offsets >= 0) & (offsets < len(self.days))
        return np.where(inside, numbers[np.clip(slots, 0, len(numbers) - 1)], -1)

    def school_day_number(self, dates: pd.Series) -> pd.Series:
        """Count of school days from the calendar's start up to and including each date; past
        the calendar's end (a pupil due to start after the inspection date), continued over
        weekdays, as ``add_school_days`` does."""
        cumulative = np.cumsum(self._school_day)
        numbers = cumulative[self._position(dates)]
        days = pd.to_datetime(dates).to_numpy().astype("datetime64[D]")
        after = days > np.datetime64(self.end.date(), "D")
        if after.any():
            numbers[after] += np.busday_count(np.datetime64(self.end.date(), "D") + 1, days[after] + 1)
        return pd.Series(numbers, index=dates.index)

    def school_days_between(self, after: dt.date, until: dt.date) -> int:
        """School days in (after, until]: 0 when ``until`` is the same school day as ``after``."""
        numbers = self.school_day_number(pd.Series([pd.Timestamp(after), pd.Timestamp(until)]))
        return int(numbers.iloc[1] - numbers.iloc[0])

    def add_school_days(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th school day after ``day`` (for ``count`` >= 1); past the calendar's
        end, continued over weekdays."""
        school_days = self.days.index[self._school_day]
        later = school_days[school_days > pd.Timestamp(day)]
        if count <= len(later):
            return later[count - 1].date()
        extra = count - len(later)
        return (pd.Timestamp(max(self.end, pd.Timestamp(day))) + pd.offsets.BDay(extra)).date()

    def add_school_days_to(self, days: pd.Series, count: int) -> pd.Series:
        """Vectorised ``add_school_days`` for a datetime64 series."""
        school_days = self.days.index[self._school_day]
        position = school_days.searchsorted(pd.DatetimeIndex(days), side="right") + count - 1
        inside = position < len(school_days)
        result = pd.Series(pd.NaT, index=days.index, dtype="datetime64[ns]")
        result[inside] = school_days[position[inside]]
        if not inside.all():
            result[~inside] = [pd.Timestamp(self.add_school_days(d.date(), count)) for d in days[~inside]]
        return result

    def summer_term_end(self, year: int) -> tuple[dt.date, bool]:
        """The last school day of the school year ending in ``year``, and whether it is estimated:
        the last weekday before 1 September that the calendar does not know to be closed. Known
        when that day is a known school day; else estimated, as the last such weekday on or before
        22 July (English schools break up in the second half of July)."""
        weekdays = pd.bdate_range(pd.Timestamp(year, 6, 1), pd.Timestamp(year, 8, 31))[::-1]
        day, estimated = self._first_not_known_closed(weekdays)
        if estimated:
            usual = pd.Timestamp(year, _USUAL_SUMMER_BREAK[0], _USUAL_SUMMER_BREAK[1])
            day, _ = self._first_not_known_closed(weekdays[weekdays <= usual])
        return day.date(), estimated

    def school_year_first_day(self, year: int) -> tuple[dt.date, bool]:
        """The first school day of the school year starting in ``year``, and whether it is
        estimated: the first weekday from 1 September that the calendar does not know to be
        closed (INSET days before the pupils' first day are closed). Known when that day is a
        known school day; estimated when the calendar knows nothing of it."""
        weekdays = pd.bdate_range(pd.Timestamp(year, 9, 1), pd.Timestamp(year, 10, 31))
        day, estimated = self._first_not_known_closed(weekdays)
        return day.date(), estimated

    def _first_not_known_closed(self, weekdays: pd.DatetimeIndex) -> tuple[pd.Timestamp, bool]:
        """The first of ``weekdays`` that is not known to be closed, and whether it is unknown
        (then it is an estimate); the first of them when the calendar knows all to be closed."""
        is_known = weekdays.isin(self.known.index)
        flags = self.known.reindex(weekdays, fill_value=False)
        is_open = (flags["am_open"] | flags["pm_open"]).to_numpy(dtype=bool)
        candidates = np.flatnonzero(~is_known | is_open)
        if not len(candidates):
            return weekdays[0], True
        return weekdays[candidates[0]], not is_known[candidates[0]]

    def _position(self, dates: pd.Series) -> np.ndarray:
        offsets = (pd.to_datetime(dates) - self.start).dt.days.to_numpy()
        return np.clip(offsets, 0, len(self.days) - 1)


def _bank_holidays(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """England's bank holidays from ``start``'s year to ``end``'s, from the ``holidays`` library.
    Importing it loads every country's calendar (a fifth of a second), so the dates it gives are
    kept in the user's cache, one file per span of years and library version."""
    years = range(start.year, end.year + 1)
    cached = _bank_holiday_cache(years)
    if cached is not None:
        try:
            return pd.DatetimeIndex(json.loads(cached.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):  # not there yet, or damaged
            pass
    import holidays

    found = [day.isoformat() for day in sorted(holidays.country_holidays("GB", subdiv="ENG", years=years))]
    if cached is not None:
        try:  # written whole, then renamed, so that a school inspected alongside never reads half a file
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.partial")
            partial.write_text(json.dumps(found), encoding="utf-8")
            os.replace(partial, cached)
        except OSError:  # not writable: the dates are looked up again next time
            pass
    return pd.DatetimeIndex(found)


def _bank_holiday_cache(years: range) -> Path | None:
    from importlib.metadata import version

    folder = user_cache("bank-holidays")
    return folder / f"england-{years.start}-{years.stop - 1}-holidays-{version('holidays')}.json" if folder else None


def _whole_school_closures(attendance: pd.DataFrame) -> pd.DataFrame:
    """Sessions in which every pupil's mark is ``#``."""
    all_closed = attendance["code"].eq("#").groupby([attendance["date"], attendance["session"]]).all()
    return all_closed[all_closed].reset_index()[["date", "session"]]


def _source(
    given: pd.DataFrame | None,
    covered: np.ndarray,
    weekday: np.ndarray,
    notes: list[str],
    explicit_input: InputSummary | None,
    present: bool,
    overruled: pd.Series,
) -> str:
    """The report's sentence on how the calendar was obtained."""
    name = explicit_input.file if explicit_input else "calendar.csv"
    derived = ", ".join(notes)
    if given is None:
        if explicit_input is None and not present:
            return f"derived (no {name}): {derived}"
        if explicit_input and explicit_input.rows == 0:
            return f"{name} was present but has no rows; derived: {derived}"
        counted = f" ({explicit_input.rejected} of {explicit_input.rows} rejected)" if explicit_input else ""
        return f"{name} was present but no row could be used{counted}; derived: {derived}"
    source = name
    if explicit_input and explicit_input.rejected:
        source += f" ({explicit_input.rejected} of {explicit_input.rows} rows rejected)"
    if not covered[weekday].all():  # weekends it leaves out are closed either way
        first, last = given.index.min(), given.index.max()
        source += f" for {first:%d/%m/%Y}–{last:%d/%m/%Y}; other days derived: {derived}"
    if len(overruled):
        by_day = overruled.sort_values().groupby(level=0).agg(", ".join).sort_index()
        listed = "; ".join(f"{day:%d/%m/%Y} {sessions}" for day, sessions in by_day.items())
        sessions = "session" if len(overruled) == 1 else "sessions"
        verb = "it lists as open was" if len(overruled) == 1 else "it lists as open were"
        source += f"; {len(overruled)} {sessions} {verb} closed to every pupil (#) in the register: {listed}"
    return source
