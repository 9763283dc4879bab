"""What each role sees on the pages: a school account its own school's inspections and self-audits
and the actions the LA agreed for it, never the LA's own notes nor another school; an officer of
an authority only its schools, on every list."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import tomlkit
from openpyxl import load_workbook
from sqlalchemy import func, select

from auditor_service.store.models import AuditEvent, Decision, Inspection
from tests.service.conftest import csrf_token, run_jobs, sign_in
from tests.service.test_inspections import article
from tests.service.test_schools_support import table
from tests.service.test_self_audit_support import FIXED, inspect_as
from tests.service.test_uploads import sample_files, send

REASON = "LA-agreed part-time timetable until the review"
ACTION = "Send the LA the admission return"
OFFICER = "Jo Officer-Ámàdi"
RESOLVED = "Closed after the phone call with the head"
FAR = "01/01/2099"


def _la_links(html: str, own: str = "990001") -> list[str]:
    """The page's links to the LA's own pages or to another school's."""
    return [href for href in re.findall(r'href="([^"]*)"', html)
            if re.match(r"/(authority|batches|schools)\b", href) and not href.startswith(f"/schools/{own}")]


def _decide(client, inspection_id: int, finding_id: str, **form):
    response = client.post(f"/inspections/{inspection_id}/findings/{finding_id}/decisions", follow_redirects=False,
                           data={"csrftoken": csrf_token(client), "recorded_by": OFFICER, **form})
    assert response.status_code == 303, response.text
    return response


@pytest.fixture
def decided(client, store, settings, users):
    """The LA's inspection of 990001 with an action, a waiver and a resolved note recorded on it by
    an officer, inspected again (the waiver applied), and the school's own self-audit; the ids."""
    first = inspect_as(store, settings, by="olive")
    with store.session() as session:
        reds = [f.finding_id for f in session.get(Inspection, first).findings if f.severity == "red"]
    waived, resolved = reds[0], reds[1]
    sign_in(client, "olive")
    _decide(client, first, FIXED, kind="action", note=ACTION, date=FAR)
    _decide(client, first, waived, kind="waiver", note=REASON, date=FAR)
    _decide(client, first, resolved, kind="action", note="Check the deletion", date=FAR)
    _decide(client, first, resolved, kind="resolved", note=RESOLVED)
    second = inspect_as(store, settings, by="olive")
    audit = inspect_as(store, settings, self_audit=True, by="sam")
    other = inspect_as(store, settings, urn="990002", name="Aardvark Infants", la="Southshire")
    client.cookies.delete("session")
    return {"first": first, "second": second, "audit": audit, "other": other, "waived": waived,
            "resolved": resolved}


def _no_la_notes(text: str) -> None:
    for note in (REASON, RESOLVED, OFFICER, "Jo Officer", "olive", "Check the deletion"):
        assert note not in text, note


def test_a_school_sees_the_las_inspection_with_its_actions_and_waived_findings_but_not_the_las_notes(client, decided):
    sign_in(client, "olive")
    officers = client.get(f"/inspections/{decided['second']}").text
    # What the school is not shown; the decisions are under the officer's account, not the name the form sent.
    assert REASON in officers and "<td>olive<br>" in officers and RESOLVED in officers and OFFICER not in officers
    assert "/authority" in _la_links(officers) and "/schools" in _la_links(officers)

    sign_in(client, "sam")
    response = client.get(f"/inspections/{decided['second']}")
    assert response.status_code == 200
    html = response.text
    _no_la_notes(html)
    assert html.count(REASON.split(",")[0]) == 0
    # The waived finding is shown waived, until its expiry, and not counted; its terms are the LA's.
    waived = article(html, decided["waived"])
    assert '<span class="tag waived">waived</span>' in waived and f"Waived until {FAR}" in waived
    assert "the local authority&#39;s own note" in waived
    # The action agreed for the school, with its due date; the resolved one is no longer open.
    action = article(html, FIXED)
    assert ACTION in action and f"Due {FAR}" in action
    assert "No action agreed" in article(html, decided["resolved"])
    # No decision forms, no LA pages, no other school.
    assert "/decisions" not in html and "Record what happens next" not in html
    assert _la_links(html) == []
    assert "990002" not in html


