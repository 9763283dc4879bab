"""Before the visit: the school's self-audit shown beside the LA's own inspection of it (found and
fixed, found and still open, not found by the school, each by stable finding id), which
self-audit that is, and a self-audit never taken for the school's latest inspection."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from auditor_service import decisions
from auditor_service.self_audit import before_the_visit
from auditor_service.store.models import Decision, Inspection
from tests.service.conftest import csrf_token
from tests.service.test_schools_support import table
from tests.service.test_self_audit_support import FIXED, MAR, finding_ids, inspect_as

EARLIER = dt.date(2025, 2, 3)  # the sample as at an earlier day: some findings of 14/03/2025 not yet raised
SECTIONS = ("found-and-fixed", "found-still-open", "not-found-by-the-school")


def _before(html: str) -> dict[str, list[str]]:
    """The finding ids each list of the before-the-visit section holds, as the page shows them."""
    shown = {}
    for key in SECTIONS:
        if f'id="{key}-table"' in html:
            shown[key] = [row_id.removeprefix(f"{key}-") for row_id in table(html, f"{key}-table")[2]]
        else:
            shown[key] = []
    return shown


def _counts(html: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r'data-before="(\w+)">(\d+)<', html)}


def test_the_officers_inspection_shows_what_the_school_found_and_fixed_before_the_visit(client, store, settings):
    audit = inspect_as(store, settings, self_audit=True, by="sam")
    visit = inspect_as(store, settings, fixed=True, by="olive")  # the return made since the self-audit
    school, la = finding_ids(store, audit), finding_ids(store, visit)
    assert school - la == {FIXED} and la < school  # the one finding fixed, nothing new

    html = client.get(f"/inspections/{visit}").text
    assert 'id="before-the-visit"' in html
    assert f'href="/inspections/{audit}" id="self-audit-link">self-audit as at 14/03/2025' in html
    shown = _before(html)
    assert shown["found-and-fixed"] == [FIXED]
    assert set(shown["found-still-open"]) == la and len(shown["found-still-open"]) == len(la)
    assert shown["not-found-by-the-school"] == []
    assert _counts(html) == {"fixed": 1, "still_open": len(la), "not_found": 0}
    # Each linked to its finding: the fixed one on the self-audit's page, the others on this one.
    assert f'href="/inspections/{audit}#{FIXED}"' in html
    still = sorted(la)[0]
    row = html[html.index(f'id="found-still-open-{still}"'):]
    assert f'href="#{still}"' in row[:row.index("</tr>")]
    assert f'id="{still}"' in html  # the finding's own article on this page


def test_what_the_inspection_found_that_the_self_audit_did_not_is_listed(client, store, settings):
    audit = inspect_as(store, settings, self_audit=True, date=EARLIER)
    visit = inspect_as(store, settings)
    school, la = finding_ids(store, audit), finding_ids(store, visit)
    assert la - school and school - la  # the registers changed between the two dates both ways

    shown = _before(client.get(f"/inspections/{visit}").text)
    assert set(shown["not-found-by-the-school"]) == la - school
    assert set(shown["found-and-fixed"]) == school - la
    assert set(shown["found-still-open"]) == la & school
    with store.session() as session:
        found = before_the_visit(session, session.get(Inspection, visit))
        assert found.self_audit.id == audit and found.same_policy
        assert {row.inspection_id for row in found.fixed} == {audit}
        assert {row.inspection_id for row in found.still_open + found.not_found} == {visit}


def test_the_self_audit_beside_it_is_the_latest_as_at_the_inspections_date_or_before(client, store, settings):
    before = inspect_as(store, settings, self_audit=True, date=EARLIER)
    after = inspect_as(store, settings, self_audit=True, date=MAR)  # as at a date after the visit's
    visit = inspect_as(store, settings, date=dt.date(2025, 2, 14))
    late = inspect_as(store, settings, self_audit=True, date=dt.date(2025, 1, 17))  # made last, as at the earliest
    html = client.get(f"/inspections/{visit}").text
    assert f'href="/inspections/{before}" id="self-audit-link">self-audit as at 03/02/2025' in html
    assert f"/inspections/{after}\"" not in html and f"/inspections/{late}\"" not in html
    # With no self-audit as at its date or before, there is nothing beside it.
    first = inspect_as(store, settings, date=dt.date(2025, 1, 10))
    assert 'id="before-the-visit"' not in client.get(f"/inspections/{first}").text


def test_a_self_audit_page_is_labelled_and_has_nothing_beside_it(client, store, settings):
    inspect_as(store, settings)
    audit = inspect_as(store, settings, self_audit=True)
    html = client.get(f"/inspections/{audit}").text
    assert "<title>Self-audit as at 14/03/2025" in html and 'id="self-audit-notice"' in html
    assert "Self-audit as at 14/03/2025</nav>" in html
    assert 'id="before-the-visit"' not in html
    response = client.get(f"/inspections/{audit}/findings.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="990001-14-03-2025-self-audit-findings.csv"'


def test_decisions_are_recorded_on_the_las_inspections_not_on_a_self_audit(client, store, settings):
    audit = inspect_as(store, settings, self_audit=True)
    html = client.get(f"/inspections/{audit}").text
    assert "/decisions" not in html and "Record what happens next" not in html
    response = client.post(f"/inspections/{audit}/findings/{FIXED}/decisions", follow_redirects=False, data={
        "csrftoken": csrf_token(client), "kind": "action", "note": "Tell the LA", "date": "01/01/2099",
        "recorded_by": "A Officer"})
    assert response.status_code == 404 and "not on a school&#39;s self-audit" in response.text
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 0
    visit = inspect_as(store, settings)
    assert f'action="/inspections/{visit}/findings/{FIXED}/decisions"' in client.get(f"/inspections/{visit}").text


def test_a_self_audit_is_never_the_latest_inspection_for_actions_the_cme_list_or_the_authority(client, store, settings):
    visit = inspect_as(store, settings)
    response = client.post(f"/inspections/{visit}/findings/{FIXED}/decisions", follow_redirects=False, data={
        "csrftoken": csrf_token(client), "kind": "action", "note": "Send the LA the admission return",
        "date": "01/01/2099", "recorded_by": "A Officer"})
    assert response.status_code == 303
    # The school fixes it and self-audits later, as at a later date: the LA's inspection still holds.
    audit = inspect_as(store, settings, self_audit=True, fixed=True, date=dt.date(2025, 3, 21))
    with store.session() as session:
        assert decisions.latest_inspection(session, "990001").id == visit
        assert decisions.latest_inspection(session, "990001", decisions.SELF_AUDIT).id == audit
        assert [a.finding_id for a in decisions.open_actions(session, "990001")] == [FIXED]
    _, rows, _ = table(client.get("/schools/990001").text, "actions")
    assert len(rows) == 1 and "Send the LA the admission return" in rows[0]
    authority = client.get("/authority").text
    _, rows, _ = table(authority, "latest")
    assert len(rows) == 1 and f'href="/inspections/{visit}"' in authority and f'href="/inspections/{audit}"' not in authority
    cme = client.get("/authority/cme-referrals.csv").text
    assert f"/inspections/{visit}" in cme and f"/inspections/{audit}" not in cme
    # The LA's inspection is not "not the latest" for a later self-audit, nor the self-audit for it.
    assert 'id="later-inspection"' not in client.get(f"/inspections/{visit}").text
    assert 'id="later-inspection"' not in client.get(f"/inspections/{audit}").text
