"""The calendar answers every day question: the first day of the school year and the end of the
summer term come from what it knows (calendar.csv, the days inside the attendance extract) and
are estimated only where it knows nothing; a whole-school ``#`` closes a session calendar.csv
lists as open, and the calendar's source says so; a calendar.csv with no usable row is named."""

import datetime as dt
import shutil

import pandas as pd

from auditor import inspect
from auditor.calendar import SchoolCalendar
from auditor.load import InputSummary

from .test_samples import SAMPLE


def calendar_rows(first: str, last: str, closed: tuple[str, ...] = ()) -> pd.DataFrame:
    """calendar.csv's rows: every weekday from ``first`` to ``last`` open, but the ``closed`` days."""
    days = pd.bdate_range(first, last)
    is_open = ~days.isin(pd.to_datetime(list(closed)))
    return pd.DataFrame({"date": days, "am_open": is_open, "pm_open": is_open})


def marks(days, upns=("A", "B"), code="/") -> pd.DataFrame:
    rows = [{"upn": u, "date": pd.Timestamp(d), "session": s, "code": code} for d in days for u in upns for s in ("AM", "PM")]
    return pd.DataFrame(rows)


def test_the_first_day_of_the_school_year_is_the_calendars_first_open_day_after_inset_days():
    # calendar.csv from 02/09/2024, two INSET days; the inspection's period starts on the first day.
    explicit = calendar_rows("2024-09-02", "2024-10-31", closed=("2024-09-02", "2024-09-03"))
    calendar = SchoolCalendar.build(dt.date(2024, 9, 3), dt.date(2024, 10, 31), explicit=explicit)
    assert calendar.school_year_first_day(2024) == (dt.date(2024, 9, 4), False)
    # Counted like any other day: 04/09 is the first school day of the year.
    assert calendar.school_days_between(dt.date(2024, 9, 1), dt.date(2024, 9, 4)) == 1


def test_the_first_day_of_the_school_year_from_the_register_when_there_is_no_calendar_csv():
    # The register marks every pupil # on the two INSET days, then present.
    attendance = pd.concat([marks(["2024-09-02", "2024-09-03"], code="#"), marks(pd.bdate_range("2024-09-04", "2024-09-20"))])
    calendar = SchoolCalendar.build(dt.date(2024, 9, 3), dt.date(2024, 9, 20), attendance=attendance)
    assert calendar.school_year_first_day(2024) == (dt.date(2024, 9, 4), False)


def test_the_first_day_of_the_school_year_is_estimated_only_where_the_calendar_knows_nothing():
    calendar = SchoolCalendar.build(dt.date(2024, 9, 2), dt.date(2024, 10, 31))
    assert calendar.school_year_first_day(2024) == (dt.date(2024, 9, 2), True)
    # It knows two INSET days, but not the day after them: the estimate is that day.
    explicit = calendar_rows("2024-09-02", "2024-09-03", closed=("2024-09-02", "2024-09-03"))
    calendar = SchoolCalendar.build(dt.date(2024, 9, 2), dt.date(2024, 10, 31), explicit=explicit)
    assert calendar.school_year_first_day(2024) == (dt.date(2024, 9, 4), True)
    assert calendar.school_year_first_day(2025) == (dt.date(2025, 9, 1), True)


def test_the_end_of_the_summer_term_from_calendar_csv_beyond_the_inspection_date():
    explicit = calendar_rows("2024-09-02", "2025-08-29", closed=tuple(pd.bdate_range("2025-07-17", "2025-08-29").astype(str)))
    calendar = SchoolCalendar.build(dt.date(2024, 9, 1), dt.date(2025, 3, 14), explicit=explicit)
    assert calendar.summer_term_end(2025) == (dt.date(2025, 7, 16), False)


def test_the_end_of_the_summer_term_from_the_days_inside_the_attendance_extract():
    # Marks up to 17/07/2025 and again from 02/09/2025: the days between are the summer holiday.
    attendance = marks(pd.bdate_range("2025-06-02", "2025-07-17").append(pd.bdate_range("2025-09-02", "2025-09-12")))
    calendar = SchoolCalendar.build(dt.date(2025, 6, 1), dt.date(2025, 9, 12), attendance=attendance)
    assert calendar.summer_term_end(2025) == (dt.date(2025, 7, 17), False)
    assert calendar.school_year_first_day(2025) == (dt.date(2025, 9, 2), False)
    # The extract ends on the inspection date: what came after it is not known.
    calendar = SchoolCalendar.build(dt.date(2025, 6, 1), dt.date(2025, 7, 10), attendance=marks(pd.bdate_range("2025-06-02", "2025-07-10")))
    assert calendar.summer_term_end(2025) == (dt.date(2025, 7, 22), True)


