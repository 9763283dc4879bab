"""Delimited text (CSV, tab- or semicolon-separated) to ``Cells``: the delimiter and the header
line found, every record numbered by the line it starts on, malformed lines reported, not fatal."""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings

import numpy as np
import pandas as pd

from auditor.errors import PackError
from auditor.load.cells import Cells, _headers
from auditor.load.decoding import decode


def read_delimited(data: bytes, name: str) -> Cells:
    text, encoding = decode(data)
    crs = "\r" in text
    if crs:  # Windows (CRLF) and old-Mac (CR) line endings: every CR, LF or CRLF ends a line
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    top = _first_lines(text, 20)
    delimiter, first = _header(top)
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


_DELIMITERS = (",", "\t", ";", "|")  # in order of preference, where two split a header alike


def _header_line(lines: list[str], delimiter: str) -> int:
    """Index of the header: the first line with two or more non-empty fields, so that a report's
    title and blank lines above the header are passed over (0 when there is none)."""
    for index, line in enumerate(lines):
        if _fields(line, delimiter) >= 2:
            return index
    return 0


def _fields(line: str, delimiter: str) -> int:
    return sum(1 for field in line.split(delimiter) if field.strip().strip('"'))


def _header(lines: list[str]) -> tuple[str, int]:
    """The delimiter and the index of the header line. For each delimiter its header is the first
    line of two or more fields; the delimiter kept is the one whose header the lines below agree
    with (as many fields), then the one that splits it into most fields, then the first in
    ``_DELIMITERS``. So a title above a tab- or semicolon-separated header ("Printed 01/12/2026,
    10:14") is passed over, and a semicolon inside a comma-separated cell does not count."""
    lines = [lines[0].lstrip("\ufeff"), *lines[1:]] if lines else lines
    best, best_score = (",", 0), None
    for delimiter in _DELIMITERS:
        index = _header_line(lines, delimiter)
        width = _width(lines[index], delimiter) if lines else 0
        if not lines or _fields(lines[index], delimiter) < 2:
            continue
        below = [line for line in lines[index + 1 :] if line.strip()][:10]
        agree = sum(_width(line, delimiter) == width for line in below) / len(below) if below else 1.0
        score = (agree, width)
        if best_score is None or score > best_score:
            best, best_score = (delimiter, index), score
    return best


def _width(line: str, delimiter: str) -> int:
    """Fields of one line, quotes respected (a quoted line break makes it a guess, which is all
    this is used for)."""
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:  # a field past csv's limit: its row is rejected later, here a plain split will do
        return line.count(delimiter) + 1


_SKIPPED = re.compile(r"Skipping line (\d+): (.+)")


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
