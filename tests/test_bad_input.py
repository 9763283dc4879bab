"""Bad input from the December 2026 report (H2, H4, L1, L2, L5, L7, M8, L11): each is refused with
a message naming the file, or its rows are rejected with line, column and reason; never a crash."""

import datetime as dt
import io
import random
import re
import tracemalloc
import warnings
import zipfile

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from auditor.cli import app
from auditor.errors import PackError
from auditor.load import MAX_CELL_CHARACTERS, MAX_SHEET_COLUMNS, load_pack, read_cells, record_starts
from auditor.values import EARLIEST_DATE, LATEST_DATE, parse_date, parse_date_column
from tests.test_load import PACK_TOML, REGISTER, write_pack

runner = CliRunner()
HEADER = "upn,surname,forename,date_of_birth,year_group,admission_date,deletion_date,deletion_ground\n"


def pupils(count: int) -> list[str]:
    return [f"A1000000{n:05d},Surname{n},Forename{n},03/04/2017,2,02/09/2021,,\n" for n in range(1, count + 1)]


def accounted(pack, name: str):
    summary = next(i for i in pack.inputs if i.file == name)
    rejected = [r for r in pack.rejected if r.file == name]
    assert summary.rows == summary.accepted + summary.rejected == summary.accepted + len(rejected)
    return summary, {r.line: r for r in rejected}


# ---- H2: dates in range ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["18/01/0214", "0214-01-18", "02/09/2300", "31/12/1899", "99999", dt.date(2300, 3, 14), dt.datetime(214, 1, 18, 9, 0)],
)
def test_dates_out_of_range_in_every_form(value):
    with pytest.raises(ValueError, match=r"is out of range \(01/01/1900 to 31/12/2100\)"):
        parse_date(value)
    assert parse_date(EARLIEST_DATE) == EARLIEST_DATE and parse_date("31/12/2100") == LATEST_DATE


def test_a_date_column_never_overflows():
    dates, reasons = parse_date_column(pd.Series(["02/09/2300", "18/01/0214", "01/01/9999", "02/09/2024", "99999"]))
    assert dates.isna().tolist() == [True, True, True, False, True]
    assert reasons[0] == "date 02/09/2300 is out of range (01/01/1900 to 31/12/2100)"


def test_a_cell_out_of_range_is_a_rejected_row(tmp_path):
    register = REGISTER + "A100000000002,Green,Bo,18/01/0214,2,02/09/2021,,\n"
    attendance = "upn,date,session,code\nA100000000001,02/09/2024,AM,/\nA100000000001,02/09/2300,PM,/\n"
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": register, "attendance.csv": attendance}))
    _, rejected = accounted(pack, "admission_register.csv")
    assert rejected[3].reason == "date_of_birth: date 18/01/0214 is out of range (01/01/1900 to 31/12/2100)"
    assert rejected[3].column == "date_of_birth"
    _, rejected = accounted(pack, "attendance.csv")
    assert rejected[3].reason == "date: date 02/09/2300 is out of range (01/01/1900 to 31/12/2100)"


def test_workbook_and_parquet_dates_out_of_range_are_rejected(tmp_path):
    toml = PACK_TOML + '\n[files]\nadmission_register = "register.xlsx"\nattendance = "marks.parquet"\n'
    root = write_pack(tmp_path / "p", {}, toml)
    book = openpyxl.Workbook()
    for row in [HEADER.strip().split(","), ["A100000000001", "Brown", "Amy", dt.datetime(2300, 4, 3), "2", "02/09/2021"]]:
        book.active.append(row)
    book.save(root / "register.xlsx")
    marks = pa.table({"upn": ["A100000000001"] * 2, "date": [dt.date(214, 9, 2), dt.date(2024, 9, 2)], "session": ["AM"] * 2, "code": ["/"] * 2})
    pq.write_table(marks, root / "marks.parquet")
    pack = load_pack(root)
    _, rejected = accounted(pack, "register.xlsx")
    assert "date 03/04/2300 is out of range" in rejected[2].reason
    _, rejected = accounted(pack, "marks.parquet")
    assert rejected[2].reason == "date: date 02/09/0214 is out of range (01/01/1900 to 31/12/2100)"


def test_pack_toml_and_as_of_dates_out_of_range_are_refused(tmp_path):
    toml = PACK_TOML.replace("date = 2025-03-14", "date = 2300-03-14")
    with pytest.raises(PackError, match=r"pack.toml: inspection.date: date 14/03/2300 is out of range"):
        load_pack(write_pack(tmp_path / "p", {}, toml))
    root = write_pack(tmp_path / "q", {})
    result = runner.invoke(app, ["inspect", str(root), "--out", str(tmp_path / "o"), "--as-of", "01/01/2300"])
    assert result.exit_code == 2
    assert "out of range" in result.output


