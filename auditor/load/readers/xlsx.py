"""An Excel workbook's sheet to ``Cells``: values as text, each row keeping its sheet row number,
a formula with no saved value a fault of its cell, an oversized sheet refused."""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings

import numpy as np
import pandas as pd

from auditor.errors import PackError
from auditor.load.cells import MAX_SHEET_CELLS, MAX_SHEET_COLUMNS, Cells, _headers

NO_SAVED_VALUE = "is a formula with no saved value (open and save the file in Excel)"


def read_xlsx(data: bytes, name: str, sheet: str | None) -> Cells:
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
