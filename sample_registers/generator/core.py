"""The school's registers before anything is planted: UPNs, term dates and the calendar, names,
background attendance marks, the admission register, and the builder that planted cases and
background events edit (``PackBuilder``)."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field

import holidays
import numpy as np
import pandas as pd

DATE_FORMAT = "%d/%m/%Y"  # English MIS exports: never month-first

# ---- UPNs -----------------------------------------------------------------------------------

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S


def upn_check_letter(body: str) -> str:
    """The DfE check letter for the 12 digits that follow it: each digit times its position in
    the full UPN (2 to 13), summed, modulo 23, read off the 23-letter alphabet."""
    if len(body) != 12 or not body.isdigit():
        raise ValueError(f"a UPN body is 12 digits, not {body!r}")
    total = sum(int(digit) * position for position, digit in enumerate(body, start=2))
    return UPN_LETTERS[total % 23]


def upn_is_valid(upn: str) -> bool:
    return len(upn) == 13 and upn[1:].isdigit() and upn[0] == upn_check_letter(upn[1:])


def make_upns(la_code: int, establishments: np.ndarray, years: np.ndarray, serials: np.ndarray) -> list[str]:
    """UPNs from their parts: LA (3 digits), DfE establishment number (4), two-digit year of
    allocation, serial (3)."""
    bodies = [f"{la_code:03d}{e:04d}{y % 100:02d}{s:03d}" for e, y, s in zip(establishments, years, serials)]
    return [upn_check_letter(body) + body for body in bodies]


# ---- Term dates -----------------------------------------------------------------------------


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _last_weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


@functools.cache  # the holidays library is slow to build a year
def _easter(year: int) -> dt.date:
    """Easter Sunday, two days after Good Friday (a bank holiday in England)."""
    bank = holidays.country_holidays("GB", subdiv="ENG", years=year)
    good_friday = next(day for day, name in bank.items() if name == "Good Friday")
    return good_friday + dt.timedelta(days=2)


def term_dates(year: int) -> tuple[list[tuple[dt.date, dt.date]], list[dt.date]]:
    """The half terms (first day, last day) and INSET days of the school year starting in
    September ``year``, by the usual English pattern. Real LAs differ by a few days; for 2024/25
    this gives 2 Sep-25 Oct, 4 Nov-20 Dec, 6 Jan-14 Feb, 24 Feb-11 Apr, 28 Apr-23 May, 2 Jun-22 Jul."""
    monday = 0
    autumn = _weekday_on_or_after(dt.date(year, 9, 1), monday)
    october_break = _weekday_on_or_after(dt.date(year, 10, 25), monday)  # last Monday of October
    christmas = _last_weekday_on_or_before(dt.date(year, 12, 20))
    spring = _weekday_on_or_after(dt.date(year + 1, 1, 2), monday)
    february_break = _weekday_on_or_after(dt.date(year + 1, 2, 15), monday)  # third Monday
    easter = _easter(year + 1)
    easter_break = easter - dt.timedelta(days=6)  # two weeks round Easter
    summer = easter + dt.timedelta(days=8)
    may_break = _weekday_on_or_after(dt.date(year + 1, 5, 25), monday)  # spring bank holiday week
    summer_end = _last_weekday_on_or_before(dt.date(year + 1, 7, 22))
    day = dt.timedelta(days=1)
    half_terms = [
        (autumn, october_break - 3 * day),
        (october_break + 7 * day, christmas),
        (spring, february_break - 3 * day),
        (february_break + 7 * day, easter_break - 3 * day),
        (summer, may_break - 3 * day),
        (may_break + 7 * day, summer_end),
    ]
    return half_terms, [spring]  # an INSET day opens the spring term


def build_calendar(start: dt.date, end: dt.date) -> pd.DataFrame:
    """One row per calendar day: ``open`` (a school day: weekday in term, not a bank holiday in
    England, not INSET) and ``inset`` (closed for staff training: registers carry ``#``)."""
    days = pd.date_range(start, end, freq="D")
    bank = pd.DatetimeIndex(list(holidays.country_holidays("GB", subdiv="ENG", years=range(start.year, end.year + 1))))
    in_term = np.zeros(len(days), dtype=bool)
    inset = np.zeros(len(days), dtype=bool)
    for year in range(start.year - 1, end.year + 1):
        half_terms, inset_days = term_dates(year)
        for first, last in half_terms:
            in_term |= (days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))
        inset |= days.isin(pd.DatetimeIndex(inset_days))
    weekday_in_term = in_term & (days.day_of_week < 5) & ~days.isin(bank)
    return pd.DataFrame({"date": days, "open": weekday_in_term & ~inset, "inset": weekday_in_term & inset})


