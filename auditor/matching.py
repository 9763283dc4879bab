"""Matching people across lists: by UPN when both sides have one, else by names and date of
birth, tolerant of case, spacing, hyphens, apostrophes and accents."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

BY_UPN = "upn"
BY_NAMES = "names and date of birth"


@lru_cache(maxsize=1 << 16)  # the same names come up in the register, the returns and the allocations
def name_key(name: object) -> str:
    """'Zoë Smith-Jones' and 'zoe smith jones' give the same key: letters only, no accents."""
    text = unicodedata.normalize("NFKD", str(name or "")).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", text)


def found_in(values: pd.Series, known: pd.Index) -> np.ndarray:
    """Whether each value is in ``known`` (an index of distinct values), by a hash lookup: isin
    on Arrow-backed text would make a scalar of every value sought."""
    return known.get_indexer(values) >= 0


def person_keys(frame: pd.DataFrame) -> pd.Series:
    dob = pd.to_datetime(frame["date_of_birth"]).dt.strftime("%Y-%m-%d").fillna("")
    return frame["surname"].map(name_key) + "|" + frame["forename"].map(name_key) + "|" + dob


def match_to_register(records: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """For each record (a return, an allocation) the register UPN it is about and how the match
    was made; unmatched records get no UPN. A names match counts only when exactly one pupil in the
    register has those names and date of birth."""
    known_upns = pd.Index(register["upn"].unique())
    people = register.assign(key=person_keys(register)).drop_duplicates(["key", "upn"])
    unique_people = people[~people["key"].duplicated(keep=False)].set_index("key")["upn"]

    upn = records["upn"] if "upn" in records else pd.Series(None, index=records.index, dtype=object)
    by_upn = upn.where(found_in(upn, known_upns))
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


# How sure a match is, most certain first. "names": no usable UPN, exactly one pupil with those
# names and date of birth; "ambiguous": several; "partial": only two of surname, forename and date
# of birth agree; "upn_names_differ": the UPN is on the register under other names or birth date.
LEVELS = ("upn", "names", "upn_names_differ", "ambiguous", "partial", "none")


def _people(frame: pd.DataFrame) -> pd.DataFrame:
    dob = pd.to_datetime(frame["date_of_birth"])
    return pd.DataFrame(
        {
            "s": frame["surname"].map(name_key),
            "f": frame["forename"].map(name_key),
            "d": dob.dt.strftime("%Y-%m-%d").fillna(""),
            "label": frame["surname"].fillna("").str.strip()
            + ", "
            + frame["forename"].fillna("").str.strip()
            + ", born "
            + dob.dt.strftime("%d/%m/%Y").fillna("?"),
        },
        index=frame.index,
    )


def match_candidates(records: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """For each record (a return, an allocation): how sure its match to the register is (one of
    ``LEVELS``), the UPN matched when there is one, and the candidates as text ("UPN (Surname,
    Forename, born dd/mm/yyyy)"), vectorised by joins on the name keys."""
    # Each UPN as its latest registration (by admission date, then names: not the file's order).
    latest = register.sort_values(["admission_date", "surname", "forename"], kind="stable")
    pupils = latest.drop_duplicates("upn", keep="last").set_index("upn", drop=False)
    reg = _people(pupils).assign(upn=pupils["upn"].to_numpy()).reset_index(drop=True)
    rec = _people(records.assign(**{c: records.get(c) for c in ("surname", "forename", "date_of_birth")}))
    rec["rid"] = np.arange(len(rec))
    upn = records["upn"] if "upn" in records else pd.Series(None, index=records.index, dtype=object)
    rec["upn"] = upn.to_numpy()

    def joined(keys: list[str]) -> pd.DataFrame:
        usable = rec[(rec[keys] != "").all(axis=1)]
        return usable[["rid", *keys]].merge(reg[[*keys, "upn", "label"]], on=keys)[["rid", "upn", "label"]]

    exact = joined(["s", "f", "d"])
    partial = pd.concat([joined(["s", "d"]), joined(["f", "d"]), joined(["s", "f"])]).drop_duplicates(["rid", "upn"])
    partial = partial[~partial.set_index(["rid", "upn"]).index.isin(exact.set_index(["rid", "upn"]).index)]

    exact_count = exact.groupby("rid").size().reindex(rec["rid"], fill_value=0).to_numpy()
    partial_count = partial.groupby("rid").size().reindex(rec["rid"], fill_value=0).to_numpy()
    known = found_in(rec["upn"], pd.Index(reg["upn"]))
    own = rec[["rid", "upn", "s", "f", "d"]].merge(reg[["upn", "s", "f", "d"]], on="upn", suffixes=("", "_reg"))
    named = (own[["s", "f", "d"]] != "").all(axis=1)
    differs = named & (own[["s", "f", "d"]].to_numpy() != own[["s_reg", "f_reg", "d_reg"]].to_numpy()).any(axis=1)
    names_differ = rec["rid"].isin(own.loc[differs, "rid"]).to_numpy()

    level = np.select(
        [known & ~names_differ, known, exact_count == 1, exact_count > 1, partial_count > 0],
        ["upn", "upn_names_differ", "names", "ambiguous", "partial"],
        "none",
    )
    single = exact.drop_duplicates("rid", keep=False).set_index("rid")["upn"]
    matched = np.where(known, rec["upn"], single.reindex(rec["rid"]).to_numpy())
    matched = pd.Series(matched, index=records.index).where(pd.Series(level, index=records.index) != "ambiguous")

    # The record's own UPN first, then exact matches, then partial ones; each by UPN, whatever
    # the order of the register's rows.
    shown = pd.concat(
        [
            own.loc[differs, ["rid", "upn"]].merge(reg[["upn", "label"]], on="upn").assign(kind=0),
            exact.assign(kind=1),
            partial[~partial["rid"].isin(exact["rid"])].assign(kind=2),
        ]
    ).sort_values(["rid", "kind", "upn"], kind="stable").drop_duplicates(["rid", "upn"])
    text = (shown["upn"] + " (" + shown["label"] + ")").groupby(shown["rid"]).agg("; ".join)
    count = shown.groupby("rid").size()
    return pd.DataFrame(
        {
            "match": level,
            "matched_upn": matched.to_numpy(),
            "candidates": text.reindex(rec["rid"]).to_numpy(),
            "candidate_count": count.reindex(rec["rid"], fill_value=0).to_numpy(),
        },
        index=records.index,
    )
