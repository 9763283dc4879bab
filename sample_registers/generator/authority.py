"""A local authority's schools: one inspection pack per school, generated in parallel.

    python sample_registers/generate.py --out /tmp/authority --schools 300 --pupils-per-school 333

writes ``OUT/<urn>/`` (a pack, with its own ``manifest.json``) for each school and
``OUT/manifest.json``: the schools, every planted case with its school's URN, the planted breaches
per rule, and the code mix the background came out with.

The mix of schools: every 5th school (the 3rd, 8th, 13th, ...) is a secondary (Years 7-11), the
rest primaries (Reception to Year 6). A secondary has five times the pupils of a primary; each
school's size is drawn within +/-25% of its phase's size, and the sizes are scaled so that the
authority has ``schools x pupils-per-school`` pupils in all, except that a primary has at least 70
pupils and a secondary 350 (the planted cases need them). Each school has its own seed (from
``--seed`` and its number), URN (991001, 991002, ...), UPN establishment number and fictional name.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from generator.cli import build
from generator.compliance import MINIMUM_POSSIBLE, PERSISTENT_PERCENT, attendance_rates, written
from generator.core import CODE, CODES, build_calendar
from generator.output import verify_pack, write_pack

SECONDARY_EVERY, SECONDARY_FIRST = 5, 2  # schools 2, 7, 12, ... (counting from 0) are secondaries
SECONDARY_SIZE = 5  # a secondary has five times a primary's pupils
SIZE_SPREAD = 0.25
MINIMUM_PUPILS = {"primary": 70, "secondary": 350}
URN_BASE = 991000  # fictional: real URNs of open schools are 100000-150000 and 400000 up

# Invented place names (not a list of real schools), and the kinds of school they name.
PLACES = (
    "Ashby Moor, Barrowfield, Brackenhurst, Castle Lea, Cherrytree, Coldwater, Copperbeech, Deanfield, "
    "Eastmoor, Elmstead, Fairholme, Fernbrook, Foxhollow, Glenmore, Greystones, Hartwell, Hazelwood, "
    "Heathcote, Highcroft, Hollybank, Kingsmere, Larkrise, Longmeadow, Millbrook, Mossgate, Netherby, "
    "Northgate, Oakhurst, Orchard Vale, Pinewood, Quarry Bank, Redbrook, Rosehill, Rushmere, Saltmarsh, "
    "Sandiford, Silverdale, Southfield, Stonebridge, Sunnymede, Thornbury Heath, Underwood, Westfield, "
    "Whitecross, Willowbank, Windmill Hill, Woodlands, Yarrow"
).split(", ")
QUARTERS = ("", "North ", "South ", "East ", "West ", "Upper ", "Lower ", "Old ", "New ")
KINDS = {
    "primary": (
        "Primary School",
        "Community Primary School",
        "CE Primary School",
        "Primary Academy",
        "Junior and Infant School",
    ),
    "secondary": ("High School", "Academy", "Community College", "School"),
}


@dataclass(frozen=True)
class SchoolSpec:
    number: int
    urn: str
    name: str
    phase: str
    pupils: int
    seed: int
    establishment: int


def school_specs(schools: int, per_school: int, seed: int) -> list[SchoolSpec]:
    rng = np.random.default_rng([seed, schools])
    number = np.arange(schools)
    secondary = number % SECONDARY_EVERY == SECONDARY_FIRST
    weight = np.where(secondary, SECONDARY_SIZE, 1) * rng.uniform(1 - SIZE_SPREAD, 1 + SIZE_SPREAD, size=schools)
    pupils = np.round(weight * schools * per_school / weight.sum()).astype(int)
    places = rng.permutation(len(PLACES))
    specs = []
    for i in number:
        phase = "secondary" if secondary[i] else "primary"
        place = QUARTERS[(i // len(PLACES)) % len(QUARTERS)] + PLACES[places[i % len(PLACES)]]
        if i >= len(PLACES) * len(QUARTERS):
            place += f" {i // (len(PLACES) * len(QUARTERS)) + 1}"
        kinds = KINDS[phase]
        specs.append(
            SchoolSpec(
                number=int(i),
                urn=str(URN_BASE + 1 + i),
                name=f"{place} {kinds[int(rng.integers(len(kinds)))]}",
                phase=phase,
                pupils=max(int(pupils[i]), MINIMUM_PUPILS[phase]),
                seed=int(np.random.SeedSequence([seed, int(i)]).generate_state(1)[0]),
                establishment=(2000 if phase == "primary" else 4000) + (3 * int(i)) % 1990,
            )
        )
    return specs


def school_args(spec: SchoolSpec, args: argparse.Namespace) -> argparse.Namespace:
    out = Path(args.out) / spec.urn
    return argparse.Namespace(
        out=str(out),
        seed=spec.seed,
        pupils=spec.pupils,
        phase=spec.phase,
        urn=spec.urn,
        name=spec.name,
        la=args.la,
        start=args.start,
        end=args.end,
        establishment=spec.establishment,
        format=args.format,
        regenerate=(
            f"python sample_registers/generate.py --out {args.out} --schools {args.schools} "
            f"--pupils-per-school {args.pupils_per_school} --seed {args.seed} "
            f"--start {args.start.isoformat()} --end {args.end.isoformat()} (school {spec.number + 1})"
        ),
    )


def generate_school(spec: SchoolSpec, args: argparse.Namespace, calendar: pd.DataFrame) -> dict:
    """Build and write one school's pack; return its manifest and the measures of its marks."""
    began = time.perf_counter()
    one = school_args(spec, args)
    pack, calendar = build(one, calendar)
    counts = write_pack(pack, one, calendar)
    if args.verify and args.format == "csv":
        problems = verify_pack(Path(one.out))
        if problems:
            raise RuntimeError(f"school {spec.urn} fails its own checks: " + "; ".join(problems))
    rates = attendance_rates(pack, pd.Timestamp(args.end))
    judged = rates[rates["current"] & (rates["possible"] >= MINIMUM_POSSIBLE)]
    return {
        "spec": asdict(spec),
        "manifest": pack.manifest,
        "marks": counts["attendance"],
        "codes": np.bincount(pack.marks[written(pack)].ravel(), minlength=len(CODES)).tolist(),
        "judged_pupils": len(judged),
        "persistent": int((judged["absence_percent"] >= PERSISTENT_PERCENT).sum()),
        "seconds": time.perf_counter() - began,
    }


