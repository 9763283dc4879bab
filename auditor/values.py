"""Reading the values found in English school exports: dates, yes/no flags, year groups.

Each reader takes the cell's text and returns a value or raises ``ValueError`` with a sentence a
school administrator understands. The vectorised forms apply the same reader to each distinct value
of a column, so that a million marks on two hundred dates cost two hundred parses.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy as np
import pandas as pd

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
# English order only: day, month, year. 03/04/2025 is the 3rd of April.
_ENGLISH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: 00:00(?::00)?)?$")


# A spreadsheet's date serial (days since 30/12/1899, Excel's 1900 date system) from a cell that
# lost its date format: five digits cover 1927-2173, far from any other reading of a date cell.
_EXCEL_SERIAL = re.compile(r"^([1-9]\d{4})(?:\.0+)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)

# The dates a register can hold: far wider than any pupil's life, well inside pandas' datetime64[ns]
# (1677-2262), so that a typo such as 18/01/0214 is a rejected cell, never an overflow.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def _uk(day: dt.date) -> str:
    """dd/mm/yyyy, with the year's four digits even before 1000 (strftime drops them)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _out_of_range(shown: str) -> ValueError:
    return ValueError(f"date {shown} is out of range ({_uk(EARLIEST_DATE)} to {_uk(LATEST_DATE)})")


def _in_range(day: dt.date) -> dt.date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise _out_of_range(_uk(day))
    return day


@lru_cache(maxsize=65536)  # a register repeats its admission dates and a list its dates of birth
def parse_date(text: object) -> dt.date:
    """An ISO (2025-03-14) or English (14/03/2025) date, or a spreadsheet date serial (45537);
    never month-first; between ``EARLIEST_DATE`` and ``LATEST_DATE`` whatever its form (text, a
    serial, or a date or datetime from TOML or a workbook)."""
    if isinstance(text, dt.datetime):
        return _in_range(text.date())
    if isinstance(text, dt.date):
        return _in_range(text)
    value = str(text).strip()
    if not value:
        raise ValueError("no date given")
    if match := _EXCEL_SERIAL.match(value):
        return _in_range(_EXCEL_EPOCH + dt.timedelta(days=int(match[1])))
    if match := _ISO.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _ENGLISH.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueError(f"'{value}' is not a date in the form dd/mm/yyyy or yyyy-mm-dd")
    if not EARLIEST_DATE.year <= year <= LATEST_DATE.year:  # before dt.date, which stops at year 1
        raise _out_of_range(f"{day:02d}/{month:02d}/{year:04d}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"date {value} does not exist") from None


def parse_optional_date(text: object) -> dt.date | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return parse_date(text)


_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}


def parse_yes_no(text: object) -> bool | None:
    if text is None or isinstance(text, bool):
        return text
    value = str(text).strip().lower()
    if not value:
        return None
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f"'{text}' is not Y or N")


# Ordered youngest first, so that the most senior year group is the last one present.
YEAR_GROUPS = ("N1", "N2", "R", *(str(n) for n in range(1, 15)))
_YEAR = re.compile(r"^(?:year|yr|y)?\s*(\d{1,2})$", re.IGNORECASE)
_YEAR_ALIASES = {"reception": "R", "rec": "R", "yr r": "R", "nursery 1": "N1", "nursery 2": "N2"}


def parse_year_group(text: object) -> str | None:
    if text is None:
        return None
    value = str(text).strip()
    if not value:
        return None
    value = _YEAR_ALIASES.get(value.lower(), value.upper())
    if match := _YEAR.match(value):
        value = str(int(match[1]))
    if value not in YEAR_GROUPS:
        raise ValueError(f"'{text}' is not a year group (N1, N2, R, 1-14)")
    return value


def parse_date_column(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised ``parse_date``: (datetime64 column with NaT where unreadable, reason column)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed, reasons = [], []
    for text in uniques:
        try:
            parsed.append(pd.Timestamp(parse_date(text)))
            reasons.append(None)
        except ValueError as err:
            parsed.append(pd.NaT)
            reasons.append(str(err))
    # The code of a missing value, -1, takes the last entry.
    parsed.append(pd.NaT)
    reasons.append("no date given")
    dates = pd.DatetimeIndex(parsed, dtype="datetime64[ns]").to_numpy()[codes]
    return pd.Series(dates, index=values.index), pd.Series(np.array(reasons, dtype=object)[codes], index=values.index)


# ---- unique pupil numbers ----------------------------------------------------------------------

# The DfE's check-letter alphabet: A=0 ... Z=22, without I, O and S (also the letters a temporary
# UPN may end with). UK Government Data Standards Catalogue, "Unique Pupil Number" v2.0.
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN = re.compile(r"^[A-Z]\d{11}[0-9ABCDEFGHJKLMNPQRTUVWXYZ]$")


def upn_check_letter(upn: str) -> str | None:
    """The check letter the DfE algorithm gives a UPN's characters 2-13: the sum of each
    character's value times its position (2..13), modulo 23, as a letter of ``UPN_LETTERS``. A
    temporary UPN's final letter counts as its place in that alphabet. None if the UPN is not
    13 characters of the form Annnnnnnnnnnn or AnnnnnnnnnnnA."""
    value = str(upn or "").strip().upper()
    if not _UPN.match(value):
        return None
    total = 0
    for position, char in enumerate(value[1:], start=2):
        total += position * (int(char) if char.isdigit() else UPN_LETTERS.index(char))
    return UPN_LETTERS[total % 23]


def upn_problem(upn: object) -> str | None:
    """Why a UPN is not valid, in words; None when it is."""
    value = str(upn or "").strip().upper()
    expected = upn_check_letter(value)
    if expected is None:
        return f"'{value}' is not 13 characters of the form Annnnnnnnnnnn or AnnnnnnnnnnnA"
    if value[0] != expected:
        return f"check letter {value[0]} is wrong: the digits give {expected}"
    return None


def upn_problems(values: pd.Series) -> pd.Series:
    """Vectorised ``upn_problem``: one call per distinct UPN."""
    uniques = values.dropna().unique()
    return values.map({u: upn_problem(u) for u in uniques})