class TooFewPupils(ValueError):
    """The school is too small for the planted cases."""


@dataclass(frozen=True)
class Timeline:
    """The days that have register columns (school days and INSET days), and school-day numbers:
    school day ``k`` is the k-th day the school was open (negative ``k`` counts from the end)."""

    dates: pd.DatetimeIndex  # register days, in order
    inset: np.ndarray  # bool per register day
    school: np.ndarray  # register-day positions of the school days

    @classmethod
    def from_calendar(cls, calendar: pd.DataFrame) -> Timeline:
        marked = calendar[calendar["open"] | calendar["inset"]]
        inset = marked["inset"].to_numpy()
        return cls(pd.DatetimeIndex(marked["date"]), inset, np.flatnonzero(~inset))

    @property
    def school_days(self) -> int:
        return len(self.school)

    @property
    def school_dates(self) -> pd.DatetimeIndex:
        return self.dates[self.school]

    def col(self, k: int) -> int:
        return int(self.school[k])

    def cols(self, first_k: int, last_k: int) -> np.ndarray:
        """Register columns of school days first_k..last_k inclusive."""
        return self.school[first_k : last_k + 1]

    def date(self, k: int) -> dt.date:
        return self.dates[self.school[k]].date()

    def k_of(self, day: dt.date) -> int:
        """The school day on or after ``day``."""
        return int(self.school_dates.searchsorted(pd.Timestamp(day)))

    def after_breaks(self) -> list[int]:
        """School days that end a holiday (a gap longer than a long weekend)."""
        gaps = np.diff(self.school_dates.to_numpy()).astype("timedelta64[D]").astype(int)
        return [int(k) + 1 for k in np.flatnonzero(gaps > 4)]


# ---- Names ----------------------------------------------------------------------------------

# Common first names and surnames in English schools, some with hyphens, apostrophes, accents and
# spaces (names the tool must match tolerantly). Invented combinations: no real people.
FORENAMES = tuple(
    (
        "Oliver, Amelia, Muhammad, Olivia, Noah, Isla, George, Ava, Leo, Freya, Arthur, Lily, Oscar, Grace, "
        "Harry, Sophia, Jack, Mia, Theo, Ivy, Aarav, Priya, Kofi, Ama, Chidi, Ngozi, Mateusz, Zuzanna, "
        "Yusuf, Aisha, Ibrahim, Fatima, Wei, Mei, Ravi, Anika, Tomás, Siobhán, Chloé, Zoë, Jan, Ewa, Deniz, "
        "Elif, Luca, Giulia, Kai, Niamh, Seren, Rhys, Ffion, Amara, Tariq, Hana, Adebayo, Maryam, Alfie, "
        "Poppy, Finley, Rosie, Reuben, Esmé, Idris, Nia, Mohammed, Layla, Henry, Evie, Samuel, Ruby, Daniel, "
        "Ellie, Jakub, Maja, Ayaan, Inaaya, Joshua, Hollie, Ethan, Isabella, Mary-Jane, Jean-Luc"
    ).split(", ")
)
SURNAMES = tuple(
    (
        "Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Patel, Khan, Ahmed, Hussain, Begum, "
        "Ali, Singh, Kaur, Nowak, Kowalski, Evans, Thomas, Roberts, Walker, Wright, Thompson, White, Hughes, "
        "Edwards, Green, Hall, Wood, Harris, Clarke, Jackson, Turner, Hill, Moore, Cooper, Ward, Morris, "
        "King, Mensah, Okafor, Adeyemi, Osei, Chen, Wang, Nguyen, Yilmaz, Demir, Rossi, Costa, Silva, "
        "Murphy, Kelly, Byrne, Doyle, O'Neill, O'Brien, D'Souza, McDonald, MacLeod, Smith-Jones, "
        "Clarke-Wood, Hughes-Adeyemi, Ní Bhriain, Müller, Núñez, Brontë, Gallagher, Lewis, Baker, Young, "
        "Allen, Mitchell, Rahman, Miah, Uddin, Islam, Chowdhury, Sharma, Gupta, Kumar, Bailey, van der Berg"
    ).split(", ")
)


