#!/usr/bin/env python3
"""The benchmark: one command, kept out of the test suite.

    python bench/run.py                      # a 1,500-pupil secondary school and a 100,000-pupil authority
    python bench/run.py --only school        # just the school
    python bench/run.py --authority-pupils 20000   # a smaller authority
    python bench/run.py --profile 10         # where the time goes in 10 of the authority's schools

For each case it prints: rows read; the floor (pandas with the pyarrow engine merely reading the
same CSV files); the whole-process time of `register-audit inspect` (the median of 5 runs) or
`inspect-la` (one run); their ratio; facts per second through durable-rules; peak resident memory
of the process tree; and, for the authority, whether the inspection found exactly the breaches the
generator planted. Packs are generated once into bench/.cache (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
GENERATE = ROOT / "sample_registers" / "generate.py"
PERIOD = ("2024-09-02", "2025-07-18")  # a full school year


def generate(out: Path, *extra: str) -> Path:
    if not (out / ".complete").exists():
        args = [sys.executable, str(GENERATE), "--out", str(out), "--start", PERIOD[0], "--end", PERIOD[1], *extra]
        subprocess.run([*args, "--no-verify"], check=True, stdout=subprocess.DEVNULL)
        (out / ".complete").touch()
    return out


def floor(folder: Path) -> tuple[float, int]:
    """Seconds for pandas (pyarrow engine) to read every CSV under ``folder``, and the rows read."""
    began, rows = time.perf_counter(), 0
    for path in sorted(folder.rglob("*.csv")):
        rows += len(pd.read_csv(path, engine="pyarrow", dtype=str))
    return time.perf_counter() - began, rows


def run_measured(command: list[str]) -> tuple[float, int]:
    """Whole-process seconds and the peak resident memory (bytes) of the process and its children."""
    began = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            try:
                tree = [process, *process.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr.decode()[-2000:]}")
    return time.perf_counter() - began, peak


def engine_throughput(pack: Path) -> tuple[int, float]:
    """Facts posted to durable-rules for one pack, and the seconds the engine took over them."""
    from auditor import engine
    from auditor.facts import build_facts
    from auditor.inspection import _context
    from auditor.load import load_pack
    from auditor.policy import load_policy
    from auditor.rules import load_rules

    loaded = load_pack(pack)
    settings = loaded.config.inspection
    thresholds = load_policy(settings.policy).values_on(settings.date)
    context = _context(loaded, settings.date, settings.period_start, thresholds)
    rules = [r for r in load_rules() if all(loaded.has(n) for n in r.needs)]
    facts = build_facts({r.fact for r in rules}, context)
    posts = sum(len(facts.get(r.fact, [])) * len(r.cases) for r in rules)
    began = time.perf_counter()
    engine.evaluate(rules, facts, thresholds)
    return posts, time.perf_counter() - began


def report(name: str, rows: int, floor_s: float, total_s: float, peak: int, posts: int, engine_s: float) -> dict:
    figures = {
        "case": name,
        "rows_read": rows,
        "floor_s": round(floor_s, 2),
        "end_to_end_s": round(total_s, 2),
        "ratio_to_floor": round(total_s / floor_s, 1),
        "facts_per_s_durable_rules": round(posts / engine_s) if engine_s else None,
        "peak_rss_mb": round(peak / 2**20),
    }
    print(json.dumps(figures))
    return figures


def bench_school(pupils: int, repeats: int) -> dict:
    pack = generate(CACHE / f"school-{pupils}", "--pupils", str(pupils), "--phase", "secondary")
    floor_s, rows = floor(pack)
    out = CACHE / "out-school"
    # A few seconds on a shared machine vary by a fifth from run to run: the median of several.
    runs = [run_measured([sys.executable, "-m", "auditor", "inspect", str(pack), "--out", str(out)]) for _ in range(repeats)]
    total_s, peak = statistics.median(s for s, _ in runs), max(p for _, p in runs)
    posts, engine_s = engine_throughput(pack)
    figures = report(f"school of {pupils} pupils", rows, floor_s, total_s, peak, posts, engine_s)
    print(f"end to end over {len(runs)} runs (median above): " + ", ".join(f"{s:.2f} s" for s, _ in runs))
    return figures


def planted_breaches_found(folder: Path, out: Path) -> tuple[int, list]:
    """Compare every school's findings with the generator's manifest of planted breaches."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    cases = manifest["cases"] if isinstance(manifest, dict) else manifest
    found = set()
    for path in out.rglob("findings.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        found |= {(result["school"]["urn"], f["rule"], f["upn"] or f["pupil"]) for f in result["findings"]}
    wrong = [
        case for case in cases
        if ((case["urn"], case["rule"], case["upn"] or case["pupil"]) in found) != (case["expect"] == "finding")
    ]
    return len(cases), wrong


def bench_authority(pupils: int, schools: int) -> dict:
    folder = generate(
        CACHE / f"authority-{pupils}", "--schools", str(schools), "--pupils-per-school", str(pupils // schools)
    )
    floor_s, rows = floor(folder)
    out = CACHE / "out-authority"
    total_s, peak = run_measured([sys.executable, "-m", "auditor", "inspect-la", str(folder), "--out", str(out)])
    first = next(p.parent for p in sorted(folder.rglob("pack.toml")))
    posts, engine_s = engine_throughput(first)
    figures = report(f"authority of {pupils} pupils in {schools} schools", rows, floor_s, total_s, peak, posts, engine_s)
    cases, wrong = planted_breaches_found(folder, out)
    print(f"planted cases judged as planted: {cases - len(wrong)} of {cases}" + (f"; wrong: {wrong[:5]}" if wrong else ""))
    figures["planted_ok"] = not wrong
    return figures


def profile_authority(pupils: int, count: int) -> None:
    """Where an authority's time goes: the first ``count`` of its schools inspected one after
    another under cProfile, their time split into the phases of an inspection."""
    import cProfile
    import pstats

    from auditor import batch, engine, inspection, report
    from auditor.facts import BUILDERS, register_builders

    folder = CACHE / f"authority-{pupils}"
    if not (folder / ".complete").exists():
        raise SystemExit(f"run the authority benchmark first: {folder} is not there")
    packs = batch.find_packs(folder)[:count]
    out = CACHE / "out-profile"
    batch.inspect_school(packs[0], folder, out, None, None, ("json", "csv", "html"))  # imports, caches
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for pack in packs:
        batch.inspect_school(pack, folder, out, None, None, ("json", "csv", "html"))
    profiler.disable()
    total = time.perf_counter() - began
    register_builders()
    phases = {
        "reading and checking the files": [inspection.load_pack],
        "school calendar": [inspection._context],
        **{f"facts: {kind}": [builder] for kind, builder in sorted(BUILDERS.items())},
        "durable-rules": [engine.evaluate],
        "findings (words, register extracts)": [inspection._finding],
        "outputs (json, csv, html)": [report.write_outputs],
    }
    stats = pstats.Stats(profiler).stats
    cumulative = {(code[0], code[2]): entry[3] for code, entry in stats.items()}
    measured = {
        phase: sum(cumulative.get((f.__code__.co_filename, f.__code__.co_name), 0.0) for f in functions)
        for phase, functions in phases.items()
    }
    profiled = sum(entry[2] for entry in stats.values())
    print(f"{len(packs)} schools one after another: {total:.1f} s ({profiled:.1f} s as profiled)")
    for phase, seconds in sorted(measured.items(), key=lambda item: -item[1]):
        print(f"  {phase:40s} {seconds:6.2f} s {100 * seconds / profiled:5.1f} %")


def compile_package() -> None:
    """Byte-compile the package, as pip does when it installs the tool: this machine sets
    PYTHONDONTWRITEBYTECODE, and without this every measured run would compile it again."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "auditor")], check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["school", "authority"])
    parser.add_argument("--school-pupils", type=int, default=1500)
    parser.add_argument("--school-runs", type=int, default=5, help="runs of the school, whose median is reported")
    parser.add_argument("--authority-pupils", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--profile", type=int, metavar="N", help="instead: where the time goes in N of the authority's schools")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    compile_package()
    if args.profile:
        profile_authority(args.authority_pupils, args.profile)
        return
    if args.only in (None, "school"):
        bench_school(args.school_pupils, args.school_runs)
    if args.only in (None, "authority"):
        bench_authority(args.authority_pupils, args.schools)


if __name__ == "__main__":
    main()
