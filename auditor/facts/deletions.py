"""Deletion facts: one per deletion from the admission register in the inspection period."""

from __future__ import annotations

from typing import Any

import pandas as pd

from auditor.facts import (
    Context,
    add_returns_since_admission,
    fact_ids,
    fact_kind,
    join_marks,
    join_per_group,
    one_per_id,
    pupil_label,
    returns_about,
    school_year_start,
    senior_year_group,
    to_records,
)


@fact_kind("deletion")
def deletion_facts(context: Context) -> list[dict[str, Any]]:
    """One fact per deletion in the inspection period, joined to the deletion returns about the
    pupil received since the admission, and to the final-year exemption's dates."""
    register = context.register
    window = register["deletion_date"].between(pd.Timestamp(context.period_start), pd.Timestamp(context.as_of))
    deleted = register[window].copy()
    if deleted.empty:
        return []

    deleted = deleted.set_index("line", drop=False)
    add_returns_since_admission(context, deleted, "deletion", count="deletion_returns", event="deletion_date")

    grounds = [
        context.regulations.ground(text, day.date())
        for text, day in zip(deleted["deletion_ground"], deleted["deletion_date"])
    ]
    deleted["ground_recorded"] = deleted["deletion_ground"].fillna("").str.strip().ne("")
    deleted["ground_known"] = [g is not None for g in grounds]
    deleted["ground_era"] = [g.era if g else None for g in grounds]
    deleted["era_in_force"] = context.regulations.era_ids(deleted["deletion_date"])
    deleted["ground_in_force"] = deleted["ground_era"].eq(deleted["era_in_force"])
    deleted["compulsory_school_age"] = _compulsory_school_age(deleted)
    deleted["deletion_ground"] = [g.code if g else t for g, t in zip(grounds, deleted["deletion_ground"])]
    deleted["ground_text"] = [_ground_text(g, t) for g, t in zip(grounds, deleted["deletion_ground"])]
    deleted["ground_kind"] = [g.tags[0] if g and g.tags else "other" for g in grounds]

    if context.table("attendance") is not None:
        marks = _marks_of(context, deleted)
        deleted = deleted.join(absence_before_deletion(context, deleted, marks))
        # Joint enquiries with the local authority: a return about the pupil's absence (or
        # non-arrival) received during the absence and before the deletion.
        deleted["enquiry_from"] = deleted["absence_before_start"].fillna(deleted["admission_date"])
        enquiries = returns_about(context, deleted, ("absence", "no_show"), since="enquiry_from", before="deletion_date")
        deleted["la_enquiry_returns"] = enquiries["count"]
        deleted["first_enquiry_return_date"] = enquiries["first_date"]
        deleted = deleted.join(marks_after_deletion(context, deleted, marks))
        deleted = deleted.join(leave_before_deletion(context, deleted, marks))
        deleted["leave_from"] = deleted["leave_started_on"].fillna(deleted["admission_date"])
        leave_enquiries = returns_about(context, deleted, ("absence", "no_show"), since="leave_from", before="deletion_date")
        deleted["leave_la_returns"] = leave_enquiries["count"]

    senior = senior_year_group(context)
    deleted["senior_year_leaver"] = deleted["year_group"].eq(senior) if senior else False
    year_end = _academic_year_end(deleted["deletion_date"])
    term_ends = {year: context.calendar.summer_term_end(year) for year in year_end.unique()}
    deleted["final_term_end"] = pd.to_datetime(year_end.map({y: day for y, (day, _) in term_ends.items()}))
    deleted["final_term_end_estimated"] = year_end.map({y: guess for y, (_, guess) in term_ends.items()})
    deleted["days_after_final_term_end"] = (deleted["deletion_date"] - deleted["final_term_end"]).dt.days

    deleted["id"] = fact_ids(
        "deletion", deleted["upn"], deleted["deletion_date"],
        then_by=tuple(deleted[c] for c in ("admission_date", "deletion_ground", "year_group", "surname", "forename")),
    )
    deleted = one_per_id(deleted)  # a registration entered twice, word for word, is one deletion
    deleted["pupil"] = pupil_label(deleted)
    columns = [
        "id",
        "upn",
        "pupil",
        "year_group",
        "admission_date",
        "deletion_date",
        "deletion_ground",
        "ground_text",
        "ground_kind",
        "deletion_returns",
        "first_return_date",
        "return_delay_days",
        "return_matched_by",
        "senior_year_leaver",
        "final_term_end",
        "final_term_end_estimated",
        "days_after_final_term_end",
        "absence_before_school_days",
        "absence_before_start",
        "absence_before_codes",
        "absence_before_broken_by",
        "la_enquiry_returns",
        "first_enquiry_return_date",
        "ground_recorded",
        "ground_known",
        "ground_era",
        "era_in_force",
        "ground_in_force",
        "date_of_birth",
        "compulsory_school_age",
        "readmitted_on",
        "attended_on_or_after_deletion",
        "first_attendance_on_or_after_deletion",
        "marks_after_deletion",
        "first_mark_after_deletion",
        "last_mark_after_deletion",
        "codes_after_deletion",
        "leave_sessions",
        "leave_codes",
        "leave_started_on",
        "leave_ended_on",
        "first_attendance_after_leave",
        "school_days_absent_after_leave",
        "illness_sessions_after_leave",
        "leave_la_returns",
    ]
    return to_records(deleted.reindex(columns=columns).reset_index(drop=True), "deletion")


