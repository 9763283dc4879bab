"""Register extracts: the weeks of a pupil's attendance register around a run of absence, laid
out the way an officer reads a register (a week per row, AM and PM marks side by side).

Any fact with ISO-date fields ``run_start`` and ``run_end`` gets one on its finding, so the
report shows the marks behind the numbers without going back to the pack.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from auditor.calendar import SchoolCalendar
from auditor.findings import RegisterDay, RegisterExtract, RegisterSession, RegisterWeek

CONTEXT_WEEKS = 1  # weeks shown either side of the run, so its edges can be seen


class RegisterExtractor:
    """Builds extracts from one pack's attendance table (columns upn, date, session, code) and
    its school calendar. The marks are sorted once, when the first extract is asked for; each
    extract then reads only its own weeks."""

    def __init__(self, attendance: pd.DataFrame, calendar: SchoolCalendar, as_of: dt.date) -> None:
        self._attendance = attendance[["upn", "date", "session", "code"]]
        self._sorted: tuple[np.ndarray, ...] | None = None
        self._pupil_codes: dict[str, int] = {}
        # (date, session) -> open, for the days the calendar knows up to the inspection date.
        known = calendar.days.loc[: pd.Timestamp(as_of)]
        self._open = {
            (day, session): bool(flag)
            for session, column in (("AM", "am_open"), ("PM", "pm_open"))
            for day, flag in zip(known.index.date, known[column].to_numpy())
        }
        self._as_of = as_of

    def extract(self, upn: str, run_start: dt.date, run_end: dt.date) -> RegisterExtract:
        first_monday = run_start - dt.timedelta(days=run_start.weekday() + 7 * CONTEXT_WEEKS)
        last_monday = run_end - dt.timedelta(days=run_end.weekday() - 7 * CONTEXT_WEEKS)
        # Never show weeks after the inspection date: nothing after it is judged.
        last_monday = min(last_monday, self._as_of - dt.timedelta(days=self._as_of.weekday()))
        last_monday = max(last_monday, run_end - dt.timedelta(days=run_end.weekday()))

        marks = self._pupil_marks(upn, first_monday, last_monday + dt.timedelta(days=6))
        # Built with model_construct: the values come from validated frames, and validating
        # thousands of small session objects again was most of the cost of a report.
        weeks = []
        for week in range((last_monday - first_monday).days // 7 + 1):
            monday = first_monday + dt.timedelta(weeks=week)
            days = []
            for day in (monday + dt.timedelta(days=offset) for offset in range(5)):
                counted = run_start <= day <= run_end
                sessions = {
                    session: RegisterSession.model_construct(
                        code=marks.get((day, session)),
                        open=self._open.get((day, session)),  # None: outside what the inspection knows
                        counted=counted,
                    )
                    for session in ("AM", "PM")
                }
                days.append(RegisterDay.model_construct(date=day, am=sessions["AM"], pm=sessions["PM"]))
            weeks.append(RegisterWeek.model_construct(week_of=monday, days=days))
        return RegisterExtract(upn=upn, run_start=run_start, run_end=run_end, weeks=weeks)

    def _pupil_marks(self, upn: str, first: dt.date, last: dt.date) -> dict[tuple[dt.date, str], str]:
        """The pupil's marks between two dates: a binary search in the marks sorted once by
        pupil and date, so each extract reads only its own few dozen sessions."""
        if self._sorted is None:
            # Pupils, sessions and codes as category codes (the columns may be text or
            # categorical), sorted with each pupil's marks in date order; a slice's codes are
            # turned back into text only when an extract reads it.
            pupils, sessions, codes = (self._attendance[c].astype("category") for c in ("upn", "session", "code"))
            self._pupil_codes = {upn: code for code, upn in enumerate(pupils.cat.categories)}
            dates = self._attendance["date"].to_numpy().astype("datetime64[D]")
            order = np.lexsort((dates, pupils.cat.codes.to_numpy()))
            self._sorted = (
                pupils.cat.codes.to_numpy()[order],
                dates[order],
                sessions.cat.codes.to_numpy()[order],
                codes.cat.codes.to_numpy()[order],
                sessions.cat.categories.to_numpy(dtype=object),
                codes.cat.categories.to_numpy(dtype=object),
            )
        pupil = self._pupil_codes.get(upn)
        if pupil is None:
            return {}
        pupils, dates, sessions, codes, session_names, code_names = self._sorted
        lo, hi = np.searchsorted(pupils, pupil, "left"), np.searchsorted(pupils, pupil, "right")
        start = lo + np.searchsorted(dates[lo:hi], np.datetime64(first, "D"), "left")
        end = lo + np.searchsorted(dates[lo:hi], np.datetime64(last, "D"), "right")
        return dict(
            zip(
                zip(dates[start:end].tolist(), session_names[sessions[start:end]]),
                code_names[codes[start:end]],
            )
        )
