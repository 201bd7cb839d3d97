"""Host side of whole-network simulation: predict every beat with the reference, run the RTL, report.

Used by ``bnnc simulate`` and by the network regression tests. The folded graph
saved by ``bnnc compile`` (``folded_ir.npz``) is the reference, so the beats
are predicted from exactly the graph the RTL came from.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from compiler.codegen.irfile import IR_FILE, load_graph
from compiler.hw.stream import Stream
from compiler.reference import execute, prepare_input

from .runner import SimulationFailure, build_and_test

CHUNK_IMAGES = 100


class SimError(Exception):
    """A simulation request that cannot run (bad folder or inputs): reported as one line."""


@dataclass
class SimReport:
    """What a simulation run measured; ``mismatch`` holds the first mismatch's report, if any."""

    images: int = 0
    predictions: list[int] = field(default_factory=list)
    expected: list[int] = field(default_factory=list)
    mismatch: str | None = None
    interval_predicted: int = 0
    interval_overhead: int = 0
    intervals: list[int] = field(default_factory=list)
    latency_cycles: int | None = None
    cycles: int = 0
    sim_seconds: float = 0.0
    build_seconds: float = 0.0

    @property
    def matches(self) -> int:
        return sum(int(a == b) for a, b in zip(self.predictions, self.expected))

    @property
    def interval_measured(self) -> int | None:
        """Steady-state interval: the largest gap between consecutive images after the first two."""
        steady = self.intervals[2:] or self.intervals
        return max(steady) if steady else None

    @property
    def cycles_per_second(self) -> float:
        return self.cycles / self.sim_seconds if self.sim_seconds else 0.0


def load_rtl(rtl: Path) -> tuple[dict[str, Any], Any]:
    """The manifest and folded graph of a ``bnnc compile`` output folder."""
    mpath = rtl / "manifest.json"
    if not mpath.is_file() or not (rtl / IR_FILE).is_file():
        raise SimError(f"{rtl}: must be a folder written by bnnc compile (with manifest.json and {IR_FILE}), "
                       "not one without them")
    manifest = json.loads(mpath.read_text())
    if "rtl" not in manifest:
        raise SimError(f"{mpath}: must describe RTL (an 'rtl' section), not a reference-only compile")
    return manifest, load_graph(rtl / IR_FILE)


def make_plan(manifest: dict[str, Any], graph: Any, x: np.ndarray, *, gap_prob: float, ready_prob: float,
              seed: int, taps: bool) -> dict[str, Any]:
    """The testbench plan: input beats and the expected beats of the output and every internal stream."""
    rtl = manifest["rtl"]
    outs = execute(graph, x, taps=True)
    assert isinstance(outs, dict)

    def beats(d: dict[str, Any]) -> list[int]:
        s = Stream.from_manifest(d)
        return [b for img in s.tensor_beats(outs[s.tap]) for b in img]

    streams = rtl["streams"]
    internal = []
    if taps:
        for d in streams[1:-1]:
            internal.append({**d, "expected": beats(d)})
    out_d = rtl["output_stream"]
    interval = int(rtl["interval_cycles"])
    n = x.shape[0]
    return {
        "seed": seed, "gap_prob": gap_prob, "ready_prob": ready_prob,
        "input": beats(rtl["input_stream"]), "input_beats_per_image": rtl["input_stream"]["beats_per_image"],
        "internal": internal, "output": {**out_d, "expected": beats(out_d)},
        # Generous bounds: the watchdog names a stuck stream long before max_cycles.
        "watchdog_cycles": 50 * interval + 2000,
        "max_cycles": (n + 20) * interval * (20 if (gap_prob or ready_prob < 1) else 2) + 20000,
        "drain_cycles": 4 * interval + 50,
    }


def _build_dir(rtl: Path, manifest: dict[str, Any]) -> Path:
    """A build folder keyed by the RTL's content, so re-simulating the same RTL skips the build."""
    h = hashlib.sha256()
    for name in sorted(manifest["files"]):
        if name.endswith(".v"):
            h.update(name.encode() + (rtl / name).read_bytes())
    h.update(str(rtl.resolve()).encode())
    return Path(tempfile.gettempdir()) / "bnnc-sim" / h.hexdigest()[:16]


