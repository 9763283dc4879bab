"""The marks string decoded: its tokens, the dates they may fall on under each layout, why a
layout cannot be right, and the totals each counting convention gives (docs/ctf-format.md
section 5). Vectorised: a school year's marks are one array per pupil."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from auditor.regulations import CATEGORIES, Era, regulations

# Date layouts of the marks, in the order preferred when several fit equally: every calendar date
# is the one layout a known writer uses (Aspen); weekdays and school days are hypotheses.
LAYOUTS = {
    "calendar": "every calendar date from AttendanceStartDate",
    "weekdays": "Monday to Friday from AttendanceStartDate",
    "school_days": "the school days of the pack's calendar from AttendanceStartDate",
}
TOKENS = {"single": "one character per session", "letter_digit": "a letter with an optional digit per session"}
# Counting conventions for the file's totals: the regulations' categories, or Aspen's (attended =
# / and \ only, possible = every session not #).
CONVENTIONS = ("regulations", "aspen")
_NOT_A_MARK = {"#", "-", "Z"}  # may fall outside the pupil's registration
_WHITESPACE = re.compile(rb"\s+")

def tokenise(marks: str) -> tuple[np.ndarray, str]:
    """The session codes of a marks string as integer ids (first byte * 256 + second byte, 0 for
    a one-character code) and the token reading used: one character per session, or, when the
    string holds a digit, a letter with the digit after it (a digit can only belong to the
    letter before it: ``1`` is no code). Whitespace is ignored."""
    raw = np.frombuffer(_WHITESPACE.sub(b"", marks.encode("ascii", "replace")), dtype=np.uint8).astype(np.uint16)
    raw[(raw >= 97) & (raw <= 122)] -= 32  # codes in upper case, as the CSV reader reads them
    digit = (raw >= 48) & (raw <= 57)
    if not digit.any():
        return raw * 256, "single"
    letter = (raw >= 65) & (raw <= 90)
    attached = digit & np.concatenate(([False], letter[:-1]))
    starts = np.flatnonzero(~attached)
    second = np.zeros(len(starts), dtype=np.uint16)
    follows = starts + 1 < len(raw)
    has = np.zeros(len(starts), dtype=bool)
    has[follows] = attached[starts[follows] + 1]
    second[has] = raw[starts[has] + 1]
    return raw[starts] * 256 + second, "letter_digit"


def code_text(ids: np.ndarray) -> np.ndarray:
    """Token ids back to code text, one conversion per distinct id."""
    unique, inverse = np.unique(ids, return_inverse=True)
    texts = np.array([chr(i >> 8) + (chr(i & 255) if i & 255 else "") for i in unique.tolist()], dtype=object)
    return texts[inverse]


def _code_id(code: str) -> int:
    return ord(code[0]) * 256 + (ord(code[1]) if len(code) > 1 else 0)


@cache
def _categories(era_id: str) -> dict[int, str]:
    """Token id -> category in an era (a code of another era takes its category there)."""
    regs = regulations()
    out = {}
    for era in [*regs.eras, regs.era(era_id)]:  # the era's own categories last, so they win
        for code, category in era.code_category.items():
            out[_code_id(code)] = category
    return out


def count_totals(ids: np.ndarray, era: Era) -> dict[str, dict[str, int]]:
    """The four totals a convention gives for a YearData's tokens."""
    counted = np.bincount(ids)  # faster than np.unique for a few hundred small integers
    unique = np.flatnonzero(counted)
    counts = counted[unique]
    category = _categories(era.id)
    by_category: Counter = Counter()
    for token, count in zip(unique.tolist(), counts.tolist()):
        by_category[category.get(token)] += count
    present = sum(c for t, c in zip(unique.tolist(), counts.tolist()) if t in (_code_id("/"), _code_id("\\")))
    not_closed = int(counts.sum()) - sum(c for t, c in zip(unique.tolist(), counts.tolist()) if t in (_code_id("#"), _code_id("-")))
    possible = sum(by_category[c] for c in CATEGORIES if c not in ("not_possible", "closure"))
    return {
        "regulations": {
            "possible": possible,
            "attended": by_category["present"] + by_category["approved_activity"],
            "authorised": by_category["authorised"],
            "unauthorised": by_category["unauthorised"],
        },
        "aspen": {
            "possible": not_closed,
            "attended": present,
            "authorised": by_category["authorised"],
            "unauthorised": by_category["unauthorised"],
        },
    }


_NOT_A_MARK_TABLE = np.zeros(1 << 16, dtype=bool)  # token id -> True for #, - and Z
_NOT_A_MARK_TABLE[[_code_id(c) for c in _NOT_A_MARK]] = True


def place(start: np.datetime64, days: int, layout: str, school_days: np.ndarray | None) -> np.ndarray | None:
    """The dates of ``days`` pairs of sessions from ``start`` under a layout (None: impossible)."""
    offsets = np.arange(days)
    if layout == "calendar":
        return start + offsets
    if layout == "weekdays":
        if not np.is_busday(start):
            return None
        return np.busday_offset(start, offsets, roll="forward")
    if school_days is None:
        return None
    first = int(np.searchsorted(school_days, start))
    if first + days > len(school_days) or (days and school_days[first] != start):
        return None
    return school_days[first : first + days]


def date_problems(
    ids: np.ndarray, dates: np.ndarray, layout: str, entry: dt.date | None, leaving: dt.date | None,
    written: dt.date | None, year_end: dt.date | None, school_days: np.ndarray | None = None,
) -> list[str]:
    """Why marks cannot fall on these dates (docs/ctf-format.md section 5, step 7); empty: they can."""
    if not len(dates):
        return []
    marked = ~_NOT_A_MARK_TABLE[ids].reshape(-1, 2).all(axis=1)
    found = []
    if entry and marked.any() and dates[marked][0] < np.datetime64(entry):
        found.append(f"a mark before the EntryDate {entry:%d/%m/%Y}")
    if leaving and marked.any() and dates[marked][-1] > np.datetime64(leaving):
        found.append(f"a mark after the LeavingDate {leaving:%d/%m/%Y}")
    last = dates[-1].astype(dt.date)
    if written and last > written:
        found.append(f"runs to {last:%d/%m/%Y}, after the file was written ({written:%d/%m/%Y})")
    if year_end and last > year_end:
        found.append(f"runs to {last:%d/%m/%Y}, past the end of its year ({year_end:%d/%m/%Y})")
    if layout == "calendar" and marked[~np.is_busday(dates)].any():
        found.append("a mark on a Saturday or Sunday")
    if school_days is not None and layout != "school_days" and len(school_days):
        covered = (dates >= school_days[0]) & (dates <= school_days[-1])
        closed = covered & ~np.isin(dates, school_days)
        if marked[closed].any():
            found.append("a mark on a day the pack's calendar has closed")
    return found


@dataclass
class _Span:
    """One AttendSessions: a pupil's marks from one start date."""

    upn: str
    line: int
    ids: np.ndarray
    start: np.datetime64
    tokens: str
    marked: np.ndarray  # per day: whether either session holds a mark (not #, - or Z)
    dates: dict[str, np.ndarray] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)

