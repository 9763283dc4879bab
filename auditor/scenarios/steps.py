"""The steps of every feature file in ``features/``, in the words of the policy: one registry,
one function for each step, used by pytest-bdd (``tests/conftest.py`` registers each) and by the
library's own runner (``auditor.scenarios.run``) alike.

A step is a plain function of a ``ScenarioState`` (the pack being built, the inspection's result,
the finding a Then step picked) and of the values its pattern reads from the step's words. Its
pattern is matched against the whole step, as pytest-bdd matches it: ``Exact`` words, a
``Parse`` pattern (the ``parse`` package: ``{day}``, ``{count:d}``) or a ``Regex`` (named groups).
A step with a data table takes it as ``datatable`` (rows of cells, the header first)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import parse as _parse

from auditor.findings import Finding
from auditor.inspection import Inspection, inspect
from auditor.resources import feature_data_dir
from auditor.scenarios.builder import PackBuilder, tokenise_marks, uk
from auditor.values import parse_date


@dataclass
class ScenarioState:
    """What a scenario's steps share: the pack its Given steps build, the inspection its When step
    makes, the finding its Then steps look at."""

    pack: PackBuilder
    result: Inspection | None = None
    finding: Finding | None = None
    # A policy file to inspect under in place of the policy named ``replaces`` (a draft, run by
    # auditor.scenarios.run); the pack's own policy otherwise.
    policy_file: Path | None = None
    replaces: str | None = None

    def policy_to_inspect_under(self) -> str | None:
        """The policy file the When step inspects under, or None for the pack's own policy."""
        if self.policy_file is not None and self.pack.policy == self.replaces:
            return str(self.policy_file)
        return None


class Exact:
    def __init__(self, text: str) -> None:
        self.text = text

    def match(self, step: str) -> dict[str, Any] | None:
        return {} if step == self.text else None


class Parse:
    def __init__(self, text: str) -> None:
        self.text, self._compiled = text, _parse.compile(text)

    def match(self, step: str) -> dict[str, Any] | None:
        try:
            found = self._compiled.parse(step)
        except ValueError:  # a value the pattern's type cannot convert
            return None
        return dict(found.named) if found else None


class Regex:
    def __init__(self, text: str) -> None:
        self.text, self._compiled = text, re.compile(text)

    def match(self, step: str) -> dict[str, Any] | None:
        found = self._compiled.fullmatch(step)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class StepDefinition:
    kind: str  # given | when | then
    pattern: Exact | Parse | Regex
    function: Callable[..., None]
    takes_table: bool = field(default=False)

    def match(self, text: str) -> dict[str, Any] | None:
        return self.pattern.match(text)


STEPS: list[StepDefinition] = []  # the registry: every step, once


def _step(kind: str, pattern: str | Parse | Regex) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(function: Callable[..., None]) -> Callable[..., None]:
        takes_table = "datatable" in function.__code__.co_varnames[: function.__code__.co_argcount]
        STEPS.append(StepDefinition(kind, Exact(pattern) if isinstance(pattern, str) else pattern, function, takes_table))
        return function

    return register


def given(pattern: str | Parse | Regex):
    return _step("given", pattern)


def when(pattern: str | Parse | Regex):
    return _step("when", pattern)


def then(pattern: str | Parse | Regex):
    return _step("then", pattern)


def matching(kind: str, text: str) -> list[tuple[StepDefinition, dict[str, Any]]]:
    """The registered steps of ``kind`` that match ``text``, with the values each reads from it."""
    found = []
    for definition in STEPS:
        if definition.kind == kind:
            values = definition.match(text)
            if values is not None:
                found.append((definition, values))
    return found


_date = parse_date  # steps read dates as dd/mm/yyyy, the way officers write them


# ---- the school and its lists ------------------------------------------------------------------


@given("the local authority's list of returns from the school")
def returns_list(state):
    state.pack.returns = state.pack.returns if state.pack.returns is not None else []


@given("the pack holds no list of returns")
def no_returns_file(state):
    state.pack.returns = None


