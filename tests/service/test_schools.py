"""The schools list and a school's page: its inspections over time, the chart of its findings by
severity, its actions open and overdue and its waivers in force."""

from __future__ import annotations

import datetime as dt
import re

import defusedxml.ElementTree as SafeET
from sqlalchemy import select

from auditor_service.decisions import open_actions, overdue_actions, waivers_in_force
from auditor_service.store.models import Decision, FindingRow, Inspection
from tests.service.test_schools_support import inspect_pack, table

SVG = "{http://www.w3.org/2000/svg}"
JAN, FEB, MAR = dt.date(2025, 1, 17), dt.date(2025, 2, 14), dt.date(2025, 3, 14)


def _ids(store, inspection_id: int) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(FindingRow.finding_id).where(FindingRow.inspection_id == inspection_id)))


def _chart(html: str):
    found = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(found) == 1
    return SafeET.fromstring(found[0])


def test_a_schools_page_lists_its_inspections_oldest_first_with_the_stored_counts(client, store, settings):
    # Uploaded out of order: February first, then January, then March.
    feb = inspect_pack(store, settings, date=FEB)
    jan = inspect_pack(store, settings, date=JAN)
    mar = inspect_pack(store, settings, date=MAR)
    response = client.get("/schools/990001")
    assert response.status_code == 200
    header, rows, ids = table(response.text, "inspections")
    assert ids == [f"inspection-{jan}", f"inspection-{feb}", f"inspection-{mar}"]
    assert [row[0] for row in rows] == ["17/01/2025", "14/02/2025", "14/03/2025"]
    with store.session() as session:
        stored = {row.id: row for row in session.scalars(select(Inspection))}
    column = {name: header.index(name) for name in ("Red", "Amber", "Green", "Waived", "New", "Resolved")}
    for inspection_id, row in zip(ids, rows):
        kept = stored[int(inspection_id.removeprefix("inspection-"))]
        assert [int(row[column[c]]) for c in ("Red", "Amber", "Green", "Waived")] == \
            [kept.red, kept.amber, kept.green, kept.waived]
        assert f'href="/inspections/{kept.id}"' in response.text
    # March was compared with February, the latest before it when it was made; the others with none.
    assert stored[mar].previous_id == feb
    assert rows[2][column["New"]] == str(len(_ids(store, mar) - _ids(store, feb)))
    assert rows[2][column["Resolved"]] == str(len(_ids(store, feb) - _ids(store, mar)))
    assert int(rows[2][column["New"]]) > 0 and int(rows[2][column["Resolved"]]) > 0
    assert rows[0][column["New"]] == rows[1][column["New"]] == "–"


def test_the_chart_is_well_formed_svg_with_one_bar_per_inspection_drawn_to_scale(client, store, settings):
    for date in (JAN, FEB, MAR):
        inspect_pack(store, settings, date=date)
    html = client.get("/schools/990001").text
    assert "style=" not in html  # the CSP allows no inline style
    svg = _chart(html)
    assert svg.tag == f"{SVG}svg" and svg.get("role") == "img" and svg.find(f"{SVG}title").text
    bars = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert len(bars) == 3
    with store.session() as session:
        rows = session.scalars(select(Inspection).order_by(Inspection.as_of)).all()
    scales = set()
    for bar, row in zip(bars, rows):
        shown = f"{row.as_of:%d/%m/%Y}"
        assert bar.find(f"{SVG}title").text.startswith(f"As at {shown}: {row.red} red, {row.amber} amber")
        assert [t.text for t in bar.iter(f"{SVG}text")] == [shown]  # the axis is labelled dd/mm/yyyy
        for rect in bar.iter(f"{SVG}rect"):
            severity = rect.get("class").removeprefix("chart-")
            assert rect.get("fill", "").startswith("#")
            scales.add(round(float(rect.get("height")) / getattr(row, severity), 1))
    assert len(scales) == 1  # every bar's height is its count on one scale


