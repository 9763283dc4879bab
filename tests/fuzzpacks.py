"""Corrupted inspection packs, for the property test (tests/test_property.py) and the fuzz bench
(bench/fuzz.py): one generator, drawn either by hypothesis or by a seeded ``random.Random``.

A *case* is a synthetic school from the project's generator (``sample_registers/generator``:
60-400 pupils, a pack dated from March to July 2025), an as-at date anywhere in the school year, a
policy (a local policy file in the pack extending ``statutory`` and overriding thresholds within
their valid ranges, or a bundled one) and a list of named corruptions, each a small function that
does what a school export or a careless edit does to one file. The pack is written with what it
must give: the rows of each file (counted here, independently of the tool), the physical lines the
tool must reject, and whether a refusal (exit 2) is allowed.

``inspect_case`` runs the real CLI on the pack (``inspect``, ``validate``, ``validate --json``)
and ``inspect`` on a copy with the rows of every file shuffled, and returns every broken property:
a crash (exit 3, an exception escaping the CLI, or a traceback in its output), a row not
accounted for, a refusal of a pack that only has bad cells and rows (or no refusal where one is
due), or a finding id that changed with the order of the rows.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import json
import random
import re
import shutil
import sys
import tempfile
import tomllib
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent

# ---- choosing: one generator, two sources of randomness --------------------------------------


class Chooser(Protocol):
    def integer(self, low: int, high: int) -> int: ...
    def choice(self, options: Sequence[T]) -> T: ...


class RandomChooser:
    """Choices from a seeded ``random.Random`` (the fuzz bench: a seed reproduces a case)."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return self.random.choice(list(options))


class HypothesisChooser:
    """Choices drawn by hypothesis (``st.data()``), so that it can explore and replay them."""

    def __init__(self, data):
        self.data = data

    def integer(self, low: int, high: int) -> int:
        from hypothesis import strategies as st

        return self.data.draw(st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        from hypothesis import strategies as st

        return self.data.draw(st.sampled_from(list(options)))


def chance(chooser: Chooser, percent: int) -> bool:
    """True ``percent`` times in 100 (a draw of 0, hypothesis' simplest, is False)."""
    return chooser.integer(0, 99) >= 100 - percent


# ---- a case -----------------------------------------------------------------------------------

PERIOD_START = dt.date(2024, 9, 2)
LATEST_END = dt.date(2025, 7, 18)  # the last day of the summer term
EARLIEST_END = dt.date(2025, 3, 14)  # the generator's planted cases need the spring half term behind
OPTIONAL_FILES = ("attendance", "la_returns", "allocations", "part_time_timetables", "calendar")
FILES = ("admission_register", *OPTIONAL_FILES)


@dataclass(frozen=True)
class Corruption:
    name: str  # a key of CORRUPTIONS
    file: str  # a file key (admission_register, ...) or "pack.toml"
    where: int  # which row, column and bad value it picks

    def __str__(self) -> str:
        return f"{self.name}@{self.file}#{self.where}"


@dataclass(frozen=True)
class Override:
    threshold: str
    value: float | int
    since: dt.date  # the value holds from this date (statutory's before it)


@dataclass(frozen=True)
class Case:
    seed: int
    pupils: int
    phase: str
    end: dt.date  # the pack's inspection date; the marks run to it
    as_of: dt.date | None  # --as-of, or None for the pack's date
    policy: str  # "local.toml" (the pack's own, with ``overrides``) or a bundled policy
    overrides: tuple[Override, ...]
    fail_on: str
    xlsx: tuple[str, ...]  # files written as .xlsx
    missing: tuple[str, ...]  # optional files left out
    corruptions: tuple[Corruption, ...]

    def describe(self) -> str:
        policy = self.policy
        if self.overrides:
            policy += "{" + ", ".join(f"{o.threshold}={o.value} from {o.since:%d/%m/%Y}" for o in self.overrides) + "}"
        parts = [
            f"seed={self.seed} pupils={self.pupils} {self.phase} end={self.end:%d/%m/%Y}",
            f"as_of={self.as_of:%d/%m/%Y}" if self.as_of else "as_of=pack",
            f"policy={policy}",
        ]
        parts += [f"fail_on={self.fail_on}"] if self.fail_on != "never" else []
        parts += [f"xlsx={','.join(self.xlsx)}"] if self.xlsx else []
        parts += [f"missing={','.join(self.missing)}"] if self.missing else []
        parts.append("corruptions: " + (", ".join(map(str, self.corruptions)) or "none"))
        return " ".join(parts)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), default=str)

    @classmethod
    def from_json(cls, text: str) -> Case:
        raw = json.loads(text)
        date = dt.date.fromisoformat
        return cls(
            **{
                **raw,
                "end": date(raw["end"]),
                "as_of": date(raw["as_of"]) if raw["as_of"] else None,
                "overrides": tuple(
                    Override(o["threshold"], o["value"], date(o["since"])) for o in raw["overrides"]
                ),
                "xlsx": tuple(raw["xlsx"]),
                "missing": tuple(raw["missing"]),
                "corruptions": tuple(Corruption(**c) for c in raw["corruptions"]),
            }
        )

    def without_corruptions(self, keep: Sequence[Corruption] = ()) -> Case:
        return dataclasses.replace(self, corruptions=tuple(keep))

    def cli_args(self, pack: Path, out: Path) -> list[str]:
        args = ["inspect", str(pack), "--out", str(out)]
        args += ["--as-of", f"{self.as_of:%d/%m/%Y}"] if self.as_of else []
        args += ["--fail-on", self.fail_on] if self.fail_on != "never" else []
        return args