@given(Parse("the school's calendar ends the summer term on {day}"))
def summer_term_ends(state, day):
    end = _date(day)
    first = dt.date(end.year, 7, 1)
    for offset in range((dt.date(end.year, 8, 31) - first).days + 1):
        date = first + dt.timedelta(days=offset)
        is_open = "Y" if date.weekday() < 5 and date <= end else "N"
        state.pack.calendar.append({"date": date.strftime("%d/%m/%Y"), "am_open": is_open, "pm_open": is_open})


@given(Parse("the school's calendar opens the school year on {day}, after INSET days"))
def school_year_opens(state, day):
    first = _date(day)
    for offset in range(28):
        date = dt.date(first.year, 9, 1) + dt.timedelta(days=offset)
        is_open = "Y" if date.weekday() < 5 and date >= first else "N"
        state.pack.calendar.append({"date": date.strftime("%d/%m/%Y"), "am_open": is_open, "pm_open": is_open})


@given(Parse("the school's calendar lists every weekday from {first} to {last} as open"))
def calendar_open(state, first, last):
    date = _date(first)
    while date <= _date(last):
        if date.weekday() < 5:
            state.pack.calendar.append({"date": date.strftime("%d/%m/%Y"), "am_open": "Y", "pm_open": "Y"})
        date += dt.timedelta(days=1)


@given(Regex(r'the pupil "(?P<name>[^"]+)"(?: born (?P<born>\S+))? in year (?P<year>\S+) is on roll at the school'))
def pupil_on_roll(state, name, born, year):
    state.pack.add_pupil(name, year_group=year, born=_date(born) if born else None)


@given(Parse('the pupil "{name}" is on roll at the school'))
def pupil_on_roll_any_year(state, name):
    state.pack.add_pupil(name)


@given(Regex(r'"(?P<name>[^"]+)" was deleted from the register on (?P<day>\S+) on ground "(?P<ground>[^"]*)"'))
def deleted(state, name, day, ground):
    state.pack.delete(name, _date(day), ground)


@given(Regex(r'the local authority holds no (?P<return_type>[\w ]+?) return for "(?P<name>[^"]+)"'))
def no_return(state, return_type, name):
    return_type = return_type.replace(" ", "_")
    upn = state.pack.pupils[name]["upn"]
    returns = state.pack.returns or []
    state.pack.returns = [r for r in returns if not (r["upn"] == upn and r["return_type"] == return_type)]


@given(Regex(r'the local authority received an? (?P<return_type>[\w -]+?) return for "(?P<name>[^"]+)" on (?P<day>\S+)'))
def return_received(state, return_type, name, day):
    state.pack.add_return(return_type.replace(" ", "_"), _date(day), name)


@given(Parse('the local authority received a {return_type} return with no UPN naming "{names}" born {born} on {day}'))
def return_by_names(state, return_type, names, born, day):
    forename, _, surname = names.partition(" ")
    state.pack.add_return(return_type, _date(day), forename=forename, surname=surname, born=born)


@given(Parse('the attendance register for "{name}" reads'))
def attendance_grid(state, name, datatable):
    header, *weeks = datatable
    for row in weeks:
        state.pack.add_week(name, _date(row[0]), list(row[1:]))


@given(Parse("the inspection looks at events from {day}"))
def period_from(state, day):
    state.pack.period_start = _date(day)


# ---- data quality: registers and lists as exported ---------------------------------------------


@given(Parse('the pupil "{name}" is on roll at the school with UPN "{upn}"'))
def pupil_with_upn(state, name, upn):
    state.pack.add_pupil(name)["upn"] = upn


@given(Parse('the pupil "{name}" was admitted on {day}'))
def pupil_admitted(state, name, day):
    pupil = state.pack.pupils.get(name) or state.pack.add_pupil(name)
    pupil.update(admission_date=uk(_date(day)), first_attendance_date=uk(_date(day)))


@given(Parse('"{name}" is entered in the register a second time on {day}'))
def registered_again(state, name, day):
    again = dict(state.pack.pupils[name], admission_date=uk(_date(day)), first_attendance_date=uk(_date(day)))
    again.update(deletion_date="", deletion_ground="")
    state.pack.pupils[f"{name} (second entry)"] = again


