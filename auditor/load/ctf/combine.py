"""Several CTFs of one school read and combined into register rows and marks: a pupil in two
files is one pupil, and a contradiction between the files is rejected, naming both."""

from __future__ import annotations

import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from auditor.errors import PackError
from auditor.load.ctf.grounds import deletion_ground
from auditor.load.ctf.marks import (
    _NOT_A_MARK_TABLE,
    CONVENTIONS,
    LAYOUTS,
    _code_id,
    _Span,
    code_text,
    count_totals,
    date_problems,
    place,
    tokenise,
)
from auditor.load.ctf.parse import (
    SchoolId,
    _child,
    _clean_id,
    _date_or_none,
    _int_or_none,
    _nearest,
    _text,
    parse_xml,
)
from auditor.models import AdmissionRow
from auditor.regulations import regulations
from auditor.values import parse_year_group

REGISTER_COLUMNS = ["line", "file", *AdmissionRow.model_fields]
ATTENDANCE_COLUMNS = ["line", "file", "upn", "date", "session", "code"]

# ---- what a read gives -------------------------------------------------------------------------


class CtfIssue(NamedTuple):
    """A rejection or a note: the file, the line its element starts on, what (naming the pupil's
    UPN), the element, and for a rejection how many records it rejects."""

    file: str
    line: int
    reason: str
    element: str
    records: int = 1  # rejections only: the pupils, entries and marks it rejects (a pupil with its marks)


@dataclass(frozen=True)
class CtfFile:
    name: str
    sha256: str
    version: str | None
    written: str | None  # the header's DateTime
    qualifier: str | None
    supplier: str | None
    source: SchoolId
    school_name: str | None  # the SourceSchool's, for ``init``
    layout: str | None  # the date layout chosen for its marks (a key of LAYOUTS), None: no marks
    tokens: str | None  # the token reading of its marks (a key of TOKENS)


@dataclass
class CtfRead:
    """``register`` and ``attendance``: text cells with the contract's columns plus ``line`` and
    ``file``, ready for the loader's row and mark checks. ``rejected``: (file, line, reason,
    element). ``notes``: (file, line, message, element), data-quality observations that reject
    nothing (a leaving reason read as a ground by guess, totals that disagree, a layout chosen
    among several). ``totals``: per file, pupil and YearData, the file's totals and the decoded
    ones. ``counts``: per file, what was read and where it went (see ``unaccounted``)."""

    register: pd.DataFrame
    attendance: pd.DataFrame
    rejected: list[CtfIssue]
    notes: list[CtfIssue]
    totals: pd.DataFrame
    counts: pd.DataFrame
    files: list[CtfFile]
    school: SchoolId

    def unaccounted(self) -> list[str]:
        """What is not accounted for, per file (empty when every pupil, entry and mark is)."""
        c = self.counts
        checks = {
            "pupils": c["pupils"] - c["pupils_accepted"] - c["pupils_rejected"],
            "entries": c["entries"] - c["entries_register"] - c["entries_merged"] - c["entries_history"] - c["entries_rejected"],
            "marks": c["marks"] - c["marks_accepted"] - c["marks_merged"] - c["marks_unmarked"] - c["marks_rejected"],
        }
        return [f"{file}: {what} off by {gap}" for what, gaps in checks.items() for file, gap in gaps.items() if gap]


# ---- reading -----------------------------------------------------------------------------------


@dataclass
class _Pupil:
    file: str
    line: int
    upn: str
    surname: str
    forename: str
    dob: str


