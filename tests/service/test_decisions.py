"""What happens next, per finding: actions, waivers and resolutions recorded on an inspection's
page, carried into the school's next inspection, and checked before anything is stored."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from auditor.report import _FORMULA_TRIGGERS
from auditor_service import decisions
from auditor_service.store.models import Decision, FindingRow, Upload, _now
from auditor_service.web.pages import inspections as inspection_page
from tests.service.conftest import csrf_token
from tests.service.test_inspections import EARLIER, article, counts, inspect_sample, stored

TODAY = dt.date.today()


def uk(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def decide(client, inspection_id: int, finding_id: str, **form):
    data = {"csrftoken": csrf_token(client), "recorded_by": "A Officer", **form}
    return client.post(f"/inspections/{inspection_id}/findings/{finding_id}/decisions", data=data,
                       follow_redirects=False)


def first_red(store, inspection_id: int) -> str:
    return next(f.id for f in stored(store, inspection_id)[1].findings if f.severity == "red")


def decisions_stored(store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Decision))


def test_a_waiver_carries_into_the_next_inspection_shown_as_waived_and_not_counted(client, store, settings):
    first = inspect_sample(store, settings)
    finding_id = first_red(store, first)
    expiry = TODAY + dt.timedelta(days=60)
    response = decide(client, first, finding_id, kind="waiver", date=uk(expiry), recorded_by="Jo Smith-Ámàdi",
                      note="LA-agreed extension of the part-time timetable")
    assert response.status_code == 303
    assert response.headers["location"] == f"/inspections/{first}#{finding_id}"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("recorded_by=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    # Recorded on the finding with who and when, and the name kept for the next form.
    html = client.get(f"/inspections/{first}").text
    recorded = article(html, finding_id)
    assert "LA-agreed extension of the part-time timetable" in recorded and "Jo Smith-Ámàdi" in recorded
    assert f"Until {uk(expiry)}" in recorded
    assert 'name="recorded_by" value="Jo Smith-Ámàdi"' in html

    second = inspect_sample(store, settings)
    row, findings = stored(store, second)
    before = stored(store, first)[0]
    assert (row.red, row.amber, row.green, row.waived) == (before.red - 1, before.amber, before.green, 1)
    waived = next(f for f in findings.findings if f.id == finding_id)
    assert waived.waiver is not None and waived.waiver.expires == expiry and waived.waiver.agreed_by == "Jo Smith-Ámàdi"
    assert "recorded by Jo Smith-Ámàdi" in waived.waiver.source
    with store.session() as session:
        flags = {r.finding_id: r.waived for r in session.scalars(select(FindingRow).where(FindingRow.inspection_id == second))}
    assert flags[finding_id] and sum(flags.values()) == 1

    html = client.get(f"/inspections/{second}").text
    assert counts(html)["red"] == row.red == findings.count("red")
    shown = article(html, finding_id)
    assert '<span class="tag waived">waived</span>' in shown
    assert f"Waived until {uk(expiry)}" in shown and "Jo Smith-Ámàdi" in shown


def test_a_waiver_counts_again_at_an_inspection_as_at_a_date_after_its_expiry(client, store, settings):
    first = inspect_sample(store, settings)
    finding_id = first_red(store, first)
    expiry = TODAY + dt.timedelta(days=10)
    assert decide(client, first, finding_id, kind="waiver", note="Agreed by the LA", date=uk(expiry)).status_code == 303

    last_day = inspect_sample(store, settings, as_of=expiry)  # the last day it runs
    after = inspect_sample(store, settings, as_of=expiry + dt.timedelta(days=1))
    running, lapsed = stored(store, last_day), stored(store, after)
    assert running[0].waived == 1 and next(f for f in running[1].findings if f.id == finding_id).waiver
    assert lapsed[0].waived == 0
    again = next(f for f in lapsed[1].findings if f.id == finding_id)
    assert again.waiver is None and again.waiver_expired.expires == expiry
    assert lapsed[0].red == lapsed[1].count("red") == sum(1 for f in lapsed[1].findings if f.severity == "red")
    html = client.get(f"/inspections/{after}").text
    assert "waiver expired" in article(html, finding_id)
    assert counts(html)["red"] == lapsed[0].red


def test_an_action_past_its_due_date_is_overdue_until_resolved(client, store, settings, monkeypatch):
    inspection_id = inspect_sample(store, settings)
    finding_id = first_red(store, inspection_id)
    due = TODAY + dt.timedelta(days=7)
    assert decide(client, inspection_id, finding_id, kind="action", note="Call the family", date=uk(due)).status_code == 303
    with store.session() as session:
        assert [a.note for a in decisions.open_actions(session, "990001")] == ["Call the family"]
        assert decisions.overdue_actions(session, "990001", due) == []  # due today is not yet overdue
        assert len(decisions.overdue_actions(session, "990001", due + dt.timedelta(days=1))) == 1
    html = client.get(f"/inspections/{inspection_id}").text
    assert "tag overdue" not in html

    monkeypatch.setattr(inspection_page, "today", lambda: due + dt.timedelta(days=1))  # a week and a day later
    html = client.get(f"/inspections/{inspection_id}").text
    overdue = html[html.index('<section id="overdue-actions"'):]
    overdue = overdue[:overdue.index("</section>")]
    assert "Call the family" in overdue and uk(due) in overdue and f"#{finding_id}" in overdue
    assert '<span class="tag overdue">overdue</span>' in article(html, finding_id)

    assert decide(client, inspection_id, finding_id, kind="resolved").status_code == 303  # the note is optional
    with store.session() as session:
        assert decisions.open_actions(session, "990001") == []
    html = client.get(f"/inspections/{inspection_id}").text
    assert "Call the family" not in html[html.index('<section id="overdue-actions"'):html.index('<section id="findings"')]


def test_an_action_on_a_finding_the_latest_inspection_no_longer_raises_is_not_open(client, store, settings):
    first = inspect_sample(store, settings, as_of=EARLIER)
    second = inspect_sample(store, settings)
    now = {f.id for f in stored(store, second)[1].findings}
    earlier = [f.id for f in stored(store, first)[1].findings]
    gone = next(i for i in earlier if i not in now)
    kept = next(i for i in earlier if i in now)
    for finding_id, note in ((gone, "Gone by March"), (kept, "Still there")):
        assert decide(client, first, finding_id, kind="action", note=note, date=uk(TODAY)).status_code == 303
    with store.session() as session:
        assert [a.note for a in decisions.open_actions(session, "990001")] == ["Still there"]


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"kind": "waiver", "note": "", "date": "28/02/2099"}, "note", "Enter the reason for the waiver"),
        ({"kind": "waiver", "note": "Agreed", "date": "31/02/2099"}, "date", "The expiry date must be a real date"),
        ({"kind": "waiver", "note": "Agreed", "date": "next week"}, "date", "The expiry date must be a real date"),
        ({"kind": "waiver", "note": "Agreed", "date": "73051"}, "date", "The expiry date must be a real date"),
        ({"kind": "waiver", "note": "Agreed", "date": "2099-01-01"}, "date", "as dd/mm/yyyy"),
        ({"kind": "waiver", "note": "Agreed", "date": uk(TODAY - dt.timedelta(days=1))}, "date",
         "The expiry date must be today or in the future"),
        ({"kind": "action", "note": "Call", "date": ""}, "date", "Enter the due date"),
        ({"kind": "action", "note": "", "date": "01/01/2099"}, "note", "Enter the action agreed"),
        ({"kind": "resolved", "recorded_by": " "}, "recorded_by", "Enter your name"),
    ],
)
def test_a_decision_with_a_mistake_shows_it_by_the_field_and_stores_nothing(client, store, settings, form, field, message):
    inspection_id = inspect_sample(store, settings)
    finding_id = first_red(store, inspection_id)
    response = decide(client, inspection_id, finding_id, **form)
    assert response.status_code == 400
    html = response.text
    summary = html[html.index('class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    field_id = f"{finding_id}-{form['kind']}-{field}"
    assert "There is a problem" in summary and f'href="#{field_id}"' in summary and message in summary
    by_field = html[html.index(f'id="{field_id}-error"'):]
    assert message in by_field[:300]
    assert f'id="{field_id}"' in html
    assert decisions_stored(store) == 0


def test_a_reason_is_shown_as_text_never_as_html(client, store, settings):
    first = inspect_sample(store, settings)
    finding_id = first_red(store, first)
    reason = '<script>alert("x")</script><b onclick="x()">bold</b>'
    assert decide(client, first, finding_id, kind="waiver", note=reason, date=uk(TODAY)).status_code == 303
    second = inspect_sample(store, settings)
    for page in (first, second):
        html = client.get(f"/inspections/{page}").text
        assert "<script" not in html and "<b onclick" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in article(html, finding_id)


def test_a_reason_that_looks_like_a_formula_is_inert_text_in_the_spreadsheets(client, store, settings):
    first = inspect_sample(store, settings)
    finding_id = first_red(store, first)
    reason = '=HYPERLINK("http://evil.example","agreed")'
    assert decide(client, first, finding_id, kind="waiver", note=reason, date=uk(TODAY),
                  recorded_by="@SUM(A1:A9)").status_code == 303
    second = inspect_sample(store, settings)

    table = csv.reader(io.StringIO(client.get(f"/inspections/{second}/findings.csv").content.decode("utf-8-sig")))
    cells = [cell for row in table for cell in row]
    assert any(reason in cell for cell in cells)
    assert not any(cell.startswith(_FORMULA_TRIGGERS) for cell in cells)

    book = load_workbook(io.BytesIO(client.get(f"/inspections/{second}/findings.xlsx").content))
    written = [cell for sheet in book for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any(reason in cell.value for cell in written)
    assert all(cell.data_type == "s" and not cell.value.startswith(_FORMULA_TRIGGERS) for cell in written)


def test_a_decision_without_the_csrf_token_is_refused_and_nothing_stored(client, store, settings):
    inspection_id = inspect_sample(store, settings)
    finding_id = first_red(store, inspection_id)
    client.cookies.clear()
    response = client.post(f"/inspections/{inspection_id}/findings/{finding_id}/decisions",
                           data={"kind": "resolved", "recorded_by": "Mallory"}, follow_redirects=False)
    assert response.status_code == 403
    assert decisions_stored(store) == 0


def test_a_decision_on_a_finding_the_inspection_does_not_raise_is_refused(client, store, settings):
    inspection_id = inspect_sample(store, settings)
    response = decide(client, inspection_id, "REG001-000000000000", kind="resolved")
    assert response.status_code == 404 and "no such finding" in response.text
    assert decide(client, 999999, "REG001-000000000000", kind="resolved").status_code == 404
    assert decisions_stored(store) == 0


def test_decisions_from_earlier_inspections_are_listed_on_the_finding(client, store, settings):
    first = inspect_sample(store, settings)
    finding_id = first_red(store, first)
    assert decide(client, first, finding_id, kind="action", note="Visit the home", date=uk(TODAY),
                  recorded_by="B Officer").status_code == 303
    second = inspect_sample(store, settings)
    listed = article(client.get(f"/inspections/{second}").text, finding_id)
    assert "Visit the home" in listed and "B Officer" in listed and f'href="/inspections/{first}#{finding_id}"' in listed
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", listed)


def test_the_latest_decision_holds_a_new_action_replaces_the_last_and_resolved_ends_a_waiver(client, store, settings):
    first = inspect_sample(store, settings)
    finding_id = first_red(store, first)
    for note, due in (("Phone the parents", TODAY), ("Write to the parents", TODAY + dt.timedelta(days=14))):
        assert decide(client, first, finding_id, kind="action", note=note, date=uk(due)).status_code == 303
    with store.session() as session:
        assert [(a.note, a.due_on) for a in decisions.open_actions(session, "990001")] == [
            ("Write to the parents", TODAY + dt.timedelta(days=14))]
        assert decisions.overdue_actions(session, "990001", TODAY + dt.timedelta(days=1)) == []

    assert decide(client, first, finding_id, kind="waiver", note="Agreed", date=uk(TODAY)).status_code == 303
    assert stored(store, inspect_sample(store, settings))[0].waived == 1
    assert decide(client, first, finding_id, kind="resolved", note="Return sent").status_code == 303
    row, findings = stored(store, inspect_sample(store, settings))
    assert row.waived == 0 and row.red == findings.count("red") == stored(store, first)[0].red
    with store.session() as session:
        assert decisions.open_actions(session, "990001") == []
        assert decisions.waivers_in_force(session, TODAY, "990001") == []


def test_the_page_offers_to_inspect_its_files_again_while_they_are_kept(client, store, settings):
    inspection_id = inspect_sample(store, settings)
    row = stored(store, inspection_id)[0]
    assert f'href="/uploads/{row.upload_id}"' in client.get(f"/inspections/{inspection_id}").text
    with store.session() as session:
        session.get(Upload, row.upload_id).purged_at = _now()
    assert 'id="inspect-again"' not in client.get(f"/inspections/{inspection_id}").text
