"""The words of findings: rule templates rendered in a sandbox (rule files are data, never code)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from functools import cache
from typing import Any

from jinja2 import FunctionLoader
from jinja2.sandbox import SandboxedEnvironment

from auditor.resources import template_bytecode_cache


def uk_date(value: Any) -> str:
    """ISO date (or date) as dd/mm/yyyy, the way English registers write it."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def plural(count: Any, noun: str) -> str:
    number = float(count)
    shown = int(number) if number.is_integer() else number
    return f"{shown} {noun}" + ("" if number == 1 else "s")


# Rule templates by a name of their own (a digest of the text), so that Jinja's bytecode cache,
# which works through a loader, keeps them compiled between runs.
_TEMPLATES: dict[str, str] = {}


@cache
def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        loader=FunctionLoader(_TEMPLATES.get),
        bytecode_cache=template_bytecode_cache(),
    )
    env.filters["uk"] = uk_date
    env.filters["plural"] = plural
    return env


@cache
def _compiled(template: str):
    name = hashlib.sha256(template.encode("utf-8")).hexdigest()
    _TEMPLATES[name] = template
    return environment().get_template(name)


def render(template: str, context: dict[str, Any]) -> str:
    text = _compiled(template).render(**context)
    text = re.sub(r"\s+", " ", text)
    # Template blocks leave a space before punctuation where a clause was left out.
    return re.sub(r" ([.,;:)])", r"\1", text).strip()
