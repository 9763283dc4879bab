"""Fact building shared between processes gives the same facts as building in one, and a builder's
failure in a helper process reaches the caller."""

import copy
import datetime as dt
import gc
import multiprocessing
import os
import random
import shutil
import time

import numpy as np
import pandas as pd
import pytest

from auditor import facts as fact_module
from auditor import inspect
from auditor.facts import BUILDERS, blocks, build_facts, fact_kind, register_builders, span_layers
from auditor.inspection import prepare_process

from .test_samples import SAMPLE


def _findings(result):
    return [(f.rule, f.id, f.severity, f.evidence) for f in result.findings]


def test_facts_built_in_two_processes_are_the_facts_built_in_one():
    alone, shared = inspect(SAMPLE, processes=1), inspect(SAMPLE, processes=2)
    assert _findings(shared) == _findings(alone)
    assert len(alone.findings) > 50


def _kinds_failing_in_a_helper(monkeypatch, fail) -> set[str]:
    """Two kinds of fact whose builder calls ``fail()`` in a helper process only."""
    monkeypatch.setattr(fact_module, "BUILDERS", dict(fact_module.BUILDERS))
    parent = os.getpid()

    def fails_in_a_helper(context):
        if os.getpid() != parent:
            fail()
        time.sleep(0.5)  # so that the helper takes the other kind
        return []

    fact_kind("a_kind")(fails_in_a_helper)
    fact_kind("b_kind")(fails_in_a_helper)
    return {"a_kind", "b_kind"}


def test_a_builder_failing_in_a_helper_process_fails_the_inspection(monkeypatch):
    kinds = _kinds_failing_in_a_helper(monkeypatch, _raises(ValueError("builder broke in a helper")))
    with pytest.raises(ValueError, match="builder broke in a helper"):
        build_facts(kinds, _sample_context(), processes=2)


def _sample_context():
    from auditor.inspection import _context
    from auditor.load import load_pack

    pack = load_pack(SAMPLE)
    return _context(pack, pack.config.inspection.date, pack.config.inspection.period_start, {})


def test_the_order_of_the_attendance_rows_changes_no_finding(tmp_path):
    shuffled = tmp_path / "pack"
    shutil.copytree(SAMPLE, shuffled)
    header, *rows = (SAMPLE / "attendance.csv").read_text(encoding="utf-8").splitlines()
    random.Random(6).shuffle(rows)
    (shuffled / "attendance.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    in_order, out_of_order = inspect(SAMPLE), inspect(shuffled)
    assert [(f.rule, f.id, f.severity, f.summary) for f in out_of_order.findings] == [
        (f.rule, f.id, f.severity, f.summary) for f in in_order.findings
    ]


def test_a_prepared_process_keeps_its_long_lived_objects_out_of_garbage_collection():
    gc.unfreeze()
    try:
        prepare_process()
        # The builders, rules and regulations are loaded, and what is alive now is frozen.
        assert BUILDERS and gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_blocks_are_the_runs_of_rows_from_each_beginning_to_the_next():
    starts, ends = blocks(np.array([True, False, True, True, False, False]))
    assert starts.tolist() == [0, 2, 3] and ends.tolist() == [2, 3, 6]
    starts, ends = blocks(np.array([], dtype=bool))
    assert starts.tolist() == [] and ends.tolist() == []


def test_span_layers_give_each_mark_its_pupils_spans_one_at_a_time():
    marks = pd.Series(["A", "B", "A", "C"], dtype="category")
    spans = pd.Series(["A", "B", "A", "D"])  # A has two spans; C none; D no marks
    first, second = span_layers(marks, spans)
    assert first.tolist() == [0, 1, 0, -1]
    assert second.tolist() == [2, -1, 2, -1]
    assert span_layers(marks, pd.Series([], dtype=str)) == []


# ---- empty selections over a categorical UPN (H3) ----------------------------------------------
# Grouping an empty selection of the marks by their categorical UPN gives an index that pandas
# cannot align with one over more than 127 pupils. The sample has 210: every builder is run on
# days early in the year (few marks, no threshold reached yet) and with thresholds nobody reaches.

EARLY_DAYS = [dt.date(2024, 9, d) for d in (2, 3, 13, 20)] + [
    dt.date(2024, 10, 1), dt.date(2024, 10, 11), dt.date(2024, 10, 25), dt.date(2024, 11, 4),
    dt.date(2024, 11, 15), dt.date(2024, 12, 2), dt.date(2025, 1, 6), dt.date(2025, 3, 14),
]


def _unreachable(values: dict) -> dict:
    return {name: 10_000 if isinstance(value, int | float) else value for name, value in values.items()}


@pytest.fixture(scope="module")
def early_contexts():
    from auditor.inspection import _context
    from auditor.load import load_pack
    from auditor.policy import load_policy

    loaded = load_pack(SAMPLE)
    assert loaded.tables["attendance"]["upn"].nunique() > 127
    contexts = []
    for day in EARLY_DAYS:
        for name in ("statutory", "stricter-local", "unreachable"):
            values = load_policy("statutory" if name == "unreachable" else name).values_on(day)
            pack = copy.copy(loaded)
            pack.tables = dict(loaded.tables)  # _context trims the attendance: a copy each
            thresholds = _unreachable(values) if name == "unreachable" else values
            contexts.append((day, name, _context(pack, day, loaded.config.inspection.period_start, thresholds)))
    # The Sunday before the first day, as the period's start: no marks at all yet.
    sunday = dt.date(2024, 9, 1)
    pack = copy.copy(loaded)
    pack.tables = dict(loaded.tables)
    contexts.append((sunday, "statutory", _context(pack, sunday, sunday, load_policy("statutory").values_on(sunday))))
    return contexts


register_builders()  # so that the builders are known when the tests are collected


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_every_builder_makes_its_facts_early_in_the_year_and_when_no_threshold_is_reached(kind, early_contexts):
    for day, policy, context in early_contexts:
        with pd.option_context("mode.string_storage", "python"):
            facts = BUILDERS[kind](context)
        assert isinstance(facts, list), (day, policy)
        assert len({fact["id"] for fact in facts}) == len(facts), (day, policy)


def test_the_sample_inspected_before_anyone_reaches_the_sickness_threshold_has_no_sickness_finding():
    result = inspect(SAMPLE, as_of=dt.date(2024, 11, 15))
    status = next(s for s in result.rules if s.code == "REG008")
    assert status.status == "checked" and status.findings == 0


def test_a_helpers_failure_says_where_it_was_raised_in_the_helper(monkeypatch):
    from auditor.errors import crash_report

    kinds = _kinds_failing_in_a_helper(monkeypatch, _raises(ValueError("Pupil, Secret broke a builder")))
    with pytest.raises(ValueError) as raised:
        build_facts(kinds, _sample_context(), processes=2)
    assert isinstance(raised.value.__cause__, fact_module.InHelper)
    report = crash_report("inspect", raised.value)
    where = [frame["function"] for exception in report["exceptions"] for frame in exception["frames"]]
    assert "fails_in_a_helper" in where  # the builder's own frame, from the helper
    assert "Secret" not in str(report)
    assert multiprocessing.active_children() == []  # no helper left behind


def test_a_helper_that_dies_without_a_result_fails_the_inspection(monkeypatch):
    kinds = _kinds_failing_in_a_helper(monkeypatch, lambda: os._exit(7))  # as the kernel's kill would: no result
    with pytest.raises(RuntimeError, match="ended without a result"):
        build_facts(kinds, _sample_context(), processes=2)


def _raises(error: Exception):
    def fail():
        raise error

    return fail
