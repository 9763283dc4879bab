"""Attendance register grids: a layout told from its headers (long, wide or weekly) and a grid
melted to one row per mark, lines whose marks belong to no pupil or week rejected whole."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from auditor.errors import PackError
from auditor.load.cells import _no_faults
from auditor.load.columns import _header_key
from auditor.load.marks import per_unique
from auditor.values import parse_date_column

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
_DATE_TEXT = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4}|\d{1,2}\.\d{1,2}\.\d{4}"
# "02/09/2024 AM", "Mon 02/09/2024 AM", "2024-09-02 PM", "02/09/2024 (AM)", "02/09/2024_AM.1"
_DATE_SESSION = re.compile(
    rf"^(?:[A-Za-z]{{3,9}}\.?,?\s+)?(?P<date>{_DATE_TEXT})\s*[-_ ]?\s*\(?(?P<session>AM|PM)\)?(?:\.\d+)?$",
    re.IGNORECASE,
)
# "Mon AM", "Monday PM", "Tue_AM", "WedAM"
_DAY_SESSION = re.compile(
    r"^(?P<day>mon|tue|wed|thu|fri)[a-z]*\.?\s*[-_ ]?\s*\(?(?P<session>AM|PM)\)?(?:\.\d+)?$", re.IGNORECASE
)
_WEEK_HEADERS = {"week_commencing", "week_beginning", "week_starting", "week_of", "w_c", "wc", "week", "week_start"}


def detect_layout(headers: list[str]) -> str:
    """wide: a column per date and session; weekly: a week-commencing column and a column per
    weekday session; else long (one row per mark)."""
    if any(_DATE_SESSION.match(str(h).strip()) for h in headers):
        return "wide"
    if _week_column(headers) and any(_DAY_SESSION.match(str(h).strip()) for h in headers):
        return "weekly"
    return "long"


def _week_column(headers: list[str]) -> str | None:
    return next((h for h in headers if _header_key(h) in _WEEK_HEADERS), None)


def melt_grid(
    frame: pd.DataFrame, layout: str, name: str, upn_header: str, faults: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, list]:
    """A register grid melted to one row per mark (line, upn, date text, session, code, column),
    with vectorised pandas; blank cells are not marks. Lines whose marks cannot be placed (no
    UPN, an unreadable week) are rejected whole, once each, and their cells not counted. A mark
    cell with a fault (a formula with no saved value) is a mark, with its ``fault`` as reason."""
    headers = [c for c in frame.columns if c not in ("line", "upn")]
    if layout == "wide":
        found = {h: _DATE_SESSION.match(str(h).strip()) for h in headers}
        columns = pd.DataFrame(
            [(h, m["date"], m["session"].upper(), None) for h, m in found.items() if m],
            columns=["column", "date", "session", "offset"],
        )
        if columns.empty:
            raise PackError(name, "is laid out wide but has no date-and-session columns such as '02/09/2024 AM'")
    else:
        if _week_column(headers) is None:
            raise PackError(name, "is laid out weekly but has no 'Week Commencing' column")
        found = {h: _DAY_SESSION.match(str(h).strip()) for h in headers}
        columns = pd.DataFrame(
            [(h, None, m["session"].upper(), WEEKDAYS.index(m["day"].lower()[:3])) for h, m in found.items() if m],
            columns=["column", "date", "session", "offset"],
        )
        if columns.empty:
            raise PackError(name, "is laid out weekly but has no session columns such as 'Mon AM'")
    columns["position"] = np.arange(len(columns))
    # Every non-blank cell as a mark (line, column, code), before judging the lines.
    cells = frame[["line", *columns["column"]]].melt(id_vars="line", var_name="column", value_name="code")
    cells["code"] = per_unique(cells["code"], lambda u: u.str.strip())
    cells = cells[cells["code"].ne("")]
    faults = _no_faults() if faults is None else faults
    marked = faults[faults["column"].isin(columns["column"])]
    if not marked.empty:
        unread = marked[["line", "column"]].assign(code="", fault="code " + marked["problem"])
        cells = pd.concat([cells.assign(fault=None), unread], ignore_index=True)
    week = _week_column(headers) if layout == "weekly" else None
    line_faults = faults[faults["column"].isin([upn_header, week])].drop_duplicates("line")
    upn_blank = per_unique(frame["upn"], lambda u: u.str.strip()).eq("")
    # A wholly blank line is not a row.
    frame = frame[frame["line"].isin(cells["line"]) | frame["line"].isin(line_faults["line"]) | ~upn_blank]

    # A fault in the UPN (or week) cell rejects its line, as a blank one would, with the fault as reason.
    problem = line_faults["column"].map({upn_header: "upn", week: week}) + " " + line_faults["problem"]
    line_bad = frame["line"].map(dict(zip(line_faults["line"], problem))).astype(object)
    line_bad = line_bad.where(line_bad.notna(), None)
    line_column = pd.Series(upn_header, index=frame.index, dtype=object)
    line_bad = line_bad.mask(line_bad.isna() & upn_blank[frame.index], "no upn: the marks on this line belong to no pupil")
    if layout == "weekly":
        monday, reason = parse_date_column(frame[week].str.strip())
        weekday = monday.dt.day_name()
        line_bad = line_bad.mask(line_bad.isna() & monday.isna(), week + ": " + reason.fillna(""))
        not_monday = line_bad.isna() & monday.notna() & monday.dt.day_of_week.ne(0)
        line_bad = line_bad.mask(not_monday, week + " " + monday.dt.strftime("%d/%m/%Y") + " is a " + weekday + ", not a Monday")
        line_column = line_column.mask(line_bad.notna() & ~upn_blank[frame.index], week)
        frame = frame.assign(_monday=monday)
    bad_lines = line_bad.notna()
    rejects = list(zip(frame.loc[bad_lines, "line"], line_bad[bad_lines], line_column[bad_lines]))

    good = frame[~bad_lines]
    ids = ["line", "upn"] + (["_monday"] if layout == "weekly" else [])
    long = cells.merge(good[ids], on="line").merge(columns, on="column", how="left")
    if layout == "weekly":
        day = long["_monday"] + pd.to_timedelta(long["offset"].astype(int), unit="D")
        long["date"] = day.dt.strftime("%Y-%m-%d")
    long = long.sort_values(["line", "position"], kind="stable", ignore_index=True)
    return long[["line", "upn", "date", "session", "code", "column", *(["fault"] if "fault" in long else [])]], rejects
