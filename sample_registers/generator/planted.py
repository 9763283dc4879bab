"""Planted cases: for each rule, pupils who must be flagged and near misses that must not be,
each recorded in the manifest with the reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from generator.core import (
    CODE,
    EXAM_YEARS,
    LA_CODE,
    RECEPTION_AGE,
    YEAR_GROUPS,
    PackBuilder,
    Timeline,
    _weekday_on_or_after,
    calendar_days,
    census_window,
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
    p = pack.pick_leavers(5)
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
    pack.expect("DQ008", p[1], "finding", "green note: that return matched on names and date of birth only")

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
    """O every session from first_k to the day before deletion (the first days' N long since
    resolved to O, as REG009 asks); the deletion return arrives on the day, so REG001 has nothing
    to say."""
    pack.clear_unauthorised(pupil)
    pack.mark(pupil, first_k, deleted_k - 1, "O")
    left = pack.delete(pupil, deleted_k, ground)
    pack.add_return(pupil, "deletion", left, ground="9(1)(i)")
    return left


def plant_reg002(pack: PackBuilder, at: Anchors) -> None:
    """Lost-pupil deletions: lawful, too short, broken by illness, without the LA."""
    when = pack.timeline.date
    p = pack.pick_leavers(4)

    # 22 school days across the February half term, LA told on day 11: lawful.
    deleted = at.spring_half + 9
    _lost_pupil(pack, p[0], deleted - 22, deleted, "9(1)(i)")
    pack.mark(p[0], deleted - 8, deleted - 8, "G", slice(0, 1))  # G also qualifies
    pack.add_return(p[0], "absence", when(deleted - 12))
    pack.expect(
        "REG002",
        p[0],
        "no_finding",
        "22 school days of O/G across the February half term; absence return before the deletion",
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
    pack.mark(p[0], first, first + 11, "O")
    pack.expect(
        "REG005",
        p[0],
        "finding",
        f"12 school days of O from {when(first):%d/%m/%Y} across the October half term, no absence return",
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
    pack.expect("DQ007", never, "finding", "green note: the allocation matches no pupil in the register")

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
    pack.mark(p[1], at.spring, at.last, "O")
    pack.allocate(pack.person(p[1]), when(at.spring) - calendar_days(29), when(at.spring))
    pack.add_return(p[1], "new_pupil", when(at.spring + 2))
    pack.expect("REG006", p[1], "finding", "on roll from the expected start but never present: only O")
    pack.expect("REG005", p[1], "finding", "unauthorised absence every session since admission, no absence return")

    no_show = {"upn": "", "surname": "Abara", "forename": "Chiamaka", "date_of_birth": born + calendar_days(101)}
    pack.allocate(no_show, when(at.spring_half) - calendar_days(21), when(at.spring_half))
    pack.add_return(no_show, "no_show", when(at.spring_half + 3))
    pack.expect("REG006", no_show, "no_finding", "never arrived, but the school made a no-show return")
    pack.expect("DQ007", no_show, "finding", "green note: the allocation matches no pupil in the register")


# ---- Rules added since: REG007-REG015 ---------------------------------------------------------


def _middle_groups(pack: PackBuilder) -> list[str]:
    """Year groups neither the most junior (its admissions have an exemption) nor exam years:
    Years 3 and 4 in a primary, 8 and 9 in a secondary."""
    groups = pack.non_exam_groups[1:]
    return groups[2:4] if len(groups) > 3 else groups


def plant_reg007(pack: PackBuilder, at: Anchors) -> None:
    """New pupil returns: none for a January joiner; one in time; a junior-class pupil starting
    on the first day of the school year, who needs none."""
    when = pack.timeline.date
    groups = _middle_groups(pack)
    p = pack.pick(2, groups=groups)
    for pupil in p:
        pack.clear_unauthorised(pupil)

    pack.admit(p[0], at.spring)
    pack.keep_for("REG007", p[0])
    pack.expect(
        "REG007",
        p[0],
        "finding",
        f"Year {pack.year_group_of(p[0])} pupil entered {when(at.spring):%d/%m/%Y}, no new pupil return",
    )

    pack.admit(p[1], at.spring + 5)
    received = when(at.spring + 5) + calendar_days(4)
    pack.add_return(p[1], "new_pupil", received)
    pack.expect(
        "REG007",
        p[1],
        "no_finding",
        f"entered {when(at.spring + 5):%d/%m/%Y}, new pupil return received {received:%d/%m/%Y} (4 days later)",
    )

    junior = YEAR_GROUPS[pack.phase][0]
    first_day = pd.Timestamp(pack.timeline.date(0))
    starts_on_day_one = (pd.to_datetime(pack.register["admission_date"]) == first_day) & (
        pd.to_datetime(pack.register["first_attendance_date"]) == first_day
    )
    (q,) = pack.pick(1, groups=[junior], where=starts_on_day_one)
    pack.expect(
        "REG007",
        q,
        "no_finding",
        f"most junior class (Year {junior}), entered and starting on the first day of the school year "
        f"{first_day:%d/%m/%Y}: exempt, no return needed",
    )


def plant_reg008(pack: PackBuilder, at: Anchors) -> None:
    """Illness: three weeks of I (15 school days) with no sickness return; the same less one
    morning (14.5)."""
    when = pack.timeline.date
    weeks = [
        (at.autumn_half - 15, at.autumn_half - 11),
        (at.autumn_half, at.autumn_half + 4),
        (at.spring, at.spring + 4),
    ]
    spelt = ", ".join(f"{when(a):%d/%m}-{when(b):%d/%m/%Y}" for a, b in weeks)
    p = pack.pick(2)
    for pupil in p:
        pack.clear_unauthorised(pupil)
        row = pack.marks[pupil]
        ill = row == CODE["I"]
        row[:, 0][ill[:, 0]], row[:, 1][ill[:, 1]] = CODE["/"], CODE["\\"]
        for first, last in weeks:
            pack.mark(pupil, first, last, "I")
        pack.keep_for("REG008", pupil)
    pack.present(p[1], weeks[0][0], 0)
    pack.expect("REG008", p[0], "finding", f"I every session of {spelt}: 15 school days, no sickness return")
    pack.expect(
        "REG008",
        p[1],
        "no_finding",
        f"the same weeks of I but present on the morning of {when(weeks[0][0]):%d/%m/%Y}: 14.5 school days",
    )


def plant_reg009(pack: PackBuilder, at: Anchors) -> None:
    """N left unresolved: for 9 school days (finding), for 5 (near miss)."""
    when = pack.timeline.date
    p = pack.pick(2)
    for pupil in p:
        pack.clear_unauthorised(pupil)
        pack.keep_for("REG009", pupil)
    pack.mark(p[0], at.last - 9, at.last - 9, "N")
    pack.expect(
        "REG009",
        p[0],
        "finding",
        f"N both sessions of {when(at.last - 9):%d/%m/%Y}, still N at the inspection (9 school days)",
    )
    pack.mark(p[1], at.last - 5, at.last - 5, "N")
    pack.expect(
        "REG009",
        p[1],
        "no_finding",
        f"N both sessions of {when(at.last - 5):%d/%m/%Y}: 5 school days before the inspection, still in time",
    )


def plant_reg010(pack: PackBuilder, at: Anchors) -> None:
    """Exclusion (E): 6 school days across the February half term with no provision; 5 days
    followed by provision (K)."""
    when = pack.timeline.date
    p = pack.pick(2)
    for pupil in p:
        pack.clear_unauthorised(pupil)
    pack.mark(p[0], at.spring_half - 3, at.spring_half + 2, "E")
    pack.expect(
        "REG010",
        p[0],
        "finding",
        f"E every session {when(at.spring_half - 3):%d/%m}-{when(at.spring_half - 1):%d/%m/%Y}, half term, "
        f"E {when(at.spring_half):%d/%m}-{when(at.spring_half + 2):%d/%m/%Y}: 6 school days with no provision",
    )
    first = at.spring + 15
    pack.mark(p[1], first, first + 4, "E")
    pack.mark(p[1], first + 5, first + 9, "K")
    pack.expect(
        "REG010",
        p[1],
        "no_finding",
        f"E for 5 school days from {when(first):%d/%m/%Y}, then K (provision arranged by the LA)",
    )


def plant_reg011(pack: PackBuilder, at: Anchors) -> None:
    """Deletion grounds: a 2006 ground after 19 August 2024, a blank ground, a valid ground."""
    p = pack.pick(3, groups=_middle_groups(pack))
    for pupil in p:
        pack.clear_unauthorised(pupil)
    cases = [
        (
            p[0],
            at.autumn_half - 10,
            "8(1)(h)",
            "finding",
            "on the 2006 Regulations' ground 8(1)(h), no longer in force",
        ),
        (p[1], at.spring + 15, "", "finding", "with no ground recorded"),
        (p[2], at.autumn_half + 8, "9(1)(g)", "no_finding", "on ground 9(1)(g) (moved away), in force"),
    ]
    for pupil, k, ground, expect, why in cases:
        left = pack.delete(pupil, k, ground)
        pack.add_return(pupil, "deletion", left, ground=ground)
        pack.expect(
            "REG011",
            pupil,
            expect,
            f"Year {pack.year_group_of(pupil)} pupil deleted {left:%d/%m/%Y} {why}; return on the day",
        )
    pack.expect(
        "REG002",
        p[0],
        "finding",
        "8(1)(h) was the 2006 Regulations' lost-pupil ground: judged as a lost-pupil deletion too, with no absence before it",
    )


def plant_reg012(pack: PackBuilder, at: Anchors) -> None:
    """Deletion contradicted by the register: present every session of the week after the
    deletion; a deletion whose marks stop the day before."""
    when = pack.timeline.date
    p = pack.pick_leavers(2)
    deleted = at.spring_half - 6
    for pupil in p:
        pack.clear_unauthorised(pupil)
        left = pack.delete(pupil, deleted, "9(1)(g)")
        pack.add_return(pupil, "deletion", left, ground="9(1)(g)")
    pack.mark(p[0], deleted, at.spring_half - 1, "/", slice(0, 1))
    pack.mark(p[0], deleted, at.spring_half - 1, "\\", slice(1, 2))
    pack.marks_until[p[0]] = when(at.spring_half - 1)
    pack.expect(
        "REG012",
        p[0],
        "finding",
        f"deleted {when(deleted):%d/%m/%Y} (9(1)(g)) but present every session "
        f"{when(deleted + 1):%d/%m}-{when(at.spring_half - 1):%d/%m/%Y}",
    )
    pack.expect("DQ003", p[0], "finding", "the same marks: attendance recorded while off roll")
    pack.expect(
        "REG012",
        p[1],
        "no_finding",
        f"deleted {when(deleted):%d/%m/%Y} (9(1)(g)); marks stop on {when(deleted - 1):%d/%m/%Y}, the school day before",
    )


def plant_reg013(pack: PackBuilder, at: Anchors) -> None:
    """Deletion for not returning from leave (9(1)(h)): after 3 school days (unlawful); after
    10 school days with an absence return (lawful)."""
    when = pack.timeline.date
    p = pack.pick_leavers(2)
    for pupil in p:
        pack.clear_unauthorised(pupil)

    pack.mark(p[0], at.last - 9, at.last - 5, "C")
    pack.mark(p[0], at.last - 4, at.last - 2, "O")
    pack.add_return(p[0], "absence", when(at.last - 3))
    left = pack.delete(p[0], at.last - 1, "9(1)(h)")
    pack.add_return(p[0], "deletion", left, ground="9(1)(h)")
    pack.expect(
        "REG013",
        p[0],
        "finding",
        f"leave (C) {when(at.last - 9):%d/%m}-{when(at.last - 5):%d/%m/%Y}, O from {when(at.last - 4):%d/%m/%Y}, "
        f"absence return {when(at.last - 3):%d/%m/%Y}, deleted {left:%d/%m/%Y} on 9(1)(h): only 4 school days after the leave",
    )

    pack.mark(p[1], at.spring_half - 5, at.spring_half - 1, "C")
    pack.mark(p[1], at.spring_half, at.spring_half + 8, "O")
    pack.add_return(p[1], "absence", when(at.spring_half + 5))
    left = pack.delete(p[1], at.spring_half + 9, "9(1)(h)")
    pack.add_return(p[1], "deletion", left, ground="9(1)(h)")
    pack.expect(
        "REG013",
        p[1],
        "no_finding",
        f"leave (C) {when(at.spring_half - 5):%d/%m}-{when(at.spring_half - 1):%d/%m/%Y}, half term, O from "
        f"{when(at.spring_half):%d/%m/%Y}, absence return {when(at.spring_half + 5):%d/%m/%Y}, deleted "
        f"{left:%d/%m/%Y} on 9(1)(h): 10 school days without attendance after the leave",
    )


ABSENCE_CODES = ("M", "C", "O", "C", "M", "U")  # scattered, so no run of unauthorised absence forms


def _attend_exactly(pack: PackBuilder, pupil: int, absent_share: float, rounding) -> tuple[int, int]:
    """Absent on ``rounding(absent_share * possible)`` of the pupil's possible sessions (scattered,
    authorised and unauthorised mixed), present on the rest: (absent, possible)."""
    pack.clear(pupil)
    pack.keep_for("REG014", pupil)
    first = pack.timeline.k_of(pd.Timestamp(pack.register.at[pupil, "first_attendance_date"]).date())
    days = pack.timeline.school[first:]
    possible = 2 * len(days)
    absent = int(rounding(absent_share * possible))
    chosen = pack.rng.choice(possible, size=absent, replace=False)
    codes = np.array([CODE[c] for c in ABSENCE_CODES])[np.arange(absent) % len(ABSENCE_CODES)]
    pack.marks[pupil, days[chosen // 2], chosen % 2] = codes
    return absent, possible


def plant_reg014(pack: PackBuilder, at: Anchors) -> None:
    """Attendance: 88% (persistent, green), 45% (severe, amber), 91%, and a pupil admitted too
    recently to be judged."""
    when = pack.timeline.date
    p = pack.pick(3)
    for pupil, share, rounding, expect, label in (
        (p[0], 0.12, np.ceil, "finding", "persistently absent: green"),
        (p[1], 0.55, np.ceil, "finding", "severely absent: amber"),
        (p[2], 0.09, np.floor, "no_finding", "above 90%"),
    ):
        absent, possible = _attend_exactly(pack, pupil, share, rounding)
        rate = 100 * (possible - absent) / possible
        pack.expect(
            "REG014", pupil, expect, f"attended {possible - absent} of {possible} sessions ({rate:.2f}%): {label}"
        )

    (q,) = pack.pick(1)
    pack.admit(q, at.last - 8)
    pack.add_return(q, "new_pupil", when(at.last - 8))
    pack.clear(q)
    pack.mark(q, at.last - 8, at.last, "I", slice(1, 2))
    pack.keep_for("REG014", q)
    pack.expect(
        "REG014",
        q,
        "no_finding",
        f"admitted {when(at.last - 8):%d/%m/%Y}, ill every afternoon since (50%), but only 18 possible sessions",
    )


def _leave_for_another_school(pack: PackBuilder, pupils, days) -> None:
    """Each pupil deleted on ground 9(1)(a) on its day, with the deletion return made on time."""
    for pupil, k in zip(pupils, days):
        pack.clear_unauthorised(pupil)
        left = pack.delete(pupil, k, "9(1)(a)")
        pack.add_return(pupil, "deletion", left, ground="9(1)(a)")


def plant_reg015(pack: PackBuilder, at: Anchors) -> None:
    """The school's deletions. Primary: two Year 6 deletions, below the minimum of three (near
    miss). Secondary: a bunch of moves to other schools in the days before the January census,
    most from Year 10 (finding). Planted after every other deletion, so that it can count them."""
    when = pack.timeline.date
    register = pack.register
    deleted = pd.to_datetime(register["deletion_date"])
    others = int(deleted.notna().sum())

    if pack.phase == "primary":
        p = pack.pick(2, groups=EXAM_YEARS["primary"])
        _leave_for_another_school(pack, p, (at.autumn_half + 5, at.spring_half + 2))
        pack.expect_school(
            "REG015",
            "no_finding",
            f"2 of {others + 2} deletions from Year 6 (below the minimum of 3 for a pattern); none bunched before the census",
        )
        return

    census = census_window(pack.timeline)
    window = census[census >= at.spring]
    in_window = int(deleted.isin(pd.to_datetime([when(k) for k in census])).sum())
    # Enough that the window holds at least twice an even spread of all the deletions.
    share = 2 * len(census) / pack.timeline.school_days
    count = max(5, int(np.ceil((share * others - in_window) / (1 - share))) + 1)
    in_year_10 = max(3, int(np.ceil(0.6 * count)))
    p = pack.pick(in_year_10, groups=["10"]) + pack.pick(count - in_year_10, groups=_middle_groups(pack))
    days = window[np.arange(count) % len(window)]
    _leave_for_another_school(pack, p, days)
    pack.expect_school(
        "REG015",
        "finding",
        f"{count} deletions on 9(1)(a) between {when(window[0]):%d/%m/%Y} and {when(window[-1]):%d/%m/%Y} "
        f"(the school days before the census), {in_year_10} of them from Year 10",
    )
