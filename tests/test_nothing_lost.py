"""Nothing lost: packs with random corruption (CSV and XLSX exports, and Common Transfer Files)
never crash the tool, exit 0 or 2 as the contract says, and every input row is accounted for
exactly once as accepted or rejected."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from auditor.cli import app
from tests.test_ctf import MUTATIONS, mutate

runner = CliRunner()

PACK_TOML = """[school]
urn = "100001"
name = "Example Primary School"

[inspection]
date = 2025-03-14
period_start = 2024-09-02
"""

REGISTER_HEADER = ["upn", "surname", "forename", "date_of_birth", "year_group", "admission_date", "deletion_date",
                   "deletion_ground"]
NAMES = ["Brown", "Brontë", "Smith-Jones", "O'Neil", "Zoë", "Ng"]
DATES = ["02/09/2024", "2024-09-03", "31/02/2025", "13/13/2024", "45537", "", "03/04/2017", "yesterday"]
CODES = ["/", "\\", "N", "O", "C2", "H", "#", "QQ", "", "l", "I"]
UPNS = ["B801200005001", "A801200005001", "X12", "", "Q207000016049"]

cell = st.sampled_from
register_row = st.tuples(
    cell(UPNS), cell(NAMES), cell(NAMES), cell(["03/04/2017", "31/02/2017", "2016-05-14", ""]), cell(["2", "R", "Y9", "x"]),
    cell(["02/09/2021", "2021-09-02", "30/02/2021", ""]), cell(["", "10/01/2025", "1/1/2019"]), cell(["", "9(1)(a)", "zz"]),
)
mark_row = st.tuples(cell(UPNS), cell(DATES), cell(["AM", "PM", "pm", "XX", ""]), cell(CODES))

corruption = st.sampled_from(["blank", "stray_delimiter", "truncate", "duplicate_header", "quote", "bytes", "none"])


def corrupt(lines: list[str], ops: list[tuple[str, int]]) -> list[str]:
    lines = list(lines)
    for op, at in ops:
        i = 1 + at % max(1, len(lines) - 1) if len(lines) > 1 else 0
        if op == "blank":
            lines.insert(max(1, i), "")
        elif op == "stray_delimiter" and i < len(lines):
            lines[i] += ",extra"
        elif op == "truncate" and i < len(lines):
            lines[i] = lines[i][: max(1, len(lines[i]) // 2)]
        elif op == "duplicate_header":
            lines[0] += "," + lines[0].split(",")[at % len(lines[0].split(","))]
        elif op == "quote" and i < len(lines):
            lines[i] = '"' + lines[i]
    return lines


def encode(text: str, encoding: str, ops: list[tuple[str, int]]) -> bytes:
    data = text.encode(encoding, errors="replace")
    if any(op == "bytes" for op, _ in ops):
        data = data.replace(b"\n", b"\x81\xff\n", 1)
    return data


def data_lines(data: bytes, encoding: str) -> int | None:
    """Rows the file holds: lines after the header with any non-empty cell (None if quotes or
    stray bytes make lines ambiguous)."""
    if b'"' in data or b"\x81" in data:
        return None
    text = data.decode(encoding)
    return sum(1 for line in text.split("\n")[1:] if any(c.strip() for c in line.split(",")))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    register=st.lists(register_row, min_size=0, max_size=6),
    marks=st.lists(mark_row, min_size=0, max_size=20),
    wide=st.booleans(),
    xlsx=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    register_ops=st.lists(st.tuples(corruption, st.integers(0, 50)), max_size=3),
    marks_ops=st.lists(st.tuples(corruption, st.integers(0, 50)), max_size=3),
)
def test_corrupt_packs_never_crash_and_lose_nothing(tmp_path_factory, register, marks, wide, xlsx, encoding,
                                                     register_ops, marks_ops):
    root = tmp_path_factory.mktemp("pack")
    toml = PACK_TOML + ('\n[files]\nattendance = "attendance.xlsx"\n' if marks and xlsx else "")
    (root / "pack.toml").write_text(toml, encoding="utf-8")
    expected_rows: dict[str, int | None] = {}
    register_lines = corrupt([",".join(REGISTER_HEADER)] + [",".join(r) for r in register], register_ops)
    files = {"admission_register.csv": encode("\n".join(register_lines) + "\n", encoding, register_ops)}
    if marks:
        if wide:
            dates = sorted({d for _, d, _, _ in marks})
            header = ["UPN"] + [f"{d} {s}" for d in dates for s in ("AM", "PM")]
            rows = [[u] + [c if (d, s) == (md, ms) else "" for d in dates for s in ("AM", "PM")] for u, md, ms, c in marks]
            mark_lines = [",".join(header)] + [",".join(r) for r in rows]
        else:
            mark_lines = ["upn,date,session,code"] + [",".join(m) for m in marks]
        mark_lines = corrupt(mark_lines, marks_ops)
        if xlsx:
            book = openpyxl.Workbook()
            for line in mark_lines:
                book.active.append(line.split(",") if line else [])
            book.save(root / "attendance.xlsx")
            expected_rows["attendance.xlsx"] = sum(1 for line in mark_lines[1:] if line.replace(",", "").strip())
        else:
            files["attendance.csv"] = encode("\n".join(mark_lines) + "\n", encoding, marks_ops)
    for name, data in files.items():
        (root / name).write_bytes(data)
        decoding = "cp1252" if encoding == "cp1252" else "utf-8-sig"
        expected_rows[name] = data_lines(data, decoding)

    findings = inspected_losing_nothing(root)
    for summary in findings["inputs"] if findings else []:
        if summary["unit"] == "row" and expected_rows.get(summary["file"]) is not None:
            assert summary["rows"] == expected_rows[summary["file"]], summary


def inspected_losing_nothing(root: Path) -> dict | None:
    """findings.json of ``register-audit inspect`` on ``root`` (None: the pack could not be used,
    exit 2): never a traceback nor exit 3, and each file's rows accepted or in its rejections (a
    rejection may stand for several records: a CTF pupil with its marks)."""
    out = root / "out"
    result = runner.invoke(app, ["inspect", str(root), "--out", str(out)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert "Cannot inspect the pack" in result.output
        return None
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    rejected_records: Counter = Counter()
    for row in findings["rejected_rows"]:
        rejected_records[row["file"]] += row["records"]
        assert row["reason"] and "Traceback" not in row["reason"]
    for summary in findings["inputs"]:
        assert summary["rows"] == summary["accepted"] + summary["rejected"], summary
        assert summary["rejected"] == rejected_records[summary["file"]], summary
    return findings


# ---- Common Transfer Files -----------------------------------------------------------------------

CTF_DATA = Path(__file__).resolve().parent / "data" / "ctf"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(p.name for p in CTF_DATA.glob("*.xml"))), operations=MUTATIONS,
       in_zip=st.booleans())
def test_mutated_ctf_packs_never_crash_and_lose_nothing(tmp_path_factory, name, operations, in_zip):
    """A pack whose CTF is mutated (elements dropped, marks shortened, dates garbled, totals
    changed, the file cut short), alone or in a zip: exit 0 or 2, never 3, and each file's
    pupils, entries and marks are its rows, every one accepted or in a rejection."""
    root = tmp_path_factory.mktemp("ctfpack")
    (root / "pack.toml").write_text(PACK_TOML.replace("100001", "990001"), encoding="utf-8")
    data = mutate((CTF_DATA / name).read_bytes(), operations)
    if in_zip:
        with zipfile.ZipFile(root / "exports.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name, data)
    else:
        (root / name).write_bytes(data)
    findings = inspected_losing_nothing(root)
    if findings is None:
        return
    ctf = next(s for s in findings["inputs"] if s["file"].endswith(name))
    assert ctf["unit"] == "record" and ctf["file"] == (f"exports.zip/{name}" if in_zip else name)
    root_element = ET.fromstring(data)
    pupils = sum(1 for c in root_element.iter("CTFpupilData") for _ in c.iter("Pupil"))
    entries = sum(1 for p in root_element.iter("Pupil") for h in p.iter("SchoolHistory") for _ in h.iter("School"))
    assert ctf["rows"] >= pupils + entries  # and its marks
