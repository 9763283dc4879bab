"""The children-missing-education indicators a regional network asks every authority for, from
one school's facts and findings: part-time timetables by length, deletions by ground, and counts
of the mission's breaches. ``inspect-la`` adds them up across an authority."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd
from pydantic import BaseModel

# Fact kinds the indicators read, built whether or not a rule over them was checked.
FACT_KINDS = {"deletion", "part_time_timetable"}

# Indicators that count the findings of a rule of the mission (contract-fixed codes); None when
# the rule could not be checked.
FINDING_COUNTS = {
    "deletions_not_notified": "REG001",
    "absence_returns_not_made": "REG005",
    "allocated_places_not_taken_up": "REG006",
}

GROUND_KINDS = {
    "elective_home_education": "elective home education",
    "lost_pupil": "whereabouts unknown (lost pupil)",
    "leave_non_return": "not returned after leave of absence",
    "end_of_compulsory_age": "end of compulsory school age",
    "permanent_exclusion": "permanent exclusion",
    "other": "other grounds",
}

PART_TIME_BANDS = ("under 6 weeks", "6 weeks to 12 months", "over 12 months")


class Indicators(BaseModel):
    pupils_on_roll: int
    part_time_at_date: dict[str, int]  # running at the inspection date, by length so far
    part_time_in_period: dict[str, int]  # every timetable in the period, by length
    deletions_by_ground: dict[str, int]
    deletions_not_notified: int | None = None
    absence_returns_not_made: int | None = None
    allocated_places_not_taken_up: int | None = None


def indicators(
    register: pd.DataFrame,
    as_of: pd.Timestamp,
    facts: dict[str, list[dict[str, Any]]],
    findings_by_rule: dict[str, int | None],
    thresholds: dict[str, Any],
) -> Indicators:
    on_roll = (register["admission_date"] <= as_of) & ~(register["deletion_date"] <= as_of)
    timetables = facts.get("part_time_timetable", [])
    limits = (thresholds["part_time_review_school_days"], thresholds["part_time_escalation_school_days"])
    deletions = Counter(GROUND_KINDS.get(d.get("ground_kind", "other"), "other grounds") for d in facts.get("deletion", []))
    return Indicators(
        pupils_on_roll=int(register.loc[on_roll, "upn"].nunique()),
        part_time_at_date=_bands([t for t in timetables if t.get("running")], limits),
        part_time_in_period=_bands(timetables, limits),
        deletions_by_ground={label: deletions.get(label, 0) for label in GROUND_KINDS.values()},
        **{name: findings_by_rule.get(code) for name, code in FINDING_COUNTS.items()},
    )


def _bands(timetables: list[dict[str, Any]], limits: tuple[float, float]) -> dict[str, int]:
    counts = dict.fromkeys(PART_TIME_BANDS, 0)
    for timetable in timetables:
        days = timetable["school_days"]
        band = 0 if days <= limits[0] else 1 if days <= limits[1] else 2
        counts[PART_TIME_BANDS[band]] += 1
    return counts
