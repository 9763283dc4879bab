"""How long a 1,500-pupil school's Common Transfer File (a full year of marks) takes to read, next
to loading the same school's CSV pack (and the CTF pack through load_pack, which validates its
rows and marks as a CSV's).

    python bench/ctf.py               # median of 5 runs each
    python bench/ctf.py --runs 9

The packs are generated once into bench/.cache (git-ignored): the CSV pack and, from the same
data, its CTF (sample_registers/generate.py --ctf-out).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.load import load_pack  # noqa: E402
from auditor.load.ctf import read_ctfs  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
GENERATE = ROOT / "sample_registers" / "generate.py"
PERIOD = ("2024-09-02", "2025-07-18")  # a full school year, as bench/run.py


def packs(pupils: int) -> tuple[Path, Path]:
    csv, ctf = CACHE / f"ctf-school-{pupils}", CACHE / f"ctf-school-{pupils}-ctf"
    if not (ctf / ".complete").exists():
        subprocess.run(
            [sys.executable, str(GENERATE), "--out", str(csv), "--ctf-out", str(ctf), "--pupils", str(pupils),
             "--phase", "secondary", "--start", PERIOD[0], "--end", PERIOD[1], "--no-verify"],
            check=True, stdout=subprocess.DEVNULL,
        )
        (ctf / ".complete").touch()
    return csv, ctf


def median_seconds(run, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    csv, ctf = packs(args.pupils)
    data = (ctf / "ctf.xml").read_bytes()
    urn = next(line.split('"')[1] for line in (ctf / "pack.toml").read_text().splitlines() if line.startswith("urn"))
    ctf_s, read = median_seconds(lambda: read_ctfs([("ctf.xml", data)], urn), args.runs)
    ctf_pack_s, ctf_pack = median_seconds(lambda: load_pack(ctf), args.runs)
    csv_s, pack = median_seconds(lambda: load_pack(csv), args.runs)
    marks = len(pack.tables["attendance"])
    print(f"CTF, {len(data) / 1e6:.1f} MB, {len(read.register):,} pupils, {len(read.attendance):,} marks "
          f"(every calendar date): read_ctfs {ctf_s:.2f} s")
    print(f"CTF pack, the marks validated as a CSV's: load_pack {ctf_pack_s:.2f} s")
    print(f"CSV pack, {marks:,} marks (register days): load_pack {csv_s:.2f} s")
    if read.unaccounted() or read.rejected or ctf_pack.rejected:
        raise SystemExit(f"the CTF did not read cleanly: {read.unaccounted()} {read.rejected[:3]}")


if __name__ == "__main__":
    main()