# Valid ranges of each threshold a local policy may override (low, high; floats for ratios).
POLICY_RANGES: dict[str, tuple[float, float]] = {
    "deletion_return_allowance_days": (0, 10),
    "lost_pupil_school_days": (10, 40),
    "absence_return_school_days": (1, 30),
    "absence_return_allowance_school_days": (0, 40),
    "part_time_review_school_days": (5, 60),
    "part_time_escalation_school_days": (60, 400),
    "part_time_review_interval_school_days": (5, 60),
    "allocation_grace_school_days": (1, 30),
    "new_pupil_return_days": (0, 15),
    "sickness_return_school_days": (1, 1000),  # 1000: nobody reaches it (report H3)
    "unexplained_absence_resolution_school_days": (1, 20),
    "exclusion_provision_school_days": (1, 15),
    "leave_non_return_school_days": (5, 30),
    "persistent_absence_percent": (1, 49),
    "severe_absence_percent": (50, 100),
    "attendance_minimum_possible_sessions": (0, 100),
    "offrolling_minimum_deletions": (1, 10),
    "offrolling_concentration_ratio": (1.0, 5.0),
    "census_window_school_days": (5, 30),
    "ehe_increase_ratio": (1.0, 5.0),
}


def draw_case(chooser: Chooser, seed: int | None = None, pupils: tuple[int, int] = (60, 400),
              heavy: bool = True, most_corruptions: int = 6) -> Case:
    """A case: the school, the date, the policy and the corruptions. ``heavy`` allows what makes
    a case slow (an XLSX attendance register of a whole year)."""
    size = chooser.integer(*pupils)
    phase = "secondary" if size >= 350 and chance(chooser, 30) else "primary"
    end = EARLIEST_END + dt.timedelta(days=chooser.integer(0, (LATEST_END - EARLIEST_END).days))
    as_of = None
    if chance(chooser, 75):
        as_of = PERIOD_START + dt.timedelta(days=chooser.integer(0, (end - PERIOD_START).days))
    elif chance(chooser, 10):  # before the period: refused (report M10)
        as_of = PERIOD_START - dt.timedelta(days=chooser.integer(1, 400))
    overrides: tuple[Override, ...] = ()
    policy = chooser.choice(["local.toml", "local.toml", "statutory", "stricter-local"])
    if policy == "local.toml":
        names = sorted(POLICY_RANGES)
        chosen = sorted({chooser.choice(names) for _ in range(chooser.integer(1, 4))})
        overrides = tuple(_override(chooser, name) for name in chosen)
    xlsx = tuple(f for f in FILES if chance(chooser, 10) and (heavy or f != "attendance"))
    missing = tuple(f for f in OPTIONAL_FILES if chance(chooser, 10))
    present = [f for f in FILES if f not in missing]
    corruptions = []
    for _ in range(chooser.integer(0, most_corruptions)):
        name = chooser.choice(sorted(CORRUPTIONS))
        fits = [f for f in present if CORRUPTIONS[name].applies(f, f in xlsx)]
        fits += ["pack.toml"] if name in PACK_CORRUPTIONS else []
        if fits:
            corruptions.append(Corruption(name, chooser.choice(fits), chooser.integer(0, 10**6)))
    return Case(
        seed=seed if seed is not None else chooser.integer(0, 2**16),
        pupils=size,
        phase=phase,
        end=end,
        as_of=as_of,
        policy=policy,
        overrides=overrides,
        fail_on=chooser.choice(["never", "never", "red", "amber", "green"]),
        xlsx=xlsx,
        missing=missing,
        corruptions=tuple(corruptions),
    )


def _override(chooser: Chooser, name: str) -> Override:
    low, high = POLICY_RANGES[name]
    if isinstance(low, float):
        value: float | int = chooser.integer(int(low * 10), int(high * 10)) / 10
    else:
        value = chooser.integer(int(low), int(high))
    since = dt.date(2006, 9, 1) if chance(chooser, 70) else PERIOD_START + dt.timedelta(days=chooser.integer(0, 300))
    return Override(name, value, since)


# ---- a file as it will be written -------------------------------------------------------------


@dataclass
class Item:
    """One line of a file as written: a row of cells, or ``raw`` text written as it is."""

    cells: list[str]
    raw: str | None = None
    counts: bool = True  # a row the tool must account for (a blank line is not one)
    rejects: dict[int, str] = field(default_factory=dict)  # column index -> corruption that must reject the row


@dataclass
class Table:
    key: str
    header: list[str]
    items: list[Item]
    xlsx: bool = False
    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"
    header_text: str | None = None  # the header line written as it is
    title: str = ""  # lines above the header, as a report export has
    delimiter: str = ","
    exact: bool = True  # False: a corruption leaves the count of rows a matter of interpretation

    @property
    def name(self) -> str:
        return self.key + (".xlsx" if self.xlsx else ".csv")

    def rows(self) -> list[Item]:
        return [item for item in self.items if item.raw is None]


@dataclass
class Expected:
    """What the tool must report for one file."""

    rows: int | None  # None: not exactly known (a stray quote)
    lines: int  # physical lines in the file
    must_reject: dict[int, str]  # physical line -> the corruption there


