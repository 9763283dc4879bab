"""Generate a synthetic inspection pack (docs: /work/shared/spec/inspection-pack.md).

A fictional school's registers as an MIS would export them: English dd/mm/yyyy dates, one
attendance row per pupil per session, LA lists beside them. Everything is drawn from one seeded
random generator, so the same arguments always give the same bytes. On top of a plausible
background, a few pupils are *planted*: each rule REG001-REG006 gets cases that must be flagged and
near misses that must not, listed in ``manifest.json``.

    python sample_registers/generate.py --out sample_registers/example-primary

Only numpy, pandas, holidays and the standard library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd

from generator.compliance import (
    expect_persistent_absence,
    make_new_pupil_returns,
    make_sickness_returns,
    resolve_unexplained_absence,
)
from generator.core import (
    YEAR_GROUPS,
    PackBuilder,
    Timeline,
    TooFewPupils,
    absence_factors,
    background_deletions,
    background_marks,
    build_calendar,
    build_register,
    mid_year_admissions,
    reception_allocations,
    staggered_reception_start,
)
from generator.output import summarise, verify_pack, write_pack
from generator.planted import (
    Anchors,
    plant_part_time,
    plant_reg001,
    plant_reg002,
    plant_reg005,
    plant_reg006,
    plant_reg007,
    plant_reg008,
    plant_reg009,
    plant_reg010,
    plant_reg011,
    plant_reg012,
    plant_reg013,
    plant_reg014,
    plant_reg015,
)

# ---- Main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder to write the pack to")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--pupils", type=int, default=210, help="pupils on roll at the start of the period")
    parser.add_argument("--phase", choices=sorted(YEAR_GROUPS), default="primary")
    parser.add_argument("--urn", default=None, help="school URN (default: a fictional 99xxxx number)")
    parser.add_argument("--name", default=None, help="school name")
    parser.add_argument("--la", default="Northshire Council")
    parser.add_argument(
        "--start", type=dt.date.fromisoformat, default=dt.date(2024, 9, 2), help="period start (ISO date)"
    )
    parser.add_argument(
        "--end", type=dt.date.fromisoformat, default=dt.date(2025, 3, 14), help="inspection date (ISO date)"
    )
    parser.add_argument("--no-verify", action="store_true", help="skip reading the pack back (for very large packs)")
    parser.add_argument(
        "--format",
        choices=["csv", "parquet"],
        default="csv",
        help="attendance.csv, or attendance.parquet (needs pyarrow)",
    )
    parser.add_argument(
        "--ctf-out",
        help="also write the school as a Common Transfer File: a pack folder with ctf.xml, pack.toml and the LA's lists",
    )
    authority = parser.add_argument_group("a local authority: one pack per school under --out (see README)")
    authority.add_argument("--schools", type=int, default=0, help="number of schools (every 5th secondary)")
    authority.add_argument("--pupils-per-school", type=int, default=250, help="average pupils per school")
    authority.add_argument("--workers", type=int, default=2, help="processes generating schools in parallel")
    authority.add_argument("--verify", action="store_true", help="read every school's pack back (slow)")
    args = parser.parse_args(argv)
    primary = args.phase == "primary"
    args.urn = args.urn or ("990001" if primary else "990002")
    args.name = args.name or ("Brookfield Community Primary School" if primary else "Brookfield High School")
    return args


def build(args: argparse.Namespace, calendar: pd.DataFrame | None = None) -> tuple[PackBuilder, pd.DataFrame]:
    """The pack of one school: background, planted cases, the compliant school's returns, and
    the manifest. ``calendar`` may be given (an authority's schools share one)."""
    rng = np.random.default_rng(args.seed)
    school_year = args.start.year if args.start.month >= 8 else args.start.year - 1
    if calendar is None:
        calendar = build_calendar(args.start, args.end)
    timeline = Timeline.from_calendar(calendar)
    register = build_register(rng, args, school_year)
    marks = background_marks(rng, timeline, absence_factors(rng, len(register), args.phase))
    pack = PackBuilder(rng, timeline, register, marks, args.phase)

    anchors = Anchors.of(timeline)
    staggered_reception_start(pack)
    plant_reg001(pack, anchors)
    plant_reg002(pack, anchors)
    plant_part_time(pack, anchors, args.end)
    plant_reg005(pack, anchors)
    plant_reg006(pack, anchors, school_year)
    plant_reg007(pack, anchors)
    plant_reg008(pack, anchors)
    plant_reg009(pack, anchors)
    plant_reg010(pack, anchors)
    plant_reg011(pack, anchors)
    plant_reg012(pack, anchors)
    plant_reg013(pack, anchors)
    plant_reg014(pack, anchors)
    mid_year_admissions(pack)
    background_deletions(pack)
    plant_reg015(pack, anchors)
    reception_allocations(pack, school_year)
    resolve_unexplained_absence(pack)
    make_new_pupil_returns(pack)
    make_sickness_returns(pack)
    expect_persistent_absence(pack, pd.Timestamp(args.end))
    return pack, calendar


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        generate(args)
    except TooFewPupils as err:
        raise SystemExit(f"generate.py: {err} (--pupils, or --pupils-per-school for an authority)") from None


def generate(args: argparse.Namespace) -> None:
    if args.schools:
        from generator.authority import generate_authority, report

        report(generate_authority(args))
        return
    began = time.perf_counter()
    pack, calendar = build(args)
    counts = write_pack(pack, args, calendar)
    if args.ctf_out:
        from generator.ctf import write_ctf_pack

        counts["ctf.xml (pupils)"] = write_ctf_pack(pack, args, Path(args.out), Path(args.ctf_out))
    seconds = time.perf_counter() - began
    if not args.no_verify and args.format == "csv":
        problems = verify_pack(Path(args.out))
        if problems:
            raise SystemExit("the pack fails its own checks:\n  " + "\n  ".join(problems))
        summarise(Path(args.out), counts, seconds)
    else:
        print(f"wrote {args.out} in {seconds:.1f}s: " + ", ".join(f"{n} {c:,}" for n, c in counts.items()))


if __name__ == "__main__":
    main()
