"""What a compliant school does with its background, and what the background itself must give.

After the planted cases, every pupil the planted cases do not need otherwise gets what a
compliant school would have done: N replaced within 5 school days (REG009), a sickness return on
the day illness reaches 15 school days (REG008). Persistent and severe absence (REG014) is not a
breach but a fact of the registers: every pupil whose written marks put them below 90% is listed
in the manifest as an expected finding, computed as the rule computes it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.core import CODE, CODES, YEAR_GROUPS, PackBuilder
from generator.output import on_roll

UNEXPLAINED_RESOLUTION_SCHOOL_DAYS = 5  # statutory policy: unexplained_absence_resolution_school_days
SICKNESS_RETURN_SCHOOL_DAYS = 15  # statutory policy: sickness_return_school_days
PERSISTENT_PERCENT, SEVERE_PERCENT, MINIMUM_POSSIBLE = 10, 50, 20  # REG014's policy thresholds
ATTENDING = [CODE[c] for c in ("/", "\\", "L", "K")]  # present, or approved educational activity
NOT_POSSIBLE = [CODE["#"]]


def written(pack: PackBuilder) -> np.ndarray:
    """pupil x register day: the marks the attendance file will hold."""
    return on_roll(pack.register, pack.timeline, pack.marks_until)


def resolve_unexplained_absence(pack: PackBuilder) -> None:
    """Every N more than 5 school days before the inspection becomes O (no reason established),
    except for the pupils REG009's planted cases need."""
    last = pack.timeline.school_days - 1
    old = pack.timeline.cols(0, last - UNEXPLAINED_RESOLUTION_SCHOOL_DAYS - 1)
    keep = sorted(pack.keep.get("REG009", ()))
    block = pack.marks[:, old, :]
    saved = block[keep].copy()
    block[block == CODE["N"]] = CODE["O"]
    block[keep] = saved
    pack.marks[:, old, :] = block


NEW_PUPIL_RETURN_DAYS = 5  # statutory policy: new_pupil_return_days (calendar days)


def make_new_pupil_returns(pack: PackBuilder) -> None:
    """A new pupil return within 5 days for every pupil entered in the period who has none,
    unless exempt (the most junior class starting on the first day of the school year) or
    needed without one by REG007's planted case."""
    register = pack.register
    first_day = pd.Timestamp(pack.timeline.date(0))
    admitted = pd.to_datetime(register["admission_date"])
    exempt = register["year_group"].eq(YEAR_GROUPS[pack.phase][0]) & (
        pd.to_datetime(register["first_attendance_date"]) == first_day
    )
    has_return = register["upn"].isin({r["upn"] for r in pack.returns if r["return_type"] == "new_pupil"})
    due = (admitted >= first_day) & ~exempt & ~has_return & ~register.index.isin(sorted(pack.keep.get("REG007", ())))
    pupils = register.index[due]
    if not len(pupils):
        return
    delay = pd.to_timedelta(pack.rng.integers(0, NEW_PUPIL_RETURN_DAYS, size=len(pupils)), unit="D")
    received = (admitted[pupils] + delay).dt.date
    pack.returns.extend(
        pack.people(pupils)
        .assign(return_type="new_pupil", received_date=received.to_numpy(), ground="")
        .to_dict("records")
    )


def make_sickness_returns(pack: PackBuilder) -> None:
    """A sickness return on the day a pupil's illness (I) reaches 15 school days, consecutive or
    not, except for the pupils REG008's planted cases need. (One school year: the period.)"""
    ill = (pack.marks == CODE["I"]) & written(pack)[:, :, None]
    sessions = np.cumsum(ill.sum(axis=2), axis=1)
    reached = sessions[:, -1] >= 2 * SICKNESS_RETURN_SCHOOL_DAYS
    reached[sorted(pack.keep.get("REG008", ()))] = False
    pupils = np.flatnonzero(reached)
    if not len(pupils):
        return
    day = (sessions[pupils] >= 2 * SICKNESS_RETURN_SCHOOL_DAYS).argmax(axis=1)
    received = pack.timeline.dates[day].date
    pack.returns.extend(
        pack.people(pupils).assign(return_type="sickness", received_date=received, ground="").to_dict("records")
    )


def attendance_rates(pack: PackBuilder, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per pupil on roll on ``as_of``: possible sessions, attended, absence percent (as REG014)."""
    marks = np.where(written(pack)[:, :, None], pack.marks, -1)
    possible = ((marks >= 0) & ~np.isin(marks, NOT_POSSIBLE)).sum(axis=(1, 2))
    attended = np.isin(marks, ATTENDING).sum(axis=(1, 2))
    register = pack.register
    deleted = pd.to_datetime(register["deletion_date"])
    current = (pd.to_datetime(register["admission_date"]) <= as_of) & (deleted.isna() | (deleted > as_of))
    with np.errstate(invalid="ignore", divide="ignore"):
        absence = np.round(100 * (possible - attended) / possible, 2)
    return pd.DataFrame(
        {"possible": possible, "attended": attended, "absence_percent": absence, "current": current.to_numpy()},
        index=register.index,
    )


def expect_persistent_absence(pack: PackBuilder, as_of: pd.Timestamp) -> int:
    """List every background pupil REG014 will find (planted ones are listed already)."""
    rates = attendance_rates(pack, as_of)
    listed = {case["upn"] for case in pack.manifest if case["rule"] == "REG014"}
    found = rates[
        rates["current"] & (rates["possible"] >= MINIMUM_POSSIBLE) & (rates["absence_percent"] >= PERSISTENT_PERCENT)
    ]
    found = found[~pack.register.loc[found.index, "upn"].isin(listed)]
    for pupil, row in found.iterrows():
        severity = (
            "severely absent: amber" if row["absence_percent"] >= SEVERE_PERCENT else "persistently absent: green"
        )
        pack.expect(
            "REG014",
            int(pupil),
            "finding",
            f"background: attended {row['attended']} of {row['possible']} sessions "
            f"({100 - row['absence_percent']:.2f}%), {severity}",
        )
        pack.manifest[-1]["background"] = True
    return len(found)


def code_shares(pack: PackBuilder) -> pd.Series:
    """Share of possible sessions per code, over the marks the file holds."""
    marks = pack.marks[written(pack)]
    counts = np.bincount(marks.ravel(), minlength=len(CODES))
    counts[CODE["#"]] = 0
    return pd.Series(counts / counts.sum(), index=CODES)
