"""Finding ids come from the content of what they are about (UPN, names, date of birth, dates),
never from a file's line numbers: shuffling the rows of every file changes no id and no finding,
and swapping two rows keeps each id with its pupil."""

import random
import re
import shutil

import pandas as pd
import pytest

from auditor import inspect
from auditor.facts import fact_ids

from .test_samples import SAMPLE

LINE_KEYS = re.compile(r"(^|_)lines?$")


def _without_lines(finding) -> tuple:
    """A finding as its content, less the line numbers it cites (they move with the rows)."""
    summary = re.sub(r"\blines? \d+( and \d+)?", "line", finding.summary)
    evidence = {key: value for key, value in finding.evidence.items() if not LINE_KEYS.search(key)}
    return finding.rule, finding.severity, finding.upn, finding.pupil, finding.event_date, summary, evidence


def _copy(tmp_path, name="pack"):
    pack = tmp_path / name
    shutil.copytree(SAMPLE, pack)
    return pack


@pytest.fixture(scope="module")
def sample():
    return inspect(SAMPLE)


def test_shuffling_the_rows_of_every_file_changes_no_finding_id_and_no_finding(tmp_path, sample):
    pack = _copy(tmp_path)
    for path in pack.glob("*.csv"):
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        random.Random(7).shuffle(rows)
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    shuffled = inspect(pack)
    assert {f.id: _without_lines(f) for f in shuffled.findings} == {f.id: _without_lines(f) for f in sample.findings}
    assert len(sample.findings) > 50


def test_shuffling_the_rows_of_every_file_changes_no_fact_id(tmp_path):
    from auditor.facts import BUILDERS, build_facts, register_builders
    from auditor.inspection import _context
    from auditor.load import load_pack
    from auditor.policy import load_policy

    pack = _copy(tmp_path)
    for path in pack.glob("*.csv"):
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        random.Random(11).shuffle(rows)
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    register_builders()

    def ids(folder):
        loaded = load_pack(folder)
        day = loaded.config.inspection.date
        context = _context(loaded, day, loaded.config.inspection.period_start, load_policy("statutory").values_on(day))
        return {kind: sorted(fact["id"] for fact in facts) for kind, facts in build_facts(set(BUILDERS), context).items()}

    assert ids(pack) == ids(SAMPLE)


def test_swapping_two_allocations_keeps_each_id_with_its_pupil(tmp_path, sample):
    pack = _copy(tmp_path)
    lines = (pack / "allocations.csv").read_text(encoding="utf-8").split("\n")
    lines[32], lines[36] = lines[36], lines[32]
    (pack / "allocations.csv").write_text("\n".join(lines), encoding="utf-8")
    swapped = inspect(pack)
    before = {f.id: (f.rule, f.pupil, f.upn) for f in sample.findings}
    after = {f.id: (f.rule, f.pupil, f.upn) for f in swapped.findings}
    assert after == before
    assert any(f.rule == "DQ007" for f in sample.findings)


def test_identical_rows_give_one_fact_and_distinct_ones_distinct_ids(tmp_path, sample):
    # Two identical LA returns for one pupil and one registration entered twice, word for word.
    pack = _copy(tmp_path)
    for name in ("la_returns.csv", "admission_register.csv", "allocations.csv"):
        header, first, *rest = (pack / name).read_text(encoding="utf-8").splitlines()
        (pack / name).write_text("\n".join([header, first, *rest, first]) + "\n", encoding="utf-8")
    doubled = inspect(pack)
    ids = [f.id for f in doubled.findings]
    assert len(ids) == len(set(ids))
    # The copy adds findings about the repeated registration, and takes none away.
    assert {f.id for f in sample.findings} <= set(ids)


def test_fact_ids_break_ties_by_content_only_where_they_are_needed():
    upn = pd.Series(["A", "A", "B"])
    day = pd.Series(pd.to_datetime(["2025-01-06", "2025-01-06", "2025-01-06"]))
    ground = pd.Series(["x", "y", "x"])
    ids = fact_ids("kind", upn, day, then_by=(ground,))
    assert ids.tolist() == ["kind:A:2025-01-06:x", "kind:A:2025-01-06:y", "kind:B:2025-01-06"]
    reversed_ids = fact_ids("kind", upn[::-1], day[::-1], then_by=(ground[::-1],))
    assert reversed_ids.sort_index().tolist() == ids.tolist()
