"""Step definitions shared by every feature file in ``features/``, in the words of the policy."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, then, when

from auditor import inspect
from auditor.values import parse_date
from tests.packs import PackBuilder, tokenise_marks, uk


@pytest.fixture(autouse=True, scope="session")
def _a_cache_of_their_own(tmp_path_factory):
    """The tool caches compiled templates and England's bank holidays in the user's cache
    folder: the tests (and the commands they run) use a folder of their own."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


DATE = parsers.parse  # steps read dates as dd/mm/yyyy, the way officers write them


@pytest.fixture
def pack(tmp_path) -> PackBuilder:
    return PackBuilder(tmp_path / "pack")


def _date(text: str) -> dt.date:
    return parse_date(text)


# ---- the school and its lists ------------------------------------------------------------------


@given("the local authority's list of returns from the school")
def returns_list(pack):
    pack.returns = pack.returns if pack.returns is not None else []


@given("the pack holds no list of returns")
def no_returns_file(pack):
    pack.returns = None


@given(parsers.parse("the school's calendar ends the summer term on {day}"))
def summer_term_ends(pack, day):
    end = _date(day)
    first = dt.date(end.year, 7, 1)
    for offset in range((dt.date(end.year, 8, 31) - first).days + 1):
        date = first + dt.timedelta(days=offset)
        is_open = "Y" if date.weekday() < 5 and date <= end else "N"
        pack.calendar.append({"date": date.strftime("%d/%m/%Y"), "am_open": is_open, "pm_open": is_open})


@given(parsers.parse("the school's calendar opens the school year on {day}, after INSET days"))
def school_year_opens(pack, day):
    first = _date(day)
    for offset in range(28):
        date = dt.date(first.year, 9, 1) + dt.timedelta(days=offset)
        is_open = "Y" if date.weekday() < 5 and date >= first else "N"
        pack.calendar.append({"date": date.strftime("%d/%m/%Y"), "am_open": is_open, "pm_open": is_open})


@given(parsers.parse("the school's calendar lists every weekday from {first} to {last} as open"))
def calendar_open(pack, first, last):
    date = _date(first)
    while date <= _date(last):
        if date.weekday() < 5:
            pack.calendar.append({"date": date.strftime("%d/%m/%Y"), "am_open": "Y", "pm_open": "Y"})
        date += dt.timedelta(days=1)


@given(
    parsers.re(r'the pupil "(?P<name>[^"]+)"(?: born (?P<born>\S+))? in year (?P<year>\S+) is on roll at the school')
)
def pupil_on_roll(pack, name, born, year):
    pack.add_pupil(name, year_group=year, born=_date(born) if born else None)


@given(parsers.parse('the pupil "{name}" is on roll at the school'))
def pupil_on_roll_any_year(pack, name):
    pack.add_pupil(name)


@given(parsers.re(r'"(?P<name>[^"]+)" was deleted from the register on (?P<day>\S+) on ground "(?P<ground>[^"]*)"'))
def deleted(pack, name, day, ground):
    pack.delete(name, _date(day), ground)


@given(parsers.re(r'the local authority holds no (?P<return_type>[\w ]+?) return for "(?P<name>[^"]+)"'))
def no_return(pack, return_type, name):
    return_type = return_type.replace(" ", "_")
    upn = pack.pupils[name]["upn"]
    pack.returns = [r for r in pack.returns or [] if not (r["upn"] == upn and r["return_type"] == return_type)]


@given(parsers.re(r'the local authority received an? (?P<return_type>[\w -]+?) return for "(?P<name>[^"]+)" on (?P<day>\S+)'))
def return_received(pack, return_type, name, day):
    pack.add_return(return_type.replace(" ", "_"), _date(day), name)


@given(
    parsers.parse(
        'the local authority received a {return_type} return with no UPN naming "{names}" born {born} on {day}'
    )
)
def return_by_names(pack, return_type, names, born, day):
    forename, _, surname = names.partition(" ")
    pack.add_return(return_type, _date(day), forename=forename, surname=surname, born=born)


