"""make fuzz: hundreds of random valid networks through the whole flow, every beat of every stream compared.

    .venv/bin/python bench/fuzz.py [--networks 500] [--start 0] [--jobs 2] [--images 12] [--out build/fuzz]

Each seed is a network (tests/fuzz.py): compiled, linted with -Wall, simulated on
Verilator with random input gaps and output backpressure against the reference,
then without either, where every image after the first two must take exactly the
manifest's interval. Writes one JSON line per network to OUT/results.jsonl and
prints the totals (networks, beats compared, intervals checked, mismatches, failures
by seed) for BENCHMARKS.md. Exits non-zero when any network fails; its folder is
kept under OUT for a rerun.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz import FuzzResult, check  # noqa: E402  (after the sys.path set-up)


def _one(args: tuple[int, str, int]) -> FuzzResult:
    seed, out, images = args
    return check(seed, Path(out), images=images)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--networks", type=int, default=500)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--images", type=int, default=12)
    p.add_argument("--out", default="build/fuzz")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    results: list[FuzzResult] = []
    seeds = range(args.start, args.start + args.networks)
    with open(out / "results.jsonl", "w") as log, ProcessPoolExecutor(args.jobs) as pool:
        for r in pool.map(_one, [(s, str(out), args.images) for s in seeds]):
            results.append(r)
            log.write(json.dumps(r.row()) + "\n")
            log.flush()
            if not r.ok:
                print(f"seed {r.seed}: FAILED: {r.failure}", flush=True)
            elif len(results) % 25 == 0:
                print(f"{len(results)} networks ...", flush=True)
    wall = time.perf_counter() - t0
    failed = [r for r in results if not r.ok]
    kinds = Counter(r.kind for r in results)
    dtypes = Counter(r.input_dtype for r in results)
    print(f"networks: {len(results)} ({dict(kinds)}), input dtypes {dict(sorted(dtypes.items()))}")
    print(f"images: {sum(r.images for r in results)}; beats compared: {sum(r.beats_compared for r in results):,}")
    exact = sum(r.measured == [r.interval] for r in results)
    print(f"interval measured = predicted (no gaps, no backpressure): {exact} of {len(results)} networks")
    print(f"mismatching or failing networks: {len(failed)} {[r.seed for r in failed]}")
    print(f"wall time: {wall:.0f} s with {args.jobs} jobs (command: python bench/fuzz.py --networks {args.networks} "
          f"--start {args.start} --jobs {args.jobs} --images {args.images})")
    return 1 if failed else 0


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    code = main()
    print(provenance("verilator"))
    sys.exit(code)
