"""Facts: the small number of derived records the rules reason about, made with vectorised pandas.

A fact carries numbers and dates, never verdicts: whether 20 school days is enough is a rule's
business. Each builder is registered under the fact kind that rules name in their ``fact`` field;
every fact has a unique ``id`` and its ``kind``. Values are JSON: dates as ISO strings.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from auditor.calendar import SchoolCalendar
from auditor.load import Pack
from auditor.matching import match_to_register
from auditor.regulations import Regulations
from auditor.values import YEAR_GROUPS


@dataclass(frozen=True)
class Context:
    pack: Pack
    calendar: SchoolCalendar
    regulations: Regulations
    as_of: dt.date
    period_start: dt.date
    # The policy's values, for evidence dates only (the day a threshold was reached, a due date):
    # whether a threshold is met is decided by the rules' conditions, never here.
    thresholds: Mapping[str, Any]

    def table(self, key: str) -> pd.DataFrame | None:
        return self.pack.tables.get(key)

    @cached_property
    def marks(self) -> pd.DataFrame:
        """The attendance marks on school sessions, each with the session's sequence number among
        open sessions, its school-day number and weight (see SchoolCalendar). Marks on closed
        sessions and ``#`` closures neither count nor break a run, so are left out. In order: each
        pupil's marks together (pupils in the order of the categorical UPN's codes), in session order."""
        attendance = self.table("attendance")
        if attendance is None:
            raise LookupError("no attendance in the pack")
        attendance = attendance[attendance["category"] != "closure"]
        numbers = self.calendar.open_session_numbers(attendance["date"], attendance["session"])
        seq = numbers[numbers >= 0]
        sessions = self.calendar.open_sessions()
        marks = attendance[numbers >= 0].assign(
            session_seq=seq,
            school_day=sessions["school_day"].to_numpy()[seq],
            weight=sessions["weight"].to_numpy()[seq],
        )
        if not isinstance(marks["upn"].dtype, pd.CategoricalDtype):  # as loaded; not so if built by hand
            marks = marks.assign(upn=marks["upn"].astype("category"))
        pupils = marks["upn"].cat.codes.to_numpy()
        # Exports usually list each pupil's marks together and in order: then there is no sorting.
        in_order = (pupils[1:] > pupils[:-1]) | ((pupils[1:] == pupils[:-1]) & (seq[1:] > seq[:-1]))
        if not in_order.all():
            marks = marks.iloc[np.lexsort((seq, pupils))]
        return marks.reset_index(drop=True)

    @cached_property
    def last_mark_dates(self) -> pd.Series:
        """Each pupil's (UPN's) last mark's date, among ``marks``."""
        marks = self.marks
        last = pupil_blocks(marks)[1] - 1
        return pd.Series(marks["date"].to_numpy()[last], index=pd.Index(marks["upn"].iloc[last], name="upn"))

    def school_day_number(self, dates: pd.Series) -> pd.Series:
        return self.calendar.school_day_number(dates)

    @cached_property
    def matched_returns(self) -> pd.DataFrame:
        """Every LA return, with the register UPN it concerns and how it was matched."""
        returns = self.table("la_returns")
        if returns is None or returns.empty:
            return pd.DataFrame(columns=["return_type", "matched_upn", "matched_by", "received_date"])
        return returns.join(match_to_register(returns, self.register))

    @property
    def register(self) -> pd.DataFrame:
        return self.pack.tables["admission_register"]

    @cached_property
    def pupil_names(self) -> pd.Series:
        """Register UPN -> "Surname, Forename", from the pupil's latest registration (by admission
        date, then names: never by the order of the file's rows)."""
        register = self.register.sort_values(["admission_date", "surname", "forename"], kind="stable")
        return pupil_label(register).groupby(register["upn"].to_numpy()).last()


FactBuilder = Callable[[Context], list[dict[str, Any]]]
BUILDERS: dict[str, FactBuilder] = {}


def fact_kind(kind: str) -> Callable[[FactBuilder], FactBuilder]:
    def register(builder: FactBuilder) -> FactBuilder:
        BUILDERS[kind] = builder
        return builder

    return register


def build_facts(
    kinds: set[str], context: Context, processes: int = 1, then: Callable[[str, list[dict[str, Any]]], Any] | None = None
) -> dict[str, Any]:
    """The facts of each kind, or, given ``then``, ``then(kind, facts)`` for each kind. With
    ``processes`` > 1 (on Linux, where processes can be forked safely), that many processes share
    the kinds, each taking the next kind not yet taken, and ``then`` runs where its facts were
    built, so that the work on them is shared too and only its result is sent back."""
    register_builders()
    unknown = kinds - set(BUILDERS)
    if unknown:
        raise KeyError(f"no fact builder for: {', '.join(sorted(unknown))}")
    ordered = sorted(kinds)
    then = then or (lambda kind, facts: facts)
    # Fork only on Linux: Windows cannot, and on macOS system libraries make it unsafe.
    if processes < 2 or len(ordered) < 2 or not sys.platform.startswith("linux"):
        return {kind: then(kind, BUILDERS[kind](context)) for kind in ordered}
    return _build_in_processes(ordered, context, processes, then)


