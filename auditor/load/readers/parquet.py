"""A Parquet extract to ``Cells``: every value as text, dates as ISO."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from auditor.errors import PackError
from auditor.load.cells import Cells, _headers


def read_parquet(data: bytes, name: str) -> Cells:
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
