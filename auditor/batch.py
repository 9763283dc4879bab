"""A whole local authority at once: every pack under a folder inspected in its own process (the
rules engine's C core is not thread-safe, and processes use every core), each school's outputs
written beside the others, and an authority summary made from the schools' results.

One school's failure (a pack that cannot be used, or an internal error while inspecting it) is
reported in the summary and does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from auditor.errors import PackError, describe_crash
from auditor.findings import Inspection
from auditor.indicators import Indicators
from auditor.inspection import inspect, prepare_process
from auditor.report import write_outputs

SUMMARY_FILES = ("authority-summary.json", "authority-summary.csv", "authority-summary.html")


class SchoolResult(BaseModel):
    pack: str  # the pack folder, relative to the authority folder
    ok: bool
    failure: Literal["refused", "crashed"] | None = None  # the pack cannot be used; an internal error
    error: str | None = None
    urn: str | None = None
    name: str | None = None
    as_at: dt.date | None = None  # the date the school was judged as at
    outputs: str | None = None  # the school's output folder, relative to the summary
    pupils: int = 0
    marks: int = 0
    rows_read: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    findings: dict[str, dict[str, int]] = {}  # rule -> severity -> count, of the findings not waived
    waived: int = 0  # findings waived (auditor.waivers): not in ``findings``
    not_checked: dict[str, str] = {}  # rule -> why
    indicators: Indicators | None = None


class AuthoritySummary(BaseModel):
    folder: str
    generated_on: dt.date  # the day the summary was made; each school was judged as at its as_at
    as_of: dt.date | None = None  # the date every school was asked to be judged as at, if one was
    schools: list[SchoolResult]
    rules: dict[str, str]  # code -> title, in catalogue order
    seconds: float
    workers: int

    @property
    def failed(self) -> list[SchoolResult]:
        return [s for s in self.schools if not s.ok]

    @property
    def crashed(self) -> list[SchoolResult]:
        return [s for s in self.schools if s.failure == "crashed"]

    @property
    def as_at_range(self) -> tuple[dt.date, dt.date] | None:
        """The earliest and latest dates the inspected schools were judged as at."""
        dates = [s.as_at for s in self.schools if s.ok and s.as_at]
        return (min(dates), max(dates)) if dates else None


def find_packs(folder: Path) -> list[Path]:
    """Every folder under ``folder`` that holds a pack.toml, in a stable order."""
    return sorted(path.parent for path in folder.rglob("pack.toml"))


def _pack_size(pack: Path) -> int:
    """Bytes of the pack's files: a guide to how long it takes to inspect."""
    return sum(path.stat().st_size for path in pack.iterdir() if path.is_file())


def _output_name(pack: Path, folder: Path) -> str:
    relative = pack.relative_to(folder).as_posix()
    return re.sub(r"[^A-Za-z0-9._-]+", "_", relative if relative != "." else pack.name)


def output_folders(packs: Iterable[Path], folder: Path) -> dict[Path, str]:
    """Each pack's output folder: its path made safe as a name, and made unique by a number where
    two would be the same (``school a`` and ``school_a``; compared case-blind, as Windows and
    macOS do), so that no two packs write to one folder. Decided once, before any pack runs."""
    taken = {name.casefold() for name in SUMMARY_FILES}
    names = {}
    for pack in sorted(packs):
        base = name = _output_name(pack, folder)
        number = 1
        while name.casefold() in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name.casefold())
        names[pack] = name
    return names


def inspect_school(
    pack: Path,
    folder: Path,
    out: Path,
    as_of: dt.date | None,
    policy: str | None,
    formats: tuple[str, ...],
    outputs: str | None = None,
) -> SchoolResult:
    """Inspect one pack and write its outputs into ``out / outputs``; never raises, so one
    school cannot stop the rest. An internal error is reported by its kind and crash report,
    never its message, which can hold a cell's value."""
    began = time.perf_counter()
    name = outputs or _output_name(pack, folder)
    relative = pack.relative_to(folder).as_posix() or "."

    def failed(failure: str, error: str) -> SchoolResult:
        return SchoolResult(pack=relative, ok=False, failure=failure, error=error, seconds=time.perf_counter() - began)

    try:
        result = inspect(pack, as_of=as_of, policy=policy)
        write_outputs(result, out / name, formats)
    except PackError as err:
        return failed("refused", str(err))
    except OSError as err:  # the outputs cannot be written
        return failed("refused", f"{err.filename or out / name}: cannot be written ({err.strerror or err})")
    except Exception as err:  # a fault in one school must not stop the authority's run
        return failed("crashed", describe_crash("inspect-la", err))
    return _summarise(result, relative, name, time.perf_counter() - began)


def _summarise(result: Inspection, relative: str, outputs: str, seconds: float) -> SchoolResult:
    findings: dict[str, dict[str, int]] = {}
    for finding in result.counted:
        by_severity = findings.setdefault(finding.rule, {})
        by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
    marks = sum(i.marks for i in result.inputs)
    return SchoolResult(
        pack=relative,
        ok=True,
        urn=result.school.urn,
        name=result.school.name,
        as_at=result.inspection.date,
        outputs=outputs,
        pupils=result.indicators.pupils_on_roll if result.indicators else 0,
        marks=marks,
        rows_read=sum(i.rows for i in result.inputs),
        rows_rejected=sum(i.rejected for i in result.inputs),
        seconds=seconds,
        findings=findings,
        waived=len(result.waived),
        not_checked={r.code: r.reason or "" for r in result.rules if r.status == "not_checked"},
        indicators=result.indicators,
    )


def inspect_authority(
    folder: Path,
    out: Path,
    as_of: dt.date | None = None,
    policy: str | None = None,
    formats: Iterable[str] = ("json", "csv", "html"),
    workers: int | None = None,
    on_result: Callable[[SchoolResult, int], None] | None = None,
) -> AuthoritySummary:
    """Inspect every pack under ``folder``; ``on_result(result, total)`` is told of each school as
    it finishes (for a progress bar)."""
    from auditor.rules import load_rules

    began = time.perf_counter()
    packs = find_packs(folder)
    names = output_folders(packs, folder)
    workers = max(1, min(workers or os.cpu_count() or 1, len(packs) or 1))
    out.mkdir(parents=True, exist_ok=True)
    formats = tuple(formats)
    results: list[SchoolResult] = []
    with ProcessPoolExecutor(max_workers=workers, initializer=prepare_process) as pool:
        # Largest first, so that no large school is left running alone at the end.
        futures = [
            pool.submit(inspect_school, pack, folder, out, as_of, policy, formats, names[pack])
            for pack in sorted(packs, key=_pack_size, reverse=True)
        ]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if on_result:
                on_result(result, len(packs))
    results.sort(key=lambda r: r.pack)
    return AuthoritySummary(
        folder=str(folder),
        generated_on=dt.date.today(),
        as_of=as_of,
        schools=results,
        rules={rule.code: rule.title for rule in load_rules()},
        seconds=time.perf_counter() - began,
        workers=workers,
    )
