"""The fuzz benchmark: many corrupted packs through the real CLI, outside the test suite.

    python bench/fuzz.py --packs 2000                # every core; a seed per pack, from --seed
    python bench/fuzz.py --packs 300 --keep /tmp/fz  # also write every pack that broke a property
    python bench/fuzz.py --seed 417 --packs 1 --keep /tmp/fz   # one pack again, by its seed
    python bench/fuzz.py --case '{"seed": ...}'      # a case as printed by tests/test_property.py

Each pack is drawn from its seed by the generator of tests/fuzzpacks.py (the one the property
test uses, with larger schools: 60-400 pupils), written, inspected with ``register-audit inspect``
(in a forked process, killed after --timeout seconds) and inspected again with the rows of every
file shuffled. It prints the packs tried, inspected (exit 0 or 1), refused (exit 2), crashed
(exit 3, an exception escaping the CLI, or a traceback printed) and timed out; the rows accounted
for; and, for each distinct crash, the exception, where it was raised (file:line), the corruption
that alone causes it (each corruption of the pack is tried on its own) and how to reproduce it.
Rows not accounted for, refusals of packs that only have bad cells and rows, and finding ids that
change with the order of the rows are listed the same way. Exit status: 0 when no pack broke a
property, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import defaultdict
from multiprocessing.connection import wait
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzzpacks import Case, RandomChooser, culprits, draw_case, inspect_case, write_pack  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packs", type=int, default=100, help="packs to try (default 100)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the first pack; pack i has seed + i")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="packs at a time (default: every core)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a pack may take, all runs (default 300)")
    parser.add_argument("--pupils", default="60-400", help="school sizes, LOW-HIGH (default 60-400)")
    parser.add_argument("--keep", type=Path, help="write each pack that broke a property to this folder")
    parser.add_argument("--case", help="run this one case (JSON, as the property test prints it)")
    parser.add_argument("--no-shuffle", action="store_true", help="skip the shuffled copy")
    parser.add_argument("--no-culprits", action="store_true", help="do not look for the corruption behind a crash")
    parser.add_argument("--json", type=Path, help="write every pack's outcome to this file")
    args = parser.parse_args(argv)
    low, _, high = args.pupils.partition("-")
    args.pupil_range = (int(low), int(high or low))
    return args


def case_for(seed: int, args: argparse.Namespace) -> Case:
    return draw_case(RandomChooser(seed), seed=seed, pupils=args.pupil_range)


def reproduce(seed: int | None, case: Case, args: argparse.Namespace) -> str:
    if seed is None:
        return f"python bench/fuzz.py --case '{case.to_json()}' --keep /tmp/fuzz"
    pupils = f" --pupils {args.pupils}" if args.pupils != "60-400" else ""
    return f"python bench/fuzz.py --seed {seed} --packs 1{pupils} --keep /tmp/fuzz"


# ---- one pack, in a process of its own ---------------------------------------------------------


def one_pack(seed: int | None, case: Case, args: argparse.Namespace, send) -> None:
    os.setpgrp()  # so that a time-out kills the inspection's own helper processes too
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's: helpers must die when told
    os.environ.setdefault("XDG_CACHE_HOME", str(Path(tempfile.gettempdir()) / "fuzz-cache"))
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{seed}-") as scratch:
        folder = Path(scratch)
        outcome = inspect_case(case, folder, check_shuffle=not args.no_shuffle)
        crashes = []
        for run in outcome.runs:
            known = next((c for c in crashes if c["signature"] == run.signature), None)
            if run.crashed and known:
                known["commands"].append(run.command)
            elif run.crashed:
                blame = [] if args.no_culprits else culprits(case, folder / "culprits", run.signature)
                crashes.append({"signature": run.signature, "exception": run.exception, "where": run.where,
                                "commands": [run.command], "culprits": blame})
        if args.keep and outcome.problems:
            kept = args.keep / (f"seed-{seed}" if seed is not None else "case")
            shutil.rmtree(kept, ignore_errors=True)
            written = write_pack(case, kept / "pack")
            (kept / "README.txt").write_text(
                f"{case.describe()}\n\nregister-audit {' '.join(case.cli_args(written.pack, kept / 'out'))}\n"
                + "".join(f"\n{p}" for p in outcome.problems) + "\n",
                encoding="utf-8",
            )
    run = outcome.run
    send.send({
        "seed": seed,
        "case": case.describe(),
        "case_json": case.to_json(),
        "status": "crashed" if run.crashed else "inspected" if run.inspected else "refused",
        "exit_code": run.exit_code,
        "refused_with": run.first_line()[:300] if run.refused else None,
        "refusal": outcome.refusal,
        "crashes": crashes,
        "accounting": outcome.accounting,
        "shuffle": outcome.shuffle,
        "rows": outcome.rows,
        "rows_accounted": outcome.rows_accounted,
        "seconds": round(time.perf_counter() - began, 1),
    })


def run_all(jobs: list[tuple[int | None, Case]], args: argparse.Namespace) -> list[dict]:
    """Every job in a forked process of its own, --workers at a time; on Ctrl-C (or SIGTERM), the
    packs done so far."""
    fork = multiprocessing.get_context("fork")
    pending, running, results = list(reversed(jobs)), {}, []
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        _run(fork, pending, running, results, args)
    except KeyboardInterrupt:
        for process, *_ in running.values():
            _kill(process)
        print(f"\ninterrupted: {len(results)} packs done", file=sys.stderr)
    return results


def _run(fork, pending: list, running: dict, results: list[dict], args: argparse.Namespace) -> None:
    while pending or running:
        while pending and len(running) < args.workers:
            seed, case = pending.pop()
            receiver, sender = fork.Pipe(duplex=False)
            process = fork.Process(target=one_pack, args=(seed, case, args, sender))
            process.start()
            sender.close()
            running[receiver] = (process, seed, case, time.monotonic())
        ready = wait(list(running), timeout=1)
        for receiver in ready:
            process, seed, case, _ = running.pop(receiver)
            try:
                results.append(receiver.recv())
            except EOFError:  # the process died without a word (killed, out of memory)
                results.append(_lost(seed, case, f"the process died (exit {process.exitcode})"))
            process.join(timeout=10)
            _kill(process)  # with any helper left behind by a crash in the inspection
            _progress(results, args.packs if not args.case else 1)
        for receiver, (process, seed, case, started) in list(running.items()):
            if time.monotonic() - started > args.timeout:
                _kill(process)
                del running[receiver]
                results.append(_lost(seed, case, f"timed out after {args.timeout:.0f}s", status="timeout"))
                _progress(results, args.packs)


def _kill(process) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.join()


def _lost(seed: int | None, case: Case, why: str, status: str = "crashed") -> dict:
    crash = {"signature": why, "exception": why, "where": "-", "commands": ["inspect"], "culprits": []}
    return {"seed": seed, "case": case.describe(), "case_json": case.to_json(), "status": status, "exit_code": None,
            "refused_with": None, "refusal": None, "crashes": [crash] if status == "crashed" else [],
            "accounting": [], "shuffle": None, "rows": 0, "rows_accounted": 0, "seconds": None, "why": why}


def _progress(results: list[dict], total: int) -> None:
    if sys.stderr.isatty():
        done = len(results)
        bad = sum(1 for r in results if r["status"] in ("crashed", "timeout"))
        print(f"\r{done}/{total} packs, {bad} crashed or timed out", end="", file=sys.stderr, flush=True)


# ---- the report --------------------------------------------------------------------------------


def _pattern(text: str) -> str:
    """A problem with its numbers (not rule codes) blurred, to group like with like."""
    return re.sub(r"(?<![A-Z\d])\d+", "N", text)


def report(results: list[dict], args: argparse.Namespace, seconds: float) -> bool:
    count = defaultdict(int)
    for r in results:
        count[r["status"]] += 1
    rows = sum(r["rows"] for r in results if r["status"] == "inspected")
    accounted = sum(r["rows_accounted"] for r in results)
    unaccounted = [r for r in results if r["accounting"]]
    print(f"packs tried        {len(results)}   ({seconds:.0f}s, {args.workers} at a time)")
    print(f"inspected (0/1)    {count['inspected']}")
    print(f"refused (exit 2)   {count['refused']}"
          + (f"   ({sum(1 for r in results if r['refusal'])} with nothing in the pack that allows it)"
             if count["refused"] else ""))
    print(f"crashed            {count['crashed']}")
    print(f"timed out          {count['timeout']}")
    print(f"rows accounted for {accounted:,} of {rows:,} rows written in inspected packs"
          f"   ({len(unaccounted)} packs with rows not accounted for, or a bad line not rejected)")
    shuffled = [r for r in results if r["shuffle"]]
    print(f"ids stable         {len(results) - len(shuffled)} of {len(results)} packs"
          f"   ({len(shuffled)} where shuffling the rows changed the findings)")

    crashes: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    for r in results:
        for crash in r["crashes"]:
            crashes[_pattern(crash["signature"])].append((r, crash))
    if crashes:
        print(f"\nCrashes: {len(crashes)} distinct (exception at where)")
    for _, found in sorted(crashes.items(), key=lambda kv: -len(kv[1])):
        first, crash = found[0]
        blamed, commands = defaultdict(int), sorted({command for _, c in found for command in c["commands"]})
        for _, c in found:
            for culprit in c["culprits"] or ["(not looked for)"]:
                blamed[re.sub(r"#\d+", "", culprit)] += 1
        print(f"- {crash['exception']}\n    at {crash['where']}\n    in {', '.join(commands)}; {len(found)} packs; caused by: "
              + ", ".join(f"{name} ({n})" for name, n in sorted(blamed.items(), key=lambda kv: -kv[1])))
        print(f"    e.g. {first['case']}\n    reproduce: {reproduce(first['seed'], Case.from_json(first['case_json']), args)}")

    for title, key in (("Rows not accounted for", "accounting"), ("Refused with nothing that allows it, or inspected"
                       " where a refusal is due", "refusal"),
                       ("Finding ids changed on shuffling", "shuffle")):
        groups: dict[str, list[dict]] = defaultdict(list)
        for r in results:
            problems = r[key] if isinstance(r[key], list) else [r[key]] if r[key] else []
            for problem in problems:
                groups[_pattern(problem)].append((r, problem))
        if groups:
            print(f"\n{title}: {len(groups)} distinct")
        for _, found in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            r, problem = found[0]
            print(f"- {problem}\n    {len(found)} times; e.g. {r['case']}\n"
                  f"    reproduce: {reproduce(r['seed'], Case.from_json(r['case_json']), args)}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    return not (crashes or unaccounted or shuffled or any(r["refusal"] for r in results) or count["timeout"])


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.case:
        jobs = [(None, Case.from_json(args.case))]
    else:
        jobs = [(seed, case_for(seed, args)) for seed in range(args.seed, args.seed + args.packs)]
    began = time.perf_counter()
    results = run_all(jobs, args)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    results.sort(key=lambda r: (r["seed"] is None, r["seed"] or 0))
    raise SystemExit(0 if report(results, args, time.perf_counter() - began) else 1)


if __name__ == "__main__":
    main()
