"""The rules engine: compiles the declarative rules into durable-rules rulesets and evaluates
derived facts against them. The only module that touches durable-rules, and it knows no rule by
name: a rule is its code, its fact kind and its conditions.

Facts arrive pre-joined (each carries everything its rules need), so no rule depends on the order
in which facts are seen. Each rule is a ruleset and its cases are rules of rising ``pri``
(salience); a rule's facts are posted to it as events, in one batch. durable-rules runs the
actions of lower ``pri`` first and an event is consumed by the first action run on it, so each
fact is judged by the first case that holds for it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

try:
    from durable.engine import Host, MessageNotHandledException
except ImportError as err:  # pragma: no cover - depends on how the C core was built
    if "PyEval_CallObject" not in str(err):
        raise
    # Python 3.13 removed PyEval_CallObject from its C API; durable-rules 2.0.28 still calls it.
    raise ImportError(
        "durable-rules was built for this Python without the shim it needs from Python 3.13 on. "
        "Reinstall it with: CPPFLAGS='-DPyEval_CallObject(c,a)=PyObject_CallObject(c,a)' "
        "pip install --force-reinstall --no-cache-dir --no-binary durable-rules durable-rules==2.0.28"
    ) from err

from auditor.errors import RuleDefinitionError
from auditor.rules import Case, Rule


class _BatchHost(Host):
    """A host without the background dispatch timers of ``Host``: the C bindings take no locks,
    and batch evaluation uses no timers or queues."""

    def _run(self) -> None:
        pass


@dataclass(frozen=True)
class Match:
    rule: Rule
    case: Case
    fact: Mapping[str, Any]


def compile_condition(node: Any, thresholds: Mapping[str, Any]) -> Any:
    """The condition with every ``{$policy: name}`` replaced by the policy's value."""
    if isinstance(node, dict):
        if set(node) == {"$policy"}:
            try:
                return thresholds[node["$policy"]]
            except KeyError:
                raise RuleDefinitionError(f"the policy has no threshold {node['$policy']!r}") from None
        return {key: compile_condition(value, thresholds) for key, value in node.items()}
    if isinstance(node, list):
        return [compile_condition(value, thresholds) for value in node]
    return node


def evaluate(
    rules: Iterable[Rule], facts: Mapping[str, list[dict[str, Any]]], thresholds: Mapping[str, Any]
) -> list[Match]:
    """Every (rule, fact) whose condition holds, with the first of the rule's cases that held,
    in the order of the cases and then of the facts."""
    rules = list(rules)
    host = _BatchHost()
    fired: list[tuple[int, str]] = []  # (case, fact id) of each action run
    definitions = {
        rule.code: {
            f"case{index}": {
                "all": [{"m": {"$and": [{"kind": rule.fact}, compile_condition(case.when, thresholds)]}}],
                "pri": index,
                "run": _record(fired, index),
            }
            for index, case in enumerate(rule.cases)
        }
        for rule in rules
    }
    # durable-rules mutates the definitions it registers.
    host.register_rulesets(copy.deepcopy(definitions))

    matches: list[Match] = []
    for rule in rules:
        # durable-rules refuses a batch that repeats an event id: a fact id seen twice (from a
        # register row given twice) is judged once.
        pending = _first_of_each_id(facts.get(rule.fact, []))
        if not pending:
            continue
        fired.clear()
        read = set().union(*(fields_read(case.when) for case in rule.cases)) | {"id", "kind"}
        _post_batch(host, rule.code, [{k: fact[k] for k in read if k in fact} for fact in pending], fired)
        case_of = {fact_id: index for index, fact_id in fired}
        held = sorted(
            ((case_of[fact["id"]], position) for position, fact in enumerate(pending) if fact["id"] in case_of)
        )
        matches.extend(Match(rule, rule.cases[index], pending[position]) for index, position in held)
    return matches


def _record(fired: list[tuple[int, str]], case: int):
    """The action of a case: note the case and the fact. (An action taking a second argument
    would be taken by durable-rules as asynchronous, so the case is bound here, not as a default.)"""
    return lambda c: fired.append((case, c.m["id"]))


def fields_read(condition: Any) -> set[str]:
    """The fact fields a condition reads: only they are posted, since durable-rules parses every
    event in full and most facts carry a dozen fields for the report that no condition reads."""
    if isinstance(condition, dict):
        return set().union(*(({key} if not key.startswith("$") else set()) | fields_read(value)
                             for key, value in condition.items()))
    if isinstance(condition, list):
        return set().union(*(fields_read(value) for value in condition))
    return set()


def _first_of_each_id(facts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    first: dict[str, dict[str, Any]] = {}
    for fact in facts:
        first.setdefault(fact["id"], fact)
    return list(first.values())


def _post_batch(host: Host, ruleset: str, facts: list[dict[str, Any]], fired: list[tuple[int, str]]) -> None:
    """Post ``facts`` to ``ruleset`` as one batch and run the actions of those that matched
    (each appends its case and its fact's id to ``fired``).

    durable-rules raises ``MessageNotHandledException`` when any event of a batch matched
    nothing, before it runs the actions of those that did; they stay queued in the ruleset, so
    they are dispatched here until a dispatch runs none."""
    try:
        host.post_batch(ruleset, facts)
    except MessageNotHandledException:
        pass
    queued = host.get_ruleset(ruleset)
    while True:
        before = len(fired)
        queued.dispatch()
        if len(fired) == before:
            return
