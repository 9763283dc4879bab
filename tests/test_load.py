"""The loader: encodings, dates, column mapping, and every row accounted for."""

import datetime as dt

import pandas as pd
import pytest

from auditor.errors import PackError
from auditor.load import load_pack

PACK_TOML = """[school]
urn = "100001"
name = "Example Primary School"
la = "Example LA"

[inspection]
date = 2025-03-14
period_start = 2024-09-02
"""

REGISTER = (
    "upn,surname,forename,date_of_birth,year_group,admission_date,deletion_date,deletion_ground\n"
    "A100000000001,Brown,Amy,03/04/2017,2,02/09/2021,,\n"
)


def write_pack(root, files, toml=PACK_TOML):
    root.mkdir(exist_ok=True)
    (root / "pack.toml").write_text(toml, encoding="utf-8")
    files = {"admission_register.csv": REGISTER, **files}
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (root / name).write_bytes(data)
    return root


def test_english_dates_are_day_first(tmp_path):
    pack = load_pack(write_pack(tmp_path / "p", {}))
    register = pack.tables["admission_register"]
    assert register.loc[0, "date_of_birth"] == pd.Timestamp(2017, 4, 3)  # 3 April, not 4 March


def test_utf8_with_byte_order_mark(tmp_path):
    data = "\ufeff" + REGISTER.replace("Brown,Amy", "Brontë,Zoë")
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": data.encode("utf-8")}))
    register = pack.tables["admission_register"]
    assert list(register.columns[:2]) == ["line", "upn"]  # the BOM did not stick to the header
    assert register.loc[0, "forename"] == "Zoë"
    assert pack.inputs[0].encoding == "utf-8"


def test_windows_1252_export(tmp_path):
    data = REGISTER.replace("Brown,Amy", "Brontë,Zoë").encode("cp1252")
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": data}))
    assert pack.tables["admission_register"].loc[0, "surname"] == "Brontë"
    assert pack.inputs[0].encoding == "windows-1252"


def test_bad_dates_are_rejected_with_line_and_reason(tmp_path):
    register = (
        REGISTER + "A100000000002,Green,Bo,31/02/2017,2,02/09/2021,,\nA100000000003,Grey,Cy,2017/13/01,2,02/09/2021,,\n"
    )
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": register}))
    reasons = {(r.line, r.reason) for r in pack.rejected}
    assert (3, "date_of_birth: date 31/02/2017 does not exist") in reasons
    assert any(line == 4 and "not a date in the form dd/mm/yyyy" in reason for line, reason in reasons)
    summary = pack.inputs[0]
    assert (summary.rows, summary.accepted, summary.rejected) == (3, 1, 2)


def test_attendance_rows_all_accounted_for(tmp_path):
    marks = (
        "upn,date,session,code\n"
        "A100000000001,02/09/2024,AM,/\n"  # 2 accepted
        "A100000000001,02/09/2024,PM,ZZ\n"  # 3 unknown code
        "A100000000001,31/09/2024,AM,/\n"  # 4 impossible date
        "A100000000001,03/09/2024,XX,/\n"  # 5 bad session
        "\n"  # 6 blank line: not a row
        "A100000000001,03/09/2024,AM,/,extra\n"  # 7 too many fields
        "A100000000001,02/09/2024,AM,N\n"  # 8 second mark for the session
        "A100000000001,03/09/2024,pm,c2\n"  # 9 accepted, case-normalised
    )
    pack = load_pack(write_pack(tmp_path / "p", {"attendance.csv": marks}))
    attendance = pack.tables["attendance"]
    assert list(attendance["line"]) == [2, 9]
    assert list(attendance["code"]) == ["/", "C2"]
    assert list(attendance["category"]) == ["present", "authorised"]
    rejected = {r.line: r.reason for r in pack.rejected if r.file == "attendance.csv"}
    assert rejected[3] == "code 'ZZ' is not an attendance code"
    assert rejected[4] == "date: date 31/09/2024 does not exist"
    assert rejected[5] == "session 'XX' is not AM or PM"
    assert "more fields than the header" in rejected[7]
    assert rejected[8] == "a second mark for this pupil and session (the first is on line 2)"
    summary = next(i for i in pack.inputs if i.file == "attendance.csv")
    assert summary.rows == summary.accepted + summary.rejected == 7


