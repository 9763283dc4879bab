"""A table's rows validated against its pydantic row model: the whole file in one call when every
row is valid, else row by row, each rejection with its line, column and reason."""

from __future__ import annotations

from functools import cache

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from auditor.load.files import FileSpec, spec_columns


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