def _academic_year_end(dates: pd.Series) -> pd.Series:
    """The calendar year in which each date's school year ends (September to August)."""
    return school_year_start(dates) + 1


def _ground_text(ground, text: str | None) -> str:
    if ground is not None:
        return f"ground {ground.code}: {ground.meaning}"
    if not text:
        return "no ground recorded"
    return f"ground '{text}', which is not a deletion ground in the regulations"


def _marks_of(context: Context, deleted: pd.DataFrame) -> pd.DataFrame:
    """The marks of each deleted pupil, with the deletion (``deleted``'s index) and its date."""
    subjects = deleted[["upn", "deletion_date"]].rename_axis("deletion").reset_index()
    return join_marks(context.marks.drop(columns="line"), subjects)


def absence_before_deletion(context: Context, deleted: pd.DataFrame, marks: pd.DataFrame) -> pd.DataFrame:
    """The unbroken run of lost-pupil codes (those of the era of each mark's date) that ends at
    the pupil's last mark up to the deletion day, and the mark that broke it."""
    marks = marks[marks["date"] <= marks["deletion_date"]].sort_values(["deletion", "session_seq"], ignore_index=True)
    qualifies = context.regulations.has_code_of(marks, "lost_pupil_codes")
    next_seq = marks.groupby("deletion")["session_seq"].shift(-1)
    breaks = ~qualifies | (next_seq.notna() & (next_seq != marks["session_seq"] + 1))
    # A mark is in the final run when neither it nor any later mark breaks the run.
    broken_later = breaks[::-1].groupby(marks["deletion"][::-1]).cummax()[::-1]
    in_run = ~broken_later
    in_run_marks = marks[in_run]
    run = in_run_marks.groupby("deletion")
    result = pd.DataFrame(
        {
            "absence_before_school_days": run["weight"].sum().round(1),
            "absence_before_start": run["date"].min(),
            "absence_before_codes": join_per_group(in_run_marks["deletion"], in_run_marks["code"]),
        }
    ).reindex(deleted.index)
    result["absence_before_school_days"] = result["absence_before_school_days"].fillna(0)
    last_break = marks.assign(qualifies=qualifies)[breaks].groupby("deletion").last()
    code, category, session = (last_break[c].astype("str") for c in ("code", "category", "session"))
    when = last_break["date"].dt.strftime("%d/%m/%Y") + " " + session
    result["absence_before_broken_by"] = (
        ("no mark on the school session after " + when)
        .where(last_break["qualifies"], code + " (" + category.str.replace("_", " ") + ") on " + when)
        .reindex(deleted.index)
    )
    return result


def _compulsory_school_age(deleted: pd.DataFrame) -> pd.Series:
    """Whether the pupil was in Years 1 to 11 by age on the deletion date: aged 5 to 15 on the
    31 August before the school year of the deletion. (A reception pupil becomes of compulsory
    school age only in the term after the fifth birthday: not judged here.)"""
    year = school_year_start(deleted["deletion_date"])
    born = deleted["date_of_birth"]
    age = year - born.dt.year - (born.dt.month > 8).astype(int)
    return age.between(5, 15)


ATTENDING = ("present", "approved_activity")
POSSIBLE = ("present", "approved_activity", "authorised", "unauthorised")


