"""Writing a pack as an MIS would export it, and reading it back to check it."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from generator.core import CODES, DATE_FORMAT, PackBuilder, Timeline, person_keys, upn_is_valid

# ---- Writing --------------------------------------------------------------------------------


def is_date_column(column: str) -> bool:
    return column == "date" or column.endswith(("_date", "_on", "date_of_birth"))


def as_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Date columns as datetimes (they hold dates, Timestamps and None along the way)."""
    return frame.assign(**{c: pd.to_datetime(frame[c]) for c in frame.columns if is_date_column(c)})


def english_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Every date column as dd/mm/yyyy, blank when missing."""
    dated = as_dates(frame)
    return frame.assign(**{c: dated[c].dt.strftime(DATE_FORMAT).fillna("") for c in frame.columns if is_date_column(c)})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    english_dates(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def on_roll(register: pd.DataFrame, timeline: Timeline, marks_until: dict | None = None) -> np.ndarray:
    """pupil x register day: from the first day of attendance to the day before deletion (or to
    ``marks_until[pupil]``, for a register that goes on marking a deleted pupil)."""
    first = timeline.dates.searchsorted(pd.DatetimeIndex(pd.to_datetime(register["first_attendance_date"])))
    deleted = pd.to_datetime(register["deletion_date"]).fillna(timeline.dates[-1] + pd.Timedelta(days=1))
    for pupil, day in (marks_until or {}).items():
        if pupil in deleted.index:
            deleted[pupil] = pd.Timestamp(day) + pd.Timedelta(days=1)
    stop = timeline.dates.searchsorted(pd.DatetimeIndex(deleted))
    day = np.arange(len(timeline.dates))
    return (day >= first[:, None]) & (day < stop[:, None])


def as_bytes(values, width: int) -> np.ndarray:
    """ASCII strings as a (n, width) byte matrix, NUL-padded."""
    return np.array(values, dtype=f"S{width}").view(np.uint8).reshape(len(values), width)


def write_attendance(pack: PackBuilder, order: np.ndarray, path: Path, chunk: int = 5_000) -> int:
    """Long form, pupil by pupil in register order. Each row is assembled as fixed-width bytes
    (codes padded with NUL, dropped before writing): pandas' to_csv would manage under a million
    rows a second, this writes the 36 million rows of 100,000 pupils in seconds."""
    upns = as_bytes(pack.register["upn"].to_numpy(), 13)
    dates = as_bytes(pack.timeline.dates.strftime(DATE_FORMAT).to_numpy(), 10)
    sessions = as_bytes(["AM", "PM"], 2)
    codes = as_bytes(CODES, 2)  # "/" becomes "/\0"
    rows = 0
    with path.open("wb") as out:
        out.write(b"upn,date,session,code\n")
        for begin in range(0, len(order), chunk):
            block = order[begin : begin + chunk]
            roll = on_roll(pack.register.iloc[block], pack.timeline, pack.marks_until)
            pupil, day, session = np.nonzero(np.repeat(roll[:, :, None], 2, axis=2))
            line = np.empty((len(pupil), 31), dtype=np.uint8)
            line[:, [13, 24, 27]] = ord(",")
            line[:, 30] = ord("\n")
            line[:, 0:13] = upns[block[pupil]]
            line[:, 14:24] = dates[day]
            line[:, 25:27] = sessions[session]
            line[:, 28:30] = codes[pack.marks[block[pupil], day, session]]
            flat = line.ravel()
            out.write(flat[flat != 0].tobytes())
            rows += len(pupil)
    return rows


def write_attendance_parquet(pack: PackBuilder, order: np.ndarray, path: Path, chunk: int = 20_000) -> int:
    """The same rows as attendance.csv, as Parquet (needs pyarrow): string columns upn, date
    (dd/mm/yyyy), session, code, built from dictionary indices, a row group per chunk of pupils."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    upns = pa.array(pack.register["upn"].to_numpy().astype(str))
    dates = pa.array(pack.timeline.dates.strftime(DATE_FORMAT).to_numpy().astype(str))
    sessions, codes = pa.array(["AM", "PM"]), pa.array(CODES.astype(str))
    schema = pa.schema([(name, pa.string()) for name in ("upn", "date", "session", "code")])

    def column(indices: np.ndarray, dictionary: pa.Array) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), dictionary).dictionary_decode()

    rows = 0
    with pq.ParquetWriter(path, schema) as writer:
        for begin in range(0, len(order), chunk):
            block = order[begin : begin + chunk]
            roll = on_roll(pack.register.iloc[block], pack.timeline, pack.marks_until)
            pupil, day, session = np.nonzero(np.repeat(roll[:, :, None], 2, axis=2))
            table = pa.Table.from_arrays(
                [
                    column(block[pupil], upns),
                    column(day, dates),
                    column(session, sessions),
                    column(pack.marks[block[pupil], day, session], codes),
                ],
                schema=schema,
            )
            writer.write_table(table)
            rows += len(pupil)
    return rows


