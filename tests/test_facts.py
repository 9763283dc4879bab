"""Fact building shared between processes gives the same facts as building in one, and a builder's
failure in a helper process reaches the caller."""

import pytest

from auditor import facts as fact_module
from auditor import inspect
from auditor.facts import build_facts, fact_kind

from .test_samples import SAMPLE


def _findings(result):
    return [(f.rule, f.id, f.severity, f.evidence) for f in result.findings]


def test_facts_built_in_two_processes_are_the_facts_built_in_one():
    alone, shared = inspect(SAMPLE, processes=1), inspect(SAMPLE, processes=2)
    assert _findings(shared) == _findings(alone)
    assert len(alone.findings) > 50


def test_a_builder_failing_in_a_helper_process_fails_the_inspection(monkeypatch):
    monkeypatch.setattr(fact_module, "BUILDERS", dict(fact_module.BUILDERS))

    @fact_kind("a_kind")
    def fails(context):
        raise ValueError("builder broke")

    @fact_kind("b_kind")
    def also_fails(context):
        raise ValueError("builder broke")

    context = _sample_context()
    with pytest.raises(ValueError, match="builder broke"):
        build_facts({"a_kind", "b_kind"}, context, processes=2)


def _sample_context():
    from auditor.inspection import _context
    from auditor.load import load_pack

    pack = load_pack(SAMPLE)
    return _context(pack, pack.config.inspection.date, pack.config.inspection.period_start, {})