def name_key(name: str) -> str:
    """How the tool matches names: letters only, no case, no accents."""
    text = unicodedata.normalize("NFKD", name).casefold()
    return re.sub(r"[^a-z]", "", "".join(ch for ch in text if not unicodedata.combining(ch)))


def person_keys(frame: pd.DataFrame) -> pd.Series:
    """surname|forename|date of birth, as the tool matches people (each distinct name keyed once)."""
    keyed = {
        column: frame[column].map({n: name_key(n) for n in frame[column].unique()})
        for column in ("surname", "forename")
    }
    return (
        keyed["surname"]
        + "|"
        + keyed["forename"]
        + "|"
        + pd.to_datetime(frame["date_of_birth"]).dt.strftime("%Y-%m-%d")
    )


# ---- Attendance codes -----------------------------------------------------------------------

CODES = np.array(["/", "\\", "L", "I", "M", "C", "G", "O", "N", "U", "C2", "#", "E", "K"])
CODE = {code: index for index, code in enumerate(CODES)}
UNAUTHORISED = [CODE[c] for c in ("G", "O", "N", "U")]

# Share of sessions per single-session code for a pupil of average absence (England 2024/25:
# about 94% present). Illness and holidays come in runs of days instead.
SESSION_RATES = {"L": 0.010, "M": 0.003, "C": 0.003, "O": 0.005, "N": 0.002, "U": 0.0005}
ILLNESS_DAY_RATE = 0.025
ILLNESS_RUN_DAYS = (1, 3)
TERM_TIME_HOLIDAY_SHARE = 0.03  # pupils taken on a week's unauthorised holiday (G)

# How each phase's pupils differ from the average (England 2023/24: overall absence about 5.5% in
# primary and 8% in secondary; persistent absence about one pupil in seven in primary and one in
# four in secondary): a scale on every absence rate, and the share of pupils whose absence is 3-5
# times their phase's usual.
PHASE_ABSENCE = {"primary": (1.1, 0.07), "secondary": (1.5, 0.09)}


def absence_factors(rng: np.random.Generator, pupils: int, phase: str = "primary") -> np.ndarray:
    """How absent each pupil tends to be, relative to the average: most near 1, a long tail, and
    a few persistent absentees (below 90% attendance)."""
    scale, persistent_share = PHASE_ABSENCE[phase]
    factor = np.clip(rng.gamma(shape=4.0, scale=0.25, size=pupils), 0.2, 2.5)
    persistent = rng.random(pupils) < persistent_share
    factor[persistent] = rng.uniform(3.0, 5.0, size=persistent.sum())
    return factor * scale


def background_marks(rng: np.random.Generator, timeline: Timeline, factor: np.ndarray) -> np.ndarray:
    """Codes (indices into CODES) for every pupil x register day x session (AM, PM)."""
    pupils, days = len(factor), len(timeline.dates)
    marks = np.empty((pupils, days, 2), dtype=np.int8)
    marks[:, :, 0], marks[:, :, 1] = CODE["/"], CODE["\\"]

    # Single-session codes: one uniform draw per session, cut into bands scaled by the pupil.
    draw = rng.random((pupils, days, 2))
    low = np.zeros((pupils, 1, 1))
    for code, rate in SESSION_RATES.items():
        high = low + rate * factor[:, None, None]
        marks[(draw >= low) & (draw < high)] = CODE[code]
        low = high

    marks[_illness_days(rng, factor, days)] = CODE["I"]
    marks[_holiday_weeks(rng, timeline, pupils)] = CODE["G"]
    marks[:, timeline.inset, :] = CODE["#"]
    return marks


