"""Which sessions were school sessions, and school-day arithmetic. Everything that counts days
goes through here: thresholds in the regulations are school days, never calendar days."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from auditor.resources import user_cache

SESSIONS = ("AM", "PM")
_USUAL_SUMMER_BREAK = (7, 22)  # month, day: used only when no calendar covers the summer term


@dataclass(frozen=True)
class SchoolCalendar:
    """One row per calendar day from ``start`` to ``end``, with the AM and PM open flags."""

    days: pd.DataFrame  # index: date (datetime64, every day); columns am_open, pm_open
    source: str  # a sentence for the report: how the calendar was obtained
    explicit_days: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        start: dt.date,
        end: dt.date,
        explicit: pd.DataFrame | None = None,
        attendance: pd.DataFrame | None = None,
    ) -> SchoolCalendar:
        """From ``calendar.csv`` where it covers a day; elsewhere derived: a weekday that is not
        a bank holiday in England, less whole-school closures (``#``) and, inside the span of the
        attendance extract, days on which no pupil has any mark (holidays the export leaves out)."""
        index = pd.date_range(start, end, freq="D")
        weekday = index.day_of_week < 5
        given = None
        if explicit is not None and len(explicit):
            given = explicit.set_index("date")[["am_open", "pm_open"]].astype(bool)
            given = given[~given.index.duplicated(keep="last")]
        # Bank holidays matter only on weekdays calendar.csv does not cover.
        uncovered = weekday & ~index.isin(given.index if given is not None else [])
        not_holiday = ~index.isin(_bank_holidays(start, end)) if uncovered.any() else True
        derived = pd.DataFrame({"am_open": weekday & not_holiday, "pm_open": weekday & not_holiday}, index=index)

        notes = ["weekdays that are not bank holidays in England"]
        if attendance is not None and len(attendance):
            closed = _whole_school_closures(attendance)
            for session in SESSIONS:
                flag = f"{session.lower()}_open"
                shut = index.isin(closed.loc[closed["session"] == session, "date"])
                derived[flag] &= ~shut
            marked_days = pd.DatetimeIndex(attendance["date"].unique())
            span = (index >= marked_days.min()) & (index <= marked_days.max())
            unmarked = span & ~index.isin(marked_days)
            derived.loc[unmarked, ["am_open", "pm_open"]] = False
            notes.append("less whole-school closures (#) and days with no marks in the register")

        if given is not None:
            covered = index.isin(given.index)
            days = derived.copy()
            days.loc[covered] = given.reindex(index[covered]).to_numpy()
            first, last = given.index.min(), given.index.max()
            if covered.all():
                source = "calendar.csv"
            else:
                source = f"calendar.csv for {first:%d/%m/%Y}–{last:%d/%m/%Y}; other days derived: " + ", ".join(notes)
            return cls(days, source, pd.DatetimeIndex(index[covered]))
        return cls(derived, "derived (no calendar.csv): " + ", ".join(notes))

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
        """Count of school days from the calendar's start up to and including each date."""
        cumulative = np.cumsum(self._school_day)
        return pd.Series(cumulative[self._position(dates)], index=dates.index)

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
        from calendar.csv where it covers that July, else the last weekday on or before 22 July
        (English schools break up in the second half of July)."""
        window = (self.explicit_days >= pd.Timestamp(year, 7, 1)) & (self.explicit_days <= pd.Timestamp(year, 8, 31))
        if window.any():
            covered = self.days.loc[self.explicit_days[window]]
            open_days = covered.index[(covered["am_open"] | covered["pm_open"]).to_numpy()]
            if len(open_days):
                return open_days.max().date(), False
        estimate = pd.Timestamp(year, _USUAL_SUMMER_BREAK[0], _USUAL_SUMMER_BREAK[1])
        while estimate.day_of_week >= 5:
            estimate -= pd.Timedelta(days=1)
        return estimate.date(), True

    def school_year_first_day(self, year: int) -> tuple[dt.date, bool]:
        """The first school day of the school year starting in ``year`` (on or after 1 September),
        and whether it is estimated: from the calendar where it covers that September, else the
        first weekday on or after 1 September."""
        september = pd.Timestamp(year, 9, 1)
        if self.start <= september <= self.end:
            window = self.days.loc[september : september + pd.Timedelta(days=30)]
            open_days = window.index[(window["am_open"] | window["pm_open"]).to_numpy()]
            if len(open_days):
                return open_days.min().date(), False
        estimate = september
        while estimate.day_of_week >= 5:
            estimate += pd.Timedelta(days=1)
        return estimate.date(), True

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