@given(Regex(r'the pupil "(?P<name>[^"]+)" is also on roll under UPN "(?P<upn>[^"]+)"(?: from (?P<day>\S+))?$'))
def registered_under_another_upn(state, name, upn, day=None):
    again = dict(state.pack.pupils[name], upn=upn)
    if day:
        again.update(admission_date=uk(_date(day)), first_attendance_date=uk(_date(day)))
    state.pack.pupils[f"{name} (UPN {upn})"] = again


@given(Parse('the attendance register for UPN "{upn}" reads'))
def attendance_grid_by_upn(state, upn, datatable):
    header, *weeks = datatable
    for row in weeks:
        monday = _date(row[0])
        for offset, cell in enumerate(row[1:]):
            day = monday + dt.timedelta(days=offset)
            for session, code in zip(("AM", "PM"), tokenise_marks(cell)):
                state.pack.marks.append({"upn": upn, "date": uk(day), "session": session, "code": code})


@given(Parse('the local authority received a {return_type} return with UPN "{upn}" naming "{names}" born {born} on {day}'))
def return_with_upn(state, return_type, upn, names, born, day):
    forename, _, surname = names.partition(" ")
    state.pack.add_return(return_type, _date(day), upn=upn, forename=forename, surname=surname, born=born)


@given(Parse('the school is inspected under the "{policy}" policy'))
def under_policy(state, policy):
    state.pack.policy = policy


# ---- the inspection ----------------------------------------------------------------------------


@when(Parse("the registers are inspected on {day}"))
def inspected(state, day):
    as_of = _date(day)
    state.result = inspect(state.pack.write(as_of), as_of=as_of, policy=state.policy_to_inspect_under())


def _findings(state, code, name):
    """A pupil's findings: by UPN for a pupil on roll, else by name (an allocated child never on roll)."""
    if name in state.pack.pupils:
        upn = state.pack.pupils[name]["upn"]
        return [f for f in state.result.findings if f.rule == code and f.upn == upn]
    forename, surname = name.split(" ", 1)
    return [f for f in state.result.findings if f.rule == code and f.pupil == f"{surname}, {forename}"]


def _summaries(found):
    return "; ".join(f"{f.severity} {f.rule}: {f.summary}" for f in found) or "none"


@then(Regex(r'an? (?P<severity>red|amber|green) finding (?P<code>\w+) is raised for "(?P<name>[^"]+)"'))
def finding_raised(state, severity, code, name):
    found = _findings(state, code, name)
    assert len(found) == 1, f"expected one {code} finding for {name}, got {_summaries(found)}"
    assert found[0].severity == severity, f"expected a {severity} {code} finding for {name}, got {_summaries(found)}"
    state.finding = found[0]


@then(Regex(r'an? (?P<severity>red|amber|green) finding (?P<code>[A-Z]+\d+) is raised saying "(?P<text>[^"]+)"'))
def finding_saying(state, severity, code, text):
    found = [f for f in state.result.findings if f.rule == code and text in f.summary]
    assert len(found) == 1, f"expected one {code} finding saying {text!r}, got {_summaries(state.result.findings)}"
    assert found[0].severity == severity, f"expected a {severity} {code} finding, got {_summaries(found)}"
    state.finding = found[0]


@then(Parse("no finding {code} is raised"))
def no_finding_at_all(state, code):
    found = [f for f in state.result.findings if f.rule == code]
    assert found == [], f"expected no {code} finding, got {_summaries(found)}"
    assert any(r.code == code and r.status == "checked" for r in state.result.rules), f"{code} was not checked"


@then(Parse('its evidence shows {label} "{value}"'))
def evidence_shows(state, label, value):
    status = next(r for r in state.result.rules if r.code == state.finding.rule)
    key = next((k for k, v in status.evidence_labels.items() if v.lower() == label.lower()), label)
    held = state.finding.evidence.get(key)
    assert str(held) == value, f"expected its evidence to show {label} {value!r}, it shows {held!r}"