def _illness_days(rng: np.random.Generator, factor: np.ndarray, days: int) -> np.ndarray:
    """Whole days of illness, in runs of 1-3 school days (register days: INSET is overwritten)."""
    low, high = ILLNESS_RUN_DAYS
    start_rate = ILLNESS_DAY_RATE / ((low + high) / 2) * factor[:, None]
    pupil, first = np.nonzero(rng.random((len(factor), days)) < start_rate)
    length = rng.integers(low, high + 1, size=len(first))
    run = np.repeat(np.arange(len(first)), length)
    offset = np.arange(len(run)) - np.repeat(np.cumsum(length) - length, length)
    ill = np.zeros((len(factor), days), dtype=bool)
    ill[pupil[run], np.minimum(first[run] + offset, days - 1)] = True
    return ill


def _holiday_weeks(rng: np.random.Generator, timeline: Timeline, pupils: int) -> np.ndarray:
    """A week (Monday to Friday, all school days) of G for a few pupils."""
    dates = timeline.school_dates
    mondays = [k for k in range(len(dates) - 4) if dates[k].day_of_week == 0 and (dates[k + 4] - dates[k]).days == 4]
    away = np.zeros((pupils, len(timeline.dates)), dtype=bool)
    takers = np.flatnonzero(rng.random(pupils) < TERM_TIME_HOLIDAY_SHARE)
    if mondays and len(takers):
        weeks = rng.choice(mondays, size=len(takers))
        for pupil, k in zip(takers, weeks):
            away[pupil, timeline.cols(k, k + 4)] = True
    return away


# ---- The register ---------------------------------------------------------------------------

YEAR_GROUPS = {"primary": ["R", "1", "2", "3", "4", "5", "6"], "secondary": ["7", "8", "9", "10", "11"]}
# The years whose results count (key stage 2 tests, GCSEs): off-rolling indicators watch their
# deletions, so background and planted leavers come from the other years.
EXAM_YEARS = {"primary": ["6"], "secondary": ["10", "11"]}
RECEPTION_AGE = 4  # age on 31 August at the start of the Reception year
NEW_PUPIL_RETURN_DAYS = 5
LA_CODE = 961  # fictional (real English LA numbers run 201-938)
ESTABLISHMENT = {"primary": 2154, "secondary": 4021}
OTHER_SCHOOL_ESTABLISHMENTS = (2017, 2203, 2466, 3310, 4105)


def year_offset(year_group: str) -> int:
    return 0 if year_group == "R" else int(year_group)


