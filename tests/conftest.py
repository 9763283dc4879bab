"""Step definitions shared by every feature file in ``features/``, in the words of the policy."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_bdd import given, parsers, then, when

from auditor import inspect
from auditor.values import parse_date
from tests.packs import PackBuilder, tokenise_marks, uk

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


@given(
    parsers.re(r'the pupil "(?P<name>[^"]+)"(?: born (?P<born>\S+))? in year (?P<year>\S+) is on roll at the school')
)
def pupil_on_roll(pack, name, born, year):
    pack.add_pupil(name, year_group=year, born=_date(born) if born else None)


@given(parsers.parse('the pupil "{name}" is on roll at the school'))
def pupil_on_roll_any_year(pack, name):
    pack.add_pupil(name)


@given(parsers.parse('"{name}" was deleted from the register on {day} on ground "{ground}"'))
def deleted(pack, name, day, ground):
    pack.delete(name, _date(day), ground)


@given(parsers.parse('the local authority holds no {return_type} return for "{name}"'))
def no_return(pack, return_type, name):
    upn = pack.pupils[name]["upn"]
    pack.returns = [r for r in pack.returns or [] if not (r["upn"] == upn and r["return_type"] == return_type)]


@given(parsers.parse('the local authority received a {return_type} return for "{name}" on {day}'))
def return_received(pack, return_type, name, day):
    pack.add_return(return_type, _date(day), name)


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


@given(parsers.parse('the pupil "{name}" is also on roll under UPN "{upn}"'))
def registered_under_another_upn(pack, name, upn):
    pack.pupils[f"{name} (UPN {upn})"] = dict(pack.pupils[name], upn=upn)


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


@given(parsers.parse('the local authority allocated a place to "{names}" born {born} on {day}'))
def allocation(pack, names, born, day):
    forename, _, surname = names.partition(" ")
    rows = pack.extra_files.setdefault("allocations.csv", [])
    rows.append(
        {
            "upn": "",
            "surname": surname,
            "forename": forename,
            "date_of_birth": born,
            "allocated_on": uk(_date(day)),
            "expected_start_date": uk(_date(day) + dt.timedelta(days=14)),
        }
    )


# ---- the inspection ----------------------------------------------------------------------------


@when(parsers.parse("the registers are inspected on {day}"), target_fixture="result")
def inspected(pack, day):
    as_of = _date(day)
    return inspect(pack.write(as_of), as_of=as_of)


def _findings(result, code, pack, name):
    upn = pack.pupils[name]["upn"]
    return [f for f in result.findings if f.rule == code and f.upn == upn]


@then(parsers.parse('a {severity} finding {code} is raised for "{name}"'), target_fixture="finding")
def finding_raised(result, pack, severity, code, name):
    found = _findings(result, code, pack, name)
    assert len(found) == 1, f"expected one {code} finding for {name}, got {[f.summary for f in found]}"
    assert found[0].severity == severity, found[0]
    return found[0]


@then(parsers.parse('an {severity} finding {code} is raised for "{name}"'), target_fixture="finding")
def finding_raised_an(result, pack, severity, code, name):
    return finding_raised(result, pack, severity, code, name)


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


@then(parsers.parse('its summary says "{text}"'))
def summary_says(finding, text):
    assert text in finding.summary, finding.summary


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