@then(Parse('no finding {code} is raised for "{name}"'))
def no_finding(state, code, name):
    found = _findings(state, code, name)
    assert found == [], f"expected no {code} finding for {name}, got {_summaries(found)}"
    assert any(r.code == code for r in state.result.rules), f"{code} is not a loaded rule"


@then(Parse('its legal basis cites "{text}"'))
def legal_basis_cites(state, text):
    assert text in state.finding.legal_basis, f"its legal basis does not cite {text!r}: {state.finding.legal_basis}"


@then(Parse("its evidence shows {count:d} deletion returns held"))
def evidence_returns(state, count):
    held = state.finding.evidence["deletion_returns"]
    assert held == count, f"expected {count} deletion returns held, its evidence shows {held}"


@then(Parse("its evidence shows the return came {days:d} days after the deletion"))
def evidence_delay(state, days):
    held = state.finding.evidence["return_delay_days"]
    assert held == days, f"expected the return {days} days after the deletion, its evidence shows {held}"
    assert f"{days} days after" in state.finding.summary, state.finding.summary


@then(Parse('rule {code} is reported as not checked because "{reason}"'))
def not_checked(state, code, reason):
    status = next(r for r in state.result.rules if r.code == code)
    assert status.status == "not_checked", f"{code} was checked"
    assert status.reason == reason, f"{code} is not checked because {status.reason!r}"


@then(Parse('its summary says "{text}"'))
def summary_says(state, text):
    assert text in state.finding.summary, f"its summary does not say {text!r}: {state.finding.summary}"


@then(Parse("its evidence shows {days:g} school days of continuous unauthorised absence from {day}"))
def evidence_absence_run(state, days, day):
    evidence = state.finding.evidence
    assert evidence["school_days"] == days, f"expected {days:g} school days, its evidence shows {evidence['school_days']}"
    assert evidence["run_start"] == _date(day).isoformat(), f"expected a run from {day}, it is from {evidence['run_start']}"


@then(Parse("its evidence shows {days:g} school days of absence before the deletion"))
def evidence_absence_before_deletion(state, days):
    held = state.finding.evidence["absence_before_school_days"]
    assert held == days, f"expected {days:g} school days of absence before the deletion, its evidence shows {held}"


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


@given(Regex(r'"(?P<name>[^"]+)" has been on a part-time timetable since (?P<start>\S+?)(?P<unagreed> with no parental agreement recorded)?$'))
def timetable_running(state, name, start, unagreed):
    _timetable(state.pack, name, start, agreed="N" if unagreed else "Y")


@given(Parse('"{name}" was on a part-time timetable from {start} to {end}'))
def timetable_ended(state, name, start, end):
    _timetable(state.pack, name, start, end)


@given("the school keeps a part-time timetable log")
def timetable_log(state):
    state.pack.timetables = []


@then(Parse("its evidence shows the timetable was {source}"))
def evidence_timetable_source(state, source):
    held = state.finding.evidence["source"]
    assert held.startswith(source), f"expected the timetable {source}, its evidence shows {held}"


@then(Parse("its evidence shows {days:d} school days on the timetable"))
def evidence_timetable_days(state, days):
    held = state.finding.evidence["school_days"]
    assert held == days, f"expected {days} school days on the timetable, its evidence shows {held}"


# ---- allocations -------------------------------------------------------------------------------


@given("the local authority's list of places allocated to the school")
def allocations_list(state):
    state.pack.allocations = []


@given("the pack holds no list of allocations")
def no_allocations_file(state):
    state.pack.allocations = None


@given(Regex(r'the local authority allocated "(?P<names>[^"]+)" born (?P<born>\S+) a place from (?P<start>\S+)'))
def allocated_by_names(state, names, born, start):
    forename, _, surname = names.partition(" ")
    allocated_on = _date(start) - dt.timedelta(days=28)
    state.pack.allocations.append({"upn": "", "surname": surname, "forename": forename, "date_of_birth": born,
                                   "allocated_on": allocated_on.strftime("%d/%m/%Y"), "expected_start_date": start})


