"""The rule catalogue: one YAML file per rule in ``rules/``, read into ``Rule`` models.

A rule declares its code, the fact kind it reasons about, the files it needs, its condition in
durable-rules' condition language (thresholds named as ``{$policy: name}``), its severity, its legal
basis by regulation era and the words of its findings. Nothing here knows any rule by name.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from auditor.errors import RuleDefinitionError
from auditor.resources import read_yaml, rules_dir

Severity = Literal["red", "amber", "green"]
SEVERITY_ORDER = {"red": 0, "amber": 1, "green": 2}


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: Severity
    when: dict[str, Any]
    refer_to_cme: bool | None = None  # overrides the rule's, for this case only


class Explanation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    what: str
    why: str
    example: str
    exempt: str | None = None


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[A-Z]{2,4}\d{3}$")
    name: str = Field(pattern=r"^[a-z0-9-]+$")
    title: str
    group: str
    requirement: Literal["must", "should"]
    # A red finding of this rule concerns a child's whereabouts or education: the report lists
    # the child for referral to the children missing education (CME) team.
    refer_to_cme: bool = False
    fact: str
    needs: list[str] = []  # pack files the rule cannot be checked without
    needs_one_of: list[str] = []  # ...and files of which it needs at least one
    event_date: str
    uses: list[str] = []  # the policy thresholds it uses, in its conditions or its words
    # Either one severity and condition, or cases tried in order (the first that holds decides).
    severity: Severity | None = None
    when: dict[str, Any] | None = None
    cases: list[Case] = []
    summary: str
    action: str
    evidence: dict[str, str]
    legal_basis: dict[str, str]
    explain: Explanation

    @model_validator(mode="after")
    def _one_form_of_condition(self) -> Rule:
        if bool(self.cases) == (self.when is not None):
            raise ValueError("give either `severity` and `when`, or `cases`")
        if self.when is not None:
            if self.severity is None:
                raise ValueError("`when` needs a `severity`")
            self.cases = [Case(severity=self.severity, when=self.when)]
        unlisted = set(_policy_references(self.cases)) - set(self.uses)
        if unlisted:
            raise ValueError(f"`uses` must list every threshold the conditions name: {sorted(unlisted)}")
        return self

    def legal_basis_for(self, era_id: str) -> str:
        return self.legal_basis.get(era_id) or self.legal_basis.get("any") or ""


def _policy_references(node: Any):
    if isinstance(node, BaseModel):
        node = node.model_dump()
    if isinstance(node, dict):
        if set(node) == {"$policy"}:
            yield node["$policy"]
        for value in node.values():
            yield from _policy_references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _policy_references(value)


_FILE_NAME = re.compile(r"^(?P<code>[A-Z]{2,4}\d{3})-(?P<name>[a-z0-9-]+)\.ya?ml$")


@cache
def load_rules() -> tuple[Rule, ...]:
    rules = []
    for path in sorted(rules_dir().glob("*.y*ml")):
        match = _FILE_NAME.match(path.name)
        if not match:
            continue  # e.g. regulations.yaml
        try:
            rule = Rule.model_validate(read_yaml(path))
        except (yaml.YAMLError, ValidationError) as err:
            raise RuleDefinitionError(f"{path.name}: {err}") from None
        if (rule.code, rule.name) != (match["code"], match["name"]):
            raise RuleDefinitionError(f"{path.name}: file name does not match code and name")
        rules.append(rule)
    codes = [r.code for r in rules]
    if len(codes) != len(set(codes)):
        raise RuleDefinitionError("two rule files declare the same code")
    return tuple(rules)


def find_rule(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    return next((r for r in load_rules() if key.upper() == r.code or key.lower() == r.name), None)
