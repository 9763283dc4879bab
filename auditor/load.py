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

    def headers(self, key: str) -> dict[str, str]:
        """Normalised header -> contract column, for one file."""
        out: dict[str, str] = {}
        for contract, headers in self.columns.get(key, {}).items():
            for header in headers:
                out.setdefault(_header_key(header), contract)
        return out


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


def split_sheet(name: str) -> tuple[str, str | None]:
    """``marks.xlsx#Sheet2`` -> (``marks.xlsx``, ``Sheet2``); a CSV has no sheet."""
    file_name, hash_, sheet = name.partition("#")
    if hash_ and file_name.lower().endswith(_EXCEL):
        return file_name, sheet or None
    return name, None


@dataclass
class Cells:
    """A file's cells as text: a frame with the file's headers plus ``line``; lines that could not
    be split into the header's columns, with why; the encoding (or "xlsx")."""

    frame: pd.DataFrame
    skipped: dict[int, str]
    encoding: str
    sheet: str | None = None


def read_cells(data: bytes, name: str, sheet: str | None = None) -> Cells:
    file_name, _ = split_sheet(name)
    if file_name.lower().endswith(_EXCEL) or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, name, sheet)
    if file_name.lower().endswith(".parquet") or data[:4] == b"PAR1":
        return _read_parquet(data, name)
    text, encoding = decode(data)
    top = _first_lines(text, 20)
    first = _header_line(top, _delimiter(text))
    body = text[sum(len(line) + 1 for line in top[:first]) :] if first else text
    # The body as UTF-8 bytes for pyarrow: the file's own bytes when they are that already.
    same_bytes = encoding == "utf-8" and not first
    encoded = data.removeprefix(codecs.BOM_UTF8) if same_bytes else body.lstrip("\ufeff").encode("utf-8")
    frame, skipped = _read_csv(body, name, encoded)
    frame.insert(0, "line", _line_numbers(len(frame), skipped) + first)
    skipped = {line + first: reason for line, reason in skipped.items()}
    return Cells(frame, skipped, encoding)


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