@given(parsers.parse('the attendance register for "{name}" reads'))
def attendance_grid(pack, name, datatable):
    header, *weeks = datatable
    for row in weeks:
        pack.add_week(name, _date(row[0]), row[1:])


@given(parsers.parse("the inspection looks at events from {day}"))
def period_from(pack, day):
    pack.period_start = _date(day)


# ---- data quality: registers and lists as exported ---------------------------------------------


@given(parsers.parse('the pupil "{name}" is on roll at the school with UPN "{upn}"'))
def pupil_with_upn(pack, name, upn):
    pack.add_pupil(name)["upn"] = upn


@given(parsers.parse('the pupil "{name}" was admitted on {day}'))
def pupil_admitted(pack, name, day):
    pupil = pack.pupils.get(name) or pack.add_pupil(name)
    pupil.update(admission_date=uk(_date(day)), first_attendance_date=uk(_date(day)))


@given(parsers.parse('"{name}" is entered in the register a second time on {day}'))
def registered_again(pack, name, day):
    again = dict(pack.pupils[name], admission_date=uk(_date(day)), first_attendance_date=uk(_date(day)))
    again.update(deletion_date="", deletion_ground="")
    pack.pupils[f"{name} (second entry)"] = again


@given(parsers.re(r'the pupil "(?P<name>[^"]+)" is also on roll under UPN "(?P<upn>[^"]+)"(?: from (?P<day>\S+))?$'))
def registered_under_another_upn(pack, name, upn, day=None):
    again = dict(pack.pupils[name], upn=upn)
    if day:
        again.update(admission_date=uk(_date(day)), first_attendance_date=uk(_date(day)))
    pack.pupils[f"{name} (UPN {upn})"] = again


@given(parsers.parse('the attendance register for UPN "{upn}" reads'))
def attendance_grid_by_upn(pack, upn, datatable):
    header, *weeks = datatable
    for row in weeks:
        monday = _date(row[0])
        for offset, cell in enumerate(row[1:]):
            day = monday + dt.timedelta(days=offset)
            for session, code in zip(("AM", "PM"), tokenise_marks(cell)):
                pack.marks.append({"upn": upn, "date": uk(day), "session": session, "code": code})


@given(
    parsers.parse(
        'the local authority received a {return_type} return with UPN "{upn}" naming "{names}" born {born} on {day}'
    )
)
def return_with_upn(pack, return_type, upn, names, born, day):
    forename, _, surname = names.partition(" ")
    pack.add_return(return_type, _date(day), upn=upn, forename=forename, surname=surname, born=born)


@given(parsers.parse('the school is inspected under the "{policy}" policy'))
def under_policy(pack, policy):
    pack.policy = policy


# ---- the inspection ----------------------------------------------------------------------------


@when(parsers.parse("the registers are inspected on {day}"), target_fixture="result")
def inspected(pack, day):
    as_of = _date(day)
    return inspect(pack.write(as_of), as_of=as_of)


def _findings(result, code, pack, name):
    """A pupil's findings: by UPN for a pupil on roll, else by name (an allocated child never on roll)."""
    if name in pack.pupils:
        upn = pack.pupils[name]["upn"]
        return [f for f in result.findings if f.rule == code and f.upn == upn]
    forename, surname = name.split(" ", 1)
    return [f for f in result.findings if f.rule == code and f.pupil == f"{surname}, {forename}"]


@then(parsers.re(r'an? (?P<severity>red|amber|green) finding (?P<code>\w+) is raised for "(?P<name>[^"]+)"'),
      target_fixture="finding")
def finding_raised(result, pack, severity, code, name):
    found = _findings(result, code, pack, name)
    assert len(found) == 1, f"expected one {code} finding for {name}, got {[f.summary for f in found]}"
    assert found[0].severity == severity, found[0]
    return found[0]


@then(parsers.re(r'an? (?P<severity>red|amber|green) finding (?P<code>[A-Z]+\d+) is raised saying "(?P<text>[^"]+)"'),
      target_fixture="finding")
def finding_saying(result, severity, code, text):
    found = [f for f in result.findings if f.rule == code and text in f.summary]
    assert len(found) == 1, f"expected one {code} finding saying {text!r}, got {[f.summary for f in result.findings]}"
    assert found[0].severity == severity, found[0]
    return found[0]


