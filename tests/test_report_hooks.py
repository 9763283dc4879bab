"""The report template's hooks for a page that shows it inside its own (the service's, under a
strict Content-Security-Policy): its blocks, its stylesheet as a file, and what an Environment of
one's own needs to render it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, DictLoader, Environment, FileSystemLoader, select_autoescape

from auditor import inspect
from auditor.report import (
    REPORT_TEMPLATE,
    STYLESHEETS,
    render_html,
    report_context,
    report_filters,
    stylesheet,
    templates_dir,
)

SAMPLE = Path(__file__).resolve().parents[1] / "sample_registers" / "example-primary"

CHILD = """{% extends "report.html.j2" %}
{% block styles %}<link rel="stylesheet" href="/static/report.css">{% endblock %}
{% block masthead %}<nav class="service-nav">{{ report.school.name }}: inspections</nav>{% endblock %}
{% block after_summary %}<section id="service-overdue">Actions overdue: {{ overdue }}</section>{% endblock %}
{% block finding_decisions %}<form method="post" class="decision" action="/findings/{{ finding.id }}">
<input type="hidden" name="csrf_token" value="{{ csrf }}"></form>{% endblock %}
"""


@pytest.fixture(scope="module")
def inspection():
    return inspect(SAMPLE)


@pytest.fixture(scope="module")
def page(inspection) -> str:
    env = Environment(
        loader=ChoiceLoader([DictLoader({"page.html.j2": CHILD}), FileSystemLoader(templates_dir())]),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(report_filters())
    context = {**report_context(inspection), "csrf": "tok<&>", "overdue": 3}
    return env.get_template("page.html.j2").render(context)


def articles(html: str) -> dict[str, str]:
    return dict(re.findall(r'<article class="finding[^"]*" id="([^"]+)">(.*?)</article>', html, re.S))


def test_the_hooks_of_a_page_that_extends_the_report(page, inspection):
    found = articles(page)
    assert len(found) == len(inspection.findings) > 10
    for finding_id, body in found.items():
        assert f'<form method="post" class="decision" action="/findings/{finding_id}">' in body
        assert body.index('class="ref"') < body.index('class="decision"')  # after the finding's body
        assert 'value="tok&lt;&amp;&gt;"' in body  # escaped, as everything the page shows
    assert '<nav class="service-nav">Brookfield Community Primary School: inspections</nav>' in page
    assert 'class="masthead"' not in page
    summary_ends = page.index("</section>", page.index('id="summary"'))
    assert summary_ends < page.index('<section id="service-overdue">Actions overdue: 3</section>') < page.index(
        'id="findings"'
    )


def test_the_page_has_no_inline_style_only_the_stylesheet(page):
    assert '<link rel="stylesheet" href="/static/report.css">' in page
    assert "<style" not in page and "Content-Security-Policy" not in page
    assert ":root {" not in page and ".finding {" not in page
    assert not re.search(r"\sstyle\s*=", page)
    assert "<script" not in page


def test_report_html_still_inlines_the_stylesheet(inspection):
    html = render_html(inspection)
    register, report = ((templates_dir() / name).read_text(encoding="utf-8") for name in STYLESHEETS)
    css = f"{register}\n{report}"  # the palette and register grid first: the report's rules use them
    assert str(stylesheet()) == css and ".finding {" in report and ":root {" in register and ".mark.closed" in register
    assert f"<style>\n{css}\n</style>" in html
    assert "default-src 'none'; style-src 'unsafe-inline'" in html  # the file fetches nothing
    assert '<header class="masthead">' in html and "<link" not in html
    assert 'class="decision"' not in html
    assert all(body.rstrip().endswith("</p>") for body in articles(html).values())  # no decisions by default
    assert not re.search(r"\sstyle\s*=", html)


def test_no_inline_style_attributes_in_the_templates():
    for template in (REPORT_TEMPLATE, "register.html.j2", "authority.html.j2"):
        assert not re.search(r"\sstyle\s*=", (templates_dir() / template).read_text(encoding="utf-8")), template


def test_a_list_shown_whole_on_screen_is_not_said_to_be_cut(inspection):
    assert len(report_context(inspection)["referrals"]) > 1
    assert "more children to refer" not in render_html(inspection)