class _Reader:
    def __init__(self, school: SchoolId | None, school_days: pd.DatetimeIndex | None) -> None:
        self.given = school
        self.from_source = school is None  # the school is the files' SourceSchool
        self.school_days = None if school_days is None else np.unique(np.asarray(school_days, dtype="datetime64[D]"))
        self.rows: list[dict] = []
        self.rejected: list[CtfIssue] = []
        self.notes: list[CtfIssue] = []
        self.totals: list[dict] = []
        self.counts: dict[str, Counter] = {}
        self.files: list[CtfFile] = []
        self.pupils: dict[str, _Pupil] = {}
        self.entries: dict[str, list[dict]] = {}  # upn -> register rows (dicts in self.rows)
        self.marks: list[tuple[str, _Span, str]] = []  # (file, span, layout)
        self.pending: list[tuple[_Pupil, SchoolId]] = []  # pupils with marks but no entry in their file

    # -- one file --

    def read_file(self, name: str, data: bytes) -> None:
        root = parse_xml(data, name)
        self.root_line = root.line
        count = self.counts.setdefault(name, Counter())
        header = root.find("header")
        head = _nearest(header) if header is not None else {}
        source_el = head.get("sourceschool")
        source = SchoolId(*(_clean_id(_child(source_el, k)) for k in ("lea", "estab", "urn"))) if source_el is not None else SchoolId()
        school = self._school_for(name, source)
        written = _date_or_none((_text(head.get("datetime")) or "")[:10])
        spans: list[_Span] = []
        pupils = [p for container in root.iter("ctfpupildata") for p in container.iter("pupil")]
        for pupil in pupils:
            count["pupils"] += 1
            self._read_pupil(name, pupil, school, written, spans, count)
        layout, tokens = self._choose_layout(name, spans, count)
        self.files.append(
            CtfFile(
                name=name,
                sha256=hashlib.sha256(data).hexdigest(),
                version=_text(head.get("ctfversion")),
                written=_text(head.get("datetime")),
                qualifier=_text(head.get("documentqualifier")),
                supplier=_text(head.get("supplierid")),
                source=source,
                school_name=_child(source_el, "schoolname") if source_el is not None else None,
                layout=layout,
                tokens=tokens,
            )
        )

    def _school_for(self, name: str, source: SchoolId) -> SchoolId:
        """The school whose records a file's entries are matched against."""
        if self.given is None or self.from_source:
            if not (source.urn or (source.lea and source.estab)):
                raise PackError(name, "names no SourceSchool (LEA and Estab, or URN): say which school the pack is for")
            if self.given is not None and not self.given.matches(source.lea, source.estab, source.urn):
                raise PackError(name, f"comes from another school ({source}) than {self.files[0].name} ({self.given}): "
                                "the CTFs of a pack are one school's")
            self.given = source if self.given is None else self.given.merged(source)
            return self.given
        if self.given.matches(source.lea, source.estab, source.urn):
            return self.given.merged(source)
        if self.given.urn and not source.urn and not self.given.lea:
            where = f"SourceSchool ({source}) carries no URN" if source.lea else "header names no SourceSchool"
            self.notes.append((name, self.root_line, f"the file's {where}, so it cannot be matched with URN {self.given.urn}: "
                               "give the school's LAESTAB", "SourceSchool"))
        return self.given

    def _read_pupil(self, name: str, pupil: ET.Element, school: SchoolId, written: dt.date | None,
                    spans: list[_Span], count: Counter) -> None:
        own = _nearest(pupil)
        upn = (_text(own.get("upn")) or "").upper().replace(" ", "")
        entries = [s for h in pupil.iter("schoolhistory") for s in h.iter("school")]
        years = [y for a in pupil.iter("attendance") for y in a.iter("yeardata")]
        count["entries"] += len(entries)
        mine = [e for e in entries if school.matches(*(_clean_id(_child(e, k)) for k in ("lea", "estab", "urn")))]
        count["entries_history"] += len(entries) - len(mine)
        marks = [(y, s) for y in years if school.matches(*(_clean_id(_child(y, k)) for k in ("lea", "estab", "urn")))
                 for s in (list(y.iter("attendsessions")) or [y]) if s.find(".//attendancemarks") is not None]
        marks = [(y, s, tokenise(_text(s.find(".//attendancemarks")) or "")) for y, s in marks]
        n_marks = sum(len(ids) for _, _, (ids, _) in marks)
        count["marks"] += n_marks

        def reject(reason: str, element: str = "Pupil", line: int | None = None) -> None:
            self.rejected.append((name, line or pupil.line, reason, element, 1 + len(mine) + n_marks))
            count["pupils_rejected"] += 1
            count["entries_rejected"] += len(mine)
            count["marks_rejected"] += n_marks

        if not upn:
            return reject("a Pupil with no UPN: its records cannot be joined to a register row")
        me = _Pupil(name, pupil.line, upn, _text(own.get("surname")) or "", _text(own.get("forename")) or "",
                    _text(own.get("dob")) or "")
        if not mine:  # a partial file's marks: kept if another file has the pupil's entry (``_settle_pending``)
            if not marks:
                return reject(f"pupil {upn}: no SchoolHistory/School entry for the school being inspected ({school})")
            self.pending.append((me, school))
        else:
            seen = self.pupils.get(upn)
            clash = _identity_clash(seen, me) if seen is not None and seen.file != name else None
            if clash:
                return reject(f"pupil {upn}: {clash}: this file's record of the pupil is not read")
            self.pupils.setdefault(upn, me)
            count["pupils_accepted"] += 1

        year_group = _text(own.get("ncyearactual")) or ""
        try:
            parse_year_group(year_group)
        except ValueError:
            self.notes.append((name, own["ncyearactual"].line, f"pupil {upn}: NCyearActual '{year_group}' is not a year "
                               "group (N1, N2, R, 1-14): left blank", "NCyearActual"))
            year_group = ""
        enrol = (_text(own.get("enrolstatus")) or "").upper()
        dual = {"M": "Y", "S": "Y", "C": "N"}.get(enrol, "")
        ehcp = _ehcp(pupil)
        for entry in mine:
            self._read_entry(name, entry, me, year_group, dual, ehcp, count)

        admitted = [d for d in (_date_or_none(_child(e, "entrydate")) for e in mine) if d]
        left = [_date_or_none(_child(e, "leavingdate")) for e in mine]
        entry_date = min(admitted) if admitted else None
        leaving = None if (not left or None in left) else max(left)
        for year in years:
            if (school.matches(*(_clean_id(_child(year, k)) for k in ("lea", "estab", "urn")))
                    and not any(y is year for y, _, _ in marks)):  # totals only (SIMS 19): nothing to decode
                self.totals.append({"file": name, "line": year.line, "upn": upn, **_given_totals(year), "marks": None})
        for year, container, tokens in marks:
            self._read_span(name, upn, year, container, tokens, entry_date, leaving, written, spans, count)

    def _read_entry(self, name: str, entry: ET.Element, me: _Pupil, year_group: str, dual: str, ehcp: str,
                    count: Counter) -> None:
        admission = _child(entry, "entrydate") or ""
        leaving = _child(entry, "leavingdate") or ""
        reason, grounds = _child(entry, "leavingreason"), _child(entry, "removalgrounds")
        ground = ""
        if leaving:
            ground, messages = deletion_ground(reason, grounds, _date_or_none(leaving))
            for message in messages:
                self.notes.append((name, entry.line, f"pupil {me.upn}: {message}", "SchoolHistory/School"))
        elif reason or grounds:
            self.notes.append((name, entry.line, f"pupil {me.upn}: a leaving reason or removal grounds with no "
                               "LeavingDate: no deletion is read", "SchoolHistory/School"))
        row = {
            "line": entry.line, "file": name, "upn": me.upn, "surname": me.surname, "forename": me.forename,
            "date_of_birth": me.dob, "year_group": year_group, "admission_date": admission,
            "first_attendance_date": "", "deletion_date": leaving, "deletion_ground": ground,
            "dual_registered": dual, "ehcp": ehcp,
        }
        earlier = [r for r in self.entries.get(me.upn, []) if r["file"] != name]
        if earlier:
            same = [r for r in earlier if _same_date(r["admission_date"], admission)]
            if not same:
                self.rejected.append((name, entry.line, f"pupil {me.upn}: EntryDate {admission} contradicts EntryDate "
                                      + ", ".join(f"{r['admission_date']} in {r['file']} line {r['line']}" for r in earlier)
                                      + " for the same school", "SchoolHistory/School"))
                count["entries_rejected"] += 1
                return
            other = same[0]
            for column, element in (("deletion_date", "LeavingDate"), ("deletion_ground", "leaving reason")):
                if row[column] and other[column] and not _same_date(row[column], other[column]):
                    self.rejected.append((name, entry.line, f"pupil {me.upn}: {element} {row[column]} contradicts "
                                          f"{other[column]} in {other['file']} line {other['line']}", "SchoolHistory/School"))
                    count["entries_rejected"] += 1
                    return
            if row["deletion_date"] and not other["deletion_date"]:  # a later file records the leaving
                other.update({k: row[k] for k in ("line", "file", "deletion_date", "deletion_ground")})
            count["entries_merged"] += 1
            return
        self.rows.append(row)
        self.entries.setdefault(me.upn, []).append(row)
        count["entries_register"] += 1

    def _read_span(self, name: str, upn: str, year: ET.Element, container: ET.Element,
                   tokenised: tuple[np.ndarray, str], entry: dt.date | None,
                   leaving: dt.date | None, written: dt.date | None, spans: list[_Span], count: Counter) -> None:
        marks_el = container.find(".//attendancemarks")
        ids, tokens = tokenised
        start_text = _text(container.find(".//attendancestartdate"))
        start = _date_or_none(start_text)
        record = {"file": name, "line": year.line, "upn": upn, **_given_totals(year)}
        for total in ("possible", "attended", "authorised", "unauthorised"):
            text = _child(year, f"sessions{total}")
            if text is not None and record[total] is None:
                self.notes.append((name, year.line, f"pupil {upn}: Sessions{total.capitalize()} '{text}' is not a "
                                   "number: that total is not checked", "YearData"))
        if start is None or len(ids) % 2:
            why = (f"AttendanceStartDate '{start_text or ''}' is not a date" if start is None
                   else f"AttendanceMarks holds {len(ids)} sessions, an odd number: they cannot be paired AM and PM")
            self.rejected.append((name, marks_el.line, f"pupil {upn}: {why}; its {len(ids)} marks are not read", "AttendanceMarks",
                                  len(ids)))
            count["marks_rejected"] += len(ids)
            self.totals.append({**record, "marks": len(ids), "note": why})
            return
        marked = ~_NOT_A_MARK_TABLE[ids].reshape(-1, 2).all(axis=1)
        span = _Span(upn, marks_el.line, ids, np.datetime64(start, "D"), tokens, marked)
        year_start = _int_or_none(record["year"])
        year_end = dt.date(year_start + 1, 8, 31) if year_start else None
        for layout in LAYOUTS:
            dates = place(span.start, len(ids) // 2, layout, self.school_days)
            if dates is not None:
                span.dates[layout] = dates
                span.problems[layout] = date_problems(ids, dates, layout, entry, leaving, written, year_end, self.school_days)
        spans.append(span)
        era = regulations().era_on(start)
        decoded = count_totals(ids, era)
        given = {k: record[k] for k in ("possible", "attended", "authorised", "unauthorised")}
        consistent = None if None in given.values() else given["possible"] == given["attended"] + given["authorised"] + given["unauthorised"]
        tested = [k for k, v in given.items() if v is not None and (k != "attended" or consistent is not False)]
        agreeing = [c for c in CONVENTIONS if tested and all(decoded[c][k] == given[k] for k in tested)]
        chosen = agreeing[0] if agreeing else "regulations"
        self.totals.append({
            **record, "marks": len(ids), "tokens": tokens, "consistent": consistent,
            "convention": agreeing[0] if agreeing else None, "agrees": bool(agreeing) if tested else None,
            **{f"decoded_{k}": v for k, v in decoded[chosen].items()}, "span": span,
        })
        if tested and not agreeing:
            self.notes.append((name, year.line, f"pupil {upn}: the marks of YearData {record['year']} give "
                               + _totals_text(decoded["regulations"]) + ", the file's totals are " + _totals_text(given)
                               + ": no reading of the marks agrees with them", "YearData"))

    # -- the file's layout --

    def _choose_layout(self, name: str, spans: list[_Span], count: Counter) -> tuple[str | None, str | None]:
        """One date layout for the file: the one every pupil's marks fit; when several fit and put
        marks on different dates, or none fits every pupil, the preferred (most fitting, then
        calendar dates) with a note."""
        if not spans:
            return None, None
        fits = {layout: sum(1 for s in spans if layout in s.dates and not s.problems[layout]) for layout in LAYOUTS}
        full = [layout for layout, n in fits.items() if n == len(spans)]
        if full:
            chosen = full[0]
            # Layouts that put the same marks on the same dates (differing only where # or - fall) agree.
            differ = [lay for lay in full[1:]
                      if any(not np.array_equal(s.dates[lay][s.marked], s.dates[chosen][s.marked]) for s in spans)]
            if differ:
                self.notes.append((name, self.root_line, f"the marks fit {LAYOUTS[chosen]} and also "
                                   + " and ".join(LAYOUTS[d] for d in differ)
                                   + ", which put them on other dates: read as " + LAYOUTS[chosen], "AttendanceMarks"))
        else:
            chosen = max(LAYOUTS, key=lambda lay: fits[lay])  # first of the best: the preferred order
            tried = [k for k in LAYOUTS if k != "school_days" or self.school_days is not None]
            self.notes.append((name, self.root_line, "no layout fits every pupil's marks ("
                               + ", ".join(f"{LAYOUTS[k]}: {fits[k]} of {len(spans)}" for k in tried)
                               + f"): read as {LAYOUTS[chosen]}", "AttendanceMarks"))
            for span in spans:
                if span.problems.get(chosen) or chosen not in span.dates:
                    fitting = [LAYOUTS[k] for k, v in span.problems.items() if not v]
                    why = "; ".join(f"{LAYOUTS[k]}: {', '.join(v)}" for k, v in span.problems.items() if v)
                    verdict = (f"the marks fit {' and '.join(fitting)}, not the file's layout" if fitting
                               else "the marks fit no reading")
                    self.notes.append((name, span.line, f"pupil {span.upn}: {verdict} ({why})", "AttendanceMarks"))
        for span in spans:
            if chosen not in span.dates:  # e.g. weekdays from a Saturday: not placed
                self.rejected.append((name, span.line, f"pupil {span.upn}: the marks cannot be placed as {LAYOUTS[chosen]}",
                                      "AttendanceMarks", len(span.ids)))
                count["marks_rejected"] += len(span.ids)
                continue
            self.marks.append((name, span, chosen))
        for record in self.totals:
            if record.get("file") == name and "span" in record:
                record["layout"] = chosen
                span = record.pop("span")
                record["dates_fit"] = chosen in span.problems and not span.problems[chosen]
                record["layouts_fitting"] = ",".join(k for k, v in span.problems.items() if not v)
                record["date_problems"] = "; ".join(f"{k}: {', '.join(v)}" for k, v in span.problems.items() if v)
        # Strings without a digit read the same either way: one reading for the file.
        return chosen, "letter_digit" if any(s.tokens == "letter_digit" for s in spans) else "single"

    # -- all files --

    def attendance(self) -> pd.DataFrame:
        """Every placed mark as a row; ``-`` (no mark) is counted, not kept; a second mark for a
        pupil's session is merged when it is the same code and rejected, naming both, when not."""
        if not self.marks:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "line" else object) for c in ATTENDANCE_COLUMNS})
        sizes = np.array([len(span.ids) for _, span, _ in self.marks])
        which = np.repeat(np.arange(len(self.marks)), sizes)
        file_codes, file_names = pd.factorize(pd.Series([f for f, _, _ in self.marks]))
        upn_codes, upns = pd.factorize(pd.Series([span.upn for _, span, _ in self.marks]))
        ids = np.concatenate([span.ids for _, span, _ in self.marks])
        frame = pd.DataFrame({
            "line": np.array([span.line for _, span, _ in self.marks], dtype=np.int64)[which],
            "file": pd.Categorical.from_codes(file_codes[which], categories=file_names),
            "upn": pd.Categorical.from_codes(upn_codes[which], categories=upns),
            "day": np.concatenate([np.repeat(span.dates[layout], 2) for _, span, layout in self.marks]).astype(np.int64),
            "session": pd.Categorical.from_codes(np.tile(np.array([0, 1], dtype=np.int8), len(ids) // 2), categories=["AM", "PM"]),
            "id": ids,
        })
        unmarked = frame["id"].eq(_code_id("-"))
        self._count("marks_unmarked", frame.loc[unmarked, "file"])
        frame = frame[~unmarked]
        day = frame["day"].to_numpy() - frame["day"].min()
        key = pd.Series((frame["upn"].cat.codes.to_numpy().astype(np.int64) * (int(day.max(initial=0)) + 1) + day) * 2
                        + frame["session"].cat.codes.to_numpy(), index=frame.index)
        repeated = key.duplicated(keep="first")
        if repeated.any():  # rare: pupils in several files, or overlapping spans
            first = pd.Series(frame.index, index=frame.index).groupby(key).transform("first")[repeated]
            again, before = frame[repeated], frame.loc[first.to_numpy()]
            same = again["id"].to_numpy() == before["id"].to_numpy()
            self._count("marks_merged", again.loc[same, "file"])
            clash, prior = again[~same], before[~same]
            self._count("marks_rejected", clash["file"])
            dates = pd.Series(clash["day"].to_numpy().astype("datetime64[D]")).dt.strftime("%d/%m/%Y")
            reasons = ("pupil " + clash["upn"].astype(str).to_numpy() + ": mark " + code_text(clash["id"].to_numpy())
                       + " for " + dates.to_numpy() + " " + clash["session"].astype(str).to_numpy() + " contradicts "
                       + code_text(prior["id"].to_numpy()) + " in " + prior["file"].astype(str).to_numpy() + " line "
                       + prior["line"].astype(str).to_numpy())
            self.rejected.extend(zip(clash["file"].astype(str), clash["line"].astype(int), reasons, ["AttendanceMarks"] * len(clash)))
            frame = frame[~repeated]
        self._count("marks_accepted", frame["file"])
        # Text cells as categoricals: a year's marks hold a few hundred dates and a dozen codes.
        day_codes, days = pd.factorize(frame["day"])
        unique_ids, id_codes = np.unique(frame["id"].to_numpy(), return_inverse=True)
        text_codes, texts = pd.factorize(code_text(unique_ids))
        return pd.DataFrame({
            "line": frame["line"].to_numpy(dtype=np.int64),
            "file": frame["file"].array,
            "upn": frame["upn"].array,
            "date": pd.Categorical.from_codes(day_codes, categories=np.datetime_as_string(days.to_numpy().astype("datetime64[D]"), unit="D")),
            "session": frame["session"].array,
            "code": pd.Categorical.from_codes(text_codes[id_codes], categories=texts),
        })

    def _count(self, what: str, files: pd.Series) -> None:
        for name, n in files.value_counts().items():
            self.counts[str(name)][what] += int(n)

    def _settle_pending(self) -> None:
        """A pupil with marks but no School entry in its file is the pupil of another file's entry
        with the same UPN and identity; else it is rejected, with its marks."""
        for me, school in self.pending:
            count = self.counts[me.file]
            seen = self.pupils.get(me.upn)
            clash = _identity_clash(seen, me) if seen is not None else None
            if seen is not None and not clash:
                count["pupils_accepted"] += 1
                continue
            why = (f"{clash}: this file's record of the pupil is not read" if clash else
                   f"no SchoolHistory/School entry for the school being inspected ({school}) in any file")
            mine = [m for m in self.marks if m[0] == me.file and m[1].upn == me.upn]
            marks = sum(len(span.ids) for _, span, _ in mine)
            self.rejected.append((me.file, me.line, f"pupil {me.upn}: {why}", "Pupil", 1 + marks))
            count["pupils_rejected"] += 1
            count["marks_rejected"] += marks
            self.marks = [m for m in self.marks if not (m[0] == me.file and m[1].upn == me.upn)]

    def result(self) -> CtfRead:
        self._settle_pending()
        attendance = self.attendance()
        self._note_codes_cut_short(attendance)
        register = pd.DataFrame(self.rows, columns=REGISTER_COLUMNS)
        register["line"] = register["line"].astype("int64")
        totals = pd.DataFrame(self.totals)
        counted = ["pupils", "pupils_accepted", "pupils_rejected", "entries", "entries_register", "entries_merged",
                   "entries_history", "entries_rejected", "marks", "marks_accepted", "marks_merged", "marks_unmarked",
                   "marks_rejected"]
        counts = pd.DataFrame([{k: c.get(k, 0) for k in counted} for c in self.counts.values()],
                              index=pd.Index(list(self.counts), name="file"), columns=counted)
        rejected = [CtfIssue(f, int(line), reason, element, *records) for f, line, reason, element, *records in self.rejected]
        notes = [CtfIssue(f, int(line), reason, element) for f, line, reason, element in self.notes]
        return CtfRead(register, attendance, rejected, notes, totals, counts, self.files, self.given or SchoolId())

    def _note_codes_cut_short(self, attendance: pd.DataFrame) -> None:
        """J, H and Y are not in force from 19 August 2024: a file with them then may have cut
        C1, J1 and Y1-Y7 to their letter (docs/ctf-format.md section 5, step 8)."""
        if attendance.empty:
            return
        cutover = regulations().eras[-1].in_force_from.isoformat()
        suspect = attendance[attendance["code"].isin(["J", "Y", "H"])]
        late = suspect[suspect["date"].astype(str) >= cutover]
        for file, lines in late.groupby("file", observed=True)["line"]:
            n = len(lines)
            self.notes.append((file, int(lines.min()), f"{n} marks J, H or Y on or after {regulations().eras[-1].in_force_from:%d/%m/%Y}, "
                               "codes no longer in force: the file may have cut C1, J1 and Y1-Y7 to one letter", "AttendanceMarks"))


def _same_date(a: str, b: str) -> bool:
    return (_date_or_none(a) or a.strip()) == (_date_or_none(b) or b.strip())


def _identity_clash(seen: _Pupil, me: _Pupil) -> str | None:
    for label, a, b in (("DOB", seen.dob, me.dob), ("Surname", seen.surname, me.surname), ("Forename", seen.forename, me.forename)):
        same = _same_date(a, b) if label == "DOB" else a.casefold() == b.casefold()
        if not same:
            return f"{label} '{b}' in {me.file} line {me.line} contradicts '{a}' in {seen.file} line {seen.line}"
    return None


def _ehcp(pupil: ET.Element) -> str:
    """Y when a current SEN record's provision is E (an education, health and care plan), N when
    the file holds SEN records and none is, blank when it holds none."""
    records = [s for h in pupil.iter("senhistory") for s in h.iter("sen")]
    if not records:
        return ""
    current = [s for s in records if not _child(s, "enddate")]
    return "Y" if any((_child(s, "senprovision") or "").upper() == "E" for s in current) else "N"


def _given_totals(year: ET.Element) -> dict:
    """A YearData's year and its own four totals (None where absent or not a number)."""
    return {"year": _child(year, "year"),
            **{k: _int_or_none(_child(year, f"sessions{k}")) for k in ("possible", "attended", "authorised", "unauthorised")}}


def _totals_text(totals: dict[str, int | None]) -> str:
    return ", ".join(f"{k} {v if v is not None else '-'}" for k, v in totals.items())


def read_ctfs(
    files: list[tuple[str, bytes]],
    school: SchoolId | tuple[str, str] | str | None = None,
    school_days: pd.DatetimeIndex | None = None,
) -> CtfRead:
    """Read the CTFs of one school, each (name as in the pack, bytes), into register rows and
    marks. ``school``: the school being inspected (a URN, a LAESTAB or an (LEA, Estab) pair);
    None: every file's SourceSchool, which must then be one school. ``school_days``: the open
    days of the pack's calendar, when it has one (a third date layout to try). A file that is
    not XML or not a CTF, or that declares a DTD, raises ``PackError`` naming it."""
    reader = _Reader(SchoolId.of(school), school_days)
    for name, data in files:
        reader.read_file(name, data)
    return reader.result()
