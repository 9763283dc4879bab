"""School-day arithmetic: weekends, bank holidays, closures and holidays never count."""

import datetime as dt
import sys

import pandas as pd

from auditor.calendar import SchoolCalendar, _bank_holidays


def marks(days, code="/"):
    rows = [{"date": pd.Timestamp(d), "session": s, "code": code} for d in days for s in ("AM", "PM")]
    return pd.DataFrame(rows)


def test_derived_calendar_skips_weekends_and_bank_holidays():
    calendar = SchoolCalendar.build(dt.date(2024, 12, 20), dt.date(2025, 1, 3))
    # Mon 23, Tue 24, Fri 27, Mon 30, Tue 31 Dec, Thu 2, Fri 3 Jan: Christmas, Boxing Day and New Year's Day are bank holidays.
    assert calendar.school_days_between(dt.date(2024, 12, 20), dt.date(2025, 1, 3)) == 7
    assert not calendar.is_school_day(dt.date(2024, 12, 25))
    assert not calendar.is_school_day(dt.date(2024, 12, 21))  # Saturday
    assert "derived" in calendar.source


def test_days_without_marks_inside_the_extract_are_holidays():
    # The export has marks for the week before and after half-term, none during it.
    marked = pd.bdate_range("2025-02-10", "2025-02-14").append(pd.bdate_range("2025-02-24", "2025-02-28"))
    calendar = SchoolCalendar.build(dt.date(2025, 2, 10), dt.date(2025, 2, 28), attendance=marks(marked))
    assert calendar.school_days_between(dt.date(2025, 2, 14), dt.date(2025, 2, 24)) == 1
    assert not calendar.is_school_day(dt.date(2025, 2, 19))


def test_whole_school_hash_closes_the_session():
    days = pd.bdate_range("2025-01-06", "2025-01-10")
    attendance = marks(days)
    attendance.loc[attendance["date"] == pd.Timestamp("2025-01-06"), "code"] = "#"  # INSET day
    calendar = SchoolCalendar.build(dt.date(2025, 1, 6), dt.date(2025, 1, 10), attendance=attendance)
    assert not calendar.is_school_day(dt.date(2025, 1, 6))
    assert calendar.school_days_between(dt.date(2025, 1, 3), dt.date(2025, 1, 10)) == 4


def test_explicit_calendar_wins_where_it_covers():
    explicit = pd.DataFrame(
        {"date": pd.to_datetime(["2025-01-06", "2025-01-07"]), "am_open": [False, True], "pm_open": [False, False]}
    )
    calendar = SchoolCalendar.build(dt.date(2025, 1, 6), dt.date(2025, 1, 10), explicit=explicit)
    sessions = calendar.open_sessions()
    tuesday = sessions[sessions["date"] == pd.Timestamp("2025-01-07")]
    assert list(tuesday["session"]) == ["AM"] and tuesday["weight"].iloc[0] == 1.0
    assert not calendar.is_school_day(dt.date(2025, 1, 6))
    assert calendar.source.startswith("calendar.csv for 06/01/2025")


def test_bank_holidays_still_close_weekdays_the_explicit_calendar_leaves_out():
    # calendar.csv covers the last week of autumn term only; Christmas and Boxing Day are after it.
    explicit = pd.DataFrame({"date": pd.bdate_range("2024-12-16", "2024-12-20")})
    explicit["am_open"] = explicit["pm_open"] = True
    calendar = SchoolCalendar.build(dt.date(2024, 12, 16), dt.date(2024, 12, 31), explicit=explicit)
    assert [calendar.is_school_day(dt.date(2024, 12, d)) for d in (20, 24, 25, 26, 27)] == [True, True, False, False, True]


def test_open_session_numbers_agree_with_open_sessions():
    calendar = SchoolCalendar.build(dt.date(2024, 12, 20), dt.date(2025, 1, 3))
    sessions = calendar.open_sessions()
    assert list(calendar.open_session_numbers(sessions["date"], sessions["session"])) == list(sessions["session_seq"])
    closed = pd.Series(pd.to_datetime(["2024-12-25", "2024-12-21", "2025-02-03"]))
    assert list(calendar.open_session_numbers(closed, pd.Series(["AM", "PM", "AM"]))) == [-1, -1, -1]


def test_add_school_days_crosses_a_weekend():
    calendar = SchoolCalendar.build(dt.date(2025, 1, 6), dt.date(2025, 1, 31))
    assert calendar.add_school_days(dt.date(2025, 1, 9), 5) == dt.date(2025, 1, 16)


def test_open_sessions_are_numbered_in_order():
    calendar = SchoolCalendar.build(dt.date(2025, 1, 10), dt.date(2025, 1, 13))  # Fri, Sat, Sun, Mon
    sessions = calendar.open_sessions()
    sessions = sessions[sessions["date"] >= pd.Timestamp("2025-01-10")]  # it starts on 1 September
    assert list(sessions["session_seq"] - sessions["session_seq"].iloc[0]) == [0, 1, 2, 3]
    assert list(sessions["school_day"] - sessions["school_day"].iloc[0]) == [0, 0, 1, 1]
    assert list(sessions["weight"]) == [0.5] * 4


def test_summer_term_end_from_calendar_or_estimated():
    explicit = pd.DataFrame({"date": pd.date_range("2024-07-01", "2024-08-31")})
    explicit["am_open"] = explicit["pm_open"] = (explicit["date"] <= "2024-07-19") & (
        explicit["date"].dt.day_of_week < 5
    )
    calendar = SchoolCalendar.build(dt.date(2024, 7, 1), dt.date(2024, 9, 30), explicit=explicit)
    assert calendar.summer_term_end(2024) == (dt.date(2024, 7, 19), False)
    assert calendar.summer_term_end(2025) == (dt.date(2025, 7, 22), True)


def test_add_school_days_to_agrees_with_add_school_days():
    import datetime as dt

    import pandas as pd

    from auditor.calendar import SchoolCalendar

    calendar = SchoolCalendar.build(dt.date(2025, 2, 1), dt.date(2025, 3, 31))
    days = pd.Series(pd.to_datetime(["2025-02-07", "2025-02-14", "2025-03-28", "2025-03-31"]))
    for count in (1, 5):
        expected = [pd.Timestamp(calendar.add_school_days(d.date(), count)) for d in days]
        assert list(calendar.add_school_days_to(days, count)) == expected


def test_bank_holidays_are_looked_up_once_then_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    looked_up = _bank_holidays(dt.date(2023, 1, 1), dt.date(2024, 12, 31))
    assert pd.Timestamp("2023-05-08") in looked_up  # the coronation bank holiday
    assert len(list(tmp_path.rglob("england-2023-2024-*.json"))) == 1
    monkeypatch.setitem(sys.modules, "holidays", None)  # the library can no longer be imported
    assert list(_bank_holidays(dt.date(2023, 1, 1), dt.date(2024, 12, 31))) == list(looked_up)


def test_a_damaged_cache_is_looked_up_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = _bank_holidays(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    [cached] = tmp_path.rglob("england-2025-2025-*.json")
    cached.write_text('["2025-01-0', encoding="utf-8")
    assert list(_bank_holidays(dt.date(2025, 1, 1), dt.date(2025, 12, 31))) == list(expected)
    assert len(expected) == 8  # England's eight bank holidays in 2025