STRAY_BYTE = "\ue000"  # stands for byte 0x92 (Windows-1252's right quote) in a UTF-8 file


def _csv_line(cells: list[str], delimiter: str = ",") -> str:
    def quoted(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in delimiter + '"\n\r') else cell

    return delimiter.join(quoted(c) for c in cells)


def _line_breaks(text: str) -> int:
    """Line breaks as the tool counts physical lines: CR, LF and CRLF each end a line."""
    return len(re.findall(r"\r\n|\r|\n", text))


def write_table(table: Table, folder: Path) -> Expected:
    """The file as a CSV (or a sheet), and what the tool must report of it."""
    header = table.title + (table.header_text or _csv_line(table.header, table.delimiter))
    line = 2 + _line_breaks(header)  # the physical line of the next row
    must_reject: dict[int, str] = {}
    texts = []
    for item in table.items:
        text = item.raw if item.raw is not None else _csv_line(item.cells, table.delimiter)
        texts.append(text)
        if item.rejects and table.exact:
            must_reject[line] = next(iter(item.rejects.values()))
        line += 1 if table.xlsx else 1 + _line_breaks(text)  # a quoted line break starts a CSV line
    if table.xlsx:
        _write_xlsx(table, folder / table.name)
    else:
        text = ("\n".join([header, *texts]) + "\n").replace("\n", table.newline)
        bom = b"\xef\xbb\xbf" if table.bom and table.encoding == "utf-8" else b""  # a BOM says UTF-8
        (folder / table.name).write_bytes(bom + _encode(text, table.encoding))
    rows = sum(item.counts for item in table.items) if table.exact else None
    return Expected(rows, line - 1, must_reject)


def _encode(text: str, encoding: str) -> bytes:
    if encoding not in ("utf-8", "cp1252"):  # a stray single byte would misalign UTF-16
        return text.replace(STRAY_BYTE, "\u2019").encode(encoding, errors="replace")
    return b"\x92".join(part.encode(encoding, errors="replace") for part in text.split(STRAY_BYTE))


_UK_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def _xlsx_cell(cell: str) -> object:
    """Dates as date cells, as a school's spreadsheet holds them; everything else as text."""
    if match := _UK_DATE.match(cell):
        day, month, year = (int(g) for g in match.groups())
        try:
            if year >= 1900:
                return dt.date(year, month, day)
        except ValueError:
            pass
    return cell