def test_the_downloads_a_school_gets_hold_no_la_notes(client, decided):
    sign_in(client, "sam")
    base = f"/inspections/{decided['second']}"
    findings = json.loads(client.get(f"{base}/findings.json").content)
    waived = next(f for f in findings["findings"] if f["id"] == decided["waived"])
    assert waived["waiver"]["expires"] == "2099-01-01" and waived["waiver"]["agreed_by"] == "the local authority"
    assert all(w["agreed_by"] == "the local authority" for w in findings["waivers"]) and findings["waivers"]
    texts = {
        "findings.json": json.dumps(findings, ensure_ascii=False),
        "findings.csv": client.get(f"{base}/findings.csv").content.decode("utf-8-sig"),
        "findings.xlsx": "\n".join(str(cell) for sheet in load_workbook(
            io.BytesIO(client.get(f"{base}/findings.xlsx").content), read_only=True).worksheets
            for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None),
    }
    rows = list(csv.DictReader(io.StringIO(texts["findings.csv"])))
    assert any(decided["waived"] in row.values() for row in rows)
    for text in texts.values():
        _no_la_notes(text)
    sign_in(client, "olive")
    assert REASON in client.get(f"{base}/findings.csv").content.decode("utf-8-sig")


def test_a_school_cannot_record_a_decision_and_the_refusal_is_logged(client, store, decided):
    sign_in(client, "sam")
    with store.session() as session:
        before = session.scalar(select(func.count()).select_from(Decision))
    response = client.post(f"/inspections/{decided['second']}/findings/{FIXED}/decisions", follow_redirects=False,
                           data={"csrftoken": csrf_token(client), "kind": "resolved", "note": "done",
                                 "recorded_by": "sam"})
    assert response.status_code == 404
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == before
        refused = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "refused")).all()
    assert [(e.actor, e.action, e.urn) for e in refused] == [("sam", "decide", "990001")]


def test_a_schools_page_lists_its_self_audits_beside_the_las_inspections_without_the_las_notes(client, decided):
    sign_in(client, "sam")
    response = client.get("/schools/990001")
    assert response.status_code == 200
    html = response.text
    header, rows, ids = table(html, "inspections")
    what = header.index("What")
    kinds = {row_id: row[what] for row_id, row in zip(ids, rows)}
    assert kinds == {f"inspection-{decided['first']}": "inspection", f"inspection-{decided['second']}": "inspection",
                     f"inspection-{decided['audit']}": "self-audit"}
    # The chart is of the LA's inspections: two bars, not three.
    assert html.count('class="bar"') == 2 and "the school's self-audits are not in the chart" in html
    header, rows, _ = table(html, "actions")
    assert header == ["Finding", "Pupil", "Action agreed", "Due", "Status"] and ACTION in rows[0]
    header, rows, _ = table(html, "waivers")
    assert header == ["Finding", "Pupil", "Expires"] and rows[0][2] == FAR
    _no_la_notes(html)
    assert _la_links(html) == [] and "990002" not in html

    sign_in(client, "olive")
    header, rows, _ = table(client.get("/schools/990001").text, "waivers")
    assert header == ["Finding", "Pupil", "Reason", "Agreed by", "Expires"] and rows[0][2] == REASON


@pytest.mark.parametrize("path", ["/schools/990002", "/inspections/{other}", "/inspections/{other}/findings.csv",
                                  "/authority", "/authority/cme-referrals.csv", "/schools", "/batches/new"])
def test_a_school_gets_no_such_page_for_another_school_and_the_las_pages(client, decided, path):
    sign_in(client, "sam")
    response = client.get(path.format(other=decided["other"]), follow_redirects=False)
    assert response.status_code == 404
    assert "Page not found" in response.text and "Aardvark" not in response.text