def test_open_and_overdue_actions_and_the_waivers_in_force_are_listed(client, store, settings):
    first = inspect_pack(store, settings, date=JAN)
    latest = inspect_pack(store, settings, date=MAR)
    today = dt.date.today()
    raised = sorted(_ids(store, latest))
    gone = sorted(_ids(store, first) - _ids(store, latest))
    assert len(raised) >= 5 and gone
    with store.session() as session:
        rows = {r.finding_id: r for r in session.scalars(select(FindingRow).where(FindingRow.inspection_id.in_([first, latest])))}

    def decide(finding_id, kind, when, **fields):
        row = rows[finding_id]
        decision = Decision(urn="990001", finding_id=finding_id, rule=row.rule, upn=row.upn, kind=kind,
                            recorded_by="A. Officer", recorded_at=dt.datetime(2025, 3, 20, 9) + dt.timedelta(hours=when),
                            note=fields.pop("note", ""), **fields)
        with store.session() as session:
            session.add(decision)
            session.flush()
            return decision.id

    overdue = decide(raised[0], "action", 0, note="Send the deletion return", due_on=today - dt.timedelta(days=1))
    due = decide(raised[1], "action", 0, note="Review the timetable", due_on=today + dt.timedelta(days=30))
    decide(raised[2], "action", 0, due_on=today - dt.timedelta(days=60))
    decide(raised[2], "resolved", 1)  # resolved since: no longer open
    replaced = decide(raised[3], "action", 0, due_on=today - dt.timedelta(days=5))
    renewed = decide(raised[3], "action", 1, note="Agreed again", due_on=today + dt.timedelta(days=5))
    decide(gone[0], "action", 0, due_on=today - dt.timedelta(days=10))  # the registers no longer raise it
    waiver = decide(raised[4], "waiver", 0, note="LA-agreed part-time timetable", expires_on=today)
    decide(raised[1], "waiver", 0, expires_on=today - dt.timedelta(days=1))  # expired

    with store.session() as session:
        assert [d.id for d in overdue_actions(session, "990001", today)] == [overdue]
        assert sorted(d.id for d in open_actions(session, "990001")) == sorted([overdue, due, renewed])
        assert [d.id for d in waivers_in_force(session, today, "990001")] == [waiver]

    html = client.get("/schools/990001").text
    _, actions, ids = table(html, "actions")
    assert ids == [f"action-{overdue}", f"action-{renewed}", f"action-{due}"]  # by due date
    assert re.search(rf'<tr id="action-{overdue}" class="overdue">', html)
    assert [row[-1] for row in actions] == ["overdue", "open", "open"]
    assert actions[0][2] == "Send the deletion return" and rows[raised[0]].rule in actions[0][0]
    assert f"action-{replaced}" not in html
    assert "3 open, of which 1 overdue" in re.sub(r"<[^>]+>", "", html)
    _, waivers, waiver_ids = table(html, "waivers")
    assert waiver_ids == [f"waiver-{waiver}"]
    assert waivers[0][2] == "LA-agreed part-time timetable" and waivers[0][4] == f"{today:%d/%m/%Y}"


def test_the_schools_list_shows_each_school_once_with_its_latest_inspection(client, store, settings):
    inspect_pack(store, settings, date=MAR)
    inspect_pack(store, settings, date=JAN)  # made later, judged as at an earlier date
    inspect_pack(store, settings, urn="990002", name="Aardvark Infants", date=FEB)
    html = client.get("/schools").text
    _, rows, ids = table(html, "schools")
    assert ids == ["school-990002", "school-990001"]  # by name
    assert [(row[0], row[3], row[4]) for row in rows] == [
        ("Aardvark Infants", "1", "14/02/2025"), ("Brookfield Community Primary School", "2", "14/03/2025")]


def test_a_school_name_holding_html_is_shown_as_text(client, store, settings):
    name = '<script>alert("x")</script> & <b>Co</b>'
    inspect_pack(store, settings, urn="990003", name=name)
    for path in ("/schools", "/schools/990003", "/authority"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<b>Co</b>" not in html, path
        assert "&lt;script&gt;alert(" in html, path
    title = _chart(client.get("/schools/990003").text).find(f"{SVG}title").text
    assert title.endswith(name)  # escaped in the SVG, and read back whole


def test_an_unknown_school_is_a_page_not_found(client, store, settings):
    inspect_pack(store, settings)
    response = client.get("/schools/123456")
    assert response.status_code == 404
    assert "Page not found" in response.text and "no school with URN 123456" in response.text
    assert client.get("/schools/990001").status_code == 200


def test_with_no_school_the_pages_say_so(client):
    assert 'id="no-schools"' in client.get("/schools").text
    assert 'id="no-schools"' in client.get("/authority").text


def test_a_long_history_slants_its_dates_and_an_inspection_with_no_findings_has_an_empty_bar():
    from auditor_service.charts import severity_chart

    dates = [dt.date(2024, 9, 6) + dt.timedelta(weeks=4 * n) for n in range(8)]
    counts = [{"red": n, "amber": 2, "green": 7 * n, "waived": n % 2} for n in range(7)] + [{}]
    svg = SafeET.fromstring(str(severity_chart(list(zip(dates, counts)), title="History & <more>")))
    bars = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert len(bars) == 8
    assert [t.text for bar in bars for t in bar.iter(f"{SVG}text")] == [f"{d:%d/%m/%Y}" for d in dates]
    assert all("rotate(-40" in t.get("transform") for bar in bars for t in bar.iter(f"{SVG}text"))
    assert list(bars[-1].iter(f"{SVG}rect")) == [] and "0 red, 0 amber, 0 green, 0 waived" in bars[-1].find(f"{SVG}title").text
    ticks = [int(t.text) for t in next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "axis").iter(f"{SVG}text")
             if t.text.isdigit()]
    assert ticks[0] == 0 and ticks[-1] >= max(sum(c.values()) for c in counts) and len(ticks) <= 6  # the tallest bar fits, on round steps
    assert svg.find(f"{SVG}title").text == "History & <more>"
