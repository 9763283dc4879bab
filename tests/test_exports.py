"""Exports from school systems: presets, register grids, spreadsheets, every cell accounted for."""

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from auditor.errors import PackError
from auditor.load import detect_layout, load_pack, presets
from auditor.values import parse_date, upn_check_letter, upn_problem
from tests.test_load import PACK_TOML, REGISTER, write_pack


def by_file(pack, name):
    summary = next(i for i in pack.inputs if i.file == name)
    rejected = [r for r in pack.rejected if r.file == name]
    assert summary.rows == summary.accepted + summary.rejected
    assert summary.rejected == len(rejected)
    return summary, rejected


# ---- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upn", "letter"),
    [
        ("B801200005001", "B"),  # python-stdnum's documented example
        ("A801200005001", "B"),
        ("b801200005001", "B"),
        ("B80120000500", None),  # too short
        ("B80120000500I", None),  # I is not in the alphabet
    ],
)
def test_upn_check_letter(upn, letter):
    assert upn_check_letter(upn) == letter


def test_upn_problems_in_words():
    assert upn_problem("B801200005001") is None
    assert upn_problem("A801200005001") == "check letter A is wrong: the digits give B"
    assert "13 characters" in upn_problem("B8012")
    # A temporary UPN's last letter counts by its place in the check alphabet (A=0, B=1, ...).
    total = sum(p * int(c) for p, c in zip(range(2, 13), "80120000500")) + 13 * 1
    assert upn_check_letter("X80120000500B") == "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23]


def test_excel_date_serials():
    assert parse_date("45537") == dt.date(2024, 9, 2)
    assert parse_date("45537.0") == dt.date(2024, 9, 2)


# ---- presets -----------------------------------------------------------------------------------


def test_presets_ship_with_descriptions():
    found = presets()
    assert {"sims", "arbor", "bromcom", "scholarpack", "la-case-management"} <= set(found)
    assert all(p.description and p.title for p in found.values())


def test_sims_preset_maps_headers_and_pack_mapping_overrides(tmp_path):
    register = (
        "Adno,UPN,Legal Surname,Legal Forename,DOB,Year,Date of Admission,Date of Leaving,Reason for Leaving,Pupil Ref\n"
        "001,X100000000001,Brown,Amy,03/04/2017,Year 2,02/09/2021,,,A100000000001\n"
    )
    toml = PACK_TOML + '\n[columns]\npreset = "sims"\n\n[columns.admission_register]\nupn = "Pupil Ref"\n'
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": register}, toml))
    row = pack.tables["admission_register"].iloc[0]
    assert (row["upn"], row["surname"], row["forename"], row["year_group"]) == ("A100000000001", "Brown", "Amy", "2")
    assert pack.inputs[0].preset == "sims"


def test_unknown_preset_is_a_pack_error(tmp_path):
    toml = PACK_TOML + '\n[columns]\npreset = "capita-2009"\n'
    with pytest.raises(PackError, match="no column preset named 'capita-2009'"):
        load_pack(write_pack(tmp_path / "p", {}, toml))


# ---- attendance layouts ------------------------------------------------------------------------


def test_layout_detected_from_headers():
    assert detect_layout(["UPN", "Mon 02/09/2024 AM", "Mon 02/09/2024 PM"]) == "wide"
    assert detect_layout(["UPN", "2024-09-02 AM"]) == "wide"
    assert detect_layout(["UPN", "Week Commencing", "Mon AM", "Mon PM"]) == "weekly"
    assert detect_layout(["upn", "date", "session", "code"]) == "long"


def test_wide_grid_melts_to_marks_and_reports_cells(tmp_path):
    grid = (
        "UPN,Name,Mon 02/09/2024 AM,Mon 02/09/2024 PM,03/09/2024 AM,31/09/2024 AM\n"
        "A100000000001,Amy,/,\\,ZZ,/\n"  # line 2: 2 good, unknown code, impossible date
        ",Nobody,/,/,,\n"  # line 3: marks with no pupil: one rejection
        "\n"  # line 4: blank
        "A100000000002,Bo,N,,L,\n"  # line 5: 2 marks, a blank cell is no mark
    )
    pack = load_pack(write_pack(tmp_path / "p", {"attendance.csv": grid}))
    marks = pack.tables["attendance"]
    assert list(zip(marks["line"], marks["date"].dt.strftime("%d/%m"), marks["session"], marks["code"])) == [
        (2, "02/09", "AM", "/"),
        (2, "02/09", "PM", "\\"),
        (5, "02/09", "AM", "N"),
        (5, "03/09", "AM", "L"),
    ]
    summary, rejected = by_file(pack, "attendance.csv")
    assert (summary.layout, summary.unit, summary.rows, summary.accepted) == ("wide", "cell", 7, 4)
    found = {(r.line, r.column, r.reason) for r in rejected}
    assert (2, "03/09/2024 AM", "code 'ZZ' is not an attendance code") in found
    assert (2, "31/09/2024 AM", "date: date 31/09/2024 does not exist") in found
    assert (3, "UPN", "no upn: the marks on this line belong to no pupil") in found


