"""A file's cells as text, the one form every reader yields (``Cells``), and the bounds on what a
file may hold: a cell too long is a fault of its row, never gigabytes of memory."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from auditor.errors import PackError

# Bounds on what a file may hold, so that a hostile or broken file is refused or its rows rejected
# with a reason, never read into gigabytes of memory.
MAX_CELL_CHARACTERS = 1_000  # no name, date, code or ground comes near it
MAX_SHEET_COLUMNS = 2_000  # a wide register grid of a school year has about 400
MAX_SHEET_CELLS = 10_000_000  # rows × columns of a sheet, after its trailing blank rows and columns


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