def simulate(rtl: str | Path, x: np.ndarray, *, gap_prob: float = 0.0, ready_prob: float = 1.0, seed: int = 0,
             taps: bool = True, build_dir: Path | None = None, waves: bool | None = None,
             chunk: int = CHUNK_IMAGES, progress: bool = False) -> SimReport:
    """Simulate compiled RTL on ``x`` (N, *input shape) against the reference, in chunks of ``chunk`` images.

    Raises :class:`SimulationFailure` on the first mismatching beat of any checked
    stream (its message names the stream's layer, the beat, the cycle and both
    values), on a watchdog timeout, or on extra beats.
    """
    rtl = Path(rtl)
    manifest, graph = load_rtl(rtl)
    try:
        x = prepare_input(graph, x)
    except ValueError as e:
        raise SimError(str(e)) from None
    top = manifest["rtl"]["top"]
    sources = [rtl / name for name in (rtl / "filelist.f").read_text().split()]
    bdir = build_dir or _build_dir(rtl, manifest)
    report = SimReport(interval_predicted=int(manifest["rtl"]["interval_cycles"]),
                       interval_overhead=int(manifest["rtl"]["interval_overhead_cycles"]))
    ref = execute(graph, x)
    assert isinstance(ref, np.ndarray)
    starts = range(0, x.shape[0], chunk)
    bar = None
    if progress and len(starts) > 1:
        from tqdm import tqdm

        bar = tqdm(total=x.shape[0], unit="img", desc="simulating")
    for k, start in enumerate(starts):
        xs = x[start : start + chunk]
        plan = make_plan(manifest, graph, xs, gap_prob=gap_prob, ready_prob=ready_prob, seed=seed + k, taps=taps)
        tdir = bdir / f"run{k % 2}"
        tdir.mkdir(parents=True, exist_ok=True)
        (tdir / "plan.json").write_text(json.dumps(plan))
        result_path = tdir / "result.json"
        result_path.unlink(missing_ok=True)
        t0 = time.perf_counter()
        try:
            build_and_test(sources, top, "runtime.sim.network_tb", parameters={"MEM_DIR": f"{rtl.resolve()}/"},
                           build_dir=bdir, test_dir=tdir, waves=waves,
                           extra_env={"BNNC_PLAN": str(tdir / "plan.json"), "BNNC_RESULT": str(result_path)})
        except SimulationFailure as e:
            failure = json.loads(result_path.read_text()).get("failure") if result_path.is_file() else None
            if failure:
                raise SimulationFailure(f"images {start}..{start + xs.shape[0] - 1}: {failure}\n{e}") from None
            raise
        elapsed = time.perf_counter() - t0
        res = json.loads(result_path.read_text())
        report.sim_seconds += elapsed
        report.cycles += int(res["cycles"])
        report.images += xs.shape[0]
        out = plan["output"]
        report.predictions += _decode_outputs(res["output_beats"], out)
        report.expected += _decode_outputs(plan["output"]["expected"], out)
        ends = res["image_done_cycles"]
        report.intervals += [b - a for a, b in zip(ends, ends[1:])]
        if report.latency_cycles is None:
            report.latency_cycles = res["latency_cycles"]
        if bar is not None:
            bar.update(xs.shape[0])
    if bar is not None:
        bar.close()
    return report


def _decode_outputs(beats: list[int], out: dict[str, Any]) -> list[int]:
    """Per-image outputs: the class index for argmax networks, else the image's first beat."""
    bpi = out["beats_per_image"]
    return [int(beats[k * bpi]) for k in range(len(beats) // bpi)]


def simulate_cli(args: argparse.Namespace) -> int:
    """``bnnc simulate``: prints matches, accuracy, cycles per image and latency; non-zero on any mismatch."""
    from compiler.errors import BnncError

    try:
        x = np.load(args.inputs, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise BnncError(f"--inputs must be a readable .npy array, not fail with {e}", file=args.inputs) from None
    y = None
    if args.labels:
        try:
            y = np.load(args.labels, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise BnncError(f"--labels must be a readable .npy array, not fail with {e}", file=args.labels) from None
    if args.limit is not None:
        x = x[: args.limit]
        y = y[: args.limit] if y is not None else None
    try:
        rep = simulate(Path(args.rtl), x, seed=args.seed, waves=args.waves or None, progress=True)
    except SimError as e:
        raise BnncError(str(e)) from None
    except SimulationFailure as e:
        lines = str(e).splitlines()
        print(f"bnnc: simulation FAILED: {lines[0]}", flush=True)
        waves = next((ln for ln in lines if ln.startswith("waves:")), None)
        if waves:
            print(waves)
        return 1
    print(f"simulated {rep.images} images on Verilator: {rep.matches}/{rep.images} outputs match the reference, "
          "every beat of every stream checked")
    if y is not None:
        manifest, _ = load_rtl(Path(args.rtl))
        if manifest["output"] == "argmax":
            acc = float(np.mean(np.array(rep.predictions) == y[: rep.images]))
            print(f"accuracy: {acc * 100:.2f}% on {rep.images} labelled images")
    print(f"cycles per image: measured {rep.interval_measured} (predicted {rep.interval_predicted}); "
          f"first-image latency {rep.latency_cycles} cycles")
    print(f"simulation: {rep.cycles} cycles in {rep.sim_seconds:.1f} s ({rep.cycles_per_second:,.0f} cycles/s, "
          "build included)")
    ok = rep.matches == rep.images
    if rep.interval_measured is not None and rep.interval_measured > rep.interval_predicted + rep.interval_overhead:
        print(f"bnnc: interval {rep.interval_measured} exceeds the predicted {rep.interval_predicted}")
        ok = False
    return 0 if ok else 1