def test_weekly_grid(tmp_path):
    grid = (
        "UPN,Week Commencing,Mon AM,Mon PM,Tue AM,Tue PM,Wed AM,Wed PM,Thu AM,Thu PM,Fri AM,Fri PM\n"
        "A100000000001,02/09/2024,/,/,N,N,O,O,/,/,#,#\n"
        "A100000000001,03/09/2024,/,/,,,,,,,,\n"  # not a Monday: whole line rejected once
    )
    pack = load_pack(write_pack(tmp_path / "p", {"attendance.csv": grid}))
    marks = pack.tables["attendance"]
    assert len(marks) == 10
    assert marks["date"].max() == pd.Timestamp(2024, 9, 6)
    assert list(marks.loc[marks["date"] == pd.Timestamp(2024, 9, 4), "code"]) == ["O", "O"]
    summary, rejected = by_file(pack, "attendance.csv")
    assert (summary.layout, summary.rows, summary.rejected) == ("weekly", 11, 1)
    assert rejected[0].reason == "Week Commencing 03/09/2024 is a Tuesday, not a Monday"
    assert rejected[0].column == "Week Commencing"


def test_layout_forced_in_pack_toml(tmp_path):
    grid = "upn,date,session,code\nA100000000001,02/09/2024,AM,/\n"
    toml = PACK_TOML + '\n[files]\nattendance_layout = "wide"\n'
    with pytest.raises(PackError, match="no date-and-session columns"):
        load_pack(write_pack(tmp_path / "p", {"attendance.csv": grid}, toml))


# ---- spreadsheets ------------------------------------------------------------------------------


