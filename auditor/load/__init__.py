"""Load an inspection pack: ``pack.toml`` and its files, into typed frames.

Every input row ends up accepted (in a frame, with its ``line``) or rejected (file, line, reason).
A pack that cannot be inspected at all raises ``PackError`` naming the file. This package knows
encodings, dates, column mappings and code tables; it knows nothing of rules. One module a job:

- ``pack``: ``pack.toml``, finding each file inside the pack folder, ``load_pack``;
- ``files``: the contract's files and their row models;
- ``table``: one file, from bytes to accepted frame and rejected rows;
- ``readers``: each source format's bytes to ``Cells`` (``delimited``, ``xlsx``, ``parquet``);
- ``decoding``, ``cells``: bytes to text; cells as text, and the bounds on them;
- ``columns``: presets and which header is which contract column;
- ``rows``: a table's rows validated; ``grids`` and ``marks``: attendance grids and marks;
- ``ctf``: Common Transfer Files (XML), in place of the admission register and attendance.
"""

from auditor.load.cells import MAX_CELL_CHARACTERS, MAX_SHEET_CELLS, MAX_SHEET_COLUMNS, Cells
from auditor.load.columns import Preset, column_claims, get_preset, presets, refuse_ambiguous, resolve_columns
from auditor.load.decoding import decode
from auditor.load.files import FILES, FileSpec, spec_columns
from auditor.load.grids import WEEKDAYS, detect_layout, melt_grid
from auditor.load.marks import SESSIONS, per_unique
from auditor.load.pack import FILE_OPTIONS, Pack, inside_pack, load_pack, read_config
from auditor.load.readers import read_cells, split_sheet
from auditor.load.readers.delimited import record_starts
from auditor.load.readers.xlsx import NO_SAVED_VALUE
from auditor.load.table import InputSummary, RejectedRow, read_table

__all__ = [
    "FILES",
    "FILE_OPTIONS",
    "MAX_CELL_CHARACTERS",
    "MAX_SHEET_CELLS",
    "MAX_SHEET_COLUMNS",
    "NO_SAVED_VALUE",
    "SESSIONS",
    "WEEKDAYS",
    "Cells",
    "FileSpec",
    "InputSummary",
    "Pack",
    "Preset",
    "RejectedRow",
    "column_claims",
    "decode",
    "detect_layout",
    "get_preset",
    "inside_pack",
    "load_pack",
    "melt_grid",
    "per_unique",
    "presets",
    "read_cells",
    "read_config",
    "read_table",
    "record_starts",
    "refuse_ambiguous",
    "resolve_columns",
    "spec_columns",
    "split_sheet",
]
