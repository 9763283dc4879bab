"""The readers of each source format, each turning a file's bytes into ``Cells``: ``read_cells``
chooses one by the file's extension or its first bytes. A new tabular format is a module here,
a line in ``read_cells`` and, if a default file may take its suffix, ``OTHER_SUFFIXES``."""

from __future__ import annotations

from auditor.load.cells import Cells, _bounded
from auditor.load.readers.delimited import read_delimited
from auditor.load.readers.parquet import read_parquet
from auditor.load.readers.xlsx import read_xlsx

_EXCEL = (".xlsx", ".xlsm")
# What a contract file may be called besides its default name (``attendance.csv``), in the order looked for.
OTHER_SUFFIXES = (".parquet", ".xlsx")


def split_sheet(name: str) -> tuple[str, str | None]:
    """``marks.xlsx#Sheet2`` -> (``marks.xlsx``, ``Sheet2``); a CSV has no sheet."""
    file_name, hash_, sheet = name.partition("#")
    if hash_ and file_name.lower().endswith(_EXCEL):
        return file_name, sheet or None
    return name, None


def read_cells(data: bytes, name: str, sheet: str | None = None) -> Cells:
    file_name, _ = split_sheet(name)
    if file_name.lower().endswith(_EXCEL) or data[:4] == b"PK\x03\x04":
        cells = read_xlsx(data, name, sheet)
    elif file_name.lower().endswith(".parquet") or data[:4] == b"PAR1":
        cells = read_parquet(data, name)
    else:
        cells = read_delimited(data, name)
    return _bounded(cells, name)
