"""The feature files' scenarios run by the library, through the same steps pytest-bdd runs
(``auditor.scenarios.steps``) and the real inspection, optionally under a draft policy.

Which scenarios a draft replaces the policy of: a draft (or any policy given) stands in for the
policy it extends — its *base*, normally ``statutory`` — so each scenario inspected under the
base (every scenario that names no policy, and one that names the base) is inspected under the
draft instead. A scenario inspected under another policy (``the school is inspected under the
"stricter-local" policy``, with a draft extending statutory) runs as written: its ``Outcome``
says so (``under_draft`` False, ``policy`` the policy it ran under). A policy that extends
nothing stands in for itself.

A draft changes only the findings of the rules that use the thresholds it changes: pass
``rule_codes=auditor.drafts.rules_using(names)`` (or ``draft.rule_codes``) to run only theirs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from auditor.drafts import Draft, policy_toml
from auditor.errors import PackError
from auditor.policy import Policy, load_policy
from auditor.resources import policies_dir
from auditor.scenarios.builder import PackBuilder
from auditor.scenarios.parse import Scenario, Step, rule_codes_of, scenarios
from auditor.scenarios.steps import ScenarioState, matching

PolicyGiven = Policy | Draft | str | Path | None  # a loaded policy, a draft, a bundled name or a policy file


@dataclass(frozen=True)
class FindingBrief:
    """A finding a scenario's inspection raised, as two runs are compared."""

    rule: str
    severity: str
    pupil: str | None
    id: str
    summary: str


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    passed: bool
    failed_step: str | None  # the words of the step that failed
    message: str  # why, in words ("" when it passed)
    findings: tuple[FindingBrief, ...]  # what its When step's inspection raised
    policy: str  # the policy it was inspected under (as the pack named it, if it never was)
    under_draft: bool  # whether the policy given replaced the scenario's own


@dataclass(frozen=True)
class _StandIn:
    """A policy file to inspect under, and the name of the policy it stands in for."""

    file: Path
    replaces: str


def run_scenario(scenario: Scenario, policy: PolicyGiven = None) -> Outcome:
    """``scenario`` run step by step, under ``policy`` where it replaces the scenario's (see above)."""
    with tempfile.TemporaryDirectory(prefix="scenario-") as folder:
        stand_in = _stand_in(policy, Path(folder))
        return _run(scenario, stand_in, Path(folder))


def run_scenarios(
    policy: PolicyGiven = None,
    rule_codes: Iterable[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """Every scenario of ``features/`` (or of the features about ``rule_codes``), run under
    ``policy``, in the order of the files; ``on_progress(done, total)`` after each."""
    chosen = scenarios(set(rule_codes) if rule_codes is not None else None)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="scenarios-") as folder:
        stand_in = _stand_in(policy, Path(folder))
        for done, scenario in enumerate(chosen, 1):
            with tempfile.TemporaryDirectory(dir=folder) as own:
                outcomes.append(_run(scenario, stand_in, Path(own)))
            if on_progress:
                on_progress(done, len(chosen))
    return outcomes


def changed_outcomes(before: Iterable[Outcome], after: Iterable[Outcome]) -> list[tuple[Outcome, Outcome]]:
    """The scenarios whose outcome differs between two runs, as pairs by scenario id, in the
    order of ``after``: one passes where the other fails, or the findings of the scenario's own
    rules (its feature's) differ. Findings of other rules in its register are not its outcome."""
    earlier = {o.scenario.id: o for o in before}
    return [
        (earlier[o.scenario.id], o)
        for o in after
        if o.scenario.id in earlier and _judged(earlier[o.scenario.id]) != _judged(o)
    ]


def _judged(outcome: Outcome) -> tuple[bool, frozenset[tuple[str, str]]]:
    own = rule_codes_of(outcome.scenario.feature)
    return outcome.passed, frozenset((f.id, f.severity) for f in outcome.findings if f.rule in own)


def _stand_in(policy: PolicyGiven, folder: Path) -> _StandIn | None:
    """The policy given as a file to inspect under. Raises ``PackError`` for a policy that cannot be loaded."""
    if policy is None:
        return None
    if isinstance(policy, Draft):
        file = folder / f"{policy.name}.toml"
        file.write_text(policy.to_toml(), encoding="utf-8")
        return _StandIn(file, policy.base)
    if isinstance(policy, Policy):
        file = folder / "policy.toml"
        file.write_text(policy_toml(policy), encoding="utf-8")
        return _StandIn(file, _base(policy))
    loaded = load_policy(str(policy))
    file = Path(policy) if str(policy).endswith(".toml") else policies_dir() / f"{policy}.toml"
    return _StandIn(file.resolve(), _base(loaded))


def _base(policy: Policy) -> str:
    return policy.chain[1] if len(policy.chain) > 1 else policy.chain[0]


def _run(scenario: Scenario, stand_in: _StandIn | None, folder: Path) -> Outcome:
    state = ScenarioState(
        PackBuilder(folder / "pack"),
        policy_file=stand_in.file if stand_in else None,
        replaces=stand_in.replaces if stand_in else None,
    )
    failed, message = None, ""
    for step in scenario.all_steps:
        problem = _do(step, state)
        if problem is not None:
            failed, message = step.text, problem
            break
    findings = tuple(
        FindingBrief(f.rule, f.severity, f.pupil, f.id, f.summary) for f in (state.result.findings if state.result else ())
    )
    return Outcome(
        scenario=scenario,
        passed=failed is None,
        failed_step=failed,
        message=message,
        findings=findings,
        policy=state.result.inspection.policy if state.result else state.pack.policy,
        under_draft=state.result is not None and state.policy_to_inspect_under() is not None,
    )


def _do(step: Step, state: ScenarioState) -> str | None:
    """Run one step; what went wrong, in words, or None."""
    found = matching(step.kind, step.text)
    if len(found) != 1:
        return f"{len(found)} {step.kind} steps match these words" if found else f"no {step.kind} step matches these words"
    definition, values = found[0]
    if definition.takes_table:
        values["datatable"] = [list(row) for row in step.table or ()]
    try:
        definition.function(state, **values)
    except AssertionError as err:
        return str(err) or f"{step.keyword} {step.text}: it does not hold"
    except PackError as err:
        return f"the pack cannot be inspected: {err}"
    except Exception as err:  # a step that cannot run is a failed scenario, told in words
        return f"{type(err).__name__}: {err}"
    return None
