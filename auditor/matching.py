"""Matching people across lists: by UPN when both sides have one, else by names and date of
birth, tolerant of case, spacing, hyphens, apostrophes and accents."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

BY_UPN = "upn"
BY_NAMES = "names and date of birth"


def name_key(name: object) -> str:
    """'Zoë Smith-Jones' and 'zoe smith jones' give the same key: letters only, no accents."""
    text = unicodedata.normalize("NFKD", str(name or "")).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", text)


def person_keys(frame: pd.DataFrame) -> pd.Series:
    dob = pd.to_datetime(frame["date_of_birth"]).dt.strftime("%Y-%m-%d").fillna("")
    return frame["surname"].map(name_key) + "|" + frame["forename"].map(name_key) + "|" + dob


def match_to_register(records: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """For each record (a return, an allocation) the register UPN it is about and how the match
    was made; unmatched records get no UPN. A names match counts only when exactly one pupil in the
    register has those names and date of birth."""
    known_upns = set(register["upn"])
    people = register.assign(key=person_keys(register)).drop_duplicates(["key", "upn"])
    unique_people = people[~people["key"].duplicated(keep=False)].set_index("key")["upn"]

    upn = records["upn"] if "upn" in records else pd.Series(None, index=records.index, dtype=object)
    by_upn = upn.where(upn.isin(known_upns))
    has_names = records[["surname", "forename", "date_of_birth"]].notna().all(axis=1)
    by_names = person_keys(records).where(has_names).map(unique_people)
    matched = by_upn.fillna(by_names)
    method = pd.Series(None, index=records.index, dtype=object)
    method = method.mask(by_names.notna(), BY_NAMES).mask(by_upn.notna(), BY_UPN)
    return pd.DataFrame({"matched_upn": matched, "matched_by": method}, index=records.index)


def same_person_pairs(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Every (left, right) pair of rows about the same person: the same UPN where both have one,
    else the same names and date of birth. Columns: left, right (the rows' index labels), matched_by."""

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        upn = frame["upn"].fillna("") if "upn" in frame else pd.Series("", index=frame.index)
        named = frame[["surname", "forename", "date_of_birth"]].notna().all(axis=1)
        return pd.DataFrame({"upn": upn, "key": person_keys(frame).where(named)}, index=frame.index)

    a = keyed(left).rename_axis("left").reset_index()
    b = keyed(right).rename_axis("right").reset_index()
    by_upn = a[a["upn"] != ""].merge(b[b["upn"] != ""], on="upn")[["left", "right"]].assign(matched_by=BY_UPN)
    by_names = a.dropna(subset=["key"]).merge(b.dropna(subset=["key"]), on="key")[["left", "right"]]
    by_names = by_names.assign(matched_by=BY_NAMES)
    return pd.concat([by_upn, by_names]).drop_duplicates(["left", "right"], ignore_index=True)