def generate_authority(args: argparse.Namespace) -> dict:
    """Every school's pack under ``args.out``, in ``args.workers`` processes, and the authority's
    manifest. Returns the manifest."""
    began = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    specs = school_specs(args.schools, args.pupils_per_school, args.seed)
    calendar = build_calendar(args.start, args.end)
    results = []
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        biggest_first = sorted(specs, key=lambda s: -s.pupils)
        futures = [pool.submit(generate_school, spec, args, calendar) for spec in biggest_first]
        for future in as_completed(futures):
            results.append(future.result())
    results.sort(key=lambda r: r["spec"]["number"])
    manifest = authority_manifest(args, results)
    manifest["seconds"] = round(time.perf_counter() - began, 1)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def authority_manifest(args: argparse.Namespace, results: list[dict]) -> dict:
    cases, planted, expected = [], {}, {}
    for result in results:
        urn = result["spec"]["urn"]
        for case in result["manifest"]:
            if case["expect"] == "finding":
                expected[case["rule"]] = expected.get(case["rule"], 0) + 1
            if case.get("background"):
                continue
            cases.append({"urn": urn, **case})
            if case["expect"] == "finding" and case["rule"].startswith("REG"):
                planted[case["rule"]] = planted.get(case["rule"], 0) + 1
    return {
        "generated_by": "sample_registers/generate.py",
        "seed": args.seed,
        "period_start": args.start.isoformat(),
        "inspection_date": args.end.isoformat(),
        "schools": [
            {
                "urn": r["spec"]["urn"],
                "name": r["spec"]["name"],
                "phase": r["spec"]["phase"],
                "pupils": r["spec"]["pupils"],
                "folder": r["spec"]["urn"],
                "seed": r["spec"]["seed"],
                "marks": r["marks"],
            }
            for r in results
        ],
        "pupils": sum(r["spec"]["pupils"] for r in results),
        "marks": sum(r["marks"] for r in results),
        # Breaches planted (REG rules; DQ notes and background persistent absence are not breaches),
        # and every finding the inspection should give (those too).
        "planted_breaches_per_rule": dict(sorted(planted.items())),
        "expected_findings_per_rule": dict(sorted(expected.items())),
        "measured": measured(results),
        "cases": cases,
    }


def measured(results: list[dict]) -> dict:
    """Per phase: absence (% of possible sessions), persistent absence (% of pupils on roll at
    the inspection with enough sessions), and each code's share of possible sessions."""
    summary = {}
    for phase in ("primary", "secondary", "all"):
        chosen = [r for r in results if phase in ("all", r["spec"]["phase"])]
        if not chosen:
            continue
        codes = np.sum([r["codes"] for r in chosen], axis=0)
        codes[CODE["#"]] = 0
        possible = codes.sum()
        present = codes[[CODE[c] for c in ("/", "\\", "L", "K")]].sum()
        judged = sum(r["judged_pupils"] for r in chosen)
        summary[phase] = {
            "schools": len(chosen),
            "absence_percent": round(100 * (1 - present / possible), 2),
            "persistent_absence_percent": round(100 * sum(r["persistent"] for r in chosen) / judged, 1),
            "codes_percent": {CODES[i]: round(100 * n / possible, 3) for i, n in enumerate(codes) if n},
        }
    return summary


def report(manifest: dict) -> None:
    schools = manifest["schools"]
    phases = pd.Series([s["phase"] for s in schools]).value_counts().to_dict()
    print(
        f"wrote {len(schools)} schools ({phases}), {manifest['pupils']:,} pupils, {manifest['marks']:,} marks "
        f"in {manifest['seconds']}s"
    )
    for phase, m in manifest["measured"].items():
        print(
            f"  {phase:9} absence {m['absence_percent']}%, persistent absence {m['persistent_absence_percent']}% of pupils"
        )
    print("  planted breaches: " + ", ".join(f"{r} {n}" for r, n in manifest["planted_breaches_per_rule"].items()))
