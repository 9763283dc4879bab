"""Load an inspection pack: ``pack.toml`` and its CSV files, into typed frames.

Every input row ends up accepted (in a frame, with its ``line``) or rejected (file, line, reason).
A pack that cannot be inspected at all raises ``PackError`` naming the file. This module knows
encodings, dates, column mappings and code tables; it knows nothing of rules.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from auditor.errors import PackError
from auditor.models import (
    ATTENDANCE_LAYOUTS,
    AdmissionRow,
    AllocationRow,
    AttendanceColumns,
    CalendarRow,
    PackConfig,
    ReturnRow,
    Row,
    TimetableRow,
)
from auditor.regulations import regulations
from auditor.resources import rules_dir
from auditor.values import parse_date_column


@dataclass(frozen=True)
class FileSpec:
    key: str
    default_name: str
    model: type[Row]
    required: bool = False

    @property
    def columns(self) -> list[str]:
        return list(self.model.model_fields)

    @property
    def required_columns(self) -> list[str]:
        return [name for name, f in self.model.model_fields.items() if f.is_required()]

    @property
    def date_columns(self) -> list[str]:
        return [
            name
            for name, f in self.model.model_fields.items()
            if "date" in str(f.annotation) or name.endswith(("_date", "_on"))
        ]


FILES: tuple[FileSpec, ...] = (
    FileSpec("admission_register", "admission_register.csv", AdmissionRow, required=True),
    FileSpec("attendance", "attendance.csv", AttendanceColumns),
    FileSpec("la_returns", "la_returns.csv", ReturnRow),
    FileSpec("allocations", "allocations.csv", AllocationRow),
    FileSpec("part_time_timetables", "part_time_timetables.csv", TimetableRow),
    FileSpec("calendar", "calendar.csv", CalendarRow),
)


@dataclass(frozen=True)
class RejectedRow:
    file: str
    line: int
    reason: str
    column: str | None = None  # the header of the cell at fault, when one cell is


@dataclass(frozen=True)
class InputSummary:
    """``rows`` counts what is accounted for: lines of a table, or, for an attendance grid
    (``unit`` "cell"), its marks plus any whole lines rejected. rows == accepted + rejected."""

    file: str
    rows: int
    accepted: int
    rejected: int
    sha256: str
    encoding: str
    layout: str | None = None  # attendance only: long, wide or weekly
    unit: str = "row"
    sheet: str | None = None
    preset: str | None = None


@dataclass
class Pack:
    root: Path
    config: PackConfig
    tables: dict[str, pd.DataFrame | None]  # None: the optional file is not in the pack
    inputs: list[InputSummary] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return self.tables.get(key) is not None

    def file_name(self, key: str) -> str:
        spec = next(s for s in FILES if s.key == key)
        return self.config.files.get(key) or _default_file(self.root, spec)


FILE_OPTIONS = ("attendance_layout",)  # [files] keys that are settings, not file names


def load_pack(root: str | Path) -> Pack:
    root = Path(root)
    if not root.is_dir():
        raise PackError(str(root), "no such pack folder")
    config = read_config(root / "pack.toml")
    unknown = set(config.files) - {s.key for s in FILES} - set(FILE_OPTIONS)
    if unknown:
        raise PackError("pack.toml", f"[files] names unknown file keys: {', '.join(sorted(unknown))}")
    unknown = {k for k in config.columns if k != "preset"} - {s.key for s in FILES}
    if unknown:
        raise PackError("pack.toml", f"[columns] names unknown file keys: {', '.join(sorted(unknown))}")
    pack = Pack(root=root, config=config, tables={})
    for spec in FILES:
        name = config.files.get(spec.key) or _default_file(root, spec)
        file_name, _ = split_sheet(name)
        named_by = f"[files] {spec.key}" if spec.key in config.files else None
        if not inside_pack(root, file_name, "pack.toml" if named_by else file_name, named_by).is_file():
            if spec.required:
                raise PackError(name, "required file is missing from the pack")
            if spec.key in config.files:
                raise PackError(name, f"is named in pack.toml ([files] {spec.key}) but is not in the pack folder")
            pack.tables[spec.key] = None
            continue
        frame, summary, rejected = read_table(
            root,
            name,
            spec,
            config.mapping_for(spec.key),
            preset=config.preset_for(spec.key),
            layout=config.attendance_layout,
        )
        pack.tables[spec.key] = frame
        pack.inputs.append(summary)
        pack.rejected.extend(rejected)
    return pack


def inside_pack(root: Path, name: str, file: str, key: str | None = None) -> Path:
    """``root / name`` with every symlink resolved, refused if that lies outside the pack folder:
    nothing outside a pack is read for it, whatever its pack.toml names or its links point to.
    ``file`` and ``key`` say who named it, for the message (no key: a default file name)."""
    named = f"{key} = {name!r} " if key else ""
    try:
        path = (root / name).resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL in the name
        raise PackError(file, f"{named}is not a usable file name") from None
    if not path.is_relative_to(root.resolve()):
        raise PackError(file, f"{named}lies outside the pack folder" if key else "links outside the pack folder")
    return path


def _default_file(root: Path, spec: FileSpec) -> str:
    """``attendance.csv``, or else ``attendance.parquet`` or ``attendance.xlsx`` if the pack has one."""
    stem = spec.default_name.rsplit(".", 1)[0]
    for name in (spec.default_name, f"{stem}.parquet", f"{stem}.xlsx"):
        if (root / name).is_file():
            return name
    return spec.default_name


def read_config(path: Path) -> PackConfig:
    if not path.is_file():
        raise PackError("pack.toml", "not found in the pack folder")
    try:
        raw = tomllib.loads(decode(path.read_bytes())[0])
    except tomllib.TOMLDecodeError as err:
        raise PackError("pack.toml", f"is not valid TOML: {err}") from None
    try:
        return PackConfig.model_validate(raw)
    except ValidationError as err:
        raise PackError("pack.toml", "; ".join(_describe(e) for e in err.errors())) from None


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without byte-order mark), UTF-16 with a byte-order mark (Excel's "Unicode
    text"), else Windows-1252, as English MIS exports are."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined: keep them rather than fail
        return data.decode("latin-1"), "latin-1"


def _header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower()).strip("_")


# ---- presets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """How one school system's exports name the contract's columns (``rules/presets/*.toml``)."""

    name: str
    title: str
    description: str
    columns: dict[str, dict[str, tuple[str, ...]]]  # file key -> contract column -> headers


@cache
def presets() -> dict[str, Preset]:
    found = {}
    for path in sorted((rules_dir() / "presets").glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        columns = {
            key: {contract: (h,) if isinstance(h, str) else tuple(h) for contract, h in table.items()}
            for key, table in raw.get("columns", {}).items()
        }
        found[raw["name"]] = Preset(raw["name"], raw["title"], raw.get("description", "").strip(), columns)
    return found


def get_preset(name: str | None) -> Preset | None:
    if not name:
        return None
    try:
        return presets()[name]
    except KeyError:
        known = ", ".join(presets())
        raise PackError("pack.toml", f"no column preset named '{name}' (known: {known})") from None


# ---- reading a file's cells --------------------------------------------------------------------

_EXCEL = (".xlsx", ".xlsm")

# Bounds on what a file may hold, so that a hostile or broken file is refused or its rows rejected
# with a reason, never read into gigabytes of memory.
MAX_CELL_CHARACTERS = 1_000  # no name, date, code or ground comes near it
MAX_SHEET_COLUMNS = 2_000  # a wide register grid of a school year has about 400
MAX_SHEET_CELLS = 10_000_000  # rows × columns of a sheet, after its trailing blank rows and columns
NO_SAVED_VALUE = "is a formula with no saved value (open and save the file in Excel)"


def split_sheet(name: str) -> tuple[str, str | None]:
    """``marks.xlsx#Sheet2`` -> (``marks.xlsx``, ``Sheet2``); a CSV has no sheet."""
    file_name, hash_, sheet = name.partition("#")
    if hash_ and file_name.lower().endswith(_EXCEL):
        return file_name, sheet or None
    return name, None


def _no_faults() -> pd.DataFrame:
    return pd.DataFrame({"line": pd.Series(dtype="int64"), "column": pd.Series(dtype=object), "problem": pd.Series(dtype=object)})


@dataclass
class Cells:
    """A file's cells as text: a frame with the file's headers plus ``line``; lines that could not
    be split into the header's columns, with why; the encoding (or "xlsx"). ``faults`` are cells
    whose value cannot be taken (line, column header, problem: "is 5,000 characters long: at most
    1,000"), blank in the frame; a row is rejected for one only where its column is read.
    ``written`` maps the new name of a repeated header (``code.1``) to the header as written."""

    frame: pd.DataFrame
    skipped: dict[int, str]
    encoding: str
    sheet: str | None = None
    faults: pd.DataFrame = field(default_factory=_no_faults)
    written: dict[str, str] = field(default_factory=dict)


def read_cells(data: bytes, name: str, sheet: str | None = None) -> Cells:
    file_name, _ = split_sheet(name)
    if file_name.lower().endswith(_EXCEL) or data[:4] == b"PK\x03\x04":
        cells = _read_xlsx(data, name, sheet)
    elif file_name.lower().endswith(".parquet") or data[:4] == b"PAR1":
        cells = _read_parquet(data, name)
    else:
        cells = _read_delimited(data, name)
    return _bounded(cells, name)


def _bounded(cells: Cells, name: str) -> Cells:
    """Cells longer than ``MAX_CELL_CHARACTERS`` become faults, blanked so that a 200 MB field
    goes no further; one vectorised length per column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    frame = cells.frame
    for header in frame.columns:
        if len(str(header)) > MAX_CELL_CHARACTERS:
            raise PackError(name, f"a header is {len(str(header)):,} characters long: at most {MAX_CELL_CHARACTERS:,}")
    found = [cells.faults]
    for column in frame.columns.drop("line"):
        # UTF-8 bytes, at least the characters: from Arrow's offsets, without a pass over the text.
        if (pc.max(pc.binary_length(pa.array(frame[column]))).as_py() or 0) > MAX_CELL_CHARACTERS:
            lengths = frame[column].str.len().to_numpy(dtype="int64", na_value=0)
            over = lengths > MAX_CELL_CHARACTERS
            problems = [f"is {n:,} characters long: at most {MAX_CELL_CHARACTERS:,}" for n in lengths[over]]
            found.append(pd.DataFrame({"line": frame["line"].to_numpy()[over], "column": column, "problem": problems}))
            frame.loc[over, column] = ""
    if len(found) > 1:
        cells.faults = pd.concat(found, ignore_index=True)
    return cells


def _read_delimited(data: bytes, name: str) -> Cells:
    text, encoding = decode(data)
    crs = "\r" in text
    if crs:  # Windows (CRLF) and old-Mac (CR) line endings: every CR, LF or CRLF ends a line
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    delimiter = _delimiter(text)
    top = _first_lines(text, 20)
    first = _header_line(top, delimiter)
    body = text[sum(len(line) + 1 for line in top[:first]) :].lstrip("\ufeff") if first else text.lstrip("\ufeff")
    if not body or body.isspace():
        raise PackError(name, "file is empty (no header row)")
    if not _first_lines(body, 1)[0].strip():
        raise PackError(name, "has no header row (a line naming the columns) above the data")
    # The body as UTF-8 bytes, the one form read from here on: the file's own bytes when they are that already.
    same_bytes = encoding == "utf-8" and not first and not crs
    encoded = data.removeprefix(codecs.BOM_UTF8) if same_bytes else body.encode("utf-8")
    del text, body  # a 200 MB field is held once, not once a form
    frame, skipped, written = _read_csv(encoded, name, delimiter)
    if first:
        frame["line"] += first
    skipped = {line + first: reason for line, reason in skipped.items()}
    return Cells(frame, skipped, encoding, written=written)


def _first_lines(text: str, count: int) -> list[str]:
    """The first ``count`` lines, without copying the rest of a large file."""
    end = -1
    for _ in range(count):
        end = text.find("\n", end + 1)
        if end < 0:
            return text.split("\n")
    return text[:end].split("\n")


def _header_line(lines: list[str], delimiter: str) -> int:
    """Index of the header: the first line with two or more non-empty fields, so that a report's
    title and blank lines above the header are passed over (0 when there is none)."""
    for index, line in enumerate(lines):
        if sum(1 for field in line.split(delimiter) if field.strip().strip('"')) >= 2:
            return index
    return 0


_SKIPPED = re.compile(r"Skipping line (\d+): (.+)")


def _delimiter(text: str) -> str:
    """Comma, unless the header line has none and has tabs or semicolons instead."""
    header = _first_lines(text.lstrip("\ufeff"), 1)[0]
    if "," in header:
        return ","
    for candidate in ("\t", ";", "|"):
        if candidate in header:
            return candidate
    return ","


def _read_csv(encoded: bytes, name: str, delimiter: str) -> tuple[pd.DataFrame, dict[int, str], dict[str, str]]:
    """Every cell as text (``encoded``: UTF-8, line breaks as LF), each row with the line where it
    starts; rows with too many fields, and the lines swallowed by a quote that is never closed,
    are skipped and reported, not fatal."""
    starts, open_quote = record_starts(encoded, delimiter)
    swallowed: dict[int, str] = {}
    if open_quote is not None:
        start, quote_line = open_quote
        if start == 1:
            raise PackError(name, f'an unmatched quote (") on line {quote_line}: the header and every line after it cannot be read')
        cut = _line_offset(encoded, start)
        swallowed = _swallowed_lines(encoded[cut:].decode("utf-8"), start, quote_line)
        encoded = encoded[:cut]
        starts = starts[:-1]
    one_line_each = b'"' not in encoded or len(starts) == encoded.count(b"\n") + (0 if encoded.endswith(b"\n") else 1)
    frame = _read_well_formed_csv(encoded, delimiter, len(starts)) if one_line_each else None
    skipped: dict[int, str] = {}
    if frame is None:
        frame, bad = _read_careful_csv(encoded, delimiter, name)
        if len(frame) + len(bad) != len(starts):  # the two readings of the quotes disagree: say so, never misnumber
            raise PackError(name, "cannot be read as CSV: its quotes (\") could not be matched up; check the lines holding them")
        kept = np.ones(len(starts), dtype=bool)
        kept[np.array(sorted(bad), dtype=np.int64) - 1] = False
        skipped = {int(starts[record - 1]): reason for record, reason in bad.items()}
        starts = starts[kept]
    headers, written = _headers(frame.iloc[0])
    frame = frame.iloc[1:].set_axis(headers, axis=1).reset_index(drop=True)
    frame.insert(0, "line", starts[1:])
    return frame, skipped | swallowed, written


def record_starts(encoded: bytes, delimiter: str) -> tuple[np.ndarray, tuple[int, int] | None]:
    """The line (from 1) where each record of a CSV text starts, a line break inside a quoted field
    not ending its record, as pandas' and pyarrow's readers split it; vectorised. With it, if a
    quote is still open at the end: (the line where that last record starts, the quote's line).

    Only runs of consecutive quotes matter: one of odd length at a field's start opens a quoted
    field, or closes the one it is in; one of odd length elsewhere is literal outside a quoted
    field and closes one inside, so that either way the text after it is unquoted; an even run is
    escaped quotes, or an empty quoted field, and changes nothing."""
    if b'"' not in encoded:  # the usual export: a record is a line
        return np.arange(1, encoded.count(b"\n") + (0 if encoded.endswith(b"\n") else 1) + 1, dtype=np.int64), None
    data = np.frombuffer(encoded, dtype=np.uint8)
    breaks = np.flatnonzero(data == ord("\n"))
    quotes = np.flatnonzero(data == ord('"'))
    open_at = None
    first = np.ones(len(quotes), dtype=bool)
    first[1:] = np.diff(quotes) != 1
    run = quotes[first]
    odd = np.diff(np.append(np.flatnonzero(first), len(quotes))) % 2 == 1
    before = data[np.maximum(run - 1, 0)]
    field_start = (run == 0) | (before == ord(delimiter)) | (before == ord("\n"))
    toggles = np.cumsum(field_start & odd)
    resets = ~field_start & odd
    last_reset = np.maximum.accumulate(np.where(resets, np.arange(len(run)), -1))
    inside = (toggles - np.where(last_reset >= 0, toggles[np.maximum(last_reset, 0)], 0)) % 2 == 1
    previous_run = np.searchsorted(run, breaks) - 1
    quoted = (previous_run >= 0) & inside[np.maximum(previous_run, 0)]
    if inside[-1]:
        opened = np.flatnonzero(inside & ~np.concatenate(([False], inside[:-1])))[-1]
        open_at = int(np.searchsorted(breaks, run[opened])) + 1
    ends = np.flatnonzero(~quoted)  # indices of the breaks that end a record
    ends = ends[breaks[ends] < len(data) - 1]  # a break that ends the text starts no record
    starts = np.concatenate(([1], ends + 2)).astype(np.int64)
    return starts, (int(starts[-1]), open_at) if open_at is not None else None


def _line_offset(encoded: bytes, line: int) -> int:
    """Byte offset where ``line`` (from 1) starts."""
    return int(np.flatnonzero(np.frombuffer(encoded, dtype=np.uint8) == ord("\n"))[line - 2]) + 1


def _swallowed_lines(tail: str, start: int, quote_line: int) -> dict[int, str]:
    """Each non-blank line from ``start`` on, rejected: a quote opened there is never closed, so
    nothing after it can be split into fields."""
    lines = [start + i for i, line in enumerate(tail.split("\n")) if line.strip()]
    where = "starts here" if quote_line == start else f"on line {quote_line}"
    out = {lines[0]: f'an unmatched quote (") {where}: this line and the {len(lines) - 1:,} after it could not be read'}
    out |= {line: f'could not be read: it follows the unmatched quote (") on line {quote_line}' for line in lines[1:]}
    return out


def _read_careful_csv(encoded: bytes, delimiter: str, name: str) -> tuple[pd.DataFrame, dict[int, str]]:
    """pandas' C reader, for a file the fast reader refused: every record, with the number (from
    1, the header being 1) and reason of each one skipped for having more fields than the header."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # header=None: the header is read as a row, so that a first data row with one field
            # more than the header is reported like any other, not taken as an index column.
            frame = pd.read_csv(
                io.BytesIO(encoded),  # bytes, not a StringIO: that would hold four bytes a character
                encoding="utf-8",
                sep=delimiter,
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                on_bad_lines="warn",
            )
        except (pd.errors.ParserError, ValueError, IndexError, OverflowError, csv.Error) as err:
            raise PackError(name, f"cannot be read as CSV: {err}") from None
    bad = {
        int(m[1]): f"has more fields than the header ({m[2].strip()})"
        for w in caught
        for m in _SKIPPED.finditer(str(w.message))
    }
    return frame.fillna("").astype(str), bad


def _read_well_formed_csv(encoded: bytes, delimiter: str, records: int, block: int = 1 << 20) -> pd.DataFrame | None:
    """The fast path for a well-formed export (the usual case, and the large one): pyarrow's
    reader, every cell as text, the header as the first row. None when any record is not a plain
    row of the header's width (a blank line, a short or long row): the careful reader then reads
    the file and reports each such line."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # Field names for every column the header line could hold (quoted delimiters make it fewer).
    most = encoded[: encoded.find(b"\n") if b"\n" in encoded else len(encoded)].count(delimiter.encode()) + 1
    odd: list[object] = []
    try:
        table = pacsv.read_csv(
            io.BytesIO(encoded),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=block),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, ignore_empty_lines=False, invalid_row_handler=lambda row: odd.append(row) or "skip"
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(most)}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError) as err:
        if "straddl" in str(err) and block < len(encoded):  # a line longer than a block: one block, then
            return _read_well_formed_csv(encoded, delimiter, records, len(encoded) + 1)
        return None
    if odd or table.num_rows != records or not all(pa.types.is_string(t) for t in table.schema.types):
        return None
    return table.to_pandas()


def _read_parquet(data: bytes, name: str) -> Cells:
    """A Parquet extract (large authorities' exports): every cell as text, dates as ISO, so the
    same checks apply; row n of the table is reported as line n + 1, the header being line 1."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as err:
        raise PackError(name, f"cannot be read as Parquet ({err})") from None
    columns = {}
    for column_name, values in zip(table.column_names, table.columns):
        if pa.types.is_date(values.type) or pa.types.is_timestamp(values.type):
            # In Arrow, not pandas: a date such as 0214-01-18 has no datetime64[ns].
            values = pc.strftime(values, format="%Y-%m-%d")
        frame_column = values.to_pandas()
        columns[str(column_name)] = frame_column.astype(object).where(frame_column.notna(), "").astype(str)
    frame = pd.DataFrame(columns)
    headers, written = _headers(frame.columns)
    frame.columns = headers
    frame.insert(0, "line", np.arange(2, len(frame) + 2))
    return Cells(frame, {}, "parquet", written=written)


def _read_xlsx(data: bytes, name: str, sheet: str | None) -> Cells:
    """The named sheet, else the first; the header is the first row with two or more cells filled
    and each row keeps its sheet row number as its line. Dates become ISO text; whole numbers
    lose their ``.0``. Trailing blank rows and columns are not read, and a sheet beyond
    ``MAX_SHEET_COLUMNS`` or ``MAX_SHEET_CELLS`` is refused; a formula with no saved value is a
    fault of its cell, not a blank."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on unsupported extensions and styles
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            if sheet is not None and sheet not in book.sheetnames:
                raise PackError(name, f"has no sheet '{sheet}' (sheets: {', '.join(book.sheetnames)})")
            worksheet = book[sheet] if sheet else book.worksheets[0]
            unsaved = _formulas_without_value(data, worksheet._worksheet_path)  # noqa: SLF001 - openpyxl keeps no public path
            worksheet.reset_dimensions()  # a sheet's own <dimension> may claim A1:XFD1048576: read only what is there
            raw = _sheet_cells(worksheet, name, unsaved)
            title = worksheet.title
            book.close()
    except PackError:
        raise
    except Exception as err:  # openpyxl raises many kinds for a damaged workbook
        raise PackError(name, f"cannot be read as an Excel workbook ({type(err).__name__}: {err})") from None
    if raw.empty:
        raise PackError(name, f"sheet '{title}' is empty (no header row)")
    raw = raw.map(_cell_text)
    # The header: the first row with two or more cells filled (a report's title rows are passed over).
    filled = (raw.ne("").sum(axis=1) >= 2).to_numpy()
    first = int(np.argmax(filled)) if filled.any() else 0
    headers, written = _headers(raw.iloc[first])
    frame = raw.iloc[first + 1 :].copy()
    frame.columns = headers
    frame.insert(0, "line", np.arange(first + 2, first + 2 + len(frame)))
    faults = [(row, headers[column - 1], NO_SAVED_VALUE) for row, column in sorted(unsaved) if row > first + 1]
    header_faults = sorted(column for row, column in unsaved if row == first + 1)
    if header_faults:
        from openpyxl.utils import get_column_letter

        raise PackError(name, f"header cell {get_column_letter(header_faults[0])}{first + 1} {NO_SAVED_VALUE}")
    cells = Cells(frame.reset_index(drop=True), {}, "xlsx", title, written=written)
    if faults:
        cells.faults = pd.DataFrame(faults, columns=["line", "column", "problem"])
    return cells


def _sheet_cells(worksheet, name: str, unsaved: set[tuple[int, int]]) -> pd.DataFrame:
    """The sheet's values up to its last filled row and column (a formula with no saved value
    counts as filled), row by row as openpyxl streams them, never the sheet's whole rectangle."""
    from openpyxl.utils import get_column_letter

    reach: dict[int, int] = {}  # row -> the last column holding a formula with no saved value
    for row, column in unsaved:
        reach[row] = max(reach.get(row, 0), column)
    rows, width, last = [], 0, 0
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        end = len(values)
        while end and values[end - 1] in (None, ""):
            end -= 1
        end = max(end, reach.get(number, 0))
        if end > MAX_SHEET_COLUMNS:
            raise PackError(
                name,
                f"sheet '{worksheet.title}' has data in column {get_column_letter(end)} (row {number}): at most "
                f"{MAX_SHEET_COLUMNS:,} columns are read; delete what lies beyond the register",
            )
        rows.append(values[:end] if end else ())
        if end:
            last, width = number, max(width, end)
            if last * width > MAX_SHEET_CELLS:
                raise PackError(
                    name,
                    f"sheet '{worksheet.title}' holds more than {MAX_SHEET_CELLS:,} cells ({last:,} rows by {width:,} "
                    "columns so far): split it, or delete what lies beyond the register",
                )
    cells = np.full((last, width), None, dtype=object)
    for index, values in enumerate(rows[:last]):
        cells[index, : len(values)] = values
    return pd.DataFrame(cells, dtype=object)


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _formulas_without_value(data: bytes, path: str) -> set[tuple[int, int]]:
    """(row, column) of each formula cell of the sheet at ``path`` with no saved value: a file
    written by a script rather than saved by Excel. openpyxl's values give None for them, as for
    a blank. The sheet's XML is parsed for them only if it holds a formula at all."""
    import zipfile
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.cell import coordinate_to_tuple

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        with archive.open(path) as source:
            tail = b""
            while chunk := source.read(1 << 20):
                if _FORMULA.search(tail + chunk):
                    break
                tail = chunk[-16:]
            else:
                return set()
        found = set()
        with archive.open(path) as source:
            row = column = 0
            parent = None
            for event, element in iterparse(source, events=("start", "end")):
                tag = element.tag.rpartition("}")[2]
                if event == "start":
                    if tag == "sheetData":
                        parent = element
                    elif tag == "row":
                        row, column = int(element.get("r") or row + 1), 0
                    continue
                if tag == "c":
                    ref = element.get("r")
                    row, column = coordinate_to_tuple(ref) if ref else (row, column + 1)
                    children = {child.tag.rpartition("}")[2]: child for child in element}
                    value = children.get("v")
                    # A saved empty text result is <v></v> with t="str"; no <v>, or an empty one otherwise, is no value.
                    if "f" in children and (value is None or (not value.text and element.get("t") != "str")):
                        found.add((row, column))
                elif tag == "row" and parent is not None:
                    parent.clear()  # the rows read so far: memory stays one row's worth
    return found


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # isoformat keeps a four-digit year, so 0214 stays a (bad) date
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _headers(row) -> tuple[list[str], dict[str, str]]:
    """A file's headers as column names: blank ones ``Unnamed: 3``, repeated ones numbered as pandas
    numbers them (``Mark``, ``Mark.1``); with the header as written of each one renumbered."""
    used: set[str] = set()
    out, written = [], {}
    for index, cell in enumerate(row):
        header = str(cell).strip() or f"Unnamed: {index}"
        name, count = header, 0
        while name in used:
            count += 1
            name = f"{header}.{count}"
        used.add(name)
        out.append(name)
        if name != header:
            written[name] = header
    return out, written


# ---- column mapping ----------------------------------------------------------------------------


def resolve_columns(
    headers: list[str], spec: FileSpec, mapping: dict[str, str], preset: Preset | None, name: str = ""
) -> dict[str, str]:
    """Header -> contract column, each column from the first header that claims it (see
    ``column_claims``); ``refuse_ambiguous`` says when more than one does."""
    return {found[0]: contract for contract, found in column_claims(headers, spec, mapping, preset, name).items()}


def column_claims(
    headers: list[str],
    spec: FileSpec,
    mapping: dict[str, str],
    preset: Preset | None,
    name: str = "",
    written: dict[str, str] | None = None,
) -> dict[str, list[str]]:
    """Contract column -> the headers that claim it, at the first rank that claims it: the
    pack.toml mapping (its headers must exist); the preset's names for it, the first listed
    that the file has; headers that differ from the contract's name only in case, spacing or
    punctuation ("Date of Birth"). A header claims one column at most. A repeated header
    (``code.1``) is spelt as written (``code``)."""
    unknown = set(mapping) - set(spec.columns)
    if unknown:
        raise PackError("pack.toml", f"[columns.{spec.key}] maps unknown columns: {', '.join(sorted(unknown))}")
    missing_mapped = [h for h in mapping.values() if h not in headers]
    if missing_mapped:
        raise PackError(name, f"has no column {missing_mapped[0]!r} named in pack.toml")
    written = written or {}
    spelt = {header: _header_key(written.get(header, header)) for header in headers}
    claims: dict[str, list[str]] = {}

    def claim(contract: str, found: list[str]) -> bool:
        taken = {h for hs in claims.values() for h in hs}
        found = [h for h in found if h not in taken]
        if found and contract in spec.columns and contract not in claims:
            claims[contract] = found
        return bool(found)

    for contract, header in mapping.items():
        claim(contract, [header])
    for contract, names in (preset.columns.get(spec.key, {}) if preset else {}).items():
        for wanted in map(_header_key, names):
            if contract in claims or claim(contract, [h for h in headers if spelt[h] == wanted]):
                break
    for contract in spec.columns:
        claim(contract, [h for h in headers if spelt[h] == contract])
    return claims


def refuse_ambiguous(claims: dict[str, list[str]], spec: FileSpec, name: str, written: dict[str, str]) -> None:
    """Two headers that could each be one contract column: which one the school meant is not
    for the tool to guess."""
    for contract, found in claims.items():
        if len(found) > 1:
            shown = [f"'{written[h]}' again (read as '{h}')" if h in written else f"'{h}'" for h in found]
            raise PackError(
                name,
                f"headers {', '.join(shown[:-1])} and {shown[-1]} could each be the {contract} column: name the one "
                f'to read in pack.toml, e.g. [columns.{spec.key}] {contract} = "{found[0]}"',
            )


def _rename_columns(
    frame: pd.DataFrame, name: str, spec: FileSpec, renames: dict[str, str], required: list[str]
) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in spec.columns if c in frame.columns and c not in renames])
    frame = frame.rename(columns=renames)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        found = ", ".join(str(c) for c in frame.columns if c != "line")
        raise PackError(name, f"missing required column(s) {', '.join(missing)} (found: {found})")
    return frame


# ---- one file ----------------------------------------------------------------------------------


def read_table(
    root: Path,
    name: str,
    spec: FileSpec,
    mapping: dict[str, str],
    preset: str | None = None,
    layout: str | None = None,
) -> tuple[pd.DataFrame, InputSummary, list[RejectedRow]]:
    file_name, sheet = split_sheet(name)
    data = (root / file_name).read_bytes()
    cells = read_cells(data, name, sheet)
    headers = [c for c in cells.frame.columns if c != "line"]
    claims = column_claims(headers, spec, mapping, get_preset(preset), name, cells.written)
    refuse_ambiguous(claims, spec, name, cells.written)
    renames = {found[0]: contract for contract, found in claims.items()}
    original = {contract: header for header, contract in renames.items()}
    unit = "row"

    if spec.model is AttendanceColumns:
        layout = layout or detect_layout(headers)
        if layout not in ATTENDANCE_LAYOUTS:
            raise PackError("pack.toml", f"attendance_layout '{layout}' is not one of {', '.join(ATTENDANCE_LAYOUTS)}")
        if layout == "long":
            frame = _rename_columns(cells.frame, name, spec, renames, spec.required_columns)
            frame, faulty = _reject_faults(frame, cells.faults, renames)
            frame = frame[~frame[spec_columns(frame, spec)].eq("").all(axis=1)]
            marks, line_rejects = frame, faulty
        else:
            unit = "cell"
            frame = _rename_columns(cells.frame, name, spec, renames, ["upn"])
            marks, line_rejects = melt_grid(frame, layout, name, original.get("upn", "upn"), cells.faults)
        accepted, bad = _validate_attendance(marks, original)
        rejected = [RejectedRow(name, int(line), reason, column) for line, reason, column in line_rejects + bad]
        rows = len(marks) + len(line_rejects)
    else:
        frame = _rename_columns(cells.frame, name, spec, renames, spec.required_columns)
        frame, faulty = _reject_faults(frame, cells.faults, renames)
        frame = frame[~frame[spec_columns(frame, spec)].eq("").all(axis=1)]
        accepted, bad = _validate_rows(frame, spec, original)
        rejected = [RejectedRow(name, int(line), reason, column) for line, reason, column in faulty + bad]
        rows = len(frame) + len(faulty)
        layout = None

    rejected += [RejectedRow(name, line, reason) for line, reason in cells.skipped.items()]
    rejected.sort(key=lambda r: (r.line, r.column or ""))
    rows += len(cells.skipped)
    summary = InputSummary(
        file=name,
        rows=rows,
        accepted=len(accepted),
        rejected=rows - len(accepted),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=cells.encoding,
        layout=layout,
        unit=unit,
        sheet=cells.sheet,
        preset=preset,
    )
    return accepted.reset_index(drop=True), summary, rejected


def _reject_faults(frame: pd.DataFrame, faults: pd.DataFrame, renames: dict[str, str]) -> tuple[pd.DataFrame, list]:
    """The rows with a fault in a column that is read, rejected with the first such fault (line,
    reason, column), and the frame without them."""
    faults = faults[faults["column"].isin(renames)]
    if faults.empty:
        return frame, []
    first = faults.drop_duplicates("line")
    reasons = first["column"].map(renames) + " " + first["problem"]
    return frame[~frame["line"].isin(first["line"])], list(zip(first["line"], reasons, first["column"]))


def spec_columns(frame: pd.DataFrame, spec: FileSpec) -> list[str]:
    return [c for c in spec.columns if c in frame.columns]


def _describe(error: dict) -> str:
    where = ".".join(str(p) for p in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "no value given"
    elif error["type"] == "string_too_short":
        message = "is empty"
    return f"{where}: {message}" if where else message


@cache
def _rows_adapter(model: type) -> TypeAdapter:
    return TypeAdapter(list[model])


def _validate_rows(frame: pd.DataFrame, spec: FileSpec, original: dict[str, str]) -> tuple[pd.DataFrame, list]:
    columns = spec_columns(frame, spec)
    # Records from lists of cells: to_dict("records") boxes every cell of Arrow-backed text.
    records = [dict(zip(columns, cells)) for cells in zip(*(frame[c].tolist() for c in columns))]
    adapter = _rows_adapter(spec.model)
    try:  # the usual case, every row valid: one call into pydantic-core for the whole file
        rows = adapter.dump_python(adapter.validate_python(records), mode="python")
    except ValidationError:
        return _validate_each_row(frame["line"], records, spec, original)
    result = pd.DataFrame(rows, columns=spec.columns)
    result.insert(0, "line", frame["line"].astype("int64").to_numpy())
    return _with_dates(result, spec), []


def _with_dates(result: pd.DataFrame, spec: FileSpec) -> pd.DataFrame:
    for column in spec.date_columns:
        result[column] = pd.to_datetime(result[column]).astype("datetime64[ns]")
    return result


def _validate_each_row(lines: pd.Series, records: list[dict], spec: FileSpec, original: dict[str, str]) -> tuple[pd.DataFrame, list]:
    """Row by row, so that each rejected row is reported with its line, column and reason."""
    accepted, bad = [], []
    for line, record in zip(lines, records):
        try:
            row = spec.model.model_validate(record)
        except ValidationError as err:
            first = err.errors()[0]["loc"]
            column = original.get(str(first[0]), str(first[0])) if first else None
            bad.append((line, "; ".join(_describe(e) for e in err.errors()), column))
            continue
        accepted.append({"line": int(line), **row.model_dump(mode="python")})
    return _with_dates(pd.DataFrame(accepted, columns=["line", *spec.columns]), spec), bad


# ---- attendance: layouts -----------------------------------------------------------------------

SESSIONS = ("AM", "PM")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
_DATE_TEXT = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4}|\d{1,2}\.\d{1,2}\.\d{4}"
# "02/09/2024 AM", "Mon 02/09/2024 AM", "2024-09-02 PM", "02/09/2024 (AM)", "02/09/2024_AM.1"
_DATE_SESSION = re.compile(
    rf"^(?:[A-Za-z]{{3,9}}\.?,?\s+)?(?P<date>{_DATE_TEXT})\s*[-_ ]?\s*\(?(?P<session>AM|PM)\)?(?:\.\d+)?$",
    re.IGNORECASE,
)
# "Mon AM", "Monday PM", "Tue_AM", "WedAM"
_DAY_SESSION = re.compile(
    r"^(?P<day>mon|tue|wed|thu|fri)[a-z]*\.?\s*[-_ ]?\s*\(?(?P<session>AM|PM)\)?(?:\.\d+)?$", re.IGNORECASE
)
_WEEK_HEADERS = {"week_commencing", "week_beginning", "week_starting", "week_of", "w_c", "wc", "week", "week_start"}


def detect_layout(headers: list[str]) -> str:
    """wide: a column per date and session; weekly: a week-commencing column and a column per
    weekday session; else long (one row per mark)."""
    if any(_DATE_SESSION.match(str(h).strip()) for h in headers):
        return "wide"
    if _week_column(headers) and any(_DAY_SESSION.match(str(h).strip()) for h in headers):
        return "weekly"
    return "long"


def _week_column(headers: list[str]) -> str | None:
    return next((h for h in headers if _header_key(h) in _WEEK_HEADERS), None)


def melt_grid(
    frame: pd.DataFrame, layout: str, name: str, upn_header: str, faults: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, list]:
    """A register grid melted to one row per mark (line, upn, date text, session, code, column),
    with vectorised pandas; blank cells are not marks. Lines whose marks cannot be placed (no
    UPN, an unreadable week) are rejected whole, once each, and their cells not counted. A mark
    cell with a fault (a formula with no saved value) is a mark, with its ``fault`` as reason."""
    headers = [c for c in frame.columns if c not in ("line", "upn")]
    if layout == "wide":
        found = {h: _DATE_SESSION.match(str(h).strip()) for h in headers}
        columns = pd.DataFrame(
            [(h, m["date"], m["session"].upper(), None) for h, m in found.items() if m],
            columns=["column", "date", "session", "offset"],
        )
        if columns.empty:
            raise PackError(name, "is laid out wide but has no date-and-session columns such as '02/09/2024 AM'")
    else:
        if _week_column(headers) is None:
            raise PackError(name, "is laid out weekly but has no 'Week Commencing' column")
        found = {h: _DAY_SESSION.match(str(h).strip()) for h in headers}
        columns = pd.DataFrame(
            [(h, None, m["session"].upper(), WEEKDAYS.index(m["day"].lower()[:3])) for h, m in found.items() if m],
            columns=["column", "date", "session", "offset"],
        )
        if columns.empty:
            raise PackError(name, "is laid out weekly but has no session columns such as 'Mon AM'")
    columns["position"] = np.arange(len(columns))
    # Every non-blank cell as a mark (line, column, code), before judging the lines.
    cells = frame[["line", *columns["column"]]].melt(id_vars="line", var_name="column", value_name="code")
    cells["code"] = per_unique(cells["code"], lambda u: u.str.strip())
    cells = cells[cells["code"].ne("")]
    faults = _no_faults() if faults is None else faults
    marked = faults[faults["column"].isin(columns["column"])]
    if not marked.empty:
        unread = marked[["line", "column"]].assign(code="", fault="code " + marked["problem"])
        cells = pd.concat([cells.assign(fault=None), unread], ignore_index=True)
    week = _week_column(headers) if layout == "weekly" else None
    line_faults = faults[faults["column"].isin([upn_header, week])].drop_duplicates("line")
    upn_blank = per_unique(frame["upn"], lambda u: u.str.strip()).eq("")
    # A wholly blank line is not a row.
    frame = frame[frame["line"].isin(cells["line"]) | frame["line"].isin(line_faults["line"]) | ~upn_blank]

    # A fault in the UPN (or week) cell rejects its line, as a blank one would, with the fault as reason.
    problem = line_faults["column"].map({upn_header: "upn", week: week}) + " " + line_faults["problem"]
    line_bad = frame["line"].map(dict(zip(line_faults["line"], problem))).astype(object)
    line_bad = line_bad.where(line_bad.notna(), None)
    line_column = pd.Series(upn_header, index=frame.index, dtype=object)
    line_bad = line_bad.mask(line_bad.isna() & upn_blank[frame.index], "no upn: the marks on this line belong to no pupil")
    if layout == "weekly":
        monday, reason = parse_date_column(frame[week].str.strip())
        weekday = monday.dt.day_name()
        line_bad = line_bad.mask(line_bad.isna() & monday.isna(), week + ": " + reason.fillna(""))
        not_monday = line_bad.isna() & monday.notna() & monday.dt.day_of_week.ne(0)
        line_bad = line_bad.mask(not_monday, week + " " + monday.dt.strftime("%d/%m/%Y") + " is a " + weekday + ", not a Monday")
        line_column = line_column.mask(line_bad.notna() & ~upn_blank[frame.index], week)
        frame = frame.assign(_monday=monday)
    bad_lines = line_bad.notna()
    rejects = list(zip(frame.loc[bad_lines, "line"], line_bad[bad_lines], line_column[bad_lines]))

    good = frame[~bad_lines]
    ids = ["line", "upn"] + (["_monday"] if layout == "weekly" else [])
    long = cells.merge(good[ids], on="line").merge(columns, on="column", how="left")
    if layout == "weekly":
        day = long["_monday"] + pd.to_timedelta(long["offset"].astype(int), unit="D")
        long["date"] = day.dt.strftime("%Y-%m-%d")
    long = long.sort_values(["line", "position"], kind="stable", ignore_index=True)
    return long[["line", "upn", "date", "session", "code", "column", *(["fault"] if "fault" in long else [])]], rejects


def per_unique(values: pd.Series, transform) -> pd.Series:
    """``transform`` (of a Series of text) applied once per distinct value: a school year's half
    million marks hold a few hundred distinct dates, codes and UPNs. The result is categorical,
    so that later comparisons and groupings work on small integer codes, not half a million
    strings."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    done = transform(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
    # Two values may become one ("a" and "A " both "A"): number the results afresh.
    renumbered, categories = pd.factorize(done, use_na_sentinel=False)
    return pd.Series(pd.Categorical.from_codes(renumbered[codes], categories=categories), index=values.index)


def _repeated_marks(upn: pd.Series, date: pd.Series, session: pd.Series) -> pd.Series:
    """Marks for a pupil and session already marked, each (pupil, day, session) as one integer:
    UPN and session are categorical, so hashing integers replaces hashing rows of three values."""
    if upn.empty:
        return pd.Series(False, index=upn.index)
    day = date.to_numpy().astype("datetime64[D]").astype(np.int64)
    day -= day.min()
    sessions = len(session.cat.categories)
    key = (upn.cat.codes.to_numpy().astype(np.int64) * (int(day.max()) + 1) + day) * sessions + session.cat.codes.to_numpy()
    return pd.Series(key, index=upn.index).duplicated(keep="first")


def _validate_attendance(frame: pd.DataFrame, original: dict[str, str]) -> tuple[pd.DataFrame, list]:
    """Column-wise checks of the marks, each mark's first failure as its reason, with the column
    at fault (a grid's cell header, else the file's header for that column)."""
    regs = regulations()
    upn = per_unique(frame["upn"], lambda u: u.str.strip().str.upper())
    session = per_unique(frame["session"], lambda u: u.str.strip().str.upper())
    code = per_unique(frame["code"], lambda u: u.str.strip().str.upper())
    date, date_reason = parse_date_column(per_unique(frame["date"], lambda u: u.str.strip()))
    cell = frame["column"] if "column" in frame else None

    reason = pd.Series(None, index=frame.index, dtype=object)
    where = pd.Series(None, index=frame.index, dtype=object)
    failed = np.zeros(len(frame), dtype=bool)

    def fail(mask: pd.Series, message, column: str) -> None:
        """Give the rows of ``mask`` not yet failed the reason ``message(rows)``."""
        nonlocal reason, where
        new = ~failed & mask.to_numpy(dtype=bool)
        if not new.any():
            return
        failed[new] = True
        new = pd.Series(new, index=frame.index)
        reason = reason.mask(new, message(new) if callable(message) else message)
        where = where.mask(new, cell if cell is not None and column != "upn" else original.get(column, column))

    if "fault" in frame:
        fail(frame["fault"].notna(), lambda rows: frame.loc[rows, "fault"], "code")
    fail(upn.eq(""), "no upn", "upn")
    fail(date.isna(), lambda rows: "date: " + date_reason[rows].fillna(""), "date")
    fail(~session.isin(SESSIONS), lambda rows: "session '" + frame.loc[rows, "session"].astype("str") + "' is not AM or PM", "session")
    fail(code.eq(""), "no attendance code", "code")
    fail(~code.isin(regs.all_codes), lambda rows: "code '" + frame.loc[rows, "code"].astype("str") + "' is not an attendance code", "code")

    ok = pd.Series(~failed, index=frame.index)
    repeated = _repeated_marks(upn[ok], date[ok], session[ok])
    if repeated.any():  # rare: find each repeated mark's first line only then
        first_line = frame.loc[ok, "line"].groupby([upn[ok], date[ok], session[ok]]).transform("first")
        fail(
            repeated.reindex(frame.index, fill_value=False),
            lambda rows: "a second mark for this pupil and session (the first is on line "
            + first_line[repeated].astype(str)
            + ")",
            "code",
        )
        ok = pd.Series(~failed, index=frame.index)

    era = regs.era_ids(date[ok])
    accepted = pd.DataFrame(
        {
            "line": frame.loc[ok, "line"].astype("int64"),
            "upn": upn[ok],
            "date": date[ok],
            "session": session[ok],
            "code": code[ok],
            "era": era,
            "category": regs.categorise(code[ok], era),
        }
    )
    bad = list(zip(frame.loc[~ok, "line"], reason[~ok], where[~ok]))
    return accepted, bad
