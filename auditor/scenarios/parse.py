"""The feature files as data, read with Cucumber's own Gherkin parser: the same files pytest-bdd
runs, so that what is shown of a rule cannot drift from what is tested.

A ``Scenario Outline`` becomes one ``Scenario`` per row of its examples, with the row's values
in its name, steps and tables, as pytest-bdd runs it."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from gherkin.parser import Parser

from auditor.resources import features_dir

_KINDS = {"Context": "given", "Action": "when", "Outcome": "then"}  # And, But and * inherit


@dataclass(frozen=True)
class Step:
    keyword: str  # as written: "Given", "And", ...
    kind: str  # given | when | then
    text: str
    table: tuple[tuple[str, ...], ...] | None = None  # the data table's rows, its header first


@dataclass(frozen=True)
class Scenario:
    name: str
    line: int
    steps: tuple[Step, ...]
    feature: str  # the feature file's stem
    id: str  # stable slug, unique among all scenarios: "<feature stem>--<name slug>"
    background: tuple[Step, ...] = ()  # the steps run before it (the feature's and its rule's Background)

    @property
    def all_steps(self) -> tuple[Step, ...]:
        return self.background + self.steps


@dataclass(frozen=True)
class RuleBlock:
    name: str  # "" for the scenarios outside any Rule:
    description: str
    scenarios: tuple[Scenario, ...]
    background: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Feature:
    path: Path
    name: str
    description: str
    rule_codes: tuple[str, ...]  # from the file name: REG003-REG004-... -> ("REG003", "REG004")
    background: tuple[Step, ...]
    rules: tuple[RuleBlock, ...]

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return tuple(s for block in self.rules for s in block.scenarios)


def features(folder: Path | None = None) -> list[Feature]:
    """Every ``*.feature`` file in ``folder`` (default: the shipped ``features/``), by file name."""
    return [read_feature(path) for path in sorted((folder or features_dir()).glob("*.feature"))]


def scenarios(rule_codes: set[str] | frozenset[str] | None = None, folder: Path | None = None) -> list[Scenario]:
    """Every scenario, or those of features about any of ``rule_codes``."""
    return [
        scenario
        for feature in features(folder)
        if rule_codes is None or set(feature.rule_codes) & set(rule_codes)
        for scenario in feature.scenarios
    ]


def rule_codes_of(stem: str) -> tuple[str, ...]:
    """``"REG003-REG004-part-time-timetables"`` -> ``("REG003", "REG004")``."""
    match = re.match(r"[A-Z]+\d+(?:-[A-Z]+\d+)*", stem)
    return tuple(match.group().split("-")) if match else ()


def read_feature(path: Path) -> Feature:
    document = Parser().parse(path.read_text(encoding="utf-8"))["feature"]
    background: tuple[Step, ...] = ()
    loose: list[Scenario] = []  # scenarios outside any Rule
    blocks: list[RuleBlock] = []
    ids: set[str] = set()
    for child in document["children"]:
        if "background" in child:
            background = _steps(child["background"]["steps"])
        elif "scenario" in child:
            loose += _scenarios(child["scenario"], path.stem, background, ids)
        elif "rule" in child:
            rule = child["rule"]
            rule_background = background
            found: list[Scenario] = []
            for grandchild in rule["children"]:
                if "background" in grandchild:
                    rule_background = background + _steps(grandchild["background"]["steps"])
                else:
                    found += _scenarios(grandchild["scenario"], path.stem, rule_background, ids)
            blocks.append(
                RuleBlock(rule["name"], _text(rule["description"]), tuple(found), rule_background[len(background) :])
            )
    if loose:
        blocks.insert(0, RuleBlock("", "", tuple(loose)))
    return Feature(
        path=path,
        name=document["name"],
        description=_text(document["description"]),
        rule_codes=rule_codes_of(path.stem),
        background=background,
        rules=tuple(blocks),
    )


def _scenarios(node: dict, stem: str, background: tuple[Step, ...], ids: set[str]) -> list[Scenario]:
    rows = [
        (dict(zip([c["value"] for c in examples["tableHeader"]["cells"]], [c["value"] for c in row["cells"]])), row)
        for examples in node.get("examples", [])
        for row in examples["tableBody"]
    ]
    made = []
    for values, row in rows or [({}, None)]:
        name = _filled(node["name"], values)
        made.append(
            Scenario(
                name=name,
                line=row["location"]["line"] if row else node["location"]["line"],
                steps=_steps(node["steps"], values),
                feature=stem,
                id=_unique(f"{stem}--{_slug(name)}", ids),
                background=background,
            )
        )
    return made


def _steps(nodes: list[dict], values: dict[str, str] | None = None) -> tuple[Step, ...]:
    steps, kind = [], "given"
    for node in nodes:
        kind = _KINDS.get(node["keywordType"], kind)
        table = node.get("dataTable")
        steps.append(
            Step(
                keyword=node["keyword"].strip(),
                kind=kind,
                text=_filled(node["text"], values),
                table=tuple(tuple(_filled(c["value"], values) for c in r["cells"]) for r in table["rows"])
                if table
                else None,
            )
        )
    return tuple(steps)


def _filled(text: str, values: dict[str, str] | None) -> str:
    """An outline's ``<placeholder>`` replaced by the example row's value."""
    for key, value in (values or {}).items():
        text = text.replace(f"<{key}>", value)
    return text


def _text(description: str) -> str:
    return textwrap.dedent(description).strip()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scenario"


def _unique(slug: str, seen: set[str]) -> str:
    candidate, n = slug, 1
    while candidate in seen:
        n += 1
        candidate = f"{slug}-{n}"
    seen.add(candidate)
    return candidate
