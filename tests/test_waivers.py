"""Waivers: a pack's waivers.csv (or the service's records) keep a finding shown but not counted
until the waiver expires; every row of waivers.csv is accepted or rejected with its line."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from auditor import inspect
from auditor.batch import inspect_authority
from auditor.cli import app
from auditor.errors import PackError
from auditor.history import compare
from auditor.pseudonym import pseudonymise
from auditor.report import cme_referrals, render_html, write_outputs
from auditor.waivers import Waiver, apply_waivers
from tests.packs import PackBuilder, upn_for

runner = CliRunner()
AS_AT = dt.date(2025, 1, 24)
HEADER = "finding_id,rule,upn,reason,agreed_by,expires,agreed_on\n"


def two_unnotified_deletions(root, urn: str = "999001"):
    """Two pupils deleted with no deletion return: a red REG001 for each."""
    pack = PackBuilder(root, urn=urn)
    for name in ("Ada Example", "Ben Sample"):
        pack.add_pupil(name)
        pack.delete(name, dt.date(2025, 1, 10), "9(1)(g)")
    return pack.write(AS_AT)


@pytest.fixture
def pack(tmp_path):
    return two_unnotified_deletions(tmp_path / "pack")


def waive(pack, *rows: str, name: str = "waivers.csv"):
    (pack / name).write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")


def ada_until(expires: str, reason: str = "LA agreed a managed move") -> str:
    return f",REG001,{upn_for('Ada Example')},{reason},J Smith,{expires},02/12/2024"


def by_pupil(result):
    return {f.pupil: f for f in result.findings}


def test_an_active_waiver_shows_the_finding_as_waived_and_not_counted(pack):
    waive(pack, ada_until("28/02/2025"))
    result = inspect(pack)
    ada, ben = by_pupil(result)["Example, Ada"], by_pupil(result)["Sample, Ben"]
    assert len(result.findings) == 2  # never dropped
    assert ada.waiver.reason == "LA agreed a managed move" and ada.waiver.agreed_by == "J Smith"
    assert ada.waiver.expires == dt.date(2025, 2, 28) and ada.waiver.agreed_on == dt.date(2024, 12, 2)
    assert ada.waiver.source == "waivers.csv line 2"
    assert ben.waiver is None and ben.waiver_expired is None
    assert result.count() == 1 and result.count("red") == 1 and result.count("red", "REG001") == 1
    assert [f.pupil for f in result.waived] == ["Example, Ada"]
    status = next(r for r in result.rules if r.code == "REG001")
    assert (status.findings, status.waived) == (1, 1)
    assert [f.pupil for f in cme_referrals(result)] == ["Sample, Ben"]  # a waived finding is agreed: no referral

    html = render_html(result)
    article = html[html.index(f'id="{ada.id}"'):].split("</article>")[0]
    assert '<span class="tag waived">waived</span>' in article
    assert "Waived until 28/02/2025" in article and "LA agreed a managed move" in article
    assert "Agreed by J Smith on 02/12/2024 (waivers.csv line 2)" in article
    assert '<span class="n" data-count="red">1</span>' in html
    assert '<span data-count="waived">1</span> finding is waived' in html
    assert 'class="tag waived"' not in html[html.index(f'id="{ben.id}"'):].split("</article>")[0]


def test_fail_on_red_counts_only_the_findings_not_waived(pack, tmp_path):
    args = ["inspect", str(pack), "--fail-on", "red", "--out"]
    assert runner.invoke(app, [*args, str(tmp_path / "none")]).exit_code == 1
    waive(pack, ada_until("28/02/2025"))
    half = runner.invoke(app, [*args, str(tmp_path / "half")])
    assert half.exit_code == 1, half.output  # Ben's finding still counts
    assert "1 findings 1 red" in half.output and "1 waived (not counted)" in half.output
    waive(pack, ada_until("28/02/2025"), f",REG001,{upn_for('Ben Sample')},Extension agreed,J Smith,24/01/2025,")
    both = runner.invoke(app, [*args, str(tmp_path / "both")])
    assert both.exit_code == 0, both.output  # expiring on the inspection date: still runs that day
    assert "0 findings 0 red" in both.output and "2 waived" in both.output
    written = json.loads((tmp_path / "both" / "findings.json").read_text())
    assert [f["waiver"]["agreed_by"] for f in written["findings"]] == ["J Smith", "J Smith"]


def test_an_expired_waiver_is_shown_and_the_finding_counts_again(pack, tmp_path):
    waive(pack, ada_until("23/01/2025"))
    result = inspect(pack)
    ada = by_pupil(result)["Example, Ada"]
    assert ada.waiver is None and ada.waiver_expired.expires == dt.date(2025, 1, 23)
    assert result.count("red") == 2 and not result.waived and len(cme_referrals(result)) == 2
    html = render_html(result)
    article = html[html.index(f'id="{ada.id}"'):].split("</article>")[0]
    assert "waiver expired" in article and "The waiver expired on 23/01/2025" in article
    assert "counts again" in article
    # The same waiver runs when the inspection is as at an earlier date.
    out = tmp_path / "earlier"
    earlier = runner.invoke(app, ["inspect", str(pack), "--as-of", "20/01/2025", "--out", str(out)])
    assert "1 waived" in earlier.output, earlier.output


def test_a_waiver_by_finding_id_and_the_waived_column(pack, tmp_path):
    ben = by_pupil(inspect(pack))["Sample, Ben"]
    waive(pack, f"{ben.id},,,Moved away: agreed,A Officer,31/03/2025,")
    result = inspect(pack)
    assert by_pupil(result)["Sample, Ben"].waiver.finding_id == ben.id
    assert by_pupil(result)["Example, Ada"].waiver is None
    write_outputs(result, tmp_path / "out", ["csv", "xlsx"])
    with (tmp_path / "out" / "findings.csv").open(encoding="utf-8-sig") as handle:
        rows = {row["pupil"]: row for row in csv.DictReader(handle)}
    assert rows["Sample, Ben"]["waived"] == (
        "until 31/03/2025: Moved away: agreed (agreed by A Officer; waivers.csv line 2)"
    )
    assert rows["Sample, Ben"]["refer_to_cme"] == ""
    assert rows["Example, Ada"]["waived"] == "" and rows["Example, Ada"]["refer_to_cme"] == "yes"
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "out" / "findings.xlsx")
    header = [cell.value for cell in book["Findings"][1]]
    cells = {row[header.index("pupil")]: row[header.index("waived")]
             for row in book["Findings"].iter_rows(min_row=2, values_only=True)}
    assert cells["Sample, Ben"].startswith("until 31/03/2025") and cells["Example, Ada"] is None
    rules = {row[0]: row for row in book["Rules"].iter_rows(min_row=2, values_only=True)}
    assert rules["REG001"][5:] == (1, 1, 0, 0, 1)  # findings, red, amber, green, waived


def test_bad_rows_are_rejected_with_their_lines(pack):
    waive(
        pack,
        ada_until("28/02/2025"),  # line 2: accepted
        ",REG001,,no pupil named,J Smith,28/02/2025,",  # line 3: a rule with no UPN
        ",,,nothing named,J Smith,28/02/2025,",  # line 4
        ada_until("31/02/2025"),  # line 5: no such date
        ada_until("2025-03-01"),  # line 6: ISO is a date too
        f",REG001,{upn_for('Ben Sample')},,J Smith,28/02/2025,",  # line 7: no reason
        ada_until("28/02/2025").replace("J Smith", ""),  # line 8: no one agreed it
    )
    result = inspect(pack)
    waivers = next(i for i in result.inputs if i.file == "waivers.csv")
    assert (waivers.rows, waivers.accepted, waivers.rejected) == (7, 2, 5)
    rejected = {row.line: row for row in result.rejected_rows if row.file == "waivers.csv"}
    assert sorted(rejected) == [3, 4, 5, 7, 8]
    assert "names no finding: give a finding_id, or a rule and a upn" in rejected[3].reason
    assert "names no finding" in rejected[4].reason
    assert rejected[5].column == "expires" and "31/02/2025" in rejected[5].reason
    assert rejected[7].column == "reason" and rejected[8].column == "agreed_by"
    # Both accepted rows are considered; the one that runs longer is applied.
    assert by_pupil(result)["Example, Ada"].waiver.source == "waivers.csv line 6"
    assert not by_pupil(result)["Sample, Ben"].waiver
    html = render_html(result)
    assert "waivers.csv" in html[html.index('id="data-quality"'):]


def test_no_waivers_file_is_no_waivers_and_no_rule_goes_unchecked_for_it(pack):
    result = inspect(pack)
    assert result.waivers == [] and not result.waived
    assert not any(i.file == "waivers.csv" for i in result.inputs)
    assert not any("waiver" in (rule.reason or "") for rule in result.rules)
    body = render_html(result).split("<body>")[1].lower()
    assert "waive" not in body


def test_waivers_named_in_pack_toml(pack):
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text() + '\n[files]\nwaivers = "agreed.csv"\n')
    with pytest.raises(PackError, match=r"\[files\] waivers"):
        inspect(pack)
    waive(pack, ada_until("28/02/2025"), name="agreed.csv")
    result = inspect(pack)
    assert by_pupil(result)["Example, Ada"].waiver.source == "agreed.csv line 2"
    assert any(i.file == "agreed.csv" for i in result.inputs)


def test_waivers_that_match_no_finding_are_listed(pack):
    waive(pack, ada_until("28/02/2025"), f",REG005,{upn_for('Ada Example')},Return made late,J Smith,28/02/2025,",
          "REG001-000000000000,,,An old finding,J Smith,28/02/2025,")
    result = inspect(pack)
    unmatched = result.unmatched_waivers()
    assert [w.source for w in unmatched] == ["waivers.csv line 3", "waivers.csv line 4"]
    html = render_html(result)
    section = html[html.index('id="unmatched-waivers"'):].split("</section>")[0]
    assert "Waivers that matched no finding" in section
    assert f"REG005 for UPN {upn_for('Ada Example')}" in section and "finding REG001-000000000000" in section
    assert "Return made late" in section and "waivers.csv line 4" in section
    assert "more waivers" not in section


def test_apply_waivers_takes_records_made_without_a_csv_and_is_pure(pack):
    plain = inspect(pack)
    ada = by_pupil(plain)["Example, Ada"]
    record = Waiver(
        finding_id=ada.id, reason="Extension of a part-time timetable", agreed_by="J Smith",
        expires="28/02/2025", agreed_on=dt.date(2025, 1, 2), source="recorded by J Smith on 02/01/2025",
    )
    waived = apply_waivers(plain, [record])
    assert by_pupil(waived)["Example, Ada"].waiver == record and waived.count() == 1
    assert plain.count() == 2 and by_pupil(plain)["Example, Ada"].waiver is None  # the input is unchanged
    assert apply_waivers(waived, [record]) == waived  # given twice, it counts once
    assert apply_waivers(waived, [], as_of=dt.date(2025, 3, 1)).count() == 2  # judged later, it has expired
    # Waivers applied before are kept: the pack's waivers.csv and the service's records together.
    by_rule = Waiver(rule="reg001", upn=upn_for("Ben Sample").lower(), reason="r", agreed_by="x",
                     expires=dt.date(2025, 2, 1), source="recorded by x")
    assert apply_waivers(waived, [by_rule]).count() == 0
    with pytest.raises(ValidationError, match="names no finding"):
        Waiver(rule="REG001", reason="r", agreed_by="x", expires=dt.date(2025, 2, 1), source="s")


def test_pseudonymised_and_compared_findings_keep_their_waivers(pack):
    name = "Ada Example"
    waive(pack, ada_until("28/02/2025", reason=f"Agreed for {name} ({upn_for(name)}) by the panel"),
          f",REG009,{upn_for(name)},nothing,J Smith,28/02/2025,")
    result = inspect(pack)
    compared = compare(result, dt.date(2024, 12, 1), [])
    assert by_pupil(compared)["Example, Ada"].waiver == by_pupil(result)["Example, Ada"].waiver
    hidden = pseudonymise(compared)
    ada = next(f for f in hidden.findings if f.waiver)
    assert ada.upn.startswith("P") and ada.waiver.upn == ada.upn
    assert name not in ada.waiver.reason and upn_for(name) not in ada.waiver.reason
    assert ada.waiver.reason == f"Agreed for {ada.pupil} ({ada.upn}) by the panel"
    assert hidden.count() == 1 and len(hidden.unmatched_waivers()) == 1
    assert hidden.unmatched_waivers()[0].upn == ada.upn
    dumped = hidden.model_dump_json()
    assert upn_for(name) not in dumped and name not in dumped
    assert apply_waivers(hidden, []) == hidden


def test_the_authority_summary_counts_only_findings_not_waived(tmp_path):
    folder = tmp_path / "la"
    one = two_unnotified_deletions(folder / "one", urn="999001")
    two_unnotified_deletions(folder / "two", urn="999002")
    waive(one, ada_until("28/02/2025"))
    summary = inspect_authority(folder, tmp_path / "out", formats=("json",), workers=1)
    counts = {s.pack: (s.findings["REG001"]["red"], s.waived) for s in summary.schools}
    assert counts == {"one": (1, 1), "two": (2, 0)}
    from auditor.authority_report import totals_by_rule, write_summary

    assert totals_by_rule(summary)["REG001"]["red"] == 3
    html = write_summary(summary, tmp_path / "out")[2].read_text()
    assert 'data-waived="999001">1<' in html and 'data-waived="999002">0<' in html


def test_validate_reads_waivers_like_the_other_files(pack):
    waive(pack, ada_until("28/02/2025"), ada_until("31/02/2025"))
    result = runner.invoke(app, ["validate", str(pack), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert {"file": "waivers.csv", "rows": 2, "accepted": 1, "rejected": 1}.items() <= next(
        i for i in report["inputs"] if i["file"] == "waivers.csv"
    ).items()
    assert [(r["file"], r["line"], r["column"]) for r in report["rejected_rows"]] == [("waivers.csv", 3, "expires")]


def test_an_expired_waiver_in_the_waived_column(pack, tmp_path):
    waive(pack, ada_until("23/01/2025"))
    write_outputs(inspect(pack), tmp_path / "out", ["csv"])
    with (tmp_path / "out" / "findings.csv").open(encoding="utf-8-sig") as handle:
        rows = {row["pupil"]: row["waived"] for row in csv.DictReader(handle)}
    assert rows["Example, Ada"] == (
        "expired 23/01/2025 (counts again): LA agreed a managed move "
        "(agreed by J Smith on 02/12/2024; waivers.csv line 2)"
    )
    assert rows["Sample, Ben"] == ""