def build_register(rng: np.random.Generator, args: argparse.Namespace, school_year: int) -> pd.DataFrame:
    """The pupils on roll at the start of the period, evenly spread over the year groups, with
    dates of birth that fit their year group and UPNs allocated in their Reception year."""
    groups = YEAR_GROUPS[args.phase]
    year_group = np.array(groups)[np.arange(args.pupils) * len(groups) // args.pupils]
    offset = np.array([year_offset(y) for y in year_group])

    # Age on 31 August: born 1 September to 31 August of the right year.
    first_birthday = pd.to_datetime([f"{school_year - RECEPTION_AGE - 1 - o}-09-01" for o in offset])
    born = first_birthday + pd.to_timedelta(rng.integers(0, 365, size=args.pupils), unit="D")

    # Most joined in Reception (or Year 7); the rest moved in later, with a UPN from elsewhere.
    entry_year = school_year - offset + (0 if args.phase == "primary" else 7)
    entry_year = np.minimum(entry_year, school_year)
    moved_in = (rng.random(args.pupils) < 0.15) & (entry_year < school_year)
    first_day = {y: term_dates(y)[0][0][0] for y in np.unique(entry_year)}
    admission = [first_day[y] for y in entry_year]
    for i in np.flatnonzero(moved_in):
        span = (args.start - admission[i]).days
        admission[i] = _last_weekday_on_or_before(admission[i] + dt.timedelta(days=int(rng.integers(30, span))))

    upn_year = school_year - offset
    count = pd.Series(upn_year).groupby(upn_year).cumcount().to_numpy()
    establishment = np.where(
        moved_in,
        rng.choice(OTHER_SCHOOL_ESTABLISHMENTS, size=args.pupils),
        getattr(args, "establishment", None) or ESTABLISHMENT[args.phase],
    )
    establishment = establishment + count // 999  # serials run 001-999: then the next number
    register = pd.DataFrame(
        {
            "upn": make_upns(LA_CODE, establishment, upn_year, count % 999 + 1),
            "surname": rng.choice(SURNAMES, size=args.pupils),
            "forename": rng.choice(FORENAMES, size=args.pupils),
            "date_of_birth": born.date,
            "year_group": year_group,
            "admission_date": admission,
            "first_attendance_date": admission,
            "deletion_date": None,
            "deletion_ground": "",
            "dual_registered": "N",
            "ehcp": np.where(rng.random(args.pupils) < 0.03, "Y", "N"),
        }
    )
    _make_people_unique(rng, register)
    return register


def _make_people_unique(rng: np.random.Generator, register: pd.DataFrame) -> None:
    """Redraw forenames until no two pupils share names and date of birth: matching by names
    must be unambiguous in the sample."""
    while True:
        clash = person_keys(register).duplicated().to_numpy()
        if not clash.any():
            return
        register.loc[clash, "forename"] = rng.choice(FORENAMES, size=int(clash.sum()))


# ---- The pack being built -------------------------------------------------------------------


@dataclass
class PackBuilder:
    """The register, the marks matrix aligned with it row for row, and the small LA lists."""

    rng: np.random.Generator
    timeline: Timeline
    register: pd.DataFrame
    marks: np.ndarray
    phase: str
    returns: list[dict] = field(default_factory=list)
    allocations: list[dict] = field(default_factory=list)
    timetables: list[dict] = field(default_factory=list)
    manifest: list[dict] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    # Pupils whose planted case a compliant school's background must not undo: rule -> pupils.
    keep: dict[str, set[int]] = field(default_factory=dict)
    # Marks written past the day before deletion (a register contradicting its deletion): pupil -> day.
    marks_until: dict[int, dt.date] = field(default_factory=dict)

    def pick(
        self,
        count: int = 1,
        groups: list[str] | None = None,
        admitted_by: dt.date | None = None,
        where: pd.Series | None = None,
    ) -> list[int]:
        """Pupils not yet used by another case: on roll all period (and since ``admitted_by``),
        in one of ``groups``, and where ``where`` holds."""
        admitted_by = pd.Timestamp(admitted_by or self.timeline.dates[0]).date()
        admitted = self.register["admission_date"].to_numpy() <= admitted_by  # dt.date objects
        eligible = self.register["deletion_date"].isna() & admitted
        if groups:
            eligible &= self.register["year_group"].isin(groups)
        if where is not None:
            eligible &= where
        free = np.setdiff1d(np.flatnonzero(eligible.to_numpy()), list(self.used))
        if len(free) < count:
            raise TooFewPupils(
                f"a school of {len(self.register)} pupils has too few to plant every rule's cases "
                f"(the cases need pupils of their own): give more pupils"
            )
        chosen = [int(p) for p in self.rng.choice(free, size=count, replace=False)]
        self.used.update(chosen)
        return chosen

    def pick_leavers(self, count: int = 1) -> list[int]:
        """Pupils to delete: not from the exam years (their deletions are REG015's to judge)."""
        return self.pick(count, groups=self.non_exam_groups)

    @property
    def non_exam_groups(self) -> list[str]:
        return [g for g in YEAR_GROUPS[self.phase] if g not in EXAM_YEARS[self.phase]]

    def keep_for(self, rule: str, *pupils: int) -> None:
        self.keep.setdefault(rule, set()).update(pupils)

    def year_group_of(self, pupil: int) -> str:
        return str(self.register.at[pupil, "year_group"])

    def people(self, pupils) -> pd.DataFrame:
        return self.register.loc[pupils, ["upn", "surname", "forename", "date_of_birth"]]

    def person(self, pupil: int) -> dict:
        at = self.register.at  # cell by cell: planting calls this a hundred times a school
        return {column: at[pupil, column] for column in ("upn", "surname", "forename", "date_of_birth")}

    def rename(self, pupil: int, surname: str, forename: str) -> None:
        self.register.at[pupil, "surname"], self.register.at[pupil, "forename"] = surname, forename

    # -- register events --

    def admit(self, pupil: int, k: int) -> None:
        """A mid-period admission on school day k: no marks before it."""
        day = self.timeline.date(k)
        self.register.at[pupil, "admission_date"], self.register.at[pupil, "first_attendance_date"] = day, day

    def delete(self, pupil: int, k: int, ground: str) -> dt.date:
        """Deleted on school day k; marks stop the day before."""
        day = self.timeline.date(k)
        self.register.at[pupil, "deletion_date"], self.register.at[pupil, "deletion_ground"] = day, ground
        return day

    # -- marks --

    def clear_unauthorised(self, pupil: int) -> None:
        """A planted pupil's background: no unauthorised marks that could join a planted run."""
        row = self.marks[pupil]
        unauthorised = np.isin(row, UNAUTHORISED + [CODE["C2"]])
        row[:, 0][unauthorised[:, 0]] = CODE["/"]
        row[:, 1][unauthorised[:, 1]] = CODE["\\"]

    def clear(self, pupil: int) -> None:
        """Present every school session (a planted pupil whose absence is set exactly)."""
        row = self.marks[pupil]
        open_day = ~self.timeline.inset
        row[open_day, 0], row[open_day, 1] = CODE["/"], CODE["\\"]

    def mark(self, pupil: int, first_k: int, last_k: int, code: str, sessions: slice = slice(None)) -> None:
        """Both sessions (or ``sessions``) of school days first_k..last_k get ``code``."""
        self.marks[pupil, self.timeline.cols(first_k, last_k), sessions] = CODE[code]

    def present(self, pupil: int, k: int, session: int) -> None:
        self.marks[pupil, self.timeline.col(k), session] = CODE["/\\"[session]]

    # -- LA lists --

    def add_return(
        self, pupil: int | dict, kind: str, received: dt.date, ground: str = "", with_upn: bool = True
    ) -> None:
        who = self.person(pupil) if isinstance(pupil, int) else dict(pupil)
        if not with_upn:
            who["upn"] = ""
        self.returns.append({**who, "return_type": kind, "received_date": received, "ground": ground})

    def allocate(self, who: dict, allocated_on: dt.date, expected: dt.date) -> None:
        self.allocations.append({**who, "allocated_on": allocated_on, "expected_start_date": expected})

    def expect_school(self, rule: str, expect: str, why: str) -> None:
        """A school-level case (no pupil)."""
        self.manifest.append({"rule": rule, "upn": None, "pupil": None, "expect": expect, "why": why})

    def expect(self, rule: str, pupil: int | dict, expect: str, why: str) -> None:
        who = self.person(pupil) if isinstance(pupil, int) else pupil
        self.manifest.append(
            {
                "rule": rule,
                "upn": who["upn"] or None,
                "pupil": f"{who['surname']}, {who['forename']}",
                "expect": expect,
                "why": why,
            }
        )


def third_thursday_of_january(year: int) -> dt.date:
    """The spring school census day."""
    first = dt.date(year, 1, 1)
    return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 14)