def test_codes_are_read_in_the_era_of_their_date(tmp_path):
    marks = "upn,date,session,code\nA100000000001,15/07/2024,AM,J\nA100000000001,02/09/2024,AM,J1\n"
    pack = load_pack(write_pack(tmp_path / "p", {"attendance.csv": marks}))
    attendance = pack.tables["attendance"]
    assert list(attendance["era"]) == ["2006", "2024"]
    # J (interview) was an approved activity under the 2006 Regulations; J1 is authorised absence.
    assert list(attendance["category"]) == ["approved_activity", "authorised"]


def test_headers_mapped_in_pack_toml_and_by_spelling(tmp_path):
    register = (
        "Pupil UPN,Legal Surname,Forename,Date of Birth,Year Group,Admission Date\n"
        "A100000000001,Brown,Amy,03/04/2017,Year 2,02/09/2021\n"
    )
    toml = PACK_TOML + '\n[columns.admission_register]\nupn = "Pupil UPN"\nsurname = "Legal Surname"\n'
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": register}, toml))
    row = pack.tables["admission_register"].iloc[0]
    assert (row["upn"], row["surname"], row["year_group"]) == ("A100000000001", "Brown", "2")


def test_missing_required_column_names_the_file(tmp_path):
    register = "upn,surname,forename,admission_date\nA1,Brown,Amy,02/09/2021\n"
    with pytest.raises(PackError) as err:
        load_pack(write_pack(tmp_path / "p", {"admission_register.csv": register}))
    assert err.value.file == "admission_register.csv"
    assert "date_of_birth" in err.value.problem


def test_missing_required_file(tmp_path):
    root = write_pack(tmp_path / "p", {})
    (root / "admission_register.csv").unlink()
    with pytest.raises(PackError, match="admission_register.csv: required file is missing"):
        load_pack(root)


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ("[school\nurn=1", "is not valid TOML"),
        ('[school]\nurn = "1"\nname = "X"\n', "inspection: no value given"),
        (PACK_TOML.replace("2024-09-02", "2025-09-02"), "period_start is after the inspection date"),
    ],
)
def test_unreadable_pack_toml(tmp_path, toml, problem):
    with pytest.raises(PackError) as err:
        load_pack(write_pack(tmp_path / "p", {}, toml))
    assert err.value.file == "pack.toml"
    assert problem in err.value.problem


def test_optional_files_absent_are_none(tmp_path):
    pack = load_pack(write_pack(tmp_path / "p", {}))
    assert pack.tables["attendance"] is None and not pack.has("la_returns")
    assert [i.file for i in pack.inputs] == ["admission_register.csv"]


def test_return_must_name_a_pupil(tmp_path):
    returns = (
        "upn,surname,forename,date_of_birth,return_type,received_date\n,Brown,,,deletion,10/01/2025\n"
        "A100000000001,,,,holiday,10/01/2025\n"
    )
    pack = load_pack(write_pack(tmp_path / "p", {"la_returns.csv": returns}))
    reasons = [r.reason for r in pack.rejected]
    assert any("names no pupil" in r for r in reasons)
    assert any("'holiday' is not a return type" in r for r in reasons)
    assert pack.tables["la_returns"].empty


def test_sha256_of_each_input(tmp_path):
    import hashlib

    root = write_pack(tmp_path / "p", {})
    pack = load_pack(root)
    expected = hashlib.sha256((root / "admission_register.csv").read_bytes()).hexdigest()
    assert pack.inputs[0].sha256 == expected
    assert pack.tables["admission_register"].loc[0, "admission_date"].date() == dt.date(2021, 9, 2)


def test_parquet_attendance_is_read_like_csv(tmp_path):
    marks = pd.DataFrame(
        {
            "upn": ["A100000000001", "A100000000001", "A100000000001"],
            "date": [dt.date(2024, 9, 2), dt.date(2024, 9, 2), dt.date(2024, 9, 31 - 1)],
            "session": ["AM", "PM", "XX"],
            "code": ["/", "N", "/"],
        }
    )
    root = write_pack(tmp_path / "p", {})
    marks.to_parquet(root / "attendance.parquet")
    pack = load_pack(root)
    attendance = pack.tables["attendance"]
    assert list(attendance["code"]) == ["/", "N"]
    assert attendance["date"].iloc[0] == pd.Timestamp(2024, 9, 2)
    assert [(r.file, r.line) for r in pack.rejected] == [("attendance.parquet", 4)]
    summary = next(i for i in pack.inputs if i.file == "attendance.parquet")
    assert (summary.rows, summary.accepted, summary.rejected, summary.encoding) == (3, 2, 1, "parquet")
