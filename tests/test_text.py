"""The words of findings: rule templates compiled once, then kept in the user's cache (and rendered
all the same when there is no cache to keep them in)."""

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from jinja2 import Environment

from auditor import text
from auditor.calendar import _bank_holidays


@pytest.fixture
def fresh_templates(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text.environment.cache_clear()
    text._compiled.cache_clear()
    yield tmp_path
    text.environment.cache_clear()
    text._compiled.cache_clear()


def test_a_rule_template_is_compiled_once_then_read_from_the_cache(fresh_templates, monkeypatch):
    template = "{{ pupil }} was absent for {{ days | plural('school day') }} from {{ start | uk }}."
    words = {"pupil": "Smith, Ada", "days": 12, "start": "2025-01-06"}
    assert text.render(template, words) == "Smith, Ada was absent for 12 school days from 06/01/2025."
    assert list((fresh_templates / "register-auditor" / "templates").iterdir())

    text.environment.cache_clear()  # as a new run would start
    text._compiled.cache_clear()

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(Environment, "compile", no_compiling)
    assert text.render(template, words) == "Smith, Ada was absent for 12 school days from 06/01/2025."


def test_without_a_writable_cache_templates_are_still_rendered(fresh_templates, monkeypatch):
    (fresh_templates / "register-auditor").write_text("not a folder", encoding="utf-8")
    assert text.render("{{ n | plural('day') }}", {"n": 1}) == "1 day"


def test_a_cache_that_cannot_be_written_to_is_no_cache(fresh_templates, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refused)
    assert text.render("{{ n | plural('day') }}", {"n": 3}) == "3 days"


def test_with_no_home_folder_nothing_is_cached(fresh_templates, monkeypatch):
    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert text.render("{{ n | plural('day') }}", {"n": 2}) == "2 days"
    assert len(_bank_holidays(dt.date(2025, 1, 1), dt.date(2025, 12, 31))) == 8
