"""The rules as people read them: a page per rule, shaped as ``register-audit explain`` is (what
it does, why, its legal basis per regulation era, its thresholds under each policy), then its
feature files, each Rule and Scenario in words, the register tables drawn as the report draws a
register (a week per row, AM and PM side by side). Nothing is retyped: it is all read from
``rules/`` and ``features/`` through the library, and the grid is the report's own macro and CSS."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from auditor import catalogue
from auditor.regulations import regulations
from auditor.resources import reports_dir
from auditor.rules import Rule, find_rule
from auditor.scenarios.builder import tokenise_marks
from auditor.scenarios.parse import Feature, Step, features
from auditor.values import parse_date
from auditor_service.web.access import permit
from auditor_service.web.render import page

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


def rule_list(request: Request) -> Response:
    permit(request, "view-policy")
    return page(request, "rules.html", {"entries": catalogue.entries()})


def rule_page(request: Request) -> Response:
    permit(request, "view-policy")
    rule = find_rule(request.path_params["code"])
    if rule is None or rule.code != request.path_params["code"]:
        raise HTTPException(404, "There is no rule with that code: the list of rules has them all.")
    from auditor_service.web.pages import policies  # which imports this module's grid

    return page(request, "rule.html", {
        "rule": rule,
        "entry": catalogue.entry(rule),
        "bases": legal_bases(rule),
        "policies": policies.all_policies(request.app.state.settings),
        "features": (shown := features_of(rule.code)),
        "legend": legend(shown),
        "grid": grid,
        "weekdays": WEEKDAYS,
    })


def legal_bases(rule: Rule) -> list[tuple[str, str]]:
    """The rule's legal basis per regulation era, each era named as the regulations name it."""
    named = {era.id: era.name for era in regulations().eras}
    return [("In any era" if era == "any" else named.get(era, f"{era} Regulations"), text)
            for era, text in rule.legal_basis.items()]


def legend(shown: list[Feature]) -> list[tuple[str, str]]:
    """Each attendance code the registers shown use, with its category under the regulations
    (the latest era's, else the era it belongs to)."""
    used = sorted({session.code for feature in shown for scenario in feature.scenarios
                   for step in (*feature.background, *scenario.all_steps) for week in (grid(step) or ())
                   for day in week.days for session in (day.am, day.pm) if session.code})
    eras = list(reversed(regulations().eras))
    return [(code, next(era.code_category[code] for era in eras if code in era.code_category).replace("_", " "))
            for code in used]


def features_of(code: str) -> list[Feature]:
    return [feature for feature in features() if code in feature.rule_codes]


# ---- the register grid -------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    code: str | None
    open: bool | None  # None: no mark written, as a holiday or a weekend is in a feature's table
    counted: bool = False


@dataclass(frozen=True)
class Day:
    date: dt.date
    am: Session
    pm: Session


@dataclass(frozen=True)
class Week:
    week_of: dt.date
    days: tuple[Day, ...]


def grid(step: Step) -> list[Week] | None:
    """A step's table as register weeks, if it is a register (``| week of | Mon | ... |``, a
    Monday and a cell of AM and PM marks per weekday); None for any other table."""
    table = step.table
    if not table or [cell.strip().lower() for cell in table[0]] != ["week of", *(d.lower() for d in WEEKDAYS)]:
        return None
    weeks = []
    for row in table[1:]:
        try:
            monday = parse_date(row[0])
        except ValueError:
            return None
        days = []
        for offset, cell in enumerate(row[1:]):
            try:
                marks = tokenise_marks(cell)  # as the steps read a cell
            except ValueError:
                return None  # not a register's cell: the table is shown as a table
            if len(marks) not in (0, 2):
                return None
            am, pm = (Session(code, True) for code in marks) if marks else (Session(None, None),) * 2
            days.append(Day(monday + dt.timedelta(days=offset), am, pm))
        weeks.append(Week(monday, tuple(days)))
    return weeks


async def register_stylesheet(request: Request) -> Response:
    permit(request, "view-policy")
    return FileResponse(reports_dir() / "register.css", media_type="text/css")


routes = [
    Route("/rules", rule_list, name="rules"),
    Route("/rules/register.css", register_stylesheet, name="register-css"),
    Route("/rules/{code}", rule_page, name="rule"),
]