def _workbook(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def test_xlsx_register_with_real_dates_and_serials(tmp_path):
    root = write_pack(tmp_path / "p", {}, PACK_TOML + '\n[files]\nadmission_register = "register.xlsx"\n')
    (root / "admission_register.csv").unlink()
    _workbook(
        root / "register.xlsx",
        {
            "Pupils": [
                ["upn", "surname", "forename", "date_of_birth", "year_group", "admission_date"],
                ["A100000000001", "Brown", "Amy", dt.datetime(2017, 4, 3), 2, 44441],
                ["A100000000002", "Green", "Bo", "31/02/2017", 2, dt.date(2021, 9, 2)],
            ]
        },
    )
    pack = load_pack(root)
    register = pack.tables["admission_register"]
    assert register.loc[0, "date_of_birth"] == pd.Timestamp(2017, 4, 3)
    assert register.loc[0, "admission_date"] == pd.Timestamp(2021, 9, 2)  # serial 44441
    assert register.loc[0, "year_group"] == "2"
    summary, rejected = by_file(pack, "register.xlsx")
    assert (summary.encoding, summary.sheet) == ("xlsx", "Pupils")
    assert (rejected[0].line, rejected[0].column) == (3, "date_of_birth")
    assert "date 31/02/2017 does not exist" in rejected[0].reason


def test_xlsx_named_sheet_of_a_wide_grid(tmp_path):
    toml = PACK_TOML + '\n[files]\nattendance = "marks.xlsx#Sheet2"\n'
    root = write_pack(tmp_path / "p", {}, toml)
    _workbook(
        root / "marks.xlsx",
        {
            "Sheet1": [["ignore me"]],
            "Sheet2": [[], ["UPN", "02/09/2024 AM", "02/09/2024 PM"], ["A100000000001", "/", "N"]],
        },
    )
    pack = load_pack(root)
    assert list(pack.tables["attendance"]["code"]) == ["/", "N"]
    assert list(pack.tables["attendance"]["line"]) == [3, 3]  # the header is on sheet row 2
    summary, _ = by_file(pack, "marks.xlsx#Sheet2")
    assert summary.layout == "wide"


def test_xlsx_missing_sheet_is_named(tmp_path):
    toml = PACK_TOML + '\n[files]\nattendance = "marks.xlsx#Nope"\n'
    root = write_pack(tmp_path / "p", {}, toml)
    _workbook(root / "marks.xlsx", {"Marks": [["upn"]]})
    with pytest.raises(PackError, match="has no sheet 'Nope' \\(sheets: Marks\\)"):
        load_pack(root)


def test_tab_separated_utf16_export(tmp_path):
    text = REGISTER.replace(",", "\t").replace("Brown", "Brontë")
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": text.encode("utf-16")}))
    assert pack.tables["admission_register"].loc[0, "surname"] == "Brontë"
    assert pack.inputs[0].encoding == "utf-16"


# ---- validate and init -------------------------------------------------------------------------

from typer.testing import CliRunner  # noqa: E402

from auditor.cli import app  # noqa: E402

runner = CliRunner()


def test_validate_exit_codes(tmp_path):
    root = write_pack(tmp_path / "p", {})
    result = runner.invoke(app, ["validate", str(root)])
    assert result.exit_code == 0, result.output
    assert "Valid" in result.output

    (root / "attendance.csv").write_text("upn,date,session,code\nA100000000001,31/02/2025,AM,/\n")
    result = runner.invoke(app, ["validate", str(root)])
    assert result.exit_code == 1
    assert "attendance.csv line 2, column 'date': date: date 31/02/2025 does not exist" in result.output

    (root / "pack.toml").write_text("[school\n")
    result = runner.invoke(app, ["validate", str(root)])
    assert result.exit_code == 2
    assert "pack.toml" in result.output


def test_init_guesses_files_presets_and_layout(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "students.csv").write_text(
        "Adno,UPN,Legal Surname,Legal Forename,DOB,Year,Date of Admission,Date of Leaving,Reason for Leaving\n"
        "1,B801200005001,Brown,Amy,03/04/2017,2,02/09/2021,,\n"
    )
    (folder / "grid.csv").write_text("UPN,Week Commencing,Mon AM,Mon PM\nB801200005001,02/09/2024,/,/\n")
    (folder / "notes.txt").write_text("nothing to see\n")
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert "students.csv is the admission register (preset sims)" in result.output
    assert "weekly layout" in result.output
    assert "notes.txt: not recognised" in result.output
    toml = (folder / "pack.toml").read_text()
    assert 'preset = "sims"' in toml and 'attendance = "grid.csv"' in toml
    # the pack it wrote loads
    assert runner.invoke(app, ["validate", str(folder)]).exit_code == 0
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 2  # will not overwrite


def test_init_without_a_register_writes_nothing(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert not (tmp_path / "pack.toml").exists()


def test_a_file_named_in_pack_toml_must_exist(tmp_path):
    toml = PACK_TOML + '\n[files]\nattendance = "marks.xlsx"\n'
    with pytest.raises(PackError, match="named in pack.toml"):
        load_pack(write_pack(tmp_path / "p", {}, toml))


def test_presets_command_lists_them():
    result = runner.invoke(app, ["presets"])
    assert result.exit_code == 0
    assert "sims" in result.output and "la-case-management" in result.output


def test_title_lines_above_the_header_are_passed_over(tmp_path):
    register = "Student list,,,\nPrinted 02/09/2024\n\n" + REGISTER + "A100000000002,Green,Bo,31/02/2017,2,02/09/2021,,\n"
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": register}))
    assert list(pack.tables["admission_register"]["line"]) == [5]
    summary, rejected = by_file(pack, "admission_register.csv")
    assert (summary.rows, rejected[0].line) == (2, 6)


def test_validate_json(tmp_path):
    import json

    root = write_pack(tmp_path / "p", {"attendance.csv": "upn,date,session,code\nA100000000001,02/09/2024,AM,ZZ\n"})
    result = runner.invoke(app, ["validate", str(root), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["valid"] is False
    assert data["rejected_rows"] == [
        {"file": "attendance.csv", "line": 2, "reason": "code 'ZZ' is not an attendance code", "column": "code", "records": 1}
    ]
    (root / "pack.toml").write_text("nonsense")
    result = runner.invoke(app, ["validate", str(root), "--json"])
    assert result.exit_code == 2 and json.loads(result.output)["malformed"]["file"] == "pack.toml"


def test_init_says_what_a_file_read_by_its_name_lacks_rather_than_not_recognised(tmp_path):
    """attendance.csv is read as the attendance by its name whatever init guesses: with a header no
    preset knows, init names the column to map, and does not say the attendance was not found."""
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "admission_register.csv").write_text(
        "upn,surname,forename,date_of_birth,admission_date\nB801200005001,Brown,Amy,03/04/2017,02/09/2021\n")
    (folder / "attendance.csv").write_text("upn,date,Half day,code\nB801200005001,02/09/2024,AM,/\n")
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert "attendance.csv: read as the attendance by its name" in result.output
    assert "lack session: map them in [columns.attendance]" in result.output
    assert "not recognised" not in result.output
    assert "attendance" not in result.output.split("not found:", 1)[-1].split("\n", 1)[0]
