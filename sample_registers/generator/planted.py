"""Planted cases: for each rule, pupils who must be flagged and near misses that must not be,
each recorded in the manifest with the reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from generator.core import (
    LA_CODE,
    RECEPTION_AGE,
    YEAR_GROUPS,
    PackBuilder,
    Timeline,
    _weekday_on_or_after,
    calendar_days,
    make_upns,
    year_offset,
)

# ---- Planted cases --------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchors:
    """School-day numbers the planted cases hang from, so that other periods work too:
    the first days back after the first three holidays, and the last school day."""

    autumn_half: int
    spring: int
    spring_half: int
    last: int

    @classmethod
    def of(cls, timeline: Timeline) -> Anchors:
        breaks = timeline.after_breaks()
        if len(breaks) < 3 or timeline.school_days - breaks[2] < 14:
            raise SystemExit("planted cases need a period with three holidays and 14 school days after the third")
        return cls(breaks[0], breaks[1], breaks[2], timeline.school_days - 1)


def plant_reg001(pack: PackBuilder, at: Anchors) -> None:
    """Deletion returns: none, late, on the day, before, and one matched by names only."""
    when = pack.timeline.date
    p = pack.pick(5)
    for pupil in p:
        pack.clear_unauthorised(pupil)

    pack.delete(p[0], at.spring + 3, "9(1)(g)")
    pack.expect("REG001", p[0], "finding", "deleted (moved away) with no deletion return held by the LA")

    left = pack.delete(p[1], at.autumn_half + 19, "reg 9(1)(a)")
    pack.rename(p[1], "O'Neill", "Siobhán")
    who = {**pack.person(p[1]), "surname": "ONEILL", "forename": "Siobhan"}
    pack.add_return(who, "deletion", left, ground="9(1)(a)", with_upn=False)
    pack.expect(
        "REG001",
        p[1],
        "no_finding",
        "return on the day has no UPN; names (case, apostrophe, accent differ) and date of birth match",
    )

    left = pack.delete(p[2], at.spring_half - 5, "9.1.a")
    pack.add_return(p[2], "deletion", left + calendar_days(3), ground="9(1)(a)")
    pack.expect("REG001", p[2], "finding", f"deletion return received 3 days after the deletion on {left:%d/%m/%Y}")

    left = pack.delete(p[3], 30, "reg 9(1)(f)")
    pack.add_return(p[3], "deletion", left, ground="9(1)(f)")
    pack.expect(
        "REG001", p[3], "no_finding", "elective home education; deletion return received on the day of deletion"
    )

    left = pack.delete(p[4], at.spring + 13, "9.1.g")
    pack.add_return(p[4], "deletion", left - calendar_days(2), ground="9(1)(g)")
    pack.expect(
        "REG001",
        p[4],
        "no_finding",
        f"deletion return received two days before the deletion on {when(at.spring + 13):%d/%m/%Y}",
    )


def _lost_pupil(pack: PackBuilder, pupil: int, first_k: int, deleted_k: int, ground: str) -> dt.date:
    """O (after two days of N) every session from first_k to the day before deletion; the
    deletion return arrives on the day, so REG001 has nothing to say."""
    pack.clear_unauthorised(pupil)
    pack.mark(pupil, first_k, first_k + 1, "N")
    pack.mark(pupil, first_k + 2, deleted_k - 1, "O")
    left = pack.delete(pupil, deleted_k, ground)
    pack.add_return(pupil, "deletion", left, ground="9(1)(i)")
    return left


def plant_reg002(pack: PackBuilder, at: Anchors) -> None:
    """Lost-pupil deletions: lawful, too short, broken by illness, without the LA."""
    when = pack.timeline.date
    p = pack.pick(4)

    # 22 school days across the February half term, LA told on day 11: lawful.
    deleted = at.spring_half + 9
    _lost_pupil(pack, p[0], deleted - 22, deleted, "9(1)(i)")
    pack.mark(p[0], deleted - 8, deleted - 8, "G", slice(0, 1))  # G also qualifies
    pack.add_return(p[0], "absence", when(deleted - 12))
    pack.expect(
        "REG002",
        p[0],
        "no_finding",
        "22 school days of N/O/G across the February half term; absence return before the deletion",
    )
    pack.expect("REG005", p[0], "no_finding", "absence return received one school day after the run reached 10 days")

    deleted = at.autumn_half + 20
    _lost_pupil(pack, p[1], deleted - 15, deleted, "ground i")
    pack.add_return(p[1], "absence", when(deleted - 4))
    pack.expect("REG002", p[1], "finding", "deleted after only 15 school days of continuous absence")

    deleted = at.spring_half + 4
    _lost_pupil(pack, p[2], deleted - 22, deleted, "reg 9(1)(i)")
    pack.mark(p[2], deleted - 12, deleted - 12, "I")
    pack.add_return(p[2], "absence", when(deleted - 6))
    pack.expect(
        "REG002",
        p[2],
        "finding",
        f"22-day run broken by illness (I) on {when(deleted - 12):%d/%m/%Y}: only 11 qualifying days before the deletion",
    )

    deleted = at.autumn_half + 29
    _lost_pupil(pack, p[3], deleted - 22, deleted, "9.1.i")
    pack.expect(
        "REG002",
        p[3],
        "finding",
        "22 school days of O but no absence return or enquiry with the LA before the deletion",
    )
    pack.expect("REG005", p[3], "finding", "22 school days of unauthorised absence and never an absence return")


def plant_part_time(pack: PackBuilder, at: Anchors, inspection: dt.date) -> None:
    """Part-time timetables: C2 every afternoon while they run."""
    when = pack.timeline.date
    started = _weekday_on_or_after((pd.Timestamp(inspection) - pd.DateOffset(months=14)).date(), 0)
    p = pack.pick(4, groups=YEAR_GROUPS[pack.phase][2:], admitted_by=started)  # on roll before the oldest began
    for pupil in p:
        pack.clear_unauthorised(pupil)

    def timetable(pupil: int, start: dt.date, planned_end: dt.date, agreed: str, reviewed: dt.date) -> None:
        pack.mark(pupil, pack.timeline.k_of(start), at.last, "C2", slice(1, 2))
        pack.timetables.append(
            {
                "upn": pack.person(pupil)["upn"],
                "start_date": start,
                "planned_end_date": planned_end,
                "end_date": None,
                "hours_per_week": 15.0,
                "parent_agreed": agreed,
                "last_review_date": reviewed,
            }
        )

    timetable(p[0], when(at.last - 19), when(at.last - 19) + calendar_days(42), "Y", when(at.last - 5))
    pack.expect("REG003", p[0], "no_finding", "part-time timetable running 20 school days (4 weeks) at the inspection")

    timetable(p[1], when(at.last - 39), when(at.last - 39) + calendar_days(42), "Y", when(at.last - 29))
    pack.expect(
        "REG003",
        p[1],
        "finding",
        "part-time timetable running 40 school days (8 weeks), past its planned end and still open",
    )
    pack.expect("REG004", p[1], "no_finding", "8 weeks is well short of 12 months")

    timetable(p[2], started, started + calendar_days(42), "N", when(at.spring))
    pack.expect(
        "REG004", p[2], "finding", f"part-time timetable running since {started:%d/%m/%Y} (14 months), never ended"
    )

    pack.mark(p[3], at.last - 34, at.last, "C2", slice(1, 2))
    pack.expect(
        "REG003",
        p[3],
        "finding",
        "C2 every afternoon for the last 35 school days (7 weeks) and no row in the part-time log",
    )


def plant_reg005(pack: PackBuilder, at: Anchors) -> None:
    """Runs of unauthorised absence: 12 days over a half term, 9, 11 with a return, 10 broken."""
    when = pack.timeline.date
    p = pack.pick(4)
    for pupil in p:
        pack.clear_unauthorised(pupil)

    first = at.autumn_half - 5
    pack.mark(p[0], first, first, "N")
    pack.mark(p[0], first + 1, first + 11, "O")
    pack.expect(
        "REG005",
        p[0],
        "finding",
        f"12 school days of N/O from {when(first):%d/%m/%Y} across the October half term, no absence return",
    )

    pack.mark(p[1], at.spring + 4, at.spring + 12, "O")
    pack.expect("REG005", p[1], "no_finding", "only 9 school days of O")

    first = at.spring + 14
    pack.mark(p[2], first, first + 10, "O")
    pack.add_return(p[2], "absence", when(first + 9))
    pack.expect(
        "REG005",
        p[2],
        "no_finding",
        f"11 school days of O; absence return received on day 10 ({when(first + 9):%d/%m/%Y})",
    )

    first = at.autumn_half + 10
    pack.mark(p[3], first, first + 9, "O")
    pack.present(p[3], first + 5, 0)
    pack.expect(
        "REG005",
        p[3],
        "no_finding",
        f"10 school days of O broken by a present mark on the morning of {when(first + 5):%d/%m/%Y}",
    )


def plant_reg006(pack: PackBuilder, at: Anchors, school_year: int) -> None:
    """Allocated places: never taken up, matched despite spelling, on roll but never present,
    and a no-show the LA was told about."""
    when = pack.timeline.date
    group = YEAR_GROUPS[pack.phase][2]
    born = dt.date(school_year - RECEPTION_AGE - 1 - year_offset(group), 11, 23)

    never = {
        "upn": make_upns(LA_CODE, np.array([2466]), np.array([school_year - 3]), np.array([418]))[0],
        "surname": "Wiśniewski",
        "forename": "Kacper",
        "date_of_birth": born,
    }
    pack.allocate(never, when(at.spring) - calendar_days(35), when(at.spring + 4))
    pack.expect(
        "REG006",
        never,
        "finding",
        f"allocated to start {when(at.spring + 4):%d/%m/%Y}, never on the register, no no-show return",
    )

    p = pack.pick(2)
    pack.rename(p[0], "Smith-Jones", "Zoë")
    pack.admit(p[0], at.autumn_half)
    pack.clear_unauthorised(p[0])
    who = {**pack.person(p[0]), "upn": "", "surname": "smith jones", "forename": "zoe"}
    pack.allocate(who, when(at.autumn_half) - calendar_days(21), when(at.autumn_half))
    pack.add_return(p[0], "new_pupil", when(at.autumn_half + 2))
    pack.expect(
        "REG006",
        p[0],
        "no_finding",
        "allocation 'zoe smith jones' matches Zoë Smith-Jones (case, accent, hyphen), who attends",
    )

    pack.rename(p[1], "Okonkwo", "Tobenna")
    pack.admit(p[1], at.spring)
    pack.clear_unauthorised(p[1])
    pack.mark(p[1], at.spring, at.spring + 1, "N")
    pack.mark(p[1], at.spring + 2, at.last, "O")
    pack.allocate(pack.person(p[1]), when(at.spring) - calendar_days(29), when(at.spring))
    pack.add_return(p[1], "new_pupil", when(at.spring + 2))
    pack.expect("REG006", p[1], "finding", "on roll from the expected start but never present: only N then O")
    pack.expect("REG005", p[1], "finding", "unauthorised absence every session since admission, no absence return")

    no_show = {"upn": "", "surname": "Abara", "forename": "Chiamaka", "date_of_birth": born + calendar_days(101)}
    pack.allocate(no_show, when(at.spring_half) - calendar_days(21), when(at.spring_half))
    pack.add_return(no_show, "no_show", when(at.spring_half + 3))
    pack.expect("REG006", no_show, "no_finding", "never arrived, but the school made a no-show return")