@given(Regex(r'the local authority allocated "(?P<name>[^"]+)" a place from (?P<start>\S+) by UPN'))
def allocated_by_upn(state, name, start):
    pupil = state.pack.pupils[name]
    allocated_on = _date(start) - dt.timedelta(days=28)
    state.pack.allocations.append({"upn": pupil["upn"], "surname": pupil["surname"], "forename": pupil["forename"],
                                   "date_of_birth": pupil["date_of_birth"],
                                   "allocated_on": allocated_on.strftime("%d/%m/%Y"), "expected_start_date": start})


@then(Parse("its evidence shows the match was made by {method}"))
def evidence_match(state, method):
    held = state.finding.evidence["matched_by"]
    assert held == method, f"expected the match made by {method}, its evidence shows {held}"


# ---- admissions and the roll -------------------------------------------------------------------


@given(Regex(r'"(?P<name>[^"]+)" was entered in the admission register on (?P<day>\S+?)(?: to start on (?P<start>\S+))?$'))
def entered(state, name, day, start):
    state.pack.admit(name, _date(day), _date(start) if start else None)


@given(Parse('"{name}" was re-admitted on {day}'))
def readmitted(state, name, day):
    state.pack.readmit(name, _date(day))


@given(Parse("the school has {count:d} pupils on roll in year {year}"))
def pupils_in_year(state, count, year):
    already = sum(1 for p in state.pack.pupils.values() if p["year_group"] == year)
    for index in range(already, already + count):
        state.pack.add_pupil(f"Pupil Year{year}-{index:03d}", year_group=year, admitted=dt.date(2019, 9, 2))


@given(Parse('{count:d} pupils in year {year} were deleted on {day} on ground "{ground}"'))
def pupils_deleted(state, count, year, day, ground):
    remaining = [n for n, p in state.pack.pupils.items() if p["year_group"] == year and not p["deletion_date"]]
    assert len(remaining) >= count, f"only {len(remaining)} pupils in year {year} left on roll"
    for name in remaining[:count]:
        state.pack.delete(name, _date(day), ground)


@then(Regex(r"an? (?P<severity>red|amber|green) finding (?P<code>\w+) is raised for the school"))
def school_finding_raised(state, severity, code):
    found = [f for f in state.result.findings if f.rule == code]
    assert len(found) == 1, f"expected one {code} finding for the school, got {_summaries(found)}"
    assert found[0].severity == severity and found[0].upn is None and found[0].pupil is None, (
        f"expected a {severity} {code} finding for the school, got {_summaries(found)}"
    )
    state.finding = found[0]


@then(Parse("no finding {code} is raised for the school"))
def no_school_finding(state, code):
    found = [f for f in state.result.findings if f.rule == code]
    assert found == [], f"expected no {code} finding for the school, got {_summaries(found)}"
    assert any(r.code == code for r in state.result.rules), f"{code} is not a loaded rule"


@then(Parse('its evidence records {key} as "{value}"'))
def evidence_records(state, key, value):
    held = state.finding.evidence[key]
    try:
        expected = _date(value).isoformat()
    except ValueError:
        expected = value
    message = f"expected its evidence to record {key} as {value!r}, it records {held!r}"
    if isinstance(held, bool):
        assert str(held).lower() == value.lower(), message
    elif isinstance(held, (int, float)):
        assert held == float(value), message
    else:
        assert str(held) == expected, message


@then("it asks for a referral to the children missing education team")
def refers_to_cme(state):
    assert state.finding.refer_to_cme is True, "it does not ask for a referral to the children missing education team"


@then("it does not ask for a referral to the children missing education team")
def does_not_refer_to_cme(state):
    assert state.finding.refer_to_cme is False, "it asks for a referral to the children missing education team"


# ---- Common Transfer Files ---------------------------------------------------------------------


@given(Parse('the school\'s admission register and attendance come as the Common Transfer File "{name}"'))
def from_ctf(state, name):
    state.pack.urn = "990001"  # the school of the CTFs the features name
    state.pack.ctf_files[name] = (feature_data_dir() / "ctf" / Path(name).name).read_bytes()
