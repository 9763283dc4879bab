"""Attendance marks, one per row, validated column-wise (pupil, date, session, code, a second mark
for a session), vectorised for a million marks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditor.regulations import regulations
from auditor.values import parse_date_column

SESSIONS = ("AM", "PM")


def per_unique(values: pd.Series, transform) -> pd.Series:
    """``transform`` (of a Series of text) applied once per distinct value: a school year's half
    million marks hold a few hundred distinct dates, codes and UPNs. The result is categorical,
    so that later comparisons and groupings work on small integer codes, not half a million
    strings."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    done = transform(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
    # Two values may become one ("a" and "A " both "A"): number the results afresh.
    renumbered, categories = pd.factorize(done, use_na_sentinel=False)
    return pd.Series(pd.Categorical.from_codes(renumbered[codes], categories=categories), index=values.index)


def _repeated_marks(upn: pd.Series, date: pd.Series, session: pd.Series) -> pd.Series:
    """Marks for a pupil and session already marked, each (pupil, day, session) as one integer:
    UPN and session are categorical, so hashing integers replaces hashing rows of three values."""
    if upn.empty:
        return pd.Series(False, index=upn.index)
    day = date.to_numpy().astype("datetime64[D]").astype(np.int64)
    day -= day.min()
    sessions = len(session.cat.categories)
    key = (upn.cat.codes.to_numpy().astype(np.int64) * (int(day.max()) + 1) + day) * sessions + session.cat.codes.to_numpy()
    return pd.Series(key, index=upn.index).duplicated(keep="first")


def _validate_attendance(frame: pd.DataFrame, original: dict[str, str]) -> tuple[pd.DataFrame, list]:
    """Column-wise checks of the marks, each mark's first failure as its reason, with the column
    at fault (a grid's cell header, else the file's header for that column)."""
    regs = regulations()
    upn = per_unique(frame["upn"], lambda u: u.str.strip().str.upper())
    session = per_unique(frame["session"], lambda u: u.str.strip().str.upper())
    code = per_unique(frame["code"], lambda u: u.str.strip().str.upper())
    date, date_reason = parse_date_column(per_unique(frame["date"], lambda u: u.str.strip()))
    cell = frame["column"] if "column" in frame else None

    reason = pd.Series(None, index=frame.index, dtype=object)
    where = pd.Series(None, index=frame.index, dtype=object)
    failed = np.zeros(len(frame), dtype=bool)

    def fail(mask: pd.Series, message, column: str) -> None:
        """Give the rows of ``mask`` not yet failed the reason ``message(rows)``."""
        nonlocal reason, where
        new = ~failed & mask.to_numpy(dtype=bool)
        if not new.any():
            return
        failed[new] = True
        new = pd.Series(new, index=frame.index)
        reason = reason.mask(new, message(new) if callable(message) else message)
        where = where.mask(new, cell if cell is not None and column != "upn" else original.get(column, column))

    if "fault" in frame:
        fail(frame["fault"].notna(), lambda rows: frame.loc[rows, "fault"], "code")
    fail(upn.eq(""), "no upn", "upn")
    fail(date.isna(), lambda rows: "date: " + date_reason[rows].fillna(""), "date")
    fail(~session.isin(SESSIONS), lambda rows: "session '" + frame.loc[rows, "session"].astype("str") + "' is not AM or PM", "session")
    fail(code.eq(""), "no attendance code", "code")
    fail(~code.isin(regs.all_codes), lambda rows: "code '" + frame.loc[rows, "code"].astype("str") + "' is not an attendance code", "code")

    ok = pd.Series(~failed, index=frame.index)
    repeated = _repeated_marks(upn[ok], date[ok], session[ok])
    if repeated.any():  # rare: find each repeated mark's first line only then
        first_line = frame.loc[ok, "line"].groupby([upn[ok], date[ok], session[ok]]).transform("first")
        fail(
            repeated.reindex(frame.index, fill_value=False),
            lambda rows: "a second mark for this pupil and session (the first is on line "
            + first_line[repeated].astype(str)
            + ")",
            "code",
        )
        ok = pd.Series(~failed, index=frame.index)

    era = regs.era_ids(date[ok])
    accepted = pd.DataFrame(
        {
            "line": frame.loc[ok, "line"].astype("int64"),
            "upn": upn[ok],
            "date": date[ok],
            "session": session[ok],
            "code": code[ok],
            "era": era,
            "category": regs.categorise(code[ok], era),
        }
    )
    bad = list(zip(frame.loc[~ok, "line"], reason[~ok], where[~ok]))
    return accepted, bad
