"""One inspection: pack in, findings out. ``inspect`` is the library's entry point."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from auditor import engine
from auditor.calendar import SchoolCalendar
from auditor.errors import PackError
from auditor.extract import RegisterExtractor
from auditor.facts import Context, build_facts
from auditor.findings import (
    Finding,
    Inspection,
    InspectionInfo,
    RegisterExtract,
    RuleStatus,
    SchoolInfo,
    ToolInfo,
)
from auditor.indicators import FACT_KINDS, indicators
from auditor.load import Pack, load_pack
from auditor.policy import load_policy
from auditor.regulations import regulations
from auditor.rules import SEVERITY_ORDER, Case, Rule, load_rules
from auditor.text import render
from auditor.waivers import apply_waivers, waivers_from_table


def prepare_process() -> None:
    """Ready this process for inspections: load what every inspection uses, then hide those
    long-lived objects from the garbage collector (``gc.freeze``). Its collections, frequent
    while facts are made, would otherwise walk the tens of thousands of objects of pandas,
    pydantic and the rules every time, to no purpose: about a tenth of a school's inspection."""
    from auditor.facts import register_builders

    register_builders()
    load_rules()
    regulations()
    gc.collect()
    gc.freeze()


OnPhase = Callable[..., None]  # on_phase(phase: str, done: int | None = None, total: int | None = None)


def _told_nothing(phase: str, done: int | None = None, total: int | None = None) -> None:
    pass


class _Judged:
    """The kinds of fact judged so far, told to ``on_phase`` from this process alone: forked
    fact-building helpers count theirs in shared memory (made before they fork), never calling
    ``on_phase``, whose work (a database write, say) belongs to the process that asked for it."""

    def __init__(self, on_phase: OnPhase, total: int, processes: int) -> None:
        self._tell, self._total, self._pid = on_phase, total, os.getpid()
        self._shared = multiprocessing.Value("i", 0) if processes > 1 else None
        self._done = self._told = 0

    def one_more(self) -> None:
        if self._shared is None:
            self._done += 1
        else:
            with self._shared.get_lock():
                self._shared.value += 1
                self._done = self._shared.value
        if os.getpid() == self._pid:
            self._told = self._done
            self._tell("judging the facts", self._done, self._total)

    def finished(self) -> None:
        if self._told < self._total:
            self._told = self._total
            self._tell("judging the facts", self._total, self._total)


def inspect(
    pack_path: str | Path,
    as_of: dt.date | None = None,
    policy: str | None = None,
    processes: int = 1,
    on_phase: OnPhase | None = None,
) -> Inspection:
    """Inspect the pack at ``pack_path`` as at ``as_of`` (default: the pack's inspection date)
    under ``policy`` (default: the pack's), deriving and judging the facts in ``processes``
    processes, and apply the pack's waivers. Raises ``PackError`` when the pack cannot be read, or
    ``as_of`` is before the period inspected starts.

    ``on_phase(phase, done=None, total=None)``, if given, is told how the inspection proceeds (for
    a progress bar), always from the calling process, in this order:

    - ``on_phase("reading the files")``;
    - ``on_phase("building the school calendar")``;
    - ``on_phase("deriving the facts", 0, total)``: ``total`` kinds of fact are to be derived
      and judged, one kind at a time;
    - ``on_phase("judging the facts", done, total)`` as kinds are done (``done`` of ``total``),
      the last with ``done == total``; with ``processes`` > 1 it is told when this process
      finishes a kind, counting the kinds the helper processes finished too;
    - ``on_phase("done")``, when the inspection is made.

    An exception it raises stops the inspection."""
    from auditor import __version__

    tell = on_phase or _told_nothing
    tell("reading the files")
    pack = load_pack(pack_path)
    settings = pack.config.inspection
    as_of = as_of or settings.date
    if as_of < settings.period_start:
        raise PackError(
            "pack.toml",
            f"--as-of {as_of:%d/%m/%Y} is before the period start {settings.period_start:%d/%m/%Y} (period_start)",
        )
    chosen = load_policy(policy) if policy else load_policy(settings.policy, base=pack.root)
    thresholds = chosen.values_on(as_of)
    tell("building the school calendar")
    context = _context(pack, as_of, settings.period_start, thresholds)

    statuses, checked = [], []
    for rule in load_rules():
        missing = [pack.file_name(need) for need in rule.needs if not pack.has(need)]
        if rule.needs_one_of and not any(pack.has(need) for need in rule.needs_one_of):
            missing.append(" or ".join(pack.file_name(need) for need in rule.needs_one_of))
        status = RuleStatus(
            code=rule.code,
            name=rule.name,
            title=rule.title,
            requirement=rule.requirement,
            status="not_checked" if missing else "checked",
            reason=f"no {' and no '.join(missing)} in the pack" if missing else None,
            evidence_labels=rule.evidence,
        )
        statuses.append(status)
        if not missing:
            checked.append(rule)

    attendance = pack.tables.get("attendance")
    extractor = RegisterExtractor(attendance, context.calendar, as_of) if attendance is not None else None

    kinds = {rule.fact for rule in checked} | FACT_KINDS
    progress = _Judged(on_phase, len(kinds), processes) if on_phase else None
    tell("deriving the facts", 0, len(kinds))

    def judge(kind: str, facts: list[dict]) -> tuple[list[Finding], list[dict]]:
        """The findings on one kind of fact, and the facts themselves if indicators need them."""
        matches = engine.evaluate([rule for rule in checked if rule.fact == kind], {kind: facts}, thresholds)
        findings = [_finding(m.rule, m.case, m.fact, thresholds, pack, extractor) for m in matches]
        if progress:
            progress.one_more()
        return findings, facts if kind in FACT_KINDS else []

    # Facts are built in many small pandas steps on text, and each step on Arrow-backed text
    # pays a fixed cost that Python-backed text does not: about a tenth of the time of the facts.
    with pd.option_context("mode.string_storage", "python"):
        judged = build_facts(kinds, context, processes, then=judge)
    if progress:
        progress.finished()
    findings = [finding for kind_findings, _ in judged.values() for finding in kind_findings]
    facts = {kind: kind_facts for kind, (_, kind_facts) in judged.items()}
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.pupil or "", f.id))
    for status in statuses:
        status.findings = sum(1 for f in findings if f.rule == status.code)

    findings_by_rule = {s.code: s.findings if s.status == "checked" else None for s in statuses}
    school = pack.config.school
    inspection = Inspection(
        tool=ToolInfo(version=__version__),
        school=SchoolInfo(urn=school.urn, name=school.name, la=school.la),
        inspection=InspectionInfo(
            date=as_of,
            period_start=settings.period_start,
            policy=chosen.name,
            policy_title=chosen.title,
            calendar=context.calendar.source,
        ),
        inputs=pack.inputs,
        rules=statuses,
        findings=findings,
        rejected_rows=pack.rejected,
        indicators=indicators(context.register, pd.Timestamp(as_of), facts, findings_by_rule, thresholds),
    )
    waivers = waivers_from_table(pack.tables.get("waivers"), pack.file_name("waivers"))
    inspection = apply_waivers(inspection, waivers, as_of)
    tell("done")
    return inspection