def _build_in_processes(kinds: list[str], context: Context, processes: int, then: Callable) -> dict[str, Any]:
    """Forked helpers share the loaded pack with this process (copy on write). The shared frames
    are made first, so that no process makes them again."""
    if context.table("attendance") is not None:
        context.marks  # noqa: B018 (cached for the helpers)
        context.last_mark_dates  # noqa: B018
    context.matched_returns  # noqa: B018
    fork = multiprocessing.get_context("fork")
    taken = fork.Value("i", 0)
    helpers = []
    for _ in range(processes - 1):
        receiver, sender = fork.Pipe(duplex=False)
        helper = fork.Process(target=_helper, args=(kinds, context, then, taken, sender), daemon=True)
        helper.start()
        sender.close()
        helpers.append((helper, receiver))
    try:
        results = _take_turns(kinds, context, then, taken)
        for helper, receiver in helpers:
            try:
                theirs = receiver.recv()
            except EOFError:
                helper.join(timeout=10)
                raise RuntimeError(
                    f"a fact-building process ended without a result (exit code {helper.exitcode})"
                ) from None
            if isinstance(theirs, HelperFailure):
                raise theirs.error from InHelper(theirs.frames)
            results.update(theirs)
    finally:  # on a failure too: a helper blocked sending its result is freed by the closed pipe
        for helper, receiver in helpers:
            receiver.close()
            helper.join(timeout=10)
            if helper.is_alive():
                helper.terminate()
                helper.join()
    return {kind: results[kind] for kind in kinds}


@dataclass
class HelperFailure:
    """A helper's exception and where it was raised: a pickled exception loses its traceback."""

    error: BaseException
    frames: list[tuple[str, int, str]]  # file, line, function


class InHelper(Exception):
    """The cause of an exception raised in a fact-building helper: where it was raised there (file,
    line and function only, never a value, as a crash report may show it)."""

    def __init__(self, frames: list[tuple[str, int, str]]):
        self.frames = frames
        super().__init__(
            "raised in a fact-building helper process at:\n"
            + "\n".join(f'  File "{file}", line {line}, in {function}' for file, line, function in frames)
        )


def _take_turns(kinds: list[str], context: Context, then: Callable, taken: Any) -> dict[str, Any]:
    done = {}
    while True:
        with taken.get_lock():
            index = taken.value
            taken.value += 1
        if index >= len(kinds):
            return done
        done[kinds[index]] = then(kinds[index], BUILDERS[kinds[index]](context))


def _helper(kinds: list[str], context: Context, then: Callable, taken: Any, sender: Any) -> None:
    try:
        sender.send(_take_turns(kinds, context, then, taken))
    except BaseException as err:  # handed to the parent, which raises it
        frames = [(f.filename, f.lineno, f.name) for f in traceback.extract_tb(err.__traceback__)]
        try:
            sender.send(HelperFailure(err, frames))
        except Exception:  # an exception that cannot be pickled: its kind, and where
            sender.send(HelperFailure(RuntimeError(f"{type(err).__name__} in a fact-building helper"), frames))


def to_records(frame: pd.DataFrame, kind: str) -> list[dict[str, Any]]:
    """JSON-ready facts: ISO dates, plain numbers (whole floats as int), and no key for a
    missing value. Converted column by column; only the final zip is per fact."""
    names = list(frame.columns)
    columns = [_json_values(frame[name]) for name in names]
    return [
        {"kind": kind, **{name: value for name, value in zip(names, row) if value is not None}}
        for row in zip(*columns)
    ]


def _json_values(column: pd.Series) -> list[Any]:
    """A column as Python values (None where missing), without a Python step per value."""
    missing = column.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(column):
        values = column.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    elif pd.api.types.is_float_dtype(column):
        numbers = column.fillna(0).to_numpy()
        whole = np.mod(numbers, 1) == 0
        values = numbers.astype(object)  # Python floats
        values[whole] = numbers[whole].astype(np.int64).astype(object)  # Python ints
    elif isinstance(column.dtype, np.dtype) and column.dtype.kind in "iub":  # NumPy integers, booleans
        values = column.to_numpy().astype(object)  # as Python's
    elif isinstance(column.dtype, pd.StringDtype):  # Python strings already
        values = column.to_numpy(dtype=object)
    else:  # anything else may hold NumPy scalars
        values = np.array([v.item() if isinstance(v, np.generic) else v for v in column.to_numpy(dtype=object)], dtype=object)
    values[missing] = None
    return values.tolist()


