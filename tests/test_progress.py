"""inspect(on_phase=...): the phases of an inspection, told from the calling process only."""

from __future__ import annotations

import os

import pytest

from auditor import inspect
from tests.packs import one_unnotified_deletion

ORDER = ["reading the files", "building the school calendar", "deriving the facts", "judging the facts", "done"]


def phases_of(pack, processes: int, log) -> list[tuple]:
    def on_phase(phase, done=None, total=None):
        with log.open("a") as handle:  # a file, so that a call from a forked helper would show too
            handle.write(f"{os.getpid()}|{phase}|{done}|{total}\n")

    result = inspect(pack, processes=processes, on_phase=on_phase)
    told = [line.split("|") for line in log.read_text().splitlines()]
    assert {pid for pid, *_ in told} == {str(os.getpid())}
    return result, [(phase, None if done == "None" else int(done), None if total == "None" else int(total))
                    for _, phase, done, total in told]


def test_the_phases_in_order_with_each_kind_of_fact_judged(tmp_path):
    pack = one_unnotified_deletion(tmp_path)
    result, told = phases_of(pack, 1, tmp_path / "log")
    names = list(dict.fromkeys(phase for phase, _, _ in told))
    assert names == ORDER
    assert told[:2] == [("reading the files", None, None), ("building the school calendar", None, None)]
    assert told[-1] == ("done", None, None)
    _, start, total = told[2]
    assert start == 0 and total > 3
    judged = [(done, of) for phase, done, of in told if phase == "judging the facts"]
    assert judged == [(done, total) for done in range(1, total + 1)]
    assert result == inspect(pack)  # told or not, the same inspection


def test_with_helper_processes_only_the_calling_process_is_told(tmp_path):
    pack = one_unnotified_deletion(tmp_path)
    result, told = phases_of(pack, 2, tmp_path / "log")  # phases_of: every call from this process
    assert list(dict.fromkeys(phase for phase, _, _ in told)) == ORDER
    total = told[2][2]
    judged = [done for phase, done, _ in told if phase == "judging the facts"]
    assert judged == sorted(judged) and judged[-1] == total
    assert len(judged) == len(set(judged))
    assert result.count() == 1


def test_a_failing_callback_stops_the_inspection(tmp_path):
    pack = one_unnotified_deletion(tmp_path)

    def on_phase(phase, done=None, total=None):
        if phase == "judging the facts":
            raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError, match="cancelled"):
        inspect(pack, on_phase=on_phase)
