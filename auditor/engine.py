"""The rules engine: compiles the declarative rules into durable-rules rulesets and evaluates
derived facts against them. The only module that touches durable-rules, and it knows no rule by
name: a rule is its code, its fact kind and its conditions.

Facts arrive pre-joined (each carries everything its rules need), so no rule depends on the order
in which facts are seen. Each case of each rule is its own ruleset and every fact is posted as an
event, because durable-rules consumes an event with the first rule that matches it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from durable.engine import Host, MessageNotHandledException

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
    """Every (rule, fact) whose condition holds, with the first of the rule's cases that held."""
    host = _BatchHost()
    fired: list[str] = []
    plans: list[tuple[Rule, Case, str]] = []
    definitions = {}
    for rule in rules:
        for index, case in enumerate(rule.cases):
            name = f"{rule.code}.case{index}"
            condition = compile_condition(case.when, thresholds)
            definitions[name] = {
                "holds": {
                    "all": [{"m": {"$and": [{"kind": rule.fact}, condition]}}],
                    "run": lambda c: fired.append(c.m["id"]),
                }
            }
            plans.append((rule, case, name))
    # durable-rules mutates the definitions it registers.
    host.register_rulesets(copy.deepcopy(definitions))

    matches: list[Match] = []
    decided: set[tuple[str, str]] = set()
    for rule, case, ruleset in plans:
        for fact in facts.get(rule.fact, []):
            if (rule.code, fact["id"]) in decided:
                continue  # an earlier case of this rule already held
            fired.clear()
            try:
                host.post(ruleset, dict(fact))
            except MessageNotHandledException:
                continue
            if fired:
                decided.add((rule.code, fact["id"]))
                matches.append(Match(rule, case, fact))
    return matches