def blocks(begins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The blocks of consecutive rows that each start where ``begins`` is true (as ``begins[0]``
    must be, unless there are no rows): each block's first position, and the position after its last."""
    starts = np.flatnonzero(begins)
    return starts, np.append(starts[1:], len(begins))[: len(starts)]


def pupil_blocks(marks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each pupil's block of rows in ``marks`` (see ``blocks``): a selection of
    ``Context.marks``, in whose order each pupil's marks are together and in session order."""
    pupils = marks["upn"].cat.codes.to_numpy()
    return blocks(np.append(True, pupils[1:] != pupils[:-1])[: len(pupils)])


def join_per_group(keys: pd.Series, values: pd.Series, sep: str = " ") -> pd.Series:
    """Per key, its distinct values in order of first appearance, joined by ``sep`` (the codes
    of a run: "N O"). A plain loop over the distinct pairs: a groupby would call Python once
    per group, and there are thousands of runs."""
    pairs = pd.DataFrame({"key": keys.to_numpy(), "value": values.astype("str").to_numpy()}).drop_duplicates()
    if pairs["key"].is_unique:  # one value per key (a run of one code): nothing to join
        return pd.Series(pairs["value"].to_numpy(), index=pairs["key"].to_numpy(), dtype="str")
    joined: dict[Any, list[str]] = {}
    for key, value in zip(pairs["key"].tolist(), pairs["value"].tolist()):
        joined.setdefault(key, []).append(value)
    return pd.Series({key: sep.join(group) for key, group in joined.items()}, dtype="str")


def fact_ids(kind: str, *parts: pd.Series, then_by: tuple[pd.Series, ...] = ()) -> pd.Series:
    """Each fact's id: its kind and the values that make it unique (dates as ISO), joined by ":".
    Ids come from what a fact is about, never from where its rows lie in a file, so that shuffling
    the rows changes none. Where ``parts`` give two facts one id, the ``then_by`` values are added
    to theirs: content too, so the order of the rows still changes nothing. Facts still sharing an
    id then are about identical records, and are one fact (see ``one_per_id``)."""
    ids = _joined(pd.Series(kind, index=parts[0].index, dtype="str"), parts)
    if then_by:
        repeated = ids.duplicated(keep=False).to_numpy()
        if repeated.any():
            ids = ids.where(~repeated, _joined(ids, then_by))
    return ids


def _joined(ids: pd.Series, parts: tuple[pd.Series, ...]) -> pd.Series:
    for part in parts:
        if pd.api.types.is_datetime64_any_dtype(part):
            text = part.dt.strftime("%Y-%m-%d")
        else:
            text = part.astype("str")
        ids = ids + ":" + (text.fillna("") if text.hasnans else text)
    return ids


def one_per_id(frame: pd.DataFrame, copies: str | None = None, line: str = "line") -> pd.DataFrame:
    """One row per ``id``: rows sharing one are about identical records (a return sent twice, a
    registration entered twice), and the row kept is the one from the earliest ``line``, if any.
    With ``copies``, that column counts the records each fact stands for."""
    by_line = np.argsort(frame[line].to_numpy(), kind="stable") if line in frame.columns else np.arange(len(frame))
    first = ~frame["id"].iloc[by_line].duplicated().to_numpy()
    kept = frame.iloc[np.sort(by_line[first])]
    if copies:
        kept = kept.assign(**{copies: kept["id"].map(frame["id"].value_counts()).astype(int)})
    return kept


def pupil_label(frame: pd.DataFrame) -> pd.Series:
    return frame["surname"].str.strip() + ", " + frame["forename"].str.strip()


def with_pupil(context: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` about pupils in the admission register, each with the pupil's label
    (from the pupil's latest registration)."""
    names = context.pupil_names
    position = names.index.get_indexer(frame["upn"])  # -1: not in the register
    frame = frame[position >= 0].copy()
    frame["pupil"] = names.to_numpy()[position[position >= 0]]
    return frame


def join_marks(marks: pd.DataFrame, frame: pd.DataFrame, how: str = "inner") -> pd.DataFrame:
    """``marks`` joined by UPN to the rows of ``frame`` about the same pupil. The marks' UPNs are
    categorical: ``frame``'s are put into the same categories first, so that the join compares
    small integers rather than half a million strings. (Rows of ``frame`` about pupils with no
    marks can join nothing, so they are left out.)"""
    pupils = marks["upn"].dtype
    if isinstance(pupils, pd.CategoricalDtype):
        codes = pupils.categories.get_indexer(frame["upn"])  # -1: a pupil with no marks
        known = codes >= 0
        frame = frame[known].assign(upn=pd.Categorical.from_codes(codes[known], dtype=pupils))
    return marks.merge(frame, on="upn", how=how)


def span_layers(marks_upn: pd.Series, spans_upn: pd.Series) -> list[np.ndarray]:
    """Marks matched to the spans of the same pupil (rows about a UPN: registrations, say) a
    layer at a time, so that a mark's date is compared with a span's dates by array lookups
    rather than by joining every mark to every span of its pupil. Each layer takes one span per
    pupil (their first spans, then their second ones, ...) and gives, for each mark, the position
    of its pupil's span in ``spans_upn``, or -1 when the pupil has none in that layer. A pupil
    seldom has more than two spans. ``marks_upn`` is categorical."""
    categories = marks_upn.cat.categories
    pupil_of_span = categories.get_indexer(spans_upn)  # -1: a span of a pupil with no marks
    order = np.flatnonzero(pupil_of_span >= 0)
    order = order[np.argsort(pupil_of_span[order], kind="stable")]
    pupils = pupil_of_span[order]
    rank = np.arange(len(pupils)) - np.searchsorted(pupils, pupils)  # 0 for a pupil's first span
    marks_pupil = marks_upn.cat.codes.to_numpy()
    layers = []
    for layer in range(rank.max() + 1 if len(rank) else 0):
        span_of_pupil = np.full(len(categories), -1)
        span_of_pupil[pupils[rank == layer]] = order[rank == layer]
        layers.append(span_of_pupil[marks_pupil])
    return layers


def on_roll(context: Context, day: pd.Timestamp) -> pd.DataFrame:
    """The registrations open on ``day``: admitted by then and not deleted before it."""
    register = context.register
    admitted = register["admission_date"] <= day
    not_deleted = register["deletion_date"].isna() | (register["deletion_date"] > day)
    return register[admitted & not_deleted]


def school_year_start(dates: pd.Series) -> pd.Series:
    """The calendar year in which each date's school year starts (September to August)."""
    return dates.dt.year - (dates.dt.month < 9).astype(int)


def junior_year_group(context: Context) -> str | None:
    """The school's most junior year group: the youngest in its admission register."""
    present = set(context.register["year_group"].dropna())
    return next((y for y in YEAR_GROUPS if y in present), None)


def senior_year_group(context: Context) -> str | None:
    configured = context.pack.config.school.senior_year_group
    if configured:
        return configured
    present = set(context.register["year_group"].dropna())
    return next((y for y in reversed(YEAR_GROUPS) if y in present), None)


def matched_returns(context: Context, *return_types: str) -> pd.DataFrame:
    """The LA returns of the given types, each with the register UPN it concerns."""
    returns = context.matched_returns
    return returns[returns["return_type"].isin(return_types)]


def returns_about(
    context: Context,
    subjects: pd.DataFrame,
    return_types: tuple[str, ...],
    since: str,
    before: str | None = None,
) -> pd.DataFrame:
    """For each row of ``subjects`` (a pupil ``upn`` and dates), the returns of ``return_types``
    about that pupil received on or after its ``since`` column (and before its ``before`` column):
    their count, the first one's date and how it was matched to the pupil."""
    returns = matched_returns(context, *return_types)
    window = [since] + ([before] if before else [])
    joined = (
        subjects[["upn", *window]]
        .rename_axis("subject")
        .reset_index()
        .merge(returns[["matched_upn", "matched_by", "received_date"]], left_on="upn", right_on="matched_upn")
    )
    held = joined["received_date"] >= joined[since]
    if before:
        held &= joined["received_date"] < joined[before]
    first = joined[held].sort_values("received_date").groupby("subject").first()
    return pd.DataFrame(
        {
            "count": joined[held].groupby("subject").size().reindex(subjects.index).fillna(0).astype(int),
            "first_date": pd.to_datetime(first["received_date"].reindex(subjects.index)),
            "matched_by": first["matched_by"].reindex(subjects.index),
        },
        index=subjects.index,
    )


def add_returns_since_admission(context: Context, frame: pd.DataFrame, return_type: str, count: str, event: str) -> None:
    """Add to ``frame`` (register rows) the returns of ``return_type`` about each pupil received
    since the admission: their ``count``, the first one's date, how it was matched, and its delay
    in calendar days after the ``event`` column's date."""
    returned = returns_about(context, frame, (return_type,), since="admission_date")
    frame[count] = returned["count"]
    frame["first_return_date"] = returned["first_date"]
    frame["return_matched_by"] = returned["matched_by"]
    frame["return_delay_days"] = (frame["first_return_date"] - frame[event]).dt.days


def register_builders() -> None:
    """Import the modules whose builders register themselves (one per family of facts)."""
    from auditor.facts import absence, admissions, allocations, deletions, offrolling, quality, timetables  # noqa: F401
