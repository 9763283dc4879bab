"""A pack of Common Transfer Files in place of the admission register and attendance, through
``load_pack``, the public ``inspect`` and the CLI: the sample gives the CSV sample's findings but
for what a CTF cannot carry, zips of CTFs are read and zip attacks refused, and every pupil,
school-history entry and mark is accounted for in each file's input summary."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from auditor import inspect
from auditor.cli import app
from auditor.errors import PackError
from auditor.load import load_pack
from auditor.load.ctf import source
from tests.packs import zipped

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_registers" / "example-primary"
SAMPLE_CTF = ROOT / "sample_registers" / "example-primary-ctf"
DATA = Path(__file__).resolve().parent / "data" / "ctf"
runner = CliRunner()

PACK_TOML = '[school]\nurn = "990001"\nname = "Brookfield"\n{extra}\n[inspection]\ndate = 2025-09-15\nperiod_start = 2025-09-01\n'


def ctf_pack(root: Path, files: dict[str, bytes], extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.toml").write_text(PACK_TOML.format(extra=extra), encoding="utf-8")
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def findings(pack) -> Counter:
    return Counter((f.rule, f.upn, f.severity, f.summary) for f in inspect(pack).findings)


def late_starters() -> set[str]:
    csv = pd.read_csv(SAMPLE / "admission_register.csv", dtype=str, keep_default_na=False)
    return set(csv.loc[csv["first_attendance_date"] != csv["admission_date"], "upn"])


def test_the_sample_as_ctf_gives_the_csv_findings_but_dq004_for_each_staggered_starter():
    from_csv, from_ctf = findings(SAMPLE), findings(SAMPLE_CTF)
    assert from_csv - from_ctf == Counter()
    extra = from_ctf - from_csv
    # A CTF has no first day of attendance: a Reception child starting after admission is unmarked.
    assert {rule for rule, *_ in extra} == {"DQ004"}
    assert {upn for _, upn, _, _ in extra} == late_starters()
    assert sum(extra.values()) == len(late_starters())
    ctf = {r.code: r.status for r in inspect(SAMPLE_CTF).rules}
    csv = {r.code: r.status for r in inspect(SAMPLE).rules}
    # Every rule checked on both, but DQ009: only a CTF has totals beside its marks.
    assert {code for code in ctf if ctf[code] != csv[code]} == {"DQ009"}
    assert ctf["DQ009"] == "checked" and not any(f.rule == "DQ009" for f in inspect(SAMPLE_CTF).findings)


def test_the_cli_gives_the_same_findings_for_the_ctf_pack(tmp_path):
    outputs = {}
    for name, pack in (("csv", SAMPLE), ("ctf", SAMPLE_CTF)):
        result = runner.invoke(app, ["inspect", str(pack), "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        outputs[name] = json.loads((tmp_path / name / "findings.json").read_text(encoding="utf-8"))
    ids = {name: Counter((f["rule"], f["upn"]) for f in out["findings"]) for name, out in outputs.items()}
    assert ids["csv"] - ids["ctf"] == Counter()
    assert {(rule, upn in late_starters()) for rule, upn in ids["ctf"] - ids["csv"]} == {("DQ004", True)}
    assert [i["file"] for i in outputs["ctf"]["inputs"]][0] == "ctf.xml"


def test_every_pupil_entry_and_mark_of_the_sample_ctf_is_accounted_for():
    pack = load_pack(SAMPLE_CTF)
    summary = next(i for i in pack.inputs if i.file == "ctf.xml")
    data = (SAMPLE_CTF / "ctf.xml").read_text(encoding="utf-8")
    pupils, entries = data.count("<Pupil>"), data.count("<School>")
    # One session a letter: a digit belongs to the letter before it (C2, Y7).
    marks = sum(len(re.sub(r"\d", "", part.split("</AttendanceMarks>")[0])) for part in data.split("<AttendanceMarks>")[1:])
    assert summary.rows == pupils + entries + marks
    assert summary.rows == summary.accepted + summary.rejected
    assert summary.unit == "record" and summary.layout.startswith("ctf 25.0: every calendar date")
    assert len(pack.tables["admission_register"]) == entries == 210
    assert pack.notes and all(n.records == 0 for n in pack.notes)


def test_a_ctf_rejection_counts_the_records_it_rejects(tmp_path):
    data = (DATA / "ctf25-calendar-days.xml").read_bytes()
    broken = data.replace(b"<UPN>K961250100001</UPN>", b"<UPN></UPN>", 1)
    pack = load_pack(ctf_pack(tmp_path / "p", {"ctf.xml": broken}))
    summary = pack.inputs[0]
    assert summary.rejected == sum(r.records for r in pack.rejected if r.file == "ctf.xml") > 1
    assert summary.rows == summary.accepted + summary.rejected
    assert any("no UPN" in r.reason and r.column == "Pupil" for r in pack.rejected)


def test_validate_and_inspect_la_read_ctf_packs(tmp_path):
    result = runner.invoke(app, ["validate", str(SAMPLE_CTF)])
    assert result.exit_code == 0, result.output
    assert "ctf 25.0" in result.output and "records" in result.output
    assert "Traceback" not in result.output
    la = tmp_path / "la"
    shutil.copytree(SAMPLE_CTF, la / "brookfield")
    ctf_pack(la / "disagree", {"ctf.xml": (DATA / "ctf25-totals-disagree.xml").read_bytes()})
    result = runner.invoke(app, ["inspect-la", str(la), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_the_totals_that_disagree_are_a_dq009_finding_through_the_cli(tmp_path):
    pack = ctf_pack(tmp_path / "p", {"ctf.xml": (DATA / "ctf25-totals-disagree.xml").read_bytes()})
    result = runner.invoke(app, ["inspect", str(pack), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    found = [f for f in json.loads((tmp_path / "out" / "findings.json").read_text())["findings"] if f["rule"] == "DQ009"]
    assert len(found) == 1 and found[0]["upn"] == "D961230100005"
    assert found[0]["evidence"]["file_totals"] == "possible 20, attended 16, authorised 3, unauthorised 1"
    assert found[0]["evidence"]["marks_totals"] == "possible 16, attended 12, authorised 3, unauthorised 1"


def test_a_zip_of_ctfs_is_the_pack_source(tmp_path):
    pack = tmp_path / "p"
    shutil.copytree(SAMPLE_CTF, pack)
    (pack / "exports.zip").write_bytes(zipped({"ctf.xml": (pack / "ctf.xml").read_bytes(), "readme.txt": b"x"}))
    (pack / "ctf.xml").unlink()
    loaded = load_pack(pack)
    assert [i.file for i in loaded.inputs][0] == "exports.zip/ctf.xml"
    assert findings(pack) == findings(SAMPLE_CTF)


def test_several_ctfs_are_one_school(tmp_path):
    files = {n: (DATA / n).read_bytes() for n in ("ctf25-calendar-days.xml", "ctf25-totals-disagree.xml")}
    pack = load_pack(ctf_pack(tmp_path / "p", files, extra='laestab = "961/2999"\n'))
    assert {i.file for i in pack.inputs} >= set(files)
    for summary in pack.inputs:
        assert summary.rows == summary.accepted + summary.rejected
    assert "D961230100005" in set(pack.tables["admission_register"]["upn"])
    assert len(pack.tables["ctf_totals"]) >= 2


@pytest.mark.parametrize("member", ["../evil.xml", "/etc/evil.xml", "a/../../evil.xml", "C:/evil.xml"])
def test_a_zip_member_climbing_out_is_refused(tmp_path, member):
    ctf = (DATA / "ctf25-calendar-days.xml").read_bytes()
    pack = ctf_pack(tmp_path / "p", {"exports.zip": zipped({"ok.xml": ctf, member: ctf})})
    with pytest.raises(PackError, match="climbs out") as err:
        load_pack(pack)
    assert err.value.file == "exports.zip"


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    bomb = b"<CTfile>" + b" " * (8 * 2**20) + b"</CTfile>"
    pack = ctf_pack(tmp_path / "p", {"exports.zip": zipped({"ctf.xml": bomb})})
    with pytest.raises(PackError, match="zip bomb"):
        load_pack(pack)
    result = runner.invoke(app, ["validate", str(pack)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_zips_past_the_total_bound_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_ZIP_TOTAL_BYTES", 1000)
    ctf = (DATA / "ctf25-calendar-days.xml").read_bytes()
    pack = ctf_pack(tmp_path / "p", {"exports.zip": zipped({"a.xml": ctf, "b.xml": ctf})})
    with pytest.raises(PackError, match="inflate"):
        load_pack(pack)


def test_ctfs_beside_an_attendance_export_are_refused(tmp_path):
    pack = ctf_pack(tmp_path / "p", {"ctf.xml": (DATA / "ctf25-calendar-days.xml").read_bytes(),
                                      "attendance.csv": b"upn,date,session,code\n"})
    with pytest.raises(PackError, match="beside Common Transfer Files"):
        load_pack(pack)


def test_files_ctf_names_the_ctfs_by_a_glob_inside_the_pack(tmp_path):
    ctf = (DATA / "ctf25-calendar-days.xml").read_bytes()
    pack = ctf_pack(tmp_path / "p", {"ctf25-calendar-days.xml": ctf})
    text = (pack / "pack.toml").read_text() + '\n[files]\nctf = "ctf25-*.xml"\n'
    (pack / "pack.toml").write_text(text)
    assert [i.file for i in load_pack(pack).inputs] == ["ctf25-calendar-days.xml"]
    (tmp_path / "outside.xml").write_bytes(ctf)
    for pattern in ("../*.xml", "/etc/*.xml"):
        (pack / "pack.toml").write_text(text.replace("ctf25-*.xml", pattern))
        with pytest.raises(PackError, match="outside the pack") as err:
            load_pack(pack)
        assert err.value.file == "pack.toml"


def test_a_pack_without_a_register_or_a_ctf_says_the_register_is_missing(tmp_path):
    pack = ctf_pack(tmp_path / "p", {"other.xml": b"<?xml version='1.0'?><html/>"})
    with pytest.raises(PackError, match="required file is missing"):
        load_pack(pack)


def test_init_writes_a_pack_toml_for_a_folder_of_ctfs_from_their_source_school(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for path in SAMPLE_CTF.iterdir():
        if path.suffix in (".csv", ".xml"):
            shutil.copy(path, folder)
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert "ctf.xml is a Common Transfer File" in result.output
    written = (folder / "pack.toml").read_text(encoding="utf-8")
    assert 'urn = "990001"' in written and 'name = "Brookfield Community Primary School"' in written
    assert 'laestab = "961/2154"' in written
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output


def test_the_packs_calendar_gives_the_school_days_the_marks_may_fall_on(tmp_path):
    from tests.test_ctf import one_pupil

    # Open 3-5 and 8-12 September 2025 but for Wednesday 10th; the marks are for school days only.
    days = ["03/09/2025", "04/09/2025", "05/09/2025", "08/09/2025", "09/09/2025", "10/09/2025", "11/09/2025", "12/09/2025"]
    calendar = "date,am_open,pm_open\n" + "".join(f"{d},{'N' if d == '10/09/2025' else 'Y'},{'N' if d == '10/09/2025' else 'Y'}\n" for d in days)
    data = one_pupil("/\\/\\L\\II/\\/\\M\\", "2025-09-03", (14, 11, 3, 0))
    root = tmp_path / "p"
    # The file names its school by LEA and Estab only: pack.toml's LAESTAB matches it, the URN cannot.
    by_urn = load_pack(ctf_pack(root, {"ctf.xml": data}))
    assert by_urn.tables["admission_register"].empty and by_urn.inputs[0].rejected == 1  # the pupil
    assert any("give the school's LAESTAB" in n.reason for n in by_urn.notes)
    pack = load_pack(ctf_pack(root, {"ctf.xml": data, "calendar.csv": calendar.encode()}, extra='laestab = "9612999"\n'))
    assert pack.config.school.laestab == "961/2999"
    assert "the school days of the pack's calendar" in pack.inputs[0].layout
    marked = pack.tables["attendance"]
    assert pd.Timestamp("2025-09-10") not in set(marked["date"]) and marked["date"].max() == pd.Timestamp("2025-09-12")
    # Without the calendar, weekdays fit: the marks run to the 11th.
    (root / "calendar.csv").unlink()
    assert load_pack(root).tables["attendance"]["date"].max() == pd.Timestamp("2025-09-11")


def test_an_xml_attack_in_a_pack_is_refused_through_the_cli(tmp_path):
    laughs = (b'<?xml version="1.0"?>\n<!DOCTYPE CTfile [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
              b"<CTfile><Header><DocumentName>&b;</DocumentName></Header></CTfile>")
    pack = ctf_pack(tmp_path / "p", {"exports.zip": zipped({"ctf.xml": laughs})})
    for command in (["validate", str(pack)], ["inspect", str(pack), "--out", str(tmp_path / "out")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "refused" in result.output and "exports.zip/ctf.xml" in result.output
        assert "Traceback" not in result.output


def test_the_authority_summary_counts_a_ctf_packs_marks_as_a_csv_packs(tmp_path):
    folder = tmp_path / "authority"
    shutil.copytree(SAMPLE, folder / "csv")
    shutil.copytree(SAMPLE_CTF, folder / "ctf")
    shutil.move(folder / "csv" / "attendance.csv", folder / "csv" / "marks.csv")  # a name of the school's own
    with (folder / "csv" / "pack.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[files]\nattendance = "marks.csv"\n')
    result = runner.invoke(app, ["inspect-la", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    schools = {s["pack"]: s for s in json.loads((tmp_path / "out" / "authority-summary.json").read_text())["schools"]}
    csv_marks = len(load_pack(folder / "csv").tables["attendance"])
    ctf_marks = len(load_pack(folder / "ctf").tables["attendance"])
    assert schools["csv"]["marks"] == csv_marks > 0
    assert schools["ctf"]["marks"] == ctf_marks >= csv_marks