# ---- H4: line endings and unreadable bytes -----------------------------------------------------


def test_old_mac_line_endings_are_line_endings(tmp_path):
    register = (REGISTER + "A100000000002,Green,Bo,31/02/2017,2,02/09/2021,,\n").replace("\n", "\r")
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": register.encode()}))
    summary, rejected = accounted(pack, "admission_register.csv")
    assert (summary.rows, summary.accepted) == (2, 1)
    assert rejected[3].reason == "date_of_birth: date 31/02/2017 does not exist"


def test_a_cr_inside_the_header_is_a_pack_error(tmp_path):
    register = REGISTER.replace("forename,", "fore\rname,")
    with pytest.raises(PackError, match="admission_register.csv: missing required column"):
        load_pack(write_pack(tmp_path / "p", {"admission_register.csv": register.encode()}))


@pytest.mark.parametrize("seed", range(40))
def test_random_bytes_are_read_or_refused(seed):
    data = random.Random(seed).randbytes(2000)
    try:
        read_cells(data, "calendar.csv")
    except PackError as err:
        assert err.file == "calendar.csv"


def test_init_reads_a_folder_with_old_mac_line_endings(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "admission_register.csv").write_text(REGISTER, encoding="utf-8")
    (folder / "term_dates.csv").write_bytes(b"date,am_open,pm_open\r02/09/2024,Y,Y\r03/09/2024,Y,Y\r")
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert "term_dates.csv is the calendar" in result.output


# ---- L1, L2: physical lines and quotes ---------------------------------------------------------


def test_line_numbers_after_a_quoted_line_break(tmp_path):
    rows = pupils(25)
    rows[0] = rows[0].replace("Surname1", '"Sur\nname1"')  # line 2 runs on to line 3
    rows[19] = rows[19].replace("03/04/2017", "25/12/xx13")  # the row on physical line 22
    rows[21] = rows[21].rstrip("\n") + ",extra\n"  # line 24: a field too many
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": HEADER + "".join(rows)}))
    summary, rejected = accounted(pack, "admission_register.csv")
    assert sorted(rejected) == [22, 24]
    assert "25/12/xx13" in rejected[22].reason
    assert "more fields than the header" in rejected[24].reason
    register = pack.tables["admission_register"]
    assert register.loc[register["surname"] == "Sur\nname1", "line"].tolist() == [2]
    assert register.loc[register["surname"] == "Surname25", "line"].tolist() == [27]


def test_a_stray_quote_rejects_the_lines_from_it_on(tmp_path):
    rows = pupils(20)
    rows[6] = '"' + rows[6]  # physical line 8
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": HEADER + "".join(rows)}))
    summary, rejected = accounted(pack, "admission_register.csv")
    assert (summary.rows, summary.accepted, summary.rejected) == (20, 6, 14)
    assert sorted(rejected) == list(range(8, 22))
    assert rejected[8].reason == 'an unmatched quote (") starts here: this line and the 13 after it could not be read'
    assert rejected[9].reason == 'could not be read: it follows the unmatched quote (") on line 8'