def _write_xlsx(table: Table, path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Export")
    sheet.append(table.header)
    for item in table.items:
        if item.raw is not None:
            sheet.append([] if not item.raw else item.raw.split(","))
        else:
            sheet.append([_xlsx_cell(c) for c in item.cells])  # "=..." becomes a formula with no saved value
    book.save(path)


# ---- corruptions ------------------------------------------------------------------------------
# Each takes the table and ``where`` (which row, column and value) and changes the table as an
# export or an edit would; it marks the rows the tool must reject.

DATE_COLUMNS = {
    "admission_register": ("date_of_birth", "admission_date", "first_attendance_date", "deletion_date"),
    "attendance": ("date",),
    "la_returns": ("received_date", "date_of_birth"),
    "allocations": ("date_of_birth", "allocated_on", "expected_start_date"),
    "part_time_timetables": ("start_date", "planned_end_date", "end_date", "last_review_date"),
    "calendar": ("date",),
}
BAD_VALUES = {  # columns whose values are codes, and values no export should hold there
    "admission_register": {"year_group": ["Y99", "Year 15", "Reception?"]},
    "attendance": {"code": ["ZZ", "/ /", "A", "7", "//"], "session": ["EV", "Morning", "P.M."]},
    "la_returns": {"return_type": ["transfer", "NPR", "new pupil return"]},
    "calendar": {"am_open": ["maybe", "O"], "pm_open": ["closed?", "2"]},
    "part_time_timetables": {"parent_agreed": ["perhaps"], "hours_per_week": ["lots"]},
}
TEXT_COLUMNS = {
    "admission_register": ("surname", "forename", "deletion_ground"),
    "la_returns": ("surname", "forename", "ground"),
    "allocations": ("surname", "forename"),
}
REQUIRED = {
    "admission_register": ("upn", "surname", "forename", "date_of_birth", "admission_date"),
    "attendance": ("upn", "date", "session", "code"),
    "la_returns": ("return_type", "received_date"),
    "allocations": ("surname", "forename", "date_of_birth", "allocated_on", "expected_start_date"),
    "part_time_timetables": ("upn", "start_date"),
    "calendar": ("date", "am_open", "pm_open"),
}
ANY_COLUMNS = ("upn", "am_open", "pm_open")  # cells to corrupt in files without names in them
LONG_FIELD = 100_000  # beyond any field-length bound (Excel's cell limit is 32,767 characters)


@dataclass(frozen=True)
class Kind:
    apply: Callable[[Table, int], None]
    formats: tuple[str, ...] = ("csv", "xlsx")
    files: tuple[str, ...] = FILES
    may_refuse: bool = False  # exit 2 is a right answer
    must_refuse: bool = False  # exit 2 is the only right answer
    order_sensitive: bool = False  # the rows accepted depend on the order of the lines

    def applies(self, file: str, xlsx: bool) -> bool:
        return file in self.files and ("xlsx" if xlsx else "csv") in self.formats


def _pick(table: Table, where: int) -> Item | None:
    rows = table.rows()
    return rows[where % len(rows)] if rows else None


def _set(table: Table, where: int, columns: Sequence[str], values: Sequence[str], name: str, rejects: bool) -> None:
    item = _pick(table, where)
    present = [c for c in columns if c in table.header]
    if item is None or not present:
        return
    index = table.header.index(present[(where // 7) % len(present)])
    value = values[(where // 61) % len(values)]
    item.cells[index] = value(item.cells[index]) if callable(value) else value
    if rejects:
        item.rejects[index] = name
    else:
        item.rejects.pop(index, None)


def bad_date(table: Table, where: int) -> None:
    """A date no reader takes: 31/02, yyyy/mm/dd, two-digit years, month first, words."""
    values = ["31/02/2014", "2014/01/18", "18/01/14", "01/18/2014", "18th Jan 2014", "yesterday"]
    _set(table, where, DATE_COLUMNS[table.key], values, "bad_date", rejects=True)


def year_out_of_range(table: Table, where: int) -> None:
    """A typo in the year: 0214 for 2014, 2300 for 2030 (report H2)."""
    def retype(year: str) -> Callable[[str], str]:
        return lambda cell: (cell[:6] + year) if _UK_DATE.match(cell) else f"18/01/{year}"

    values = [retype(y) for y in ("0214", "2300", "1066", "9999", "0001")]
    _set(table, where, DATE_COLUMNS[table.key], values, "year_out_of_range", rejects=True)


def bad_code(table: Table, where: int) -> None:
    """An attendance code, session, return type, year group or flag that does not exist."""
    columns = BAD_VALUES[table.key]
    present = [c for c in columns if c in table.header]
    if present:
        column = present[where % len(present)]
        _set(table, where, [column], columns[column], "bad_code", rejects=True)


def rich_markup(table: Table, where: int) -> None:
    """Square brackets and colons a console could read as markup or emoji (report M1)."""
    values = [lambda c: c + " [/x]", lambda c: "[bold]" + c, lambda c: c + " :x:", lambda c: "[/]"]
    if table.key in TEXT_COLUMNS:
        _set(table, where, TEXT_COLUMNS[table.key], values, "rich_markup", rejects=False)
    elif table.key == "attendance":
        _set(table, where, ["code"], ["[/x]", "[/]"], "rich_markup", rejects=True)
    else:
        _set(table, where, ANY_COLUMNS, values, "rich_markup", rejects=False)


def formula_cell(table: Table, where: int) -> None:
    """Cells that look like spreadsheet formulas (in an XLSX, formulas with no saved value)."""
    values = ['=CONCATENATE("Bai","ley")', "=1+1", "@SUM(A1:A2)", "+44 20 7946 0000", "-Bailey"]
    columns = TEXT_COLUMNS.get(table.key) or ANY_COLUMNS
    _set(table, where, columns, values, "formula_cell", rejects=False)


def nul_byte(table: Table, where: int) -> None:
    """A NUL byte inside a cell, as a damaged export has."""
    columns = TEXT_COLUMNS.get(table.key) or ANY_COLUMNS
    _set(table, where, columns, [lambda c: c[:2] + "\x00" + c[2:]], "nul_byte", rejects=False)


def long_field(table: Table, where: int) -> None:
    """A cell of 100,000 characters (a paste gone wrong): the row is rejected (report L5)."""
    columns = TEXT_COLUMNS.get(table.key) or ANY_COLUMNS
    _set(table, where, columns, [lambda c: c + "A" * LONG_FIELD], "long_field", rejects=True)


def quoted_line_break(table: Table, where: int) -> None:
    """A line break inside a quoted name (Alt+Enter in a spreadsheet): the row spans two lines."""
    _set(table, where, TEXT_COLUMNS[table.key], [lambda c: c[:2] + "\n" + c[2:]], "quoted_line_break", rejects=False)


def stray_quote(table: Table, where: int) -> None:
    """One unmatched double quote at the start of a line: the rest of the file is one field to a
    CSV reader (report L2). How many rows that makes is a matter of interpretation."""
    item = _pick(table, where)
    if item is not None:
        item.raw, item.rejects = '"' + _csv_line(item.cells, table.delimiter), {0: "stray_quote"}
        table.exact = False


def extra_fields(table: Table, where: int) -> None:
    """A row with more fields than the header (an unquoted comma in a cell)."""
    item = _pick(table, where)
    if item is not None:
        item.cells.append("extra")
        item.rejects[len(table.header)] = "extra_fields"


def short_fields(table: Table, where: int) -> None:
    """A row cut short after two fields."""
    item = _pick(table, where)
    if item is None:
        return
    item.cells[2:] = []
    item.rejects = {i: name for i, name in item.rejects.items() if i < 2}
    if any(table.header.index(c) >= 2 for c in REQUIRED[table.key] if c in table.header):
        item.rejects[len(table.header) + 1] = "short_fields"


def blank_line(table: Table, where: int) -> None:
    """An empty line among the rows: not a row."""
    table.items.insert(1 + where % max(1, len(table.items)), Item([], raw="", counts=False))


def header_again(table: Table, where: int) -> None:
    """The header line again among the rows (two exports pasted together): a row, rejected."""
    table.items.insert(1 + where % max(1, len(table.items)), Item(list(table.header), rejects={0: "header_again"}))


def shuffled_rows(table: Table, where: int) -> None:
    """The rows in another order (sorted by another column in the MIS)."""
    random.Random(where).shuffle(table.items)


def duplicate_column(table: Table, where: int) -> None:
    """A second column whose header maps to the same contract column ("Date Of Birth" beside
    date_of_birth), with the same values: refused or reported (report L11)."""
    index = where % len(table.header)
    table.header.append(table.header[index].replace("_", " ").title() + " ")
    for item in table.rows():
        item.cells.append(item.cells[index] if index < len(item.cells) else "")


def header_markup(table: Table, where: int) -> None:
    """Markup in a header name (report M1): the column no longer maps, so the file may be refused."""
    index = where % len(table.header)
    table.header[index] += "[/x]"


def bom(table: Table, where: int) -> None:
    """A UTF-8 byte-order mark, as Excel writes "CSV UTF-8"."""
    table.bom = True


def windows_1252(table: Table, where: int) -> None:
    """The whole file in Windows-1252, as older MIS exports are."""
    table.encoding = "cp1252"


def windows_1252_byte(table: Table, where: int) -> None:
    """One Windows-1252 byte (a curly apostrophe, 0x92) in an otherwise UTF-8 file."""
    _set(table, where, TEXT_COLUMNS[table.key], [lambda c: c[:1] + STRAY_BYTE + c[1:]], "windows_1252_byte",
         rejects=False)


def utf16_tab(table: Table, where: int) -> None:
    """Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated, CRLF."""
    table.encoding, table.delimiter, table.newline = "utf-16", "\t", "\r\n"


def semicolon_delimiter(table: Table, where: int) -> None:
    """Semicolons between fields, as Excel writes CSV where the comma is the decimal mark."""
    table.delimiter = ";"


def title_above_header(table: Table, where: int) -> None:
    """A report's title and a blank line above the header, as MIS report exports have."""
    table.title = ["Brookfield Community Primary School\n\n", "Printed 01/12/2026 10:14\n"][where % 2]


def trailing_empty_columns(table: Table, where: int) -> None:
    """Empty columns after the last one, headers and all, as a spreadsheet saved as CSV has."""
    extra = 1 + where % 3
    table.header += [""] * extra
    for item in table.rows():
        item.cells += [""] * extra


def cr_line_endings(table: Table, where: int) -> None:
    """Old-Mac line endings, a bare CR (report H4): read, or the file refused with exit 2."""
    table.newline = "\r"


def crlf_line_endings(table: Table, where: int) -> None:
    """Windows line endings."""
    table.newline = "\r\n"


def cr_in_header(table: Table, where: int) -> None:
    """A bare CR inside the header line (report H4)."""
    text = _csv_line(table.header, table.delimiter)
    at = 1 + where % (len(text) - 1)
    table.header_text = text[:at] + "\r" + text[at:]
    table.exact = False


def school_name_markup(table: Table, where: int) -> None:  # pack.toml; see write_pack
    """The school's name in pack.toml holds markup and an emoji code (report M1)."""


def pack_date_out_of_range(table: Table, where: int) -> None:  # pack.toml; see write_pack
    """The inspection date in pack.toml typed as 2300 (report H2): refused with exit 2."""


CSV_ONLY = ("csv",)
TEXT_FILES = tuple(TEXT_COLUMNS)
CORRUPTIONS: dict[str, Kind] = {
    "bad_date": Kind(bad_date),
    "year_out_of_range": Kind(year_out_of_range),
    "bad_code": Kind(bad_code, files=tuple(BAD_VALUES)),
    "rich_markup": Kind(rich_markup),
    "formula_cell": Kind(formula_cell),
    "nul_byte": Kind(nul_byte, formats=CSV_ONLY),
    "long_field": Kind(long_field, formats=CSV_ONLY),
    "quoted_line_break": Kind(quoted_line_break, files=TEXT_FILES),
    "stray_quote": Kind(stray_quote, formats=CSV_ONLY, order_sensitive=True),
    "extra_fields": Kind(extra_fields, formats=CSV_ONLY),
    "short_fields": Kind(short_fields),
    "blank_line": Kind(blank_line),
    "header_again": Kind(header_again),
    "shuffled_rows": Kind(shuffled_rows),
    "duplicate_column": Kind(duplicate_column, may_refuse=True),
    "header_markup": Kind(header_markup, may_refuse=True),
    "bom": Kind(bom, formats=CSV_ONLY),
    "windows_1252": Kind(windows_1252, formats=CSV_ONLY),
    "windows_1252_byte": Kind(windows_1252_byte, formats=CSV_ONLY, files=TEXT_FILES),
    "utf16_tab": Kind(utf16_tab, formats=CSV_ONLY),
    "semicolon_delimiter": Kind(semicolon_delimiter, formats=CSV_ONLY),
    "title_above_header": Kind(title_above_header, formats=CSV_ONLY),
    "trailing_empty_columns": Kind(trailing_empty_columns),
    "cr_line_endings": Kind(cr_line_endings, formats=CSV_ONLY, may_refuse=True),
    "crlf_line_endings": Kind(crlf_line_endings, formats=CSV_ONLY),
    "cr_in_header": Kind(cr_in_header, formats=CSV_ONLY, may_refuse=True),
    "school_name_markup": Kind(school_name_markup, files=()),
    "pack_date_out_of_range": Kind(pack_date_out_of_range, files=(), may_refuse=True, must_refuse=True),
}
PACK_CORRUPTIONS = {"school_name_markup", "pack_date_out_of_range"}


# ---- writing a case's pack --------------------------------------------------------------------


@dataclass
class Written:
    pack: Path
    files: dict[str, Expected]  # file name -> what the tool must report
    may_refuse: bool
    order_sensitive: bool
    must_refuse: str | None = None  # why only exit 2 is right


@functools.lru_cache(maxsize=4)
def base_tables(seed: int, pupils: int, phase: str, end: dt.date) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The generator's school, as (header, rows) of each file's text."""
    sys.path.insert(0, str(ROOT / "sample_registers"))
    from generator.cli import build, parse_args
    from generator.core import TooFewPupils
    from generator.output import write_pack as generator_write_pack

    with tempfile.TemporaryDirectory(prefix="fuzz-base-") as folder:
        while True:  # a small school may have too few pupils in a year group for every planted case
            args = parse_args(["--out", folder, "--seed", str(seed), "--pupils", str(pupils), "--phase", phase,
                               "--end", end.isoformat()])
            try:
                pack, calendar = build(args)
                break
            except TooFewPupils:
                pupils += 20
        generator_write_pack(pack, args, calendar)
        tables = {}
        for key in FILES:
            with open(Path(folder) / f"{key}.csv", encoding="utf-8", newline="") as handle:
                header, *rows = list(csv.reader(handle))
            tables[key] = (header, rows)
    return tables


def write_pack(case: Case, folder: Path, shuffled: bool = False) -> Written:
    """The case's pack in ``folder`` (the rows of every file shuffled if ``shuffled``), and what
    the tool must report of it."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {}
    for key, (header, rows) in base_tables(case.seed, case.pupils, case.phase, case.end).items():
        if key not in case.missing:
            items = [Item(list(cells)) for cells in rows]
            tables[key] = Table(key, list(header), items, xlsx=key in case.xlsx)
    for corruption in case.corruptions:
        if corruption.file in tables:
            CORRUPTIONS[corruption.name].apply(tables[corruption.file], corruption.where)
    if shuffled:
        for key, table in tables.items():
            random.Random(f"{case.seed}:{key}").shuffle(table.items)
    files = {table.name: write_table(table, folder) for table in tables.values()}
    name = "Brookfield Community Primary School"
    if any(c.name == "school_name_markup" for c in case.corruptions):
        name = "Brookfield [/x] School :x: [bold]"
    date = case.end
    if any(c.name == "pack_date_out_of_range" for c in case.corruptions):
        date = case.end.replace(year=2300)
    (folder / "pack.toml").write_text(
        "[school]\n"
        f'urn = "990001"\nname = {json.dumps(name)}\nla = "Northshire Council"\n\n'
        "[inspection]\n"
        f"date = {date.isoformat()}\nperiod_start = {PERIOD_START.isoformat()}\n"
        f"policy = {json.dumps(case.policy)}\n",
        encoding="utf-8",
    )
    if case.policy == "local.toml":
        (folder / "local.toml").write_text(policy_toml(case.overrides), encoding="utf-8")
    kinds = [CORRUPTIONS[c.name] for c in case.corruptions if c.file in tables or c.file == "pack.toml"]
    before_period = case.as_of is not None and case.as_of < PERIOD_START
    must_refuse = [c.name for c in case.corruptions if CORRUPTIONS[c.name].must_refuse]
    must_refuse += ["--as-of before period_start"] if before_period else []
    return Written(folder, files, before_period or any(k.may_refuse for k in kinds),
                   any(k.order_sensitive for k in kinds), ", ".join(must_refuse) or None)


@functools.cache
def statutory() -> dict:
    return tomllib.loads((ROOT / "rules" / "policies" / "statutory.toml").read_text(encoding="utf-8"))


def policy_toml(overrides: Sequence[Override]) -> str:
    lines = ['name = "fuzz-local"', 'title = "A local policy drawn by the fuzz harness"', 'extends = "statutory"']
    for o in overrides:
        known = statutory()["thresholds"][o.threshold]
        held = {dt.date(2006, 9, 1): min(known["values"].values())} if o.since > dt.date(2006, 9, 1) else {}
        values = ", ".join(f"{day.isoformat()} = {value}" for day, value in {**held, o.since: o.value}.items())
        lines += [
            "",
            f"[thresholds.{o.threshold}]",
            f"description = {json.dumps(known['description'])}",
            f"unit = {json.dumps(known['unit'])}",
            'source = "drawn by tests/fuzzpacks.py"',
            f"values = {{ {values} }}",
        ]
    return "\n".join(lines) + "\n"


# ---- running the CLI and judging what it did ---------------------------------------------------


@dataclass
class Run:
    command: str  # inspect, validate, validate --json
    exit_code: int
    crashed: bool
    output: str
    exception: str | None = None  # type: first line of the message
    where: str | None = None  # file:line in the project (and the innermost frame, if elsewhere)
    findings: dict | None = None  # findings.json (or validate's JSON) when the pack was read

    @property
    def inspected(self) -> bool:
        return not self.crashed and self.exit_code in (0, 1)

    @property
    def refused(self) -> bool:
        return not self.crashed and self.exit_code == 2

    @property
    def signature(self) -> str:
        return f"{self.exception} at {self.where}"

    def first_line(self) -> str:
        return next((line.strip() for line in self.output.splitlines() if line.strip()), "")


def run_cli(args: list[str], out: Path | None = None) -> Run:
    """The real CLI in this process. A crash is exit 3 (an internal error, once the CLI says so),
    an exception escaping the CLI, or a traceback in its output."""
    from typer.testing import CliRunner

    from auditor.cli import app

    result = CliRunner().invoke(app, args)
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    crashed = result.exit_code == 3 or escaped or "Traceback" in result.output
    if result.exit_code not in (0, 1, 2, 3):
        crashed = True
    command = " ".join(a for a in args if a in ("inspect", "validate", "--json"))
    run = Run(command, result.exit_code, crashed, result.output)
    if escaped:
        run.exception, run.where = describe_exception(result.exc_info)
    elif crashed:
        run.exception, run.where = _debug_run(args) or ("exit 3", _where_in_text(result.output))
    if run.inspected and out is not None and (out / "findings.json").is_file():
        run.findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    elif run.inspected and "--json" in args:
        try:
            run.findings = json.loads(result.stdout)
        except ValueError:
            run.output += "\n(validate --json printed no JSON)"
    return run


def describe_exception(exc_info) -> tuple[str, str]:
    kind, value, tb = exc_info
    message = (str(value).strip().splitlines() or [""])[0][:160]
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if "/auditor/" in f.filename]
    inner = frames[-1] if frames else None
    where = _frame(ours[-1]) if ours else (_frame(inner) if inner else "?")
    if inner is not None and ours and inner is not ours[-1]:
        where += f" (innermost {_frame(inner)})"
    return f"{kind.__name__}: {message}", where


def _frame(frame: traceback.FrameSummary) -> str:
    path = frame.filename
    for marker in ("/auditor/", "/site-packages/"):
        if marker in path:
            path = path[path.index(marker) + 1 :]
            break
    return f"{path}:{frame.lineno} in {frame.name}"


def _debug_run(args: list[str]) -> tuple[str, str] | None:
    """Exit 3 with the one-line message: run again with --debug, where the CLI has it, for the
    exception and where it was raised."""
    from typer.testing import CliRunner

    from auditor.cli import app

    for debug_args in ([*args, "--debug"], ["--debug", *args]):
        result = CliRunner().invoke(app, debug_args)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            return describe_exception(result.exc_info)
        if "Traceback" in result.output:
            return _exception_in_text(result.output), _where_in_text(result.output)
    return None


def _where_in_text(text: str) -> str:
    found = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', text) or re.findall(r"(\S+\.py):(\d+) in (\S+)", text)
    ours = [f for f in found if "auditor" in f[0]]
    if not (ours or found):
        return "?"
    path, line, name = (ours or found)[-1]
    return f"{path[path.find('auditor'):] if 'auditor' in path else path}:{line} in {name}"


def _exception_in_text(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if re.match(r"^\s*\w+(\.\w+)*(Error|Exception)\b", line)]
    return lines[-1][:160] if lines else "exit 3"


def run_case(case: Case, pack: Path, out: Path, validate: bool = True) -> list[Run]:
    """``inspect`` on the pack, then (with ``validate``) ``validate`` and ``validate --json``."""
    run = run_cli(case.cli_args(pack, out), out)
    if run.crashed and "_build_in_processes" in (run.where or ""):
        run.where = locate_in_one_process(case, pack) or run.where
    checks = [run_cli(["validate", str(pack)]), run_cli(["validate", "--json", str(pack)])] if validate else []
    return [run, *checks]


def locate_in_one_process(case: Case, pack: Path) -> str | None:
    """Where an exception a forked fact-building process handed back was raised: the hand-over
    loses the traceback (auditor/facts/__init__.py), so the library inspects again in one process."""
    from auditor.inspection import inspect

    try:
        inspect(pack, as_of=case.as_of, processes=1)
    except Exception:
        return describe_exception(sys.exc_info())[1]
    return None


def accounting_problems(written: Written, findings: dict) -> list[str]:
    """Every row accounted for: per file, rows == accepted + rejected, rejected == its rejected
    rows, rows == the rows written, and each line a corruption made unreadable rejected."""
    return _accounting(written, findings)[0]


def _accounting(written: Written, findings: dict) -> tuple[list[str], int]:
    """The problems, and the rows written in files whose rows are all accounted for."""
    problems, accounted = [], 0
    inputs = {i["file"]: i for i in findings["inputs"]}
    rejected = Counter(r["file"] for r in findings["rejected_rows"])
    rejected_lines: dict[str, set[int]] = {}
    for row in findings["rejected_rows"]:
        rejected_lines.setdefault(row["file"], set()).add(row["line"])
    for name in sorted(set(inputs) - set(written.files)):
        problems.append(f"{name}: in findings.json inputs but not written")
    for name, expected in written.files.items():
        summary = inputs.get(name)
        if summary is None:
            problems.append(f"{name}: written but not among findings.json inputs")
            continue
        rows, accepted, rejects = summary["rows"], summary["accepted"], summary["rejected"]
        before = len(problems)
        if rows != accepted + rejects:
            problems.append(f"{name}: rows {rows} != accepted {accepted} + rejected {rejects}")
        if rejects != rejected[name]:
            problems.append(f"{name}: rejected {rejects} but {rejected[name]} rejected_rows")
        if expected.rows is not None and summary.get("unit", "row") == "row" and rows != expected.rows:
            problems.append(f"{name}: {rows} rows read, {expected.rows} written")
        accounted += (expected.rows or 0) if len(problems) == before else 0
        for line, corruption in sorted(expected.must_reject.items()):
            if line not in rejected_lines.get(name, set()):
                problems.append(f"{name}: line {line} ({corruption}) not rejected")
        outside = sorted(n for n in rejected_lines.get(name, set()) if not 1 <= n <= expected.lines)
        if outside:
            problems.append(f"{name}: rejected line(s) {outside[:3]} outside the file's {expected.lines} lines")
    return problems, accounted


def finding_ids(findings: dict) -> set[str]:
    return {f["id"] for f in findings["findings"]}


def id_changes(first: set[str], second: set[str]) -> str:
    by_rule = Counter(i.split("-")[0] for i in first ^ second)
    return ", ".join(f"{rule} {count}" for rule, count in sorted(by_rule.items()))


@dataclass
class Outcome:
    """What one case gave, as the test asserts and the bench counts it."""

    case: Case
    runs: list[Run]  # inspect, validate, validate --json, then inspect on the shuffled copy
    crashes: list[str]  # "crash in <command>: Exception: message at file:line"
    accounting: list[str]
    refusal: str | None  # a refusal of a pack with nothing that allows one, or no refusal where one is due
    shuffle: str | None  # the finding ids that changed with the order of the rows
    rows: int = 0  # rows written (where exactly known)
    rows_accounted: int = 0  # of those, rows in files whose rows are all accounted for

    @property
    def run(self) -> Run:
        return self.runs[0]

    @property
    def problems(self) -> list[str]:
        return [*self.crashes, *self.accounting, *filter(None, [self.refusal, self.shuffle])]


def inspect_case(case: Case, folder: Path, check_shuffle: bool = True) -> Outcome:
    """Write the case's pack, inspect and validate it with the CLI (and inspect a shuffled copy),
    judge the result."""
    written = write_pack(case, folder / "pack")
    runs = run_case(case, written.pack, folder / "out")
    run, listing = runs[0], runs[-1]
    accounting, accounted = _accounting(written, run.findings) if run.findings else ([], 0)
    if listing.findings and run.findings:
        accounting += _disagreements(run.findings, listing.findings)
    elif listing.findings:  # inspect refused the pack (a policy, a date) or crashed
        accounting += [f"validate --json: {p}" for p in accounting_problems(written, listing.findings)]
    rows = sum(e.rows or 0 for e in written.files.values())
    refusal = None
    if run.refused and not written.may_refuse:
        refusal = f"refused (exit 2) with nothing that allows it: {run.first_line()[:200]}"
    elif run.inspected and written.must_refuse:
        refusal = f"inspected (exit {run.exit_code}), where only a refusal is right: {written.must_refuse}"
    shuffle = None
    if check_shuffle and not written.order_sensitive and not run.crashed:
        copy = write_pack(case, folder / "shuffled", shuffled=True)
        shuffled = run_case(case, copy.pack, folder / "shuffled-out", validate=False)[0]
        shuffled.command = "inspect, rows shuffled"
        runs.append(shuffled)
        if not shuffled.crashed and shuffled.exit_code != run.exit_code:
            shuffle = f"shuffled copy exits {shuffled.exit_code}, the pack {run.exit_code}"
        elif run.findings and shuffled.findings:
            ids, again = finding_ids(run.findings), finding_ids(shuffled.findings)
            if ids != again:
                shuffle = f"finding ids changed on shuffling the rows: {id_changes(ids, again)}"
    crashes = [f"crash in {r.command}: {r.signature}" for r in runs if r.crashed]
    return Outcome(case, runs, crashes, accounting, refusal, shuffle, rows, accounted)


def _disagreements(findings: dict, listing: dict) -> list[str]:
    """``validate --json`` and ``inspect`` read the same pack: the same rows, accepted and rejected."""
    def counts(report: dict) -> dict:
        return {i["file"]: (i["rows"], i["accepted"], i["rejected"]) for i in report["inputs"]}

    mine, theirs = counts(findings), counts(listing)
    return [f"{name}: inspect reads (rows, accepted, rejected) {mine.get(name)}, validate {theirs.get(name)}"
            for name in sorted(set(mine) | set(theirs)) if mine.get(name) != theirs.get(name)]


def culprits(case: Case, folder: Path, signature: str) -> list[str]:
    """Which of the case's corruptions alone give the crash ``signature`` ("none" if the pack
    crashes without any: the school, date or policy)."""
    def crashes_with(keep: Sequence[Corruption], name: str) -> bool:
        trial = folder / name
        shutil.rmtree(trial, ignore_errors=True)
        written = write_pack(case.without_corruptions(keep), trial / "pack")
        runs = run_case(case.without_corruptions(keep), written.pack, trial / "out")
        shutil.rmtree(trial, ignore_errors=True)
        return any(r.crashed and r.signature == signature for r in runs)

    if crashes_with([], "none"):
        return ["none (the school, date or policy)"]
    found = [str(c) for i, c in enumerate(case.corruptions) if crashes_with([c], f"only-{i}")]
    return found or ["a combination: " + ", ".join(map(str, case.corruptions))]
