"""Data-quality facts: what in the registers themselves cannot be right, aggregated one fact per
pupil per problem (counts, first and last dates), never one per mark. Vectorised pandas throughout.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from auditor.facts import Context, fact_ids, fact_kind, one_per_id, span_layers, to_records
from auditor.matching import BY_NAMES, BY_UPN, match_candidates, person_keys
from auditor.values import upn_check_letter, upn_problems

_FAR_FUTURE = pd.Timestamp("2262-01-01")


@fact_kind("upn")
def upn_facts(context: Context) -> list[dict[str, Any]]:
    """One fact per distinct UPN in the admission register: whether it is well formed and its
    check letter agrees with its digits (DfE algorithm, ``values.upn_check_letter``)."""
    # The UPN's earliest line, and the pupil's name from the latest registration (not the first row).
    register = context.register.sort_values("line").drop_duplicates("upn")
    if register.empty:
        return []
    problem = upn_problems(register["upn"])
    out = pd.DataFrame(
        {
            "id": fact_ids("upn", register["upn"]),
            "upn": register["upn"],
            "pupil": register["upn"].map(context.pupil_names),
            "upn_valid": problem.isna(),
            "upn_problem": problem,
            "expected_check_letter": register["upn"].map(upn_check_letter),
            "line": register["line"],
        }
    )
    return to_records(out.reset_index(drop=True), "upn")


@fact_kind("registration_pair")
def registration_pairs(context: Context) -> list[dict[str, Any]]:
    """One fact per two registrations of the same child (same UPN, or same names and date of birth
    under another UPN), with the days their spans on roll share (negative: a gap between them)."""
    register = context.register.assign(key=person_keys(context.register))
    as_of = pd.Timestamp(context.as_of)
    register["until"] = register["deletion_date"].fillna(as_of).clip(upper=as_of)
    # "First" and "second" by the registrations' content, never by their order in the file.
    columns = ["admission_date", "upn", "until", "surname", "forename", "key", "line"]
    register = register[columns].sort_values(columns, kind="stable")
    register["rank"] = np.arange(len(register))
    pairs = []
    for on, how in (("upn", BY_UPN), ("key", BY_NAMES)):
        both = register.merge(register, on=on, suffixes=("_1", "_2"))
        both = both[both["rank_1"] < both["rank_2"]]
        if on == "key":
            both = both[both["upn_1"] != both["upn_2"]].rename(columns={"key": "key_1"})
        else:
            both = both.rename(columns={"upn": "upn_1"}).assign(upn_2=both["upn"])
        pairs.append(both.assign(matched_by=how))
    pairs = pd.concat(pairs, ignore_index=True)
    if pairs.empty:
        return []
    start = pairs[["admission_date_1", "admission_date_2"]].max(axis=1)
    end = pairs[["until_1", "until_2"]].min(axis=1)
    out = pd.DataFrame(
        {
            "id": fact_ids(
                "registration_pair", pairs["upn_1"], pairs["admission_date_1"], pairs["upn_2"], pairs["admission_date_2"],
                then_by=(pairs["until_1"], pairs["until_2"], pairs["surname_1"], pairs["forename_1"],
                         pairs["surname_2"], pairs["forename_2"]),
            ),
            "upn": pairs["upn_1"],
            "other_upn": pairs["upn_2"],
            "pupil": pairs["surname_1"].str.strip() + ", " + pairs["forename_1"].str.strip(),
            "first_line": pairs["line_1"],
            "second_line": pairs["line_2"],
            "first_admission_date": pairs["admission_date_1"],
            "second_admission_date": pairs["admission_date_2"],
            "overlap_from": start,
            "overlap_to": end,
            "overlap_days": (end - start).dt.days + 1,
            "matched_by": pairs["matched_by"],
        }
    )
    return to_records(one_per_id(out, line="first_line"), "registration_pair")


@fact_kind("marks_off_roll")
def marks_off_roll(context: Context) -> list[dict[str, Any]]:
    """One fact per pupil with attendance marks on dates they were not on roll: before their
    first admission, after a deletion (and not re-admitted), or with no registration at all.
    Closure marks (#) are left out: schools often give them to everyone."""
    marks = context.table("attendance")
    if marks is None or marks.empty:
        return []
    marks = marks.loc[marks["code"] != "#", ["upn", "date"]]
    register = context.register
    dates = marks["date"].to_numpy()
    admitted = register["admission_date"].to_numpy()
    until = register["deletion_date"].fillna(_FAR_FUTURE).to_numpy()
    covered = np.zeros(len(marks), dtype=bool)
    for registration in span_layers(marks["upn"], register["upn"]):
        # A position of -1 reads the last registration's dates: ``has`` discards the result.
        has = registration >= 0
        covered |= has & (dates >= admitted[registration]) & (dates <= until[registration])
    off = marks[~covered]
    if off.empty:
        return []
    registrations = register.groupby("upn")["admission_date"].agg(["size", "min"])
    upn = off["upn"].astype("str")
    off = off.assign(
        registered=registrations["size"].reindex(upn, fill_value=0).to_numpy(),
        first_admission=registrations["min"].reindex(upn).to_numpy(),
    )
    off["not_on_register"] = off["registered"].eq(0)
    off["before_admission"] = ~off["not_on_register"] & (off["date"] < off["first_admission"])
    off["after_deletion"] = ~off["not_on_register"] & ~off["before_admission"]
    grouped = off.groupby("upn")
    out = pd.DataFrame(
        {
            "marks_before_admission": grouped["before_admission"].sum(),
            "marks_after_deletion": grouped["after_deletion"].sum(),
            "marks_not_on_register": grouped["not_on_register"].sum(),
            "first_date": grouped["date"].min(),
            "last_date": grouped["date"].max(),
        }
    ).reset_index()
    out["marks"] = out[["marks_before_admission", "marks_after_deletion", "marks_not_on_register"]].sum(axis=1)
    out["pupil"] = out["upn"].map(context.pupil_names)
    out["id"] = fact_ids("marks_off_roll", out["upn"])
    return to_records(out, "marks_off_roll")


@fact_kind("unmarked_sessions")
def unmarked_sessions(context: Context) -> list[dict[str, Any]]:
    """One fact per registration with school sessions (by the school calendar) on which the pupil
    was on roll and has no mark, within the span the attendance extract covers: from the agreed
    first day of attendance (else the admission) to the day before the deletion."""
    marks = context.table("attendance")
    if marks is None or marks.empty:
        return []
    sessions = context.calendar.open_sessions()[["date", "session"]]
    first = max(marks["date"].min(), pd.Timestamp(context.period_start))
    last = min(marks["date"].max(), pd.Timestamp(context.as_of))
    sessions = sessions[(sessions["date"] >= first) & (sessions["date"] <= last)].reset_index(drop=True)
    register = context.register
    # Marks are expected from the agreed first day (else the admission) to the day before the
    # deletion: a pupil deleted on a day is not on roll for it (marks that day are not faulted).
    begins = register[["admission_date", "first_attendance_date"]].max(axis=1)
    span = pd.DataFrame(
        {
            "upn": register["upn"],
            "admission_date": register["admission_date"],
            "start": begins.clip(lower=first),
            "end": (register["deletion_date"] - pd.Timedelta(days=1)).fillna(last).clip(upper=last),
        }
    )
    # A registration is its UPN and admission date; two with the same span expect the same marks.
    span = span[span["start"] <= span["end"]].drop_duplicates()
    span["id"] = fact_ids("unmarked_sessions", span["upn"], span["admission_date"], then_by=(span["start"], span["end"]))
    if span.empty or sessions.empty:
        return []
    dates = sessions["date"].to_numpy()
    span["expected"] = np.searchsorted(dates, span["end"].to_numpy(), "right") - np.searchsorted(
        dates, span["start"].to_numpy(), "left"
    )
    in_window = (marks["date"] >= first) & (marks["date"] <= last)
    on_open = marks.loc[in_window & (context.calendar.open_session_numbers(marks["date"], marks["session"]) >= 0), ["upn", "date"]]
    dates = on_open["date"].to_numpy()
    start, end = span["start"].to_numpy(), span["end"].to_numpy()
    marked = np.zeros(len(span), dtype=int)
    for registration in span_layers(on_open["upn"], span["upn"]):
        inside = (registration >= 0) & (dates >= start[registration]) & (dates <= end[registration])
        marked += np.bincount(registration[inside], minlength=len(span))
    span["marked"] = marked
    span["unmarked"] = span["expected"] - span["marked"]
    short = span[span["unmarked"] > 0]
    if short.empty:
        return []
    # Which sessions: only for the registrations short of marks.
    grid = short[["id", "upn", "start", "end"]].reset_index(drop=True).merge(sessions, how="cross")
    grid = grid[(grid["date"] >= grid["start"]) & (grid["date"] <= grid["end"])]
    grid = grid.merge(marks[["upn", "date", "session"]].assign(has=True), on=["upn", "date", "session"], how="left")
    missing = grid[grid["has"].isna()].groupby("id")["date"].agg(["min", "max"])
    out = pd.DataFrame(
        {
            "id": short["id"],
            "upn": short["upn"],
            "pupil": short["upn"].map(context.pupil_names),
            "sessions_unmarked": short["unmarked"],
            "sessions_expected": short["expected"],
            "first_date": missing["min"].reindex(short["id"]).to_numpy(),
            "last_date": missing["max"].reindex(short["id"]).to_numpy(),
        }
    )
    return to_records(out.reset_index(drop=True), "unmarked_sessions")


@fact_kind("code_out_of_era")
def codes_out_of_era(context: Context) -> list[dict[str, Any]]:
    """One fact per pupil whose marks use codes that the regulations in force on the mark's date
    do not have (C2 before 19 August 2024, H after it), with the codes, counts and dates."""
    marks = context.table("attendance")
    if marks is None or marks.empty:
        return []
    valid = pd.Series(False, index=marks.index)
    for era in context.regulations.eras:
        valid |= marks["era"].eq(era.id) & marks["code"].isin(list(era.code_category))
    wrong = marks[~valid]
    if wrong.empty:
        return []
    era_name = {era.id: era.short for era in context.regulations.eras}
    each = wrong.groupby(["upn", "code", "era"])["date"].agg(["size", "min", "max"]).reset_index()
    each["text"] = (
        each["code"].astype("str") + " ×" + each["size"].astype("str") + " (" + each["era"].map(era_name).astype("str") + ", "
        + each["min"].dt.strftime("%d/%m/%Y") + "–" + each["max"].dt.strftime("%d/%m/%Y") + ")"
    )
    grouped = each.groupby("upn")
    out = pd.DataFrame(
        {
            "marks": grouped["size"].sum(),
            "codes": grouped["text"].agg("; ".join),
            "first_date": grouped["min"].min(),
            "last_date": grouped["max"].max(),
        }
    ).reset_index()
    out["pupil"] = out["upn"].map(context.pupil_names)
    out["id"] = fact_ids("code_out_of_era", out["upn"])
    return to_records(out, "code_out_of_era")


_SOURCES = {"la_returns": "received_date", "allocations": "allocated_on"}


@fact_kind("list_match")
def list_matches(context: Context) -> list[dict[str, Any]]:
    """One fact per LA return and per allocation: how sure its match to the register is, with
    the candidates it could be (``matching.match_candidates``, for both lists in one call)."""
    lists = {source: context.table(source) for source in _SOURCES}
    lists = {source: records for source, records in lists.items() if records is not None and not records.empty}
    if not lists:
        return []
    people = ["upn", "surname", "forename", "date_of_birth"]
    records = pd.concat([frame.reindex(columns=people) for frame in lists.values()], keys=list(lists))
    found = match_candidates(records, context.register)
    frames = []
    for source, listed in lists.items():
        match = found.loc[source]
        names = listed["surname"].fillna("").str.strip() + ", " + listed["forename"].fillna("").str.strip()
        record_type = listed["return_type"].map(lambda v: getattr(v, "value", v)) if "return_type" in listed else "allocation"
        # The record's own words: who it names and when; the rest of it only to tell two apart.
        told = [*people, _SOURCES[source], "return_type"]
        rest = tuple(listed[c] for c in listed.columns if c not in told and c != "line")
        parts = [listed.reindex(columns=people)[c] for c in people] + [pd.Series(record_type, index=listed.index), listed[_SOURCES[source]]]
        frames.append(
            pd.DataFrame(
                {
                    "id": fact_ids(f"list_match:{source}", *parts, then_by=rest),
                    "source": source,
                    "line": listed["line"],
                    "upn": listed["upn"].fillna(match["matched_upn"]),
                    "pupil": names.where(names.str.strip(", ").ne(""), None),
                    "given_upn": listed["upn"],
                    "date_of_birth": listed["date_of_birth"],
                    "record_type": record_type,
                    "record_date": listed[_SOURCES[source]],
                    **{k: match[k] for k in ("match", "matched_upn", "candidates", "candidate_count")},
                }
            )
        )
    # A record sent twice, word for word, is one fact that says how many copies there were.
    facts = pd.concat([one_per_id(frame, copies="copies") for frame in frames], ignore_index=True)
    return to_records(facts, "list_match")


TOTALS = ("possible", "attended", "authorised", "unauthorised")


@fact_kind("ctf_totals")
def ctf_totals_facts(context: Context) -> list[dict[str, Any]]:
    """One fact per CTF YearData whose marks were checked against the file's own totals
    (``pack.tables["ctf_totals"]``): both sets of totals, and whether any reading of the marks
    gave the file's (the reader tries every layout and counting convention)."""
    totals = context.table("ctf_totals")
    if totals is None or totals.empty or "agrees" not in totals:
        return []
    checked = totals[totals["agrees"].notna()]
    if checked.empty:
        return []

    def text(prefix: str) -> pd.Series:
        parts = [k + " " + checked[prefix + k].map(lambda v: "-" if pd.isna(v) else str(int(v))) for k in TOTALS]
        return parts[0].str.cat(parts[1:], sep=", ")

    differ = [checked[k].notna() & checked[k].ne(checked["decoded_" + k]) for k in TOTALS]
    named = [pd.Series(k, index=checked.index).where(d, "") for k, d in zip(TOTALS, differ)]
    year = pd.to_numeric(checked["year"], errors="coerce")
    out = pd.DataFrame({
        "id": fact_ids("ctf_totals", checked["file"], checked["upn"], checked["year"].fillna(""), checked["line"].astype(str)),
        "upn": checked["upn"],
        "pupil": checked["upn"].map(context.pupil_names),
        "file": checked["file"],
        "line": checked["line"],
        "year": checked["year"],
        "year_start": pd.to_datetime(year.map(lambda y: f"{int(y)}-09-01" if pd.notna(y) else None)),
        "file_totals": text(""),
        "marks_totals": text("decoded_"),
        "totals_differ": named[0].str.cat(named[1:], sep=",").str.replace(r",+", ", ", regex=True).str.strip(", "),
        "totals_agree": checked["agrees"].astype(bool),
        "marks": checked["marks"],
    })
    return to_records(out.reset_index(drop=True), "ctf_totals")