def _pandas_records(text: str) -> int | None:
    """Records as pandas' C reader splits ``text`` (rows plus rows skipped), or None at an open quote."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False, on_bad_lines="warn")
        except pd.errors.ParserError as err:
            assert "EOF inside string" in str(err)
            return None
        except pd.errors.EmptyDataError:
            return 0
    return len(frame) + sum(len(re.findall(r"Skipping line", str(w.message))) for w in caught)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='ab,"\n ', min_size=1, max_size=40).filter(lambda t: t.strip() and not t.startswith("\n")))
def test_records_are_split_as_pandas_splits_them(text):
    starts, open_quote = record_starts(text.encode(), ",")
    expected = _pandas_records(text)
    if expected is None:
        assert open_quote is not None
    elif expected:
        assert open_quote is None and len(starts) == expected


# ---- L5: field lengths -------------------------------------------------------------------------


def test_an_overlong_field_rejects_its_row_without_copying_it(tmp_path):
    huge = "A" * 3_000_000
    returns = (
        "upn,surname,forename,date_of_birth,return_type,received_date,ground\n"
        f"A100000000001,{huge},Amy,03/04/2017,deletion,01/01/2025,\n"
        "A100000000001,Brown,Amy,03/04/2017,deletion,02/01/2025,\n"
    )
    root = write_pack(tmp_path / "p", {"la_returns.csv": returns})
    tracemalloc.start()
    pack = load_pack(root)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    summary, rejected = accounted(pack, "la_returns.csv")
    assert (summary.accepted, summary.rejected) == (1, 1)
    assert rejected[2].reason == f"surname is 3,000,000 characters long: at most {MAX_CELL_CHARACTERS:,}"
    assert rejected[2].column == "surname"
    assert peak < 12 * len(huge)  # the old reader carried the field into every frame and every row


def test_an_overlong_mark_in_a_grid_is_a_rejected_cell(tmp_path):
    grid = f"UPN,02/09/2024 AM,02/09/2024 PM\nA100000000001,{'/' * 2000},N\n"
    pack = load_pack(write_pack(tmp_path / "p", {"attendance.csv": grid}))
    summary, rejected = accounted(pack, "attendance.csv")
    assert (summary.rows, summary.accepted) == (2, 1)
    assert rejected[2].reason == "code is 2,000 characters long: at most 1,000"
    assert rejected[2].column == "02/09/2024 AM"


# ---- L7: formulas with no saved value ----------------------------------------------------------


def _save(book, path, saved: dict[str, str] | None = None):
    """Save ``book``; ``saved`` gives some formula cells a saved text value, as Excel would."""
    book.save(path)
    if not saved:
        return
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, value in saved.items():
        sheet = re.sub(rf'<c r="{ref}"([^>]*)>(<f>.*?</f>)<v\s*/?>(?:</v>)?', rf'<c r="{ref}"\1 t="str">\2<v>{value}</v>', sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_a_register_formula_with_no_saved_value_is_reported_as_such(tmp_path):
    root = write_pack(tmp_path / "p", {}, PACK_TOML + '\n[files]\nadmission_register = "register.xlsx"\n')
    book = openpyxl.Workbook()
    book.active.append(HEADER.strip().split(","))
    for row in pupils(3):
        book.active.append(row.strip().split(","))
    book.active["B2"] = '=CONCATENATE("Bai","ley")'
    book.active["B3"] = '=CONCATENATE("Gre","en")'
    book.active["H4"] = '=IF(1,"","")'  # deletion_ground, where a blank is fine
    _save(book, root / "register.xlsx", saved={"B3": "Green", "H4": ""})
    pack = load_pack(root)
    summary, rejected = accounted(pack, "register.xlsx")
    assert list(rejected) == [2]
    assert rejected[2].reason == "surname is a formula with no saved value (open and save the file in Excel)"
    assert rejected[2].column == "surname"
    assert pack.tables["admission_register"]["surname"].tolist() == ["Green", "Surname3"]  # H4: a saved empty text
    assert summary.rows == 3


@pytest.mark.parametrize("layout", ["wide", "weekly"])
def test_grid_formulas_with_no_saved_value_are_rejected_marks(tmp_path, layout):
    toml = PACK_TOML + f'\n[files]\nattendance = "marks.xlsx"\nattendance_layout = "{layout}"\n'
    root = write_pack(tmp_path / "p", {}, toml)
    book = openpyxl.Workbook()
    if layout == "wide":
        rows = [["UPN", "02/09/2024 AM", "02/09/2024 PM", "03/09/2024 AM"], ["A100000000001", "/", "/", "N"], ["", "", "", ""]]
    else:
        rows = [["UPN", "Week Commencing", "Mon AM", "Mon PM", "Tue AM"], ["A100000000001", "02/09/2024", "/", "/", "N"], ["", "", "", "", ""]]
    for row in rows:
        book.active.append(row)
    book.active["C2"] = '=IF(1,"/","")'
    book.active["D2"] = '=IF(1,"/","")'
    book.active["C3"] = '=IF(1,"/","")'  # a line with no UPN: rejected whole, once
    _save(book, root / "marks.xlsx")
    pack = load_pack(root)
    summary, rejected = accounted(pack, "marks.xlsx")
    assert (summary.rows, summary.accepted, summary.rejected) == (4, 1, 3)
    formulas = [r for r in pack.rejected if "formula with no saved value" in r.reason]
    assert [(r.line, r.column) for r in formulas] == [(2, rows[0][2]), (2, rows[0][3])]
    assert "no upn" in rejected[3].reason


# ---- M8: workbook dimensions -------------------------------------------------------------------


def test_a_far_cell_refuses_the_sheet_without_allocating_it(tmp_path):
    root = write_pack(tmp_path / "p", {}, PACK_TOML + '\n[files]\ncalendar = "calendar.xlsx"\n')
    book = openpyxl.Workbook()
    book.active.append(["date", "am_open", "pm_open"])
    book.active.append(["02/09/2024", "Y", "Y"])
    book.active["XFD1048576"] = "x"
    book.save(root / "calendar.xlsx")
    tracemalloc.start()
    with pytest.raises(PackError, match=f"calendar.xlsx: sheet 'Sheet' has data in column XFD.*at most {MAX_SHEET_COLUMNS:,} columns"):
        load_pack(root)
    assert tracemalloc.get_traced_memory()[1] < 200_000_000
    tracemalloc.stop()


def test_trailing_blank_rows_and_columns_are_not_read(tmp_path):
    root = write_pack(tmp_path / "p", {}, PACK_TOML + '\n[files]\ncalendar = "calendar.xlsx"\n')
    book = openpyxl.Workbook()
    book.active.append(["date", "am_open", "pm_open"])
    book.active.append(["02/09/2024", "Y", "Y"])
    book.active["ZZ50000"].number_format = "0.00"  # a formatted, empty cell far off
    book.active["C100"] = ""
    book.save(root / "calendar.xlsx")
    tracemalloc.start()
    pack = load_pack(root)
    assert tracemalloc.get_traced_memory()[1] < 100_000_000  # not the 50,000 × 702 rectangle
    tracemalloc.stop()
    summary, _ = accounted(pack, "calendar.xlsx")
    assert (summary.rows, summary.accepted) == (1, 1)


# ---- L11: ambiguous headers --------------------------------------------------------------------


def test_two_headers_for_one_column_are_refused(tmp_path):
    register = (
        "upn,surname,forename,Date of Birth,admission_date,date_of_birth\n"
        "A100000000001,Brown,Amy,03/04/2017,02/09/2021,01/01/1990\n"
    )
    root = write_pack(tmp_path / "p", {"admission_register.csv": register})
    with pytest.raises(PackError) as caught:
        load_pack(root)
    assert caught.value.file == "admission_register.csv"
    assert "'Date of Birth' and 'date_of_birth' could each be the date_of_birth column" in caught.value.problem
    assert '[columns.admission_register] date_of_birth = "Date of Birth"' in caught.value.problem
    (root / "pack.toml").write_text(PACK_TOML + '\n[columns.admission_register]\ndate_of_birth = "date_of_birth"\n', encoding="utf-8")
    assert load_pack(root).tables["admission_register"].loc[0, "date_of_birth"] == pd.Timestamp(1990, 1, 1)


def test_a_repeated_header_is_refused_until_mapped(tmp_path):
    attendance = "upn,date,session,code,code\nA100000000001,02/09/2024,AM,/,N\n"
    root = write_pack(tmp_path / "p", {"attendance.csv": attendance})
    with pytest.raises(PackError, match=r"headers 'code' and 'code' again \(read as 'code.1'\) could each be the code column"):
        load_pack(root)
    (root / "pack.toml").write_text(PACK_TOML + '\n[columns.attendance]\ncode = "code.1"\n', encoding="utf-8")
    assert load_pack(root).tables["attendance"]["code"].tolist() == ["N"]


def test_a_preset_prefers_its_first_listed_name(tmp_path):
    register = "UPN,Surname,Legal Surname,Legal Forename,DOB,Date of Admission\nA100000000001,Smith,Brown,Amy,03/04/2017,02/09/2021\n"
    toml = PACK_TOML + '\n[columns]\npreset = "sims"\n'
    pack = load_pack(write_pack(tmp_path / "p", {"admission_register.csv": register}, toml))
    assert pack.tables["admission_register"].loc[0, "surname"] == "Brown"  # Legal Surname is listed first


@pytest.mark.parametrize(
    "title, delimiter",
    [("Brookfield Community Primary School\n\n", ";"), ("Printed 01/12/2026, 10:14\n", "\t"), ("", ";")],
)
def test_a_title_above_a_tab_or_semicolon_header_is_passed_over(tmp_path, title, delimiter):
    returns = title + (
        "upn,surname,forename,date_of_birth,return_type,received_date,ground\n"
        "A100000000001,Brown,Amy,03/04/2017,deletion,01/01/2025,\n"
    ).replace(",", delimiter)
    pack = load_pack(write_pack(tmp_path / "p", {"la_returns.csv": returns}))
    summary, rejected = accounted(pack, "la_returns.csv")
    assert (summary.rows, summary.accepted, rejected) == (1, 1, {})
    assert pack.tables["la_returns"]["line"].tolist() == [title.count("\n") + 2]


def test_a_semicolon_inside_a_comma_separated_cell_keeps_the_comma(tmp_path):
    returns = (
        "upn,surname,forename,date_of_birth,return_type,received_date,ground\n"
        'A100000000001,Brown,Amy,03/04/2017,deletion,01/01/2025,"moved; away; to; Leeds; soon"\n'
        "A100000000001,Brown,Amy,03/04/2017,deletion,02/01/2025,\n"
    )
    pack = load_pack(write_pack(tmp_path / "p", {"la_returns.csv": returns}))
    assert pack.tables["la_returns"]["ground"].tolist()[0] == "moved; away; to; Leeds; soon"