def write_pack(pack: PackBuilder, args: argparse.Namespace, calendar: pd.DataFrame) -> dict[str, int]:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pack.toml").write_text(pack_toml(args), encoding="utf-8")

    yn = {True: "Y", False: "N"}
    calendar_csv = pd.DataFrame(
        {"date": calendar["date"], "am_open": calendar["open"].map(yn), "pm_open": calendar["open"].map(yn)}
    )
    register = as_dates(pack.register).sort_values(["admission_date", "surname", "forename"], kind="stable")
    tables = {
        "calendar.csv": calendar_csv,
        "admission_register.csv": register,
        "la_returns.csv": as_dates(pd.DataFrame(pack.returns)).sort_values("received_date", kind="stable"),
        "allocations.csv": as_dates(pd.DataFrame(pack.allocations)).sort_values("allocated_on", kind="stable"),
        "part_time_timetables.csv": pd.DataFrame(pack.timetables),
    }
    counts = {}
    for name, frame in tables.items():
        write_csv(frame, out / name)
        counts[name] = len(frame)
    if getattr(args, "format", "csv") == "parquet":
        counts["attendance"] = write_attendance_parquet(pack, register.index.to_numpy(), out / "attendance.parquet")
    else:
        counts["attendance"] = write_attendance(pack, register.index.to_numpy(), out / "attendance.csv")
    (out / "manifest.json").write_text(json.dumps(pack.manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    counts["manifest.json"] = len(pack.manifest)
    return counts


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def default_command(args: argparse.Namespace) -> str:
    phase = "" if args.phase == "primary" else f" --phase {args.phase}"
    return f"python sample_registers/generate.py --out {args.out} --seed {args.seed} --pupils {args.pupils}{phase}"


def pack_toml(args: argparse.Namespace) -> str:
    return (
        "# Synthetic: a fictional school and fictional pupils (sample_registers/generate.py).\n"
        f"# Regenerate: {getattr(args, 'regenerate', None) or default_command(args)}\n\n"
        "[school]\n"
        f"urn = {toml_string(args.urn)}\n"
        f"name = {toml_string(args.name)}\n"
        f"la = {toml_string(args.la)}\n\n"
        "[inspection]\n"
        f"date = {args.end.isoformat()}\n"
        f"period_start = {args.start.isoformat()}\n"
        'policy = "statutory"\n'
    )


# ---- Checking what was written --------------------------------------------------------------

ENGLISH_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")


def verify_pack(out: Path) -> list[str]:
    """Read the pack back as a tool would and return what is wrong with it (empty: all good)."""
    files = ["admission_register.csv", "attendance.csv", "calendar.csv", "la_returns.csv", "allocations.csv"]
    files.append("part_time_timetables.csv")
    tables = {name: pd.read_csv(out / name, dtype=str, keep_default_na=False) for name in files}
    problems = []
    for name, frame in tables.items():
        for column in [c for c in frame.columns if is_date_column(c)]:
            values = frame[column][frame[column] != ""]
            bad = ~values.str.match(ENGLISH_DATE)
            if bad.any():
                problems.append(f"{name}.{column}: {bad.sum()} values not dd/mm/yyyy")
        if "upn" in frame:
            upns = frame["upn"][frame["upn"] != ""].unique()
            invalid = [u for u in upns if not upn_is_valid(u)]
            if invalid:
                problems.append(f"{name}: {len(invalid)} UPNs with a wrong check letter, e.g. {invalid[0]}")

    register, marks, calendar = tables["admission_register.csv"], tables["attendance.csv"], tables["calendar.csv"]
    if register["upn"].duplicated().any():
        problems.append("admission_register.csv: duplicate UPNs")
    people = register.assign(date_of_birth=pd.to_datetime(register["date_of_birth"], format=DATE_FORMAT))
    if person_keys(people).duplicated().any():
        problems.append(
            "admission_register.csv: two pupils share names and date of birth (matching by names is ambiguous)"
        )
    if not marks["upn"].isin(register["upn"]).all():
        problems.append("attendance.csv: marks for pupils not in the register")
    closed = set(calendar.loc[calendar["am_open"] == "N", "date"])
    on_closed = marks["date"].isin(closed)
    if (on_closed != (marks["code"] == "#")).any():
        problems.append("attendance.csv: a mark other than # on a closed day, or # on an open day")
    if marks.duplicated(["upn", "date", "session"]).any():
        problems.append("attendance.csv: more than one mark for a pupil's session")
    return problems


def summarise(out: Path, counts: dict[str, int], seconds: float) -> None:
    marks = pd.read_csv(out / "attendance.csv", dtype=str, keep_default_na=False, usecols=["upn", "code"])
    possible = marks[marks["code"] != "#"]
    share = possible["code"].value_counts(normalize=True).mul(100).round(2)
    present = possible["code"].isin(["/", "\\", "L"]).groupby(possible["upn"]).mean()
    print(f"wrote {out} in {seconds:.1f}s")
    for name, rows in counts.items():
        print(f"  {name:28} {rows:>9,} rows")
    print("  codes (% of possible sessions): " + ", ".join(f"{c} {v}" for c, v in share.items()))
    print(f"  attendance: mean {present.mean():.1%}, persistent absentees (<90%): {(present < 0.9).sum()}")
    manifest = pd.DataFrame(json.loads((out / "manifest.json").read_text(encoding="utf-8")))
    planted = manifest.groupby(["rule", "expect"]).size().unstack(fill_value=0)
    print(
        "  planted: "
        + ", ".join(f"{r} {row.finding} finding / {row.no_finding} near miss" for r, row in planted.iterrows())
    )