@then(parsers.parse("no finding {code} is raised"))
def no_finding_at_all(result, code):
    found = [f for f in result.findings if f.rule == code]
    assert found == [], [f.summary for f in found]
    assert any(r.code == code and r.status == "checked" for r in result.rules), f"{code} was not checked"


@then(parsers.parse('its evidence shows {label} "{value}"'))
def evidence_shows(finding, result, label, value):
    status = next(r for r in result.rules if r.code == finding.rule)
    key = next((k for k, v in status.evidence_labels.items() if v.lower() == label.lower()), label)
    assert str(finding.evidence.get(key)) == value, finding.evidence


@then(parsers.parse('no finding {code} is raised for "{name}"'))
def no_finding(result, pack, code, name):
    found = _findings(result, code, pack, name)
    assert found == [], [f.summary for f in found]
    assert any(r.code == code for r in result.rules), f"{code} is not a loaded rule"


@then(parsers.parse('its legal basis cites "{text}"'))
def legal_basis_cites(finding, text):
    assert text in finding.legal_basis, finding.legal_basis


@then(parsers.parse("its evidence shows {count:d} deletion returns held"))
def evidence_returns(finding, count):
    assert finding.evidence["deletion_returns"] == count


@then(parsers.parse("its evidence shows the return came {days:d} days after the deletion"))
def evidence_delay(finding, days):
    assert finding.evidence["return_delay_days"] == days
    assert f"{days} days after" in finding.summary


@then(parsers.parse('rule {code} is reported as not checked because "{reason}"'))
def not_checked(result, code, reason):
    status = next(r for r in result.rules if r.code == code)
    assert status.status == "not_checked"
    assert status.reason == reason


@then(parsers.parse('its summary says "{text}"'))
def summary_says(finding, text):
    assert text in finding.summary, finding.summary


@then(parsers.parse("its evidence shows {days:g} school days of continuous unauthorised absence from {day}"))
def evidence_absence_run(finding, days, day):
    assert finding.evidence["school_days"] == days
    assert finding.evidence["run_start"] == _date(day).isoformat()


@then(parsers.parse("its evidence shows {days:g} school days of absence before the deletion"))
def evidence_absence_before_deletion(finding, days):
    assert finding.evidence["absence_before_school_days"] == days


# ---- part-time timetables ----------------------------------------------------------------------


def _timetable(pack, name, start, end="", agreed="Y", reviewed=None):
    pack.timetables.append(
        {
            "upn": pack.pupils[name]["upn"],
            "start_date": start,
            "planned_end_date": "",
            "end_date": end,
            "hours_per_week": "15",
            "parent_agreed": agreed,
            "last_review_date": reviewed if reviewed is not None else start,
        }
    )


@given(parsers.re(r'"(?P<name>[^"]+)" has been on a part-time timetable since (?P<start>\S+?)(?P<unagreed> with no parental agreement recorded)?$'))
def timetable_running(pack, name, start, unagreed):
    _timetable(pack, name, start, agreed="N" if unagreed else "Y")


@given(parsers.parse('"{name}" was on a part-time timetable from {start} to {end}'))
def timetable_ended(pack, name, start, end):
    _timetable(pack, name, start, end)


@given("the school keeps a part-time timetable log")
def timetable_log(pack):
    pack.timetables = []


@then(parsers.parse('its evidence shows the timetable was {source}'))
def evidence_timetable_source(finding, source):
    assert finding.evidence["source"].startswith(source), finding.evidence["source"]


@then(parsers.parse("its evidence shows {days:d} school days on the timetable"))
def evidence_timetable_days(finding, days):
    assert finding.evidence["school_days"] == days


# ---- allocations -------------------------------------------------------------------------------


@given("the local authority's list of places allocated to the school")
def allocations_list(pack):
    pack.allocations = []


@given("the pack holds no list of allocations")
def no_allocations_file(pack):
    pack.allocations = None


