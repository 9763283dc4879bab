"""The load benchmark (``bench/load.py``) in short, against a live server on each database:
browsers and uploaders at once get no error, and every upload is inspected exactly once. Its
speed is the benchmark's to say, not a test's."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("bench_load", Path(__file__).parents[2] / "bench" / "load.py")
bench_load = sys.modules["bench_load"] = importlib.util.module_from_spec(_spec)  # its dataclasses look it up
_spec.loader.exec_module(bench_load)


def test_browsers_and_uploaders_at_once_get_no_error_and_each_upload_is_inspected_once(tmp_path, database_url):
    load = bench_load.run(tmp_path / "data", database_url, seconds=8, browsers=5, uploaders=2)
    assert load.errors == []
    assert set(bench_load.BROWSE) <= set(load.latencies)  # each page of the browsers' round was asked
    assert len(load.uploads) >= 3  # the first, and one at least by each uploader
    assert sorted(load.inspected) == sorted(load.uploads)
    assert load.once == dict.fromkeys(load.uploads, 1)
