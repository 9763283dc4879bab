"""Whatever a school sends and whatever date an officer picks: over generated schools (60-120
pupils here; bench/fuzz.py runs larger ones, longer), as-at dates across the school year, local
policies within their valid ranges and named corruptions of every file (tests/fuzzpacks.py), the
real CLI

- exits 0, 1 or 2, never crashes (exit 3, an exception escaping, a traceback printed), refuses
  (exit 2) only a pack with something that allows it (a header it cannot map, bare CR line ends),
  and refuses what it must (a pack.toml date in 2300, --as-of before the period);
- never crashes in ``validate`` and ``validate --json`` either, and they read the rows as inspect does;
- accounts for every row: per file, rows == accepted + rejected == the rows written, and each line
  a corruption made unreadable is rejected at that line;
- gives the same finding ids when the rows of every file are shuffled.

A failure prints the case; ``python bench/fuzz.py --case '<json>' --keep DIR`` writes its pack.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzzpacks import HypothesisChooser, draw_case, inspect_case

# Reproducible in CI: derandomised, no example database. No shrinking: each example is a whole
# school, and a failure already names its corruptions (the bench finds the one to blame).
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


@EXAMPLES
@given(data=st.data())
def test_corrupted_packs_are_inspected_or_refused_with_every_row_and_id_kept(data, tmp_path_factory):
    case = draw_case(HypothesisChooser(data), pupils=(60, 120), heavy=False, most_corruptions=4)
    outcome = inspect_case(case, tmp_path_factory.mktemp("case"))
    where = f"\n{case.describe()}\nreproduce: python bench/fuzz.py --case '{case.to_json()}' --keep /tmp/fuzz"
    assert not outcome.crashes, "\n".join(outcome.crashes) + where
    assert outcome.run.exit_code in (0, 1, 2), outcome.run.output[-2000:] + where
    assert outcome.refusal is None, outcome.refusal + where
    assert not outcome.accounting, "\n".join(outcome.accounting) + where
    assert outcome.shuffle is None, outcome.shuffle + where