@given(parsers.re(r'the local authority allocated "(?P<names>[^"]+)" born (?P<born>\S+) a place from (?P<start>\S+)'))
def allocated_by_names(pack, names, born, start):
    forename, _, surname = names.partition(" ")
    allocated_on = _date(start) - dt.timedelta(days=28)
    pack.allocations.append({"upn": "", "surname": surname, "forename": forename, "date_of_birth": born,
                             "allocated_on": allocated_on.strftime("%d/%m/%Y"), "expected_start_date": start})


@given(parsers.re(r'the local authority allocated "(?P<name>[^"]+)" a place from (?P<start>\S+) by UPN'))
def allocated_by_upn(pack, name, start):
    pupil = pack.pupils[name]
    allocated_on = _date(start) - dt.timedelta(days=28)
    pack.allocations.append({"upn": pupil["upn"], "surname": pupil["surname"], "forename": pupil["forename"],
                             "date_of_birth": pupil["date_of_birth"],
                             "allocated_on": allocated_on.strftime("%d/%m/%Y"), "expected_start_date": start})


@then(parsers.parse('its evidence shows the match was made by {method}'))
def evidence_match(finding, method):
    assert finding.evidence["matched_by"] == method


# ---- admissions and the roll -------------------------------------------------------------------


@given(parsers.re(r'"(?P<name>[^"]+)" was entered in the admission register on (?P<day>\S+?)(?: to start on (?P<start>\S+))?$'))
def entered(pack, name, day, start):
    pack.admit(name, _date(day), _date(start) if start else None)


@given(parsers.parse('"{name}" was re-admitted on {day}'))
def readmitted(pack, name, day):
    pack.readmit(name, _date(day))


@given(parsers.parse("the school has {count:d} pupils on roll in year {year}"))
def pupils_in_year(pack, count, year):
    already = sum(1 for p in pack.pupils.values() if p["year_group"] == year)
    for index in range(already, already + count):
        pack.add_pupil(f"Pupil Year{year}-{index:03d}", year_group=year, admitted=dt.date(2019, 9, 2))


@given(parsers.parse('{count:d} pupils in year {year} were deleted on {day} on ground "{ground}"'))
def pupils_deleted(pack, count, year, day, ground):
    remaining = [n for n, p in pack.pupils.items() if p["year_group"] == year and not p["deletion_date"]]
    assert len(remaining) >= count, f"only {len(remaining)} pupils in year {year} left on roll"
    for name in remaining[:count]:
        pack.delete(name, _date(day), ground)


@then(parsers.re(r"an? (?P<severity>red|amber|green) finding (?P<code>\w+) is raised for the school"), target_fixture="finding")
def school_finding_raised(result, severity, code):
    found = [f for f in result.findings if f.rule == code]
    assert len(found) == 1, [f.summary for f in found]
    assert found[0].severity == severity and found[0].upn is None and found[0].pupil is None, found[0]
    return found[0]


@then(parsers.parse("no finding {code} is raised for the school"))
def no_school_finding(result, code):
    assert [f.summary for f in result.findings if f.rule == code] == []
    assert any(r.code == code for r in result.rules), f"{code} is not a loaded rule"


@then(parsers.parse('its evidence records {key} as "{value}"'))
def evidence_records(finding, key, value):
    held = finding.evidence[key]
    try:
        expected = _date(value).isoformat()
    except ValueError:
        expected = value
    if isinstance(held, bool):
        assert str(held).lower() == value.lower(), held
    elif isinstance(held, (int, float)):
        assert held == float(value), held
    else:
        assert str(held) == expected, held


@then("it asks for a referral to the children missing education team")
def refers_to_cme(finding):
    assert finding.refer_to_cme is True


@then("it does not ask for a referral to the children missing education team")
def does_not_refer_to_cme(finding):
    assert finding.refer_to_cme is False


# ---- Common Transfer Files ---------------------------------------------------------------------


@given(parsers.parse('the school\'s admission register and attendance come as the Common Transfer File "{name}"'))
def from_ctf(pack, name):
    pack.urn = "990001"  # the school of the CTFs in tests/data/ctf
    pack.ctf_files[name] = (Path(__file__).parent / "data" / "ctf" / name).read_bytes()
