"""Deletion facts: one per deletion from the admission register in the inspection period."""

from __future__ import annotations

from typing import Any

import pandas as pd

from auditor.facts import Context, fact_kind, pupil_label, returns_about, senior_year_group, to_records


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
    notified = returns_about(context, deleted, ("deletion",), since="admission_date")
    deleted["deletion_returns"] = notified["count"]
    deleted["first_return_date"] = notified["first_date"]
    deleted["return_matched_by"] = notified["matched_by"]
    deleted["return_delay_days"] = (deleted["first_return_date"] - deleted["deletion_date"]).dt.days

    grounds = [
        context.regulations.ground(text, day.date())
        for text, day in zip(deleted["deletion_ground"], deleted["deletion_date"])
    ]
    deleted["deletion_ground"] = [g.code if g else t for g, t in zip(grounds, deleted["deletion_ground"])]
    deleted["ground_text"] = [_ground_text(g, t) for g, t in zip(grounds, deleted["deletion_ground"])]
    deleted["ground_kind"] = [g.tags[0] if g and g.tags else "other" for g in grounds]

    if context.table("attendance") is not None:
        deleted = deleted.join(absence_before_deletion(context, deleted))
        # Joint enquiries with the local authority: a return about the pupil's absence (or
        # non-arrival) received during the absence and before the deletion.
        deleted["enquiry_from"] = deleted["absence_before_start"].fillna(deleted["admission_date"])
        enquiries = returns_about(context, deleted, ("absence", "no_show"), since="enquiry_from", before="deletion_date")
        deleted["la_enquiry_returns"] = enquiries["count"]
        deleted["first_enquiry_return_date"] = enquiries["first_date"]

    senior = senior_year_group(context)
    deleted["senior_year_leaver"] = deleted["year_group"].eq(senior) if senior else False
    term_ends = {
        year: context.calendar.summer_term_end(year) for year in _academic_year_end(deleted["deletion_date"]).unique()
    }
    deleted["final_term_end"] = pd.to_datetime(
        _academic_year_end(deleted["deletion_date"]).map(lambda year: term_ends[year][0])
    )
    deleted["days_after_final_term_end"] = (deleted["deletion_date"] - deleted["final_term_end"]).dt.days

    deleted["id"] = "deletion:" + deleted["upn"] + ":" + deleted["deletion_date"].dt.strftime("%Y-%m-%d")
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
        "days_after_final_term_end",
        "absence_before_school_days",
        "absence_before_start",
        "absence_before_codes",
        "absence_before_broken_by",
        "la_enquiry_returns",
        "first_enquiry_return_date",
    ]
    return to_records(deleted.reindex(columns=columns).reset_index(drop=True), "deletion")


def _academic_year_end(dates: pd.Series) -> pd.Series:
    """The calendar year in which each date's school year ends (September to August)."""
    return dates.dt.year + (dates.dt.month >= 9).astype(int)


def _ground_text(ground, text: str | None) -> str:
    if ground is not None:
        return f"ground {ground.code}: {ground.meaning}"
    if not text:
        return "no ground recorded"
    return f"ground '{text}', which is not a deletion ground in the regulations"


def absence_before_deletion(context: Context, deleted: pd.DataFrame) -> pd.DataFrame:
    """The unbroken run of lost-pupil codes (those of the era of each mark's date) that ends at
    the pupil's last mark up to the deletion day, and the mark that broke it."""
    subjects = deleted[["upn", "deletion_date"]].rename_axis("deletion").reset_index()
    marks = context.marks.drop(columns="line").merge(subjects, on="upn")
    marks = marks[marks["date"] <= marks["deletion_date"]].sort_values(["deletion", "session_seq"], ignore_index=True)
    qualifies = pd.Series(False, index=marks.index)
    for era in context.regulations.eras:
        qualifies |= (marks["era"] == era.id) & marks["code"].isin(era.lost_pupil_codes)
    next_seq = marks.groupby("deletion")["session_seq"].shift(-1)
    breaks = ~qualifies | (next_seq.notna() & (next_seq != marks["session_seq"] + 1))
    # A mark is in the final run when neither it nor any later mark breaks the run.
    broken_later = breaks[::-1].groupby(marks["deletion"][::-1]).cummax()[::-1]
    in_run = ~broken_later
    run = marks[in_run].groupby("deletion")
    result = pd.DataFrame(
        {
            "absence_before_school_days": run["weight"].sum().round(1),
            "absence_before_start": run["date"].min(),
            "absence_before_codes": run["code"].unique().map(" ".join),
        }
    ).reindex(deleted.index)
    result["absence_before_school_days"] = result["absence_before_school_days"].fillna(0)
    last_break = marks.assign(qualifies=qualifies)[breaks].groupby("deletion").last()
    when = last_break["date"].dt.strftime("%d/%m/%Y") + " " + last_break["session"]
    result["absence_before_broken_by"] = (
        ("no mark on the school session after " + when)
        .where(last_break["qualifies"], last_break["code"] + " (" + last_break["category"].str.replace("_", " ") + ") on " + when)
        .reindex(deleted.index)
    )
    return result