def marks_after_deletion(context: Context, deleted: pd.DataFrame, marks: pd.DataFrame) -> pd.DataFrame:
    """Marks the register holds for the pupil after the deletion, until any later re-admission
    of the same UPN: attendance (present or approved activity) on or after the deletion day, and
    marks of possible sessions on the days after it."""
    subjects = deleted[["upn", "deletion_date"]].rename_axis("deletion").reset_index()
    later = subjects.merge(context.register[["upn", "admission_date"]], on="upn")
    later = later[later["admission_date"] > later["deletion_date"]].groupby("deletion")["admission_date"].min()
    readmitted = pd.to_datetime(later.reindex(deleted.index))
    marks = marks.assign(readmitted_on=readmitted.reindex(marks["deletion"]).to_numpy())
    before_readmission = marks["readmitted_on"].isna() | (marks["date"] < marks["readmitted_on"])
    attended = marks[before_readmission & (marks["date"] >= marks["deletion_date"]) & marks["category"].isin(ATTENDING)]
    after = marks[before_readmission & (marks["date"] > marks["deletion_date"]) & marks["category"].isin(POSSIBLE)]
    result = pd.DataFrame(
        {
            "readmitted_on": readmitted,
            "attended_on_or_after_deletion": attended.groupby("deletion").size(),
            "first_attendance_on_or_after_deletion": attended.groupby("deletion")["date"].min(),
            "marks_after_deletion": after.groupby("deletion").size(),
            "first_mark_after_deletion": after.groupby("deletion")["date"].min(),
            "last_mark_after_deletion": after.groupby("deletion")["date"].max(),
            "codes_after_deletion": join_per_group(after["deletion"], after["code"]),
        }
    )
    result = result.reindex(deleted.index)
    for count in ("attended_on_or_after_deletion", "marks_after_deletion"):
        result[count] = result[count].fillna(0).astype(int)
    return result


def leave_before_deletion(context: Context, deleted: pd.DataFrame, marks: pd.DataFrame) -> pd.DataFrame:
    """The last leave of absence (codes of the era of each mark) up to the deletion, and what
    followed it: the school days without attendance from the leave's end to the first attendance
    or the deletion, and any illness recorded in between."""
    marks = marks[marks["date"] <= marks["deletion_date"]]
    leave = context.regulations.has_code_of(marks, "leave_of_absence_codes")
    last_leave = marks[leave].groupby("deletion")["session_seq"].max()
    marks = marks.assign(leave=leave, last_leave=last_leave.reindex(marks["deletion"]).to_numpy())
    marks = marks[marks["last_leave"].notna()]
    # The leave is the unbroken block of leave marks that ends with the last one.
    other = marks[~marks["leave"] & (marks["session_seq"] < marks["last_leave"])]
    block_from = other.groupby("deletion")["session_seq"].max().reindex(last_leave.index).fillna(-1)
    marks = marks.assign(block_from=block_from.reindex(marks["deletion"]).to_numpy())
    block = marks[marks["leave"] & (marks["session_seq"] > marks["block_from"])]
    following = marks[marks["session_seq"] > marks["last_leave"]]
    attended = following[following["category"].isin(ATTENDING)].groupby("deletion")["date"].min()
    result = pd.DataFrame(
        {
            "leave_sessions": block.groupby("deletion").size(),
            "leave_codes": join_per_group(block["deletion"], block["code"]),
            "leave_started_on": block.groupby("deletion")["date"].min(),
            "leave_ended_on": block.groupby("deletion")["date"].max(),
            "first_attendance_after_leave": attended,
            "illness_sessions_after_leave": following[following["code"].eq("I")].groupby("deletion").size(),
        }
    ).reindex(deleted.index)
    ended = result["leave_ended_on"].notna()
    until = deleted["deletion_date"]
    # Up to the day before the first attendance, or up to and including the deletion day.
    absent_until = context.school_day_number(
        result["first_attendance_after_leave"].fillna(until)
    ) - result["first_attendance_after_leave"].notna().astype(int)
    result["school_days_absent_after_leave"] = (
        absent_until - context.school_day_number(result["leave_ended_on"].fillna(until))
    ).where(ended)
    result["leave_sessions"] = result["leave_sessions"].fillna(0).astype(int)
    result["illness_sessions_after_leave"] = result["illness_sessions_after_leave"].fillna(0).astype(int).where(ended)
    return result