def test_a_whole_school_closure_closes_sessions_calendar_csv_lists_as_open_and_the_source_says_so():
    explicit = calendar_rows("2024-09-01", "2024-10-18")
    days = pd.bdate_range("2024-09-02", "2024-10-18")
    attendance = marks(days)
    attendance.loc[attendance["date"] == pd.Timestamp("2024-10-14"), "code"] = "#"
    calendar = SchoolCalendar.build(dt.date(2024, 9, 1), dt.date(2024, 10, 18), explicit=explicit, attendance=attendance)
    assert not calendar.is_school_day(dt.date(2024, 10, 14))
    assert calendar.school_days_between(dt.date(2024, 10, 11), dt.date(2024, 10, 15)) == 1
    assert calendar.source == (
        "calendar.csv; 2 sessions it lists as open were closed to every pupil (#) in the register: 14/10/2024 AM, PM"
    )
    # A morning closed to one pupil only is still open.
    attendance.loc[(attendance["date"] == pd.Timestamp("2024-10-15")) & (attendance["upn"] == "A"), "code"] = "#"
    calendar = SchoolCalendar.build(dt.date(2024, 9, 1), dt.date(2024, 10, 18), explicit=explicit, attendance=attendance)
    assert calendar.is_school_day(dt.date(2024, 10, 15))


def test_a_date_calendar_csv_lists_twice_is_open_only_where_every_row_says_so_whatever_their_order():
    twice = pd.DataFrame({"date": pd.to_datetime(["2025-01-06", "2025-01-06"]), "am_open": [True, False], "pm_open": [True, True]})
    for rows in (twice, twice[::-1]):
        calendar = SchoolCalendar.build(dt.date(2025, 1, 6), dt.date(2025, 1, 10), explicit=rows)
        assert calendar.days.loc["2025-01-06"].tolist() == [False, True]


def test_a_calendar_csv_whose_every_row_was_rejected_is_named_in_the_source():
    rejected = InputSummary(file="calendar.csv", rows=194, accepted=0, rejected=194, sha256="", encoding="utf-8")
    empty = pd.DataFrame({"date": pd.DatetimeIndex([]), "am_open": [], "pm_open": []})
    calendar = SchoolCalendar.build(dt.date(2024, 9, 1), dt.date(2024, 10, 1), explicit=empty, explicit_input=rejected)
    assert calendar.source.startswith("calendar.csv was present but no row could be used (194 of 194 rejected); derived: ")
    assert "no calendar.csv" not in calendar.source
    assert SchoolCalendar.build(dt.date(2024, 9, 1), dt.date(2024, 10, 1)).source.startswith("derived (no calendar.csv)")
    some = InputSummary(file="calendar.csv", rows=33, accepted=31, rejected=2, sha256="", encoding="utf-8")
    calendar = SchoolCalendar.build(
        dt.date(2024, 9, 1), dt.date(2024, 10, 1), explicit=calendar_rows("2024-09-02", "2024-10-01"), explicit_input=some
    )
    assert calendar.source == "calendar.csv (2 of 33 rows rejected)"


def test_the_report_says_a_calendar_csv_of_rejected_rows_was_present(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(SAMPLE, pack)
    header, *rows = (SAMPLE / "calendar.csv").read_text(encoding="utf-8").splitlines()
    # Every date written year first with slashes (2024/09/02): no row can be read.
    rows = ["/".join(reversed(row.split(",")[0].split("/"))) + "," + row.split(",", 1)[1] for row in rows]
    (pack / "calendar.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = inspect(pack)
    assert result.inspection.calendar.startswith("calendar.csv was present but no row could be used")


def test_admission_facts_say_whether_the_first_day_of_the_school_year_was_estimated():
    from auditor.facts.admissions import admission_facts

    from .test_facts import _sample_context

    facts = admission_facts(_sample_context())
    assert facts and all(fact["school_year_first_day_estimated"] is False for fact in facts)


def test_school_days_are_counted_past_the_calendars_end_for_a_pupil_due_to_start_later():
    # Inspected on Monday 14/07/2025; a reception pupil due to start on Friday 05/09/2025.
    calendar = SchoolCalendar.build(dt.date(2024, 9, 1), dt.date(2025, 7, 14))
    first_day, estimated = calendar.school_year_first_day(2025)
    assert (first_day, estimated) == (dt.date(2025, 9, 1), True)
    assert calendar.school_days_between(first_day, dt.date(2025, 9, 5)) == 4
    assert calendar.school_days_between(dt.date(2025, 7, 14), dt.date(2025, 7, 21)) == 5
