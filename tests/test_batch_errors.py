"""inspect-la when packs fail, collide or were judged on different days: every good pack is still
inspected and summarised, each into a folder of its own; the status says what failed (2 a pack
that cannot be used, 3 an internal error); the summary says as at when each school was judged."""

import csv
import datetime as dt
import html as html_text
import json

from typer.testing import CliRunner

import auditor.batch
from auditor.cli import app
from tests.packs import PackBuilder

runner = CliRunner()


def a_school(root, urn, on=dt.date(2025, 1, 24), name=None):
    pack = PackBuilder(root, urn=urn)
    pack.add_pupil("Ada Example")
    pack.delete("Ada Example", dt.date(2025, 1, 10), "9(1)(f)")
    path = pack.write(on)
    if name:
        toml = path / "pack.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("Test School", name), encoding="utf-8")
    return path


def inspect_la(authority, out, *extra):
    return runner.invoke(app, ["inspect-la", str(authority), "--out", str(out), "--workers", "2", *map(str, extra)])


def summary_of(out):
    return json.loads((out / "authority-summary.json").read_text(encoding="utf-8"))


def test_two_packs_whose_names_make_one_folder_name_get_a_folder_each(tmp_path):
    authority = tmp_path / "authority"
    a_school(authority / "school a", "990011")
    a_school(authority / "school_a", "990012")
    out = tmp_path / "out"

    result = inspect_la(authority, out)

    assert result.exit_code == 0, result.output
    by_pack = {s["pack"]: s for s in summary_of(out)["schools"]}
    folders = {pack: school["outputs"] for pack, school in by_pack.items()}
    assert len(set(folders.values())) == 2
    for pack, urn in (("school a", "990011"), ("school_a", "990012")):
        written = json.loads((out / folders[pack] / "findings.json").read_text(encoding="utf-8"))
        assert written["school"]["urn"] == urn
    html = (out / "authority-summary.html").read_text(encoding="utf-8")
    assert all(f'href="{folder}/report.html"' in html for folder in folders.values())


def test_output_folders_are_unique_case_blind_and_never_a_summary_file(tmp_path):
    packs = [tmp_path / name for name in ("School_A", "school a", "school_a", "authority-summary.html")]
    names = auditor.batch.output_folders(packs, tmp_path)
    assert len({name.casefold() for name in names.values()}) == 4
    assert names[tmp_path / "authority-summary.html"] != "authority-summary.html"


def test_a_pack_that_cannot_be_used_makes_the_status_2_and_the_others_are_inspected(tmp_path):
    authority = tmp_path / "authority"
    a_school(authority / "good", "100001")
    bad = authority / "bad"
    bad.mkdir(parents=True)
    (bad / "pack.toml").write_text("[school\n", encoding="utf-8")
    out = tmp_path / "out"

    result = inspect_la(authority, out)

    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    schools = {s["pack"]: s for s in summary_of(out)["schools"]}
    assert schools["good"]["ok"] and schools["bad"]["failure"] == "refused"
    assert (out / "good" / "findings.json").is_file()


def test_an_internal_error_in_a_pack_makes_the_status_3_without_pupil_data(tmp_path, monkeypatch):
    authority = tmp_path / "authority"
    a_school(authority / "good", "100001")
    a_school(authority / "crashes", "100002")
    real = auditor.batch.inspect

    def inspect(pack, **options):  # the workers are forked: they inherit this
        if pack.name == "crashes":
            raise RuntimeError("unexpected value for Wiśniewski, Kacper")
        return real(pack, **options)

    monkeypatch.setattr(auditor.batch, "inspect", inspect)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "out"

    result = inspect_la(authority, out)

    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output and "Kacper" not in result.output
    schools = {s["pack"]: s for s in summary_of(out)["schools"]}
    assert schools["good"]["ok"]
    crashed = schools["crashes"]
    assert crashed["failure"] == "crashed" and crashed["error"].startswith("internal error (RuntimeError)")
    for name in ("authority-summary.json", "authority-summary.csv", "authority-summary.html"):
        assert "Kacper" not in (out / name).read_text(encoding="utf-8")
    [report] = (tmp_path / "cache" / "register-auditor" / "crash-reports").iterdir()
    assert str(report) in crashed["error"] and "Kacper" not in report.read_text(encoding="utf-8")


def test_markup_in_a_failed_pack_prints_as_it_is(tmp_path):
    authority = tmp_path / "authority"
    a_school(authority / "good", "100001")
    bad = a_school(authority / "bad", "100002")
    register = bad / "admission_register.csv"
    register.write_text("upn,[/x] :x:\n", encoding="utf-8")

    result = inspect_la(authority, tmp_path / "out")

    assert result.exit_code == 2, result.output
    assert "[/x] :x:" in result.output and "❌" not in result.output


def test_as_of_before_a_packs_period_start_refuses_that_pack(tmp_path):
    authority = tmp_path / "authority"
    a_school(authority / "one", "100001")  # period_start 01/09/2023

    result = inspect_la(authority, tmp_path / "out", "--as-of", "31/08/2023")

    assert result.exit_code == 2, result.output
    [school] = summary_of(tmp_path / "out")["schools"]
    assert school["failure"] == "refused" and "before the period start 01/09/2023" in school["error"]


def test_the_summary_gives_the_date_each_school_was_judged_as_at(tmp_path):
    authority = tmp_path / "authority"
    a_school(authority / "early", "100001", on=dt.date(2025, 1, 24), name="Early School")
    a_school(authority / "late", "100002", on=dt.date(2025, 3, 14), name="Late School")
    out = tmp_path / "out"

    result = inspect_la(authority, out)

    assert result.exit_code == 0, result.output
    today = f"{dt.date.today():%d/%m/%Y}"
    summary = summary_of(out)
    assert {s["pack"]: s["as_at"] for s in summary["schools"]} == {"early": "2025-01-24", "late": "2025-03-14"}
    assert summary["generated_on"] == dt.date.today().isoformat()
    assert summary["indicators"]["at_date"] == "each school's inspection date (24/01/2025–14/03/2025)"

    html = html_text.unescape(" ".join((out / "authority-summary.html").read_text(encoding="utf-8").split()))
    assert "At each school's inspection date (24/01/2025–14/03/2025)</th>" in html
    assert f"generated on {today}" in html
    assert "<td>Early School</td><td>100001</td><td>24/01/2025</td>" in html
    assert "<td>Late School</td><td>100002</td><td>14/03/2025</td>" in html
    assert f"At {today}" not in html

    with (out / "authority-summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["pack"]: row["as_at"] for row in rows} == {"early": "24/01/2025", "late": "14/03/2025"}
    assert {row["generated_on"] for row in rows} == {today}


def test_schools_judged_on_one_day_show_that_day(tmp_path):
    authority = tmp_path / "authority"
    a_school(authority / "one", "100001", on=dt.date(2025, 3, 14))
    a_school(authority / "two", "100002", on=dt.date(2025, 3, 14))
    out = tmp_path / "out"

    assert inspect_la(authority, out).exit_code == 0
    html = " ".join((out / "authority-summary.html").read_text(encoding="utf-8").split())
    assert "At 14/03/2025</th>" in html and "schools judged as at 14/03/2025" in html


def test_out_naming_a_file_is_exit_2_before_any_pack_is_inspected(tmp_path):
    authority = tmp_path / "authority"
    a_school(authority / "one", "100001")
    afile = tmp_path / "afile"
    afile.write_text("", encoding="utf-8")

    result = inspect_la(authority, afile)

    assert result.exit_code == 2
    assert "afile" in result.output and "is a file" in result.output and "Traceback" not in result.output