CENSUS_WINDOW_SCHOOL_DAYS = 15  # the statutory policy's census_window_school_days


def census_window(timeline: Timeline) -> np.ndarray:
    """School days (numbers) in the 15 school days up to and including each January census day
    in the timeline: where REG015 looks for a bunching of deletions."""
    days = []
    for year in sorted({d.year for d in timeline.school_dates}):
        census = pd.Timestamp(third_thursday_of_january(year))
        if timeline.school_dates[0] <= census <= timeline.school_dates[-1]:
            k = int(timeline.school_dates.searchsorted(census, side="right")) - 1
            days.extend(range(max(0, k - CENSUS_WINDOW_SCHOOL_DAYS + 1), k + 1))
    return np.array(days, dtype=int)


def calendar_days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# ---- Background events ----------------------------------------------------------------------

# As the school spells the ground in its register, and as the LA records it.
BACKGROUND_GROUNDS = (("9(1)(a)", "9(1)(a)"), ("9(1)(g)", "9(1)(g)"), ("reg 9(1)(a)", "9(1)(a)"), ("9.1.g", "9(1)(g)"))


def reception_allocations(pack: PackBuilder, school_year: int) -> None:
    """Reception places are offered on 16 April; the children have no UPN yet. Only for the
    September intake (in-year joiners have their own allocations)."""
    register = pack.register
    intake = register[(register["year_group"] == "R") & (register["admission_date"] == pack.timeline.date(0))]
    who = pack.people(intake.index).assign(upn="")
    pack.allocations.extend(
        who.assign(allocated_on=dt.date(school_year, 4, 16), expected_start_date=intake["admission_date"]).to_dict(
            "records"
        )
    )