def _read_csv(text: str, name: str, encoded: bytes) -> tuple[pd.DataFrame, dict[int, str]]:
    """Every cell as text (``encoded``: the same text as UTF-8); rows with too many fields are
    skipped and reported, not fatal."""
    if not text or text.isspace():
        raise PackError(name, "file is empty (no header row)")
    if not _first_lines(text, 1)[0].strip():
        raise PackError(name, "has no header row (a line naming the columns) above the data")
    fast = _read_well_formed_csv(text, encoded)
    if fast is not None:
        return fast, {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # header=None: the header is read as a row, so that a first data row with one field
            # more than the header is reported like any other, not taken as an index column.
            frame = pd.read_csv(
                io.StringIO(text),
                sep=_delimiter(text),
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                on_bad_lines="warn",
            )
        except (pd.errors.ParserError, ValueError, IndexError) as err:
            raise PackError(name, f"cannot be read as CSV: {err}") from None
    skipped = {
        int(m[1]): f"has more fields than the header ({m[2].strip()})"
        for w in caught
        for m in _SKIPPED.finditer(str(w.message))
    }
    frame = frame.fillna("").astype(str)
    headers = _dedupe([h.strip() or f"Unnamed: {i}" for i, h in enumerate(frame.iloc[0])])
    frame = frame.iloc[1:].set_axis(headers, axis=1).reset_index(drop=True)
    return frame, skipped


def _read_well_formed_csv(text: str, encoded: bytes) -> pd.DataFrame | None:
    """The fast path for a well-formed export (the usual case, and the large one): pyarrow's
    reader, every cell as text. None when any line is not a plain row of the header's width (a
    blank line, a short or long row, a line break inside a quoted cell): the careful reader
    above then reads the file and reports each such line."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    delimiter = _delimiter(text)
    width = len(next(csv.reader(_first_lines(text.lstrip("\ufeff"), 1), delimiter=delimiter)))
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    odd: list[object] = []
    try:
        table = pacsv.read_csv(
            io.BytesIO(encoded),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, ignore_empty_lines=False, invalid_row_handler=lambda row: odd.append(row) or "skip"
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):
        return None
    if odd or table.num_columns != width or table.num_rows != lines:
        return None
    frame = table.to_pandas()
    headers = _dedupe([h.strip() or f"Unnamed: {i}" for i, h in enumerate(frame.iloc[0])])
    return frame.iloc[1:].set_axis(headers, axis=1).reset_index(drop=True)


def _read_parquet(data: bytes, name: str) -> Cells:
    """A Parquet extract (large authorities' exports): every cell as text, dates as ISO, so the
    same checks apply; row n of the table is reported as line n + 1, the header being line 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(io.BytesIO(data)).to_pandas()
    except (pa.ArrowException, OSError) as err:
        raise PackError(name, f"cannot be read as Parquet ({err})") from None
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values) or values.map(type).eq(dt.date).any():
            values = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        frame[column] = values.astype(object).where(values.notna(), "").astype(str)
    frame.columns = [str(c) for c in frame.columns]
    frame.insert(0, "line", np.arange(2, len(frame) + 2))
    return Cells(frame, {}, "parquet")


def _read_xlsx(data: bytes, name: str, sheet: str | None) -> Cells:
    """The named sheet, else the first; the header is the first row with two or more cells filled
    and each row keeps its sheet row number as its line. Dates become ISO text; whole numbers lose their ``.0``."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a damaged workbook
        raise PackError(name, f"cannot be read as an Excel workbook ({type(err).__name__}: {err})") from None
    if sheet is not None and sheet not in book.sheetnames:
        raise PackError(name, f"has no sheet '{sheet}' (sheets: {', '.join(book.sheetnames)})")
    worksheet = book[sheet] if sheet else book.worksheets[0]
    rows = list(worksheet.iter_rows(values_only=True))
    book.close()
    raw = pd.DataFrame(rows, dtype=object)
    if raw.empty:
        raise PackError(name, f"sheet '{worksheet.title}' is empty (no header row)")
    raw = raw.map(_cell_text)
    # The header: the first row with two or more cells filled (a report's title rows are passed over).
    filled = (raw.ne("").sum(axis=1) >= 2).to_numpy()
    first = int(np.argmax(filled)) if filled.any() else 0
    headers = _dedupe([h or f"Unnamed: {i}" for i, h in enumerate(raw.iloc[first])])
    frame = raw.iloc[first + 1 :].copy()
    frame.columns = headers
    frame.insert(0, "line", np.arange(first + 2, first + 2 + len(frame)))
    return Cells(frame.reset_index(drop=True), {}, "xlsx", worksheet.title)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _dedupe(headers: list[str]) -> list[str]:
    """Duplicate headers as pandas names them: ``Mark``, ``Mark.1``."""
    seen: dict[str, int] = {}
    out = []
    for header in map(str, headers):
        count = seen.get(header, 0)
        seen[header] = count + 1
        out.append(header if count == 0 else f"{header}.{count}")
    return out


def _line_numbers(count: int, skipped: dict[int, str]) -> np.ndarray:
    """File line of each parsed row: the header is line 1; skipped lines take no row."""
    lines = np.arange(2, 2 + count + len(skipped))
    return lines[~np.isin(lines, list(skipped))]


# ---- column mapping ----------------------------------------------------------------------------


def resolve_columns(
    headers: list[str], spec: FileSpec, mapping: dict[str, str], preset: Preset | None, name: str = ""
) -> dict[str, str]:
    """Header -> contract column: the pack.toml mapping first (its headers must exist), then the
    preset's headers, then headers that differ from the contract's names only in case, spacing or
    punctuation ("Date of Birth")."""
    unknown = set(mapping) - set(spec.columns)
    if unknown:
        raise PackError("pack.toml", f"[columns.{spec.key}] maps unknown columns: {', '.join(sorted(unknown))}")
    missing_mapped = [h for h in mapping.values() if h not in headers]
    if missing_mapped:
        raise PackError(name, f"has no column {missing_mapped[0]!r} named in pack.toml")
    by_header = {header: contract for contract, header in mapping.items()}
    by_preset = preset.headers(spec.key) if preset else {}
    renames: dict[str, str] = {}
    for rank in (by_header.get, lambda h: by_preset.get(_header_key(h)), _header_key):
        for header in headers:
            target = rank(header)
            if target in spec.columns and header not in renames and target not in renames.values():
                renames[header] = target
    return renames


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
    renames = resolve_columns(headers, spec, mapping, get_preset(preset), name)
    original = {contract: header for header, contract in renames.items()}
    unit = "row"

    if spec.model is AttendanceColumns:
        layout = layout or detect_layout(headers)
        if layout not in ATTENDANCE_LAYOUTS:
            raise PackError("pack.toml", f"attendance_layout '{layout}' is not one of {', '.join(ATTENDANCE_LAYOUTS)}")
        if layout == "long":
            frame = _rename_columns(cells.frame, name, spec, renames, spec.required_columns)
            frame = frame[~frame[spec_columns(frame, spec)].eq("").all(axis=1)]
            marks, line_rejects = frame, []
        else:
            unit = "cell"
            frame = _rename_columns(cells.frame, name, spec, renames, ["upn"])
            marks, line_rejects = melt_grid(frame, layout, name, original.get("upn", "upn"))
        accepted, bad = _validate_attendance(marks, original)
        rejected = [RejectedRow(name, int(line), reason, column) for line, reason, column in line_rejects + bad]
        rows = len(marks) + len(line_rejects)
    else:
        frame = _rename_columns(cells.frame, name, spec, renames, spec.required_columns)
        frame = frame[~frame[spec_columns(frame, spec)].eq("").all(axis=1)]
        accepted, bad = _validate_rows(frame, spec, original)
        rejected = [RejectedRow(name, int(line), reason, column) for line, reason, column in bad]
        rows = len(frame)
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


def melt_grid(frame: pd.DataFrame, layout: str, name: str, upn_header: str) -> tuple[pd.DataFrame, list]:
    """A register grid melted to one row per mark (line, upn, date text, session, code, column),
    with vectorised pandas; blank cells are not marks. Lines whose marks cannot be placed (no
    UPN, an unreadable week) are rejected whole, once each, and their cells not counted."""
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
        week = _week_column(headers)
        if week is None:
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
    upn_blank = per_unique(frame["upn"], lambda u: u.str.strip()).eq("")
    frame = frame[frame["line"].isin(cells["line"]) | ~upn_blank]  # a wholly blank line is not a row

    line_bad = pd.Series(None, index=frame.index, dtype=object)
    line_column = pd.Series(upn_header, index=frame.index, dtype=object)
    line_bad = line_bad.mask(upn_blank[frame.index], "no upn: the marks on this line belong to no pupil")
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
    return long[["line", "upn", "date", "session", "code", "column"]], rejects


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
