"""Register extracts: the weeks around a run, AM and PM marks, closures and the counted run."""

import datetime as dt

import pandas as pd

from auditor.calendar import SchoolCalendar
from auditor.extract import RegisterExtractor

UPN = "T000000000001"


def marks(rows):
    """[(date, 'AM'|'PM', code)] -> the loader's attendance frame."""
    return pd.DataFrame(
        {
            "upn": UPN,
            "date": pd.to_datetime([r[0] for r in rows]),
            "session": [r[1] for r in rows],
            "code": [r[2] for r in rows],
            "category": "",
        }
    )


def weekdays(start, end):
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)


def an_extractor(as_of=dt.date(2025, 2, 14), closed=(dt.date(2025, 1, 17),)):
    rows = []
    for day in weekdays(dt.date(2024, 12, 2), as_of):
        absent = dt.date(2025, 1, 6) <= day <= dt.date(2025, 1, 21)
        for session in ("AM", "PM"):
            rows.append((day, session, "#" if day in closed else ("O" if absent else "/")))
    attendance = marks(rows)
    calendar = SchoolCalendar.build(dt.date(2024, 9, 2), as_of, attendance=attendance)
    return RegisterExtractor(attendance, calendar, as_of)


def test_weeks_run_from_a_week_before_to_a_week_after_the_run():
    extract = an_extractor().extract(UPN, dt.date(2025, 1, 8), dt.date(2025, 1, 21))
    assert [w.week_of for w in extract.weeks] == [
        dt.date(2024, 12, 30),
        dt.date(2025, 1, 6),
        dt.date(2025, 1, 13),
        dt.date(2025, 1, 20),
        dt.date(2025, 1, 27),
    ]
    assert all(len(w.days) == 5 and w.days[0].date.weekday() == 0 for w in extract.weeks)


def test_each_day_has_am_and_pm_codes_and_the_run_is_marked():
    extract = an_extractor().extract(UPN, dt.date(2025, 1, 8), dt.date(2025, 1, 21))
    week = {d.date: d for w in extract.weeks for d in w.days}
    tuesday, wednesday = week[dt.date(2025, 1, 7)], week[dt.date(2025, 1, 8)]
    assert (tuesday.am.code, tuesday.pm.code) == ("O", "O")
    assert not tuesday.am.counted and wednesday.am.counted and wednesday.pm.counted
    assert week[dt.date(2025, 1, 21)].pm.counted and not week[dt.date(2025, 1, 22)].am.counted
    assert (week[dt.date(2025, 1, 22)].am.code, week[dt.date(2025, 1, 22)].am.open) == ("/", True)


def test_closed_sessions_are_not_open():
    extract = an_extractor().extract(UPN, dt.date(2025, 1, 8), dt.date(2025, 1, 21))
    friday = next(d for w in extract.weeks for d in w.days if d.date == dt.date(2025, 1, 17))
    assert friday.am.code == "#" and friday.am.open is False and friday.pm.open is False
    new_year = extract.weeks[0].days[2]  # 01/01/2025: a bank holiday, whatever the register says
    assert new_year.date == dt.date(2025, 1, 1) and new_year.am.open is False


def test_never_past_the_inspection_date():
    extract = an_extractor(as_of=dt.date(2025, 1, 22)).extract(UPN, dt.date(2025, 1, 8), dt.date(2025, 1, 21))
    assert extract.weeks[-1].week_of == dt.date(2025, 1, 20)
    thursday = extract.weeks[-1].days[3]
    assert thursday.date == dt.date(2025, 1, 23) and thursday.am.open is None and thursday.am.code is None


def test_a_pupil_without_marks_gets_an_empty_grid():
    extract = an_extractor().extract("T999999999999", dt.date(2025, 1, 8), dt.date(2025, 1, 9))
    assert all(d.am.code is None and d.pm.code is None for w in extract.weeks for d in w.days)
    assert extract.upn == "T999999999999"


def test_each_pupil_gets_their_own_marks_whatever_the_upn_column_type():
    """The loader gives UPNs as categories in order of first appearance, not sorted as text."""
    day = dt.date(2025, 1, 6)
    codes = ["O", "/", "G", "L", "B"]
    pupils = {f"{letter}0000000000{n % 10:02d}": codes[n % 5] for n, letter in enumerate("ZQAMCXKTDR")}
    rows = pd.DataFrame(
        [(upn, pd.Timestamp(day), session, code) for upn, code in pupils.items() for session in ("AM", "PM")],
        columns=["upn", "date", "session", "code"],
    )
    calendar = SchoolCalendar.build(dt.date(2024, 9, 2), day, attendance=rows)
    for column in (rows["upn"], pd.Categorical(rows["upn"], categories=list(pupils))):
        extractor = RegisterExtractor(rows.assign(upn=column), calendar, day)
        for upn, code in pupils.items():
            monday = extractor.extract(upn, day, day).weeks[-1].days[0]
            assert (monday.date, monday.am.code, monday.pm.code) == (day, code, code)
        assert all(d.am.code is None for w in extractor.extract("B000000000002", day, day).weeks for d in w.days)