def staggered_reception_start(pack: PackBuilder) -> None:
    """A third of Reception start a day or two after the first day (a staggered start)."""
    reception = pack.register.index[pack.register["year_group"] == "R"].to_numpy()
    late = reception[pack.rng.random(len(reception)) < 1 / 3]
    first_days = pack.timeline.school_dates[1:3].date
    pack.register.loc[late, "first_attendance_date"] = first_days[pack.rng.integers(0, 2, size=len(late))]
    # Their starting day is not the first day of the school year, so the junior-class exemption
    # does not cover them: compliance.make_new_pupil_returns sends their returns.


def _shifted(days: np.ndarray, low: int, high: int, rng: np.random.Generator) -> np.ndarray:
    """Each date moved by a random number of calendar days in [low, high)."""
    return (pd.DatetimeIndex(days) + pd.to_timedelta(rng.integers(low, high, size=len(days)), unit="D")).date


def mid_year_admissions(pack: PackBuilder, share: float = 0.04) -> None:
    """In-year joiners: an allocation with their UPN, a new pupil return within 5 days."""
    pupils = pack.pick(max(2, round(share * len(pack.register))))
    joined = pack.timeline.school_dates[pack.rng.integers(5, pack.timeline.school_days - 5, size=len(pupils))].date
    pack.register.loc[pupils, "admission_date"] = joined
    pack.register.loc[pupils, "first_attendance_date"] = joined
    who = pack.people(pupils)
    allocated = _shifted(joined, -24, -9, pack.rng)
    pack.allocations.extend(who.assign(allocated_on=allocated, expected_start_date=joined).to_dict("records"))
    received = _shifted(joined, 0, NEW_PUPIL_RETURN_DAYS, pack.rng)
    pack.returns.extend(who.assign(return_type="new_pupil", received_date=received, ground="").to_dict("records"))


def background_deletions(pack: PackBuilder, share: float = 0.025) -> None:
    """Leavers who moved school or away, each with a deletion return on or before the day: none
    from the exam years and none in the school days before the January census, so that the
    school's pattern of deletions gives no sign of off-rolling (REG015) unless one is planted."""
    pupils = pack.pick(max(2, round(share * len(pack.register))), groups=pack.non_exam_groups)
    days = np.arange(10, pack.timeline.school_days - 1)
    days = days[~np.isin(days, census_window(pack.timeline))]
    left = pack.timeline.school_dates[pack.rng.choice(days, size=len(pupils))].date
    spelt, ground = np.array(BACKGROUND_GROUNDS)[pack.rng.integers(0, len(BACKGROUND_GROUNDS), size=len(pupils))].T
    pack.register.loc[pupils, "deletion_date"] = left
    pack.register.loc[pupils, "deletion_ground"] = spelt
    received = _shifted(left, -3, 1, pack.rng)
    pack.returns.extend(
        pack.people(pupils).assign(return_type="deletion", received_date=received, ground=ground).to_dict("records")
    )