def _context(pack: Pack, as_of: dt.date, period_start: dt.date, thresholds: dict) -> Context:
    """The pack trimmed to what is judged (nothing after ``as_of``) and its school calendar."""
    attendance = pack.tables.get("attendance")
    if attendance is not None:
        attendance = attendance[attendance["date"] <= pd.Timestamp(as_of)]
        pack.tables["attendance"] = attendance
    earliest = [pd.Timestamp(period_start)]
    for key, column in (("attendance", "date"), ("part_time_timetables", "start_date")):
        table = pack.tables.get(key)
        if table is not None and len(table):
            earliest.append(table[column].min())
    calendar = SchoolCalendar.build(
        # A day early, so that "school days from a start date, inclusive" has a day before it.
        start=(min(earliest) - pd.Timedelta(days=1)).date(),
        end=as_of,
        explicit=pack.tables.get("calendar"),
        explicit_input=next((i for i in pack.inputs if i.file == pack.file_name("calendar")), None),
        attendance=attendance,
    )
    return Context(pack, calendar, regulations(), as_of, period_start, thresholds)


def _finding(
    rule: Rule, case: Case, fact: dict, thresholds: dict, pack: Pack, extractor: RegisterExtractor | None
) -> Finding:
    event_date = dt.date.fromisoformat(fact[rule.event_date]) if rule.event_date in fact else None
    era = regulations().era_on(event_date or pack.config.inspection.date)
    words = {**fact, "policy": thresholds, "era": era.short}
    digest = hashlib.sha256(f"{pack.config.school.urn}|{rule.code}|{fact['id']}".encode()).hexdigest()
    return Finding(
        id=f"{rule.code}-{digest[:12]}",
        rule=rule.code,
        title=rule.title,
        severity=case.severity,
        requirement=rule.requirement,
        upn=fact.get("upn"),
        pupil=fact.get("pupil"),
        event_date=event_date,
        summary=render(rule.summary, words),
        evidence={key: fact[key] for key in rule.evidence if key in fact},
        legal_basis=rule.legal_basis_for(era.id),
        action=render(rule.action, words),
        refer_to_cme=rule.refer_to_cme if case.refer_to_cme is None else case.refer_to_cme,
        register_extract=_register(fact, extractor),
    )


def _register(fact: dict, extractor: RegisterExtractor | None) -> RegisterExtract | None:
    """Convention: a fact with ``run_start`` and ``run_end`` (ISO dates) gets a register extract."""
    if extractor is None or not {"upn", "run_start", "run_end"} <= set(fact):
        return None
    return extractor.extract(
        fact["upn"], dt.date.fromisoformat(fact["run_start"]), dt.date.fromisoformat(fact["run_end"])
    )