def test_a_schools_home_is_its_own_page_and_its_new_inspection_is_a_self_audit_of_its_own_urn(client, store, settings, users):
    sign_in(client, "sam")
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/schools/990001"
    first = client.get("/schools/990001")  # before its first self-audit: its page, with the way to one
    assert first.status_code == 200 and 'id="no-inspections"' in first.text and 'href="/inspections/new"' in first.text
    assert client.get("/schools/990003").status_code == 404  # no other school's, known or not
    new = client.get("/inspections/new").text
    assert "<h1>New self-audit</h1>" in new and "URN 990001" in new
    # Its upload names another school in its pack.toml: the form offers only its own URN.
    files = [(name, data) for name, data in sample_files(toml=True) if name != "pack.toml"]
    config = tomlkit.parse((sample_files.__defaults__[0] / "pack.toml").read_text(encoding="utf-8"))
    config["school"]["urn"] = "990002"
    response = send(client, [*files, ("pack.toml", tomlkit.dumps(config).encode())])
    upload_id = response.headers["location"].rsplit("/", 1)[1]
    assert run_jobs(store, settings) == 1
    page = client.get(f"/uploads/{upload_id}").text
    assert re.search(r'<input type="text" class="width-10" id="urn" name="urn" value="990001"[^>]* readonly>', page)
    assert ">Run the self-audit</button>" in page and "<h2>Self-audit</h2>" in page
    form = {"csrftoken": csrf_token(client), "name": "Brookfield Community Primary School", "la": "Northshire",
            "as_of": "14/03/2025", "period_start": "02/09/2024", "policy": "statutory"}
    refused = client.post(f"/uploads/{upload_id}/inspect", data={**form, "urn": "990002"}, follow_redirects=False)
    assert refused.status_code == 400 and "A self-audit is of your own school: URN 990001" in refused.text
    started = client.post(f"/uploads/{upload_id}/inspect", data={**form, "urn": "990001"}, follow_redirects=False)
    assert started.status_code == 303 and run_jobs(store, settings) == 1
    with store.session() as session:
        audit = session.scalars(select(Inspection)).one()
        assert (audit.urn, audit.kind, audit.created_by) == ("990001", "self_audit", "sam")
    html = client.get(f"/inspections/{audit.id}").text
    assert "<title>Self-audit as at 14/03/2025" in html and f'href="/uploads/{upload_id}"' in html


def _schools_shown(html: str) -> set[str]:
    return set(re.findall(r'href="/schools/(\d{6})"', html))


def test_an_officer_of_an_authority_sees_only_its_schools_on_every_list(client, store, settings, users):
    north = inspect_as(store, settings, la="Northshire")
    inspect_as(store, settings, self_audit=True, la="Northshire")
    south = inspect_as(store, settings, urn="990002", name="Aardvark Infants", la="Southshire")
    inspect_as(store, settings, urn="990002", name="Aardvark Infants", la="Southshire", self_audit=True)
    for name, own, theirs, urn in (("olive", north, south, "990001"), ("oscar", south, north, "990002")):
        sign_in(client, name)
        schools = client.get("/schools").text
        assert [row_id for row_id in table(schools, "schools")[2]] == [f"school-{urn}"]
        authority = client.get("/authority").text
        assert _schools_shown(authority) == {urn}
        assert f'href="/inspections/{own}"' in authority and f'href="/inspections/{theirs}"' not in authority
        home = client.get("/").text
        assert _schools_shown(home) == {urn}
        assert table(home, "latest")[1][0][1] == urn and len(table(home, "self-audits")[1]) == 1
        cme = list(csv.DictReader(io.StringIO(client.get("/authority/cme-referrals.csv").content.decode("utf-8-sig"))))
        assert cme and {row["urn"] for row in cme} == {urn}
        assert client.get(f"/inspections/{theirs}").status_code == 404


def test_the_officers_home_lists_self_audits_apart_from_the_latest_inspections(client, store, settings):
    visit = inspect_as(store, settings)
    audit = inspect_as(store, settings, self_audit=True)
    html = client.get("/").text
    _, rows, _ = table(html, "latest")
    assert len(rows) == 1
    latest = html[html.index('id="latest"'):html.index("</table>", html.index('id="latest"'))]
    assert f'href="/inspections/{visit}"' in latest and f'href="/inspections/{audit}"' not in latest
    audits = html[html.index('id="self-audits"'):]
    assert f'href="/inspections/{audit}"' in audits
    _, rows, _ = table(client.get("/schools").text, "schools")
    assert rows[0][3] == "1" and rows[0][9] == "1" and rows[0][10] == "14/03/2025"


def test_an_officer_keeps_a_school_in_their_own_authority(client, store, settings, users):
    from tests.service.test_uploads import SAMPLE, inspect_form, upload

    sign_in(client, "olive")  # of Northshire; the sample's pack.toml says "Northshire Council"
    upload_id, page = upload(client, store, settings, sample_files(SAMPLE, toml=True))
    assert re.search(r'id="la"[^>]*value="Northshire"', page)  # offered as the officer's own
    moved = client.post(f"/uploads/{upload_id}/inspect", data=inspect_form(page), follow_redirects=False)
    assert moved.status_code == 400 and "You inspect for Northshire: enter it as the school&#39;s local authority" in moved.text
    kept = client.post(f"/uploads/{upload_id}/inspect", data=inspect_form(page, la="NORTHSHIRE"), follow_redirects=False)
    assert kept.status_code == 303
