"""The feature files' steps (``auditor.scenarios.steps``, the library's one registry of them)
registered with pytest-bdd, and the fixtures the tests share."""

from __future__ import annotations

import os

import pytest
from pytest_bdd import given, parsers, then, when

from auditor.scenarios import steps
from auditor.scenarios.builder import PackBuilder


@pytest.fixture(autouse=True, scope="session")
def _a_cache_of_their_own(tmp_path_factory):
    """The tool caches compiled templates and England's bank holidays in the user's cache
    folder: the tests (and the commands they run) use a folder of their own."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def pack(tmp_path) -> PackBuilder:
    return PackBuilder(tmp_path / "pack")


@pytest.fixture
def state(pack) -> steps.ScenarioState:
    """What a scenario's steps share (each step takes it as ``state``)."""
    return steps.ScenarioState(pack)


_KINDS = {"given": given, "when": when, "then": then}
_PARSERS = {steps.Exact: str, steps.Parse: parsers.parse, steps.Regex: parsers.re}

for _definition in steps.STEPS:
    _KINDS[_definition.kind](_PARSERS[type(_definition.pattern)](_definition.pattern.text))(_definition.function)
