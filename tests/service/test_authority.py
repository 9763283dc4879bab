"""The authority's page: the latest inspection of each school, the summary and CME indicators as
``inspect-la`` makes them, and the children to refer to the CME team, on the page and as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections import Counter

from sqlalchemy import select

from auditor.authority_report import indicator_totals, totals_by_rule
from auditor.batch import inspect_authority
from auditor_service.store.models import Decision, FindingRow, Inspection
from auditor_service.summary import authority
from tests.service.test_schools_support import inspect_pack, table

JAN, FEB, MAR = dt.date(2025, 1, 17), dt.date(2025, 2, 14), dt.date(2025, 3, 14)
FORMULA = "=HYPERLINK(\"http://evil.example\",\"x\")"
RENAMED = "T961215424005"  # a pupil deleted with no return: a red finding that asks for a referral


def _three_inspections(store, settings) -> dict[str, int]:
    """Brookfield as at March and then (made later) January, and another school as at February."""
    return {
        "mar": inspect_pack(store, settings, date=MAR),
        "jan": inspect_pack(store, settings, date=JAN),
        "other": inspect_pack(store, settings, urn="990002", name="Aardvark Infants", date=FEB,
                              surnames={RENAMED: FORMULA}),
    }


def _referrable(store, inspection_ids) -> Counter:
    """What the CME list must hold: the red findings that ask for a referral (as the report's
    list has them), by school, rule and pupil."""
    with store.session() as session:
        rows = session.execute(
            select(Inspection.urn, FindingRow.rule, FindingRow.upn, FindingRow.pupil, FindingRow.finding_id)
            .join(Inspection).where(FindingRow.inspection_id.in_(inspection_ids), FindingRow.refer_to_cme,
                                    FindingRow.severity == "red")
        ).all()
    return Counter((r.urn, r.rule, r.upn or "", r.pupil or "") for r in rows), rows


def test_the_page_lists_the_latest_inspection_of_each_school_not_the_older_ones(client, store, settings):
    made = _three_inspections(store, settings)
    html = client.get("/authority").text
    _, rows, ids = table(html, "latest")
    assert ids == [f"latest-{made['other']}", f"latest-{made['mar']}"]
    assert [(row[0], row[1], row[2]) for row in rows] == [
        ("Aardvark Infants", "990002", "14/02/2025"), ("Brookfield Community Primary School", "990001", "14/03/2025")]
    assert f'href="/inspections/{made["jan"]}"' not in html


def test_the_summary_and_cme_indicators_are_those_inspect_la_makes_of_the_same_packs(client, store, settings, tmp_path):
    made = _three_inspections(store, settings)
    folder = tmp_path / "authority"
    with store.session() as session:
        for key in ("mar", "other"):
            upload = session.get(Inspection, made[key]).upload_id
            shutil.copytree(settings.uploads / upload, folder / key)
        ours = authority(session, dt.date.today())
    theirs = inspect_authority(folder, tmp_path / "out", workers=1)
    assert all(s.ok for s in theirs.schools)
    assert ours.totals == totals_by_rule(theirs)
    assert ours.indicators == {**indicator_totals(theirs), "at_date": "each school's inspection date (14/02/2025–14/03/2025)"}
    assert sorted((s.urn, s.findings, s.pupils, s.marks) for s in ours.summary.schools) == \
        sorted((s.urn, s.findings, s.pupils, s.marks) for s in theirs.schools)

    _, rows, ids = table(client.get("/authority").text, "indicators")
    shown = dict(zip(ids, rows))
    for name in ("deletions_not_notified", "absence_returns_not_made", "allocated_places_not_taken_up"):
        expected = indicator_totals(theirs)[name]
        assert shown[f"indicator-{name}"][-1] == str(expected["count"])
        assert f"({expected['schools_checked']} schools could be checked)" in shown[f"indicator-{name}"][0]
    _, totals, _ = table(client.get("/authority").text, "totals")
    assert {row[0]: [int(n) for n in row[2:]] for row in totals} == \
        {code: list(counts.values()) for code, counts in totals_by_rule(theirs).items()}


def test_the_cme_list_holds_the_referrals_of_each_schools_latest_inspection_less_waivers_in_force(client, store, settings):
    made = _three_inspections(store, settings)
    expected, rows = _referrable(store, [made["mar"], made["other"]])
    assert len(expected) >= 3
    waived, expired = [r for r in rows if r.urn == "990001"][:2]
    today = dt.date.today()
    with store.session() as session:
        for row, expires in ((waived, today + dt.timedelta(days=1)), (expired, today - dt.timedelta(days=1))):
            session.add(Decision(urn=row.urn, finding_id=row.finding_id, rule=row.rule, upn=row.upn, kind="waiver",
                                 note="agreed", expires_on=expires, recorded_by="A. Officer"))
    expected[(waived.urn, waived.rule, waived.upn or "", waived.pupil or "")] -= 1
    expected = +expected

    header, listed, _ = table(client.get("/authority").text, "cme-referrals")
    column = {name: header.index(name) for name in ("URN", "Rule", "UPN", "Pupil")}
    assert Counter((r[column["URN"]], r[column["Rule"]], r[column["UPN"]], r[column["Pupil"]]) for r in listed) == expected

    response = client.get("/authority/cme-referrals.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["cache-control"] == "no-store"
    records = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert Counter((r["urn"], r["rule"], r["upn"], r["pupil"].removeprefix("'")) for r in records) == expected
    assert all(cell[:1] not in ("=", "+", "-", "@") for record in records for cell in record.values())
    renamed = [r for r in records if r["upn"] == RENAMED]
    assert renamed and all(r["pupil"] == f"'{FORMULA}, Isabella" for r in renamed)
    assert all(r["as_at"] in ("14/02/2025", "14/03/2025") for r in records)
