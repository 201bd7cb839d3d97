"""Host side of whole-network simulation: predict every beat with the reference, run the RTL, report.

Used by ``bnnc simulate`` and by the network regression tests. The folded graph
saved by ``bnnc compile`` (``folded_ir.npz``) is the reference, so the beats
are predicted from exactly the graph the RTL came from.

Two engines run the same checks on the same schedule (:mod:`compiler.runtime.sim.checks`):

* ``verilator`` (default): the compiled engine (:mod:`compiler.runtime.sim.engine`), a
  C++ harness built once per design; whole data sets in seconds.
* ``cocotb``: the cocotb testbench (:mod:`compiler.runtime.sim.network_tb`), a beat-by-beat
  check in Python as each beat moves; the protocol-level proof, ~150x slower.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from compiler.codegen.folder import CompiledFolder, FolderError, validate_folder
from compiler.hw.stream import Stream
from compiler.ir import Graph
from compiler.names import printable, tool_word
from compiler.reference import execute, prepare_input

from . import checks
from .runner import SimulationFailure, build_and_test

CHUNK_IMAGES = 100
"""Images per cocotb simulator run (the compiled engine runs a whole data set at once)."""

ENGINES = ("verilator", "cocotb")

MAX_JOBS = 256
"""Most harness runs ``bnnc simulate --jobs`` starts at a time."""


@dataclass(frozen=True)
class Shard:
    """One run of the compiled engine over a slice of the batch."""

    first_image: int
    images: int
    cycles: int
    seconds: float

    @property
    def cycles_per_second(self) -> float:
        return self.cycles / self.seconds if self.seconds else 0.0


class SimError(Exception):
    """A simulation request that cannot run (bad folder or inputs): reported as one line."""


@dataclass
class SimReport:
    """What a simulation run measured. A run with a failing beat raises SimulationFailure instead."""

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
    engine: str = "verilator"
    taps: bool = True
    streams_checked: int = 0
    beats_checked: int = 0
    build_cached: bool | None = None
    build_path: Path | None = None
    reference_seconds: float = 0.0
    compare_seconds: float = 0.0
    total_seconds: float = 0.0
    waves: Path | None = None
    recorded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
    """With ``record=True``: per stream name (``m_axis`` for the output), (cycles, beat words) of every beat."""

    @property
    def matches(self) -> int:
        return sum(int(a == b) for a, b in zip(self.predictions, self.expected))

    shards: list["Shard"] = field(default_factory=list)
    """Compiled engine: the runs the batch was cut into (one unless sharded)."""
    shard_intervals: list[list[int]] = field(default_factory=list)
    """Compiled engine: the intervals of each shard's run (``intervals`` is their concatenation)."""
    jobs: int = 1

    @property
    def interval_measured(self) -> int | None:
        """Steady-state interval: the largest gap between consecutive images after each run's first two.

        Sharded: over every shard of at least 3 images (a run's first intervals fill the pipeline).
        """
        if len(self.shard_intervals) > 1:
            runs = [iv for iv in self.shard_intervals if len(iv) >= 2] or self.shard_intervals
            steady = [v for iv in runs for v in (iv[2:] or iv)]
        else:
            steady = self.intervals[2:] or self.intervals
        return max(steady) if steady else None

    @property
    def cycles_per_second(self) -> float:
        return self.cycles / self.sim_seconds if self.sim_seconds else 0.0


def load_rtl(rtl: Path | CompiledFolder) -> tuple[CompiledFolder, Graph]:
    """The validated folder (:func:`compiler.codegen.folder.validate_folder`) and folded graph of a ``bnnc compile``
    output folder; SimError (one line) when the folder is not as bnnc compile wrote it."""
    try:
        folder = rtl if isinstance(rtl, CompiledFolder) else validate_folder(rtl)
        return folder, folder.load_graph()
    except FolderError as e:
        raise SimError(str(e)) from None


def _bounds(folder: CompiledFolder, n: int, gap_prob: float, ready_prob: float) -> tuple[int, int, int]:
    """(watchdog, max_cycles, drain) of a run of ``n`` images; generous: the watchdog names a stuck stream first."""
    interval = folder.interval
    per_image = max(interval, folder.input_stream.beats_per_image * (1 + checks.MAX_GAP),
                    int(folder.output_stream.beats_per_image / max(ready_prob, 0.01)))
    slack = 20 if (gap_prob or ready_prob < 1) else 2
    return 50 * interval + 2000, (n + 20) * per_image * slack + 20000, 4 * interval + 50


def make_plan(folder: CompiledFolder, graph: Any, x: np.ndarray, *, schedule: checks.Schedule, first_image: int,
              taps: bool, bounds: tuple[int, int, int], ready_path: str | None, record: str | None) -> dict[str, Any]:
    """The cocotb testbench's plan: input beats, gaps, and the expected beats of the output and every stream."""
    outs = execute(graph, x, taps=True)
    assert isinstance(outs, dict)

    def beats(s: Stream) -> list[int]:
        return [b for img in s.tensor_beats(outs[s.tap]) for b in img]

    in_bpi = folder.input_stream.beats_per_image
    gaps = None
    if schedule.gaps is not None:
        gaps = schedule.gaps[first_image * in_bpi : (first_image + x.shape[0]) * in_bpi].tolist()
    internal = [{**s.describe(), "expected": beats(s)} for s in folder.internal_streams] if taps else []
    watchdog, max_cycles, drain = bounds
    out = folder.output_stream
    return {
        "first_image": first_image, "input": beats(folder.input_stream), "input_beats_per_image": in_bpi,
        "gaps": gaps, "ready": ready_path, "record": record,
        "internal": internal, "output": {**out.describe(), "expected": beats(out)},
        "watchdog_cycles": watchdog, "max_cycles": max_cycles, "drain_cycles": drain,
    }


def _build_dir(folder: CompiledFolder) -> Path:
    """A cocotb build folder keyed by the RTL's content, so re-simulating the same RTL skips the build."""
    h = hashlib.sha256()
    for path in folder.verilog_paths():
        h.update(path.name.encode() + path.read_bytes())
    h.update(str(folder.path.resolve()).encode())
    return Path(tempfile.gettempdir()) / "bnnc-sim" / h.hexdigest()[:16]


def simulate(rtl: str | Path | CompiledFolder, x: np.ndarray, *, engine: str = "verilator", gap_prob: float = 0.0,
             ready_prob: float = 1.0, seed: int = 0, taps: bool = True, build_dir: Path | None = None,
             cache_dir: Path | None = None, waves: bool | None = None, chunk: int = CHUNK_IMAGES,
             progress: bool = False, record: bool = False, jobs: int = 1) -> SimReport:
    """Simulate compiled RTL on ``x`` (N, *input shape) against the reference.

    Args:
        engine: ``verilator`` (compiled C++ harness, the default) or ``cocotb``.
        gap_prob: chance of an input gap (1..4 idle cycles) after each input beat.
        ready_prob: chance that m_axis_tready is high in a cycle (1 - backpressure).
        seed: seeds the gap/backpressure schedule (the same in both engines).
        taps: check every layer-to-layer stream (default), or only the output.
        build_dir: cocotb engine's build folder; cache_dir: compiled engine's cache root.
        waves: keep a VCD (cocotb: of the run; verilator: a window around the first failure).
        chunk: images per cocotb simulator run.
        progress: show a progress bar.
        record: keep every beat of every checked stream in ``SimReport.recorded`` (one run, never sharded).
        jobs: compiled engine: harness runs at a time over shards of the batch (0: one per core). Each
            shard is its own run of the same build from reset, checked beat for beat; a batch too big
            for one run's memory is sharded even at 1 (:func:`compiler.runtime.sim.engine.shard_images`).

    Raises:
        SimulationFailure: on the first failing beat of any checked stream (its first
            line names the stream, layer, image, beat, cycle and both values), a broken
            AXI hold rule, a watchdog timeout, or extra beats.
        SimError: the folder or the inputs are not usable.
    """
    if engine not in ENGINES:
        raise SimError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0:
        raise SimError(f"jobs must be a whole number >= 0 (0: one per core), not {jobs!r}")
    if engine == "cocotb" and jobs > 1:
        raise SimError(f"jobs must be 1 with the cocotb engine (it runs its chunks one by one), not {jobs}")
    t_start = time.perf_counter()
    folder, graph = load_rtl(rtl if isinstance(rtl, CompiledFolder) else Path(rtl))
    try:
        x = prepare_input(graph, x)
        schedule = checks.Schedule.make(seed, x.shape[0] * folder.input_stream.beats_per_image, gap_prob, ready_prob)
    except ValueError as e:
        raise SimError(str(e)) from None
    report = SimReport(interval_predicted=folder.interval, interval_overhead=folder.interval_overhead, engine=engine,
                       taps=taps, streams_checked=(len(folder.internal_streams) if taps else 0) + 1)
    bar = _Bar(x.shape[0], engine) if progress and x.shape[0] > 1 else None
    try:
        if engine == "verilator":
            _simulate_compiled(folder, graph, x, report, schedule, gap_prob=gap_prob, ready_prob=ready_prob,
                               cache_dir=cache_dir, waves=bool(waves), bar=bar, record=record,
                               jobs=default_jobs() if jobs == 0 else jobs)
        else:
            _simulate_cocotb(folder, graph, x, report, schedule, build_dir=build_dir, waves=waves,
                             chunk=chunk, bar=bar, taps=taps, record=record, gap_prob=gap_prob,
                             ready_prob=ready_prob)
    finally:
        if bar is not None:
            bar.close()
    report.total_seconds = time.perf_counter() - t_start
    return report


class _Bar:
    """A progress bar (tqdm, on a terminal only) that appears with the first update, so it never times the build."""

    def __init__(self, total: int, engine: str) -> None:
        self.total, self.engine, self.bar = total, engine, None

    def update(self, n: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, unit="img", desc=f"simulating ({self.engine})", leave=False,
                            disable=None)
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _timing(report: SimReport, ends: list[int], starts: list[int]) -> None:
    report.intervals += [b - a for a, b in zip(ends, ends[1:])]
    if report.latency_cycles is None and ends and starts:
        report.latency_cycles = ends[0] - starts[0]


def default_jobs() -> int:
    """Worker processes ``--jobs`` defaults to: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _simulate_compiled(folder: CompiledFolder, graph: Any, x: np.ndarray, report: SimReport,
                       schedule: checks.Schedule, *, gap_prob: float, ready_prob: float, cache_dir: Path | None,
                       waves: bool, bar: Any, record: bool, jobs: int) -> None:
    """The compiled engine over shards of the batch, ``jobs`` harness runs at a time (one run when record)."""
    from . import engine

    n = x.shape[0]
    shards = [(0, n)] if record else engine.shard_images(folder, n, jobs, taps=report.taps,
                                                         budget=engine.shard_budget(jobs))
    bld = engine.build(folder, taps=report.taps, cache=cache_dir, cycles=n * folder.interval)
    in_bpi = folder.input_stream.beats_per_image
    lock = threading.Lock()
    done = [0] * len(shards)

    def run_shard(first: int, size: int, *, waves: bool = False,
                  progress: Any = None) -> engine.EngineResult:
        """One run of images first..first+size-1 from reset, with that slice of the schedule's input gaps."""
        gaps = None if schedule.gaps is None else schedule.gaps[first * in_bpi : (first + size) * in_bpi]
        watchdog, max_cycles, drain = _bounds(folder, size, gap_prob, ready_prob)
        return engine.run(folder, graph, x[first : first + size], taps=report.taps,
                          schedule=checks.Schedule(gaps, schedule.ready), watchdog=watchdog, max_cycles=max_cycles,
                          drain=drain, cache=cache_dir, waves=waves, progress=progress, first_image=first,
                          built=bld, cycles=record)

    def one(k: int) -> tuple[engine.EngineResult, float]:
        first, size = shards[k]

        def progress(images: int) -> None:
            with lock:
                bar.update(images - done[k])
                done[k] = images

        t0 = time.perf_counter()
        res = run_shard(first, size, waves=waves and len(shards) == 1,
                        progress=progress if bar is not None else None)
        if bar is not None:
            progress(size)
        return res, time.perf_counter() - t0

    t_sim = time.perf_counter()
    workers = max(1, min(jobs, len(shards)))
    if workers == 1:
        results = [one(k) for k in range(len(shards))]
    else:
        # threads suffice: each shard's simulation is its own harness process, and the reference's
        # numpy kernels and the comparison release the GIL for their bulk
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(one, range(len(shards))))
    wall = time.perf_counter() - t_sim
    report.build_cached, report.build_path, report.build_seconds = bld.cached, bld.folder, bld.seconds
    report.shards = [Shard(first, size, res.recording.cycles, secs)
                     for (first, size), (res, secs) in zip(shards, results)]
    report.jobs = workers
    failed = next(((first, size, res) for (first, size), (res, _) in zip(shards, results)
                   if res.failure is not None), None)
    if failed is not None:
        first, size, res = failed
        if waves and len(shards) > 1:  # the VCD window of the failing shard's own run
            res = run_shard(first, size, waves=True)
        where = f"waves: {res.waves}" if res.waves else "waves: (none recorded; rerun with --waves)"
        raise SimulationFailure(f"images {first}..{first + size - 1}: {res.failure}\n"
                                f"engine: verilator (compiled, {res.build.exe}); {where}")
    report.sim_seconds = wall
    out = folder.output_stream
    bpi = out.beats_per_image
    for (first, size), (res, _) in zip(shards, results):
        rec = res.recording
        report.cycles += rec.cycles
        report.reference_seconds += res.reference_seconds
        report.compare_seconds += res.compare_seconds
        report.beats_checked += res.beats_checked
        report.images += size
        report.predictions += [checks.beat_int(w) for w in res.output_beats[::bpi]]
        report.expected += [checks.beat_int(w) for w in res.expected_output[::bpi]]
        out_cyc = rec.beats[-1][0]
        ends = out_cyc[bpi - 1 :: bpi].astype(np.int64).tolist()
        report.shard_intervals.append([b - a for a, b in zip(ends, ends[1:])])
        _timing(report, ends, rec.input_cycles[::in_bpi].astype(np.int64).tolist())
    if waves and len(shards) > 1:  # no failure: the first cycles of the first shard
        report.waves = run_shard(*shards[0], waves=True).waves
    else:
        report.waves = results[0][0].waves
    if record:
        res, _ = results[0]
        rec = res.recording
        report.recorded = {"input": (rec.input_cycles, np.zeros((0, 1), np.uint32))}
        for lk, (cyc, dat) in zip(res.links, rec.beats):
            report.recorded["m_axis" if lk is res.links[-1] else lk.stream.name] = (cyc, engine.as_words(lk.stream,
                                                                                                         dat))


def _simulate_cocotb(folder: CompiledFolder, graph: Any, x: np.ndarray, report: SimReport,
                     schedule: checks.Schedule, *, build_dir: Path | None, waves: bool | None, chunk: int, bar: Any,
                     taps: bool, record: bool, gap_prob: float, ready_prob: float) -> None:
    mem_dir = f"{folder.path.resolve()}/"
    if '"' in mem_dir or "\\" in mem_dir:  # a Verilog string parameter: a quote or backslash would end or escape it
        raise SimError(f"the compile folder's path must hold no \" or \\ for the cocotb engine, not "
                       f"{printable(repr(str(folder.path)))}; move it or use --engine verilator")
    bdir = build_dir or _build_dir(folder)
    recorded: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for k, start in enumerate(range(0, x.shape[0], chunk)):
        xs = x[start : start + chunk]
        tdir = bdir / f"run{k % 2}"
        tdir.mkdir(parents=True, exist_ok=True)
        ready_path = None
        if schedule.ready is not None:
            ready_path = str(tdir / "ready.npy")
            np.save(ready_path, schedule.ready)
        rec_path = str(tdir / "record.npz") if record else None
        plan = make_plan(folder, graph, xs, schedule=schedule, first_image=start, taps=taps,
                         bounds=_bounds(folder, xs.shape[0], gap_prob, ready_prob), ready_path=ready_path,
                         record=rec_path)
        (tdir / "plan.json").write_text(json.dumps(plan))
        result_path = tdir / "result.json"
        result_path.unlink(missing_ok=True)
        t0 = time.perf_counter()
        try:
            build_and_test(folder.verilog_paths(), tool_word(folder.top), "compiler.runtime.sim.network_tb", parameters={"MEM_DIR": mem_dir},
                           build_dir=bdir, test_dir=tdir, waves=waves,
                           extra_env={"BNNC_PLAN": str(tdir / "plan.json"), "BNNC_RESULT": str(result_path)})
        except SimulationFailure as e:
            failure = json.loads(result_path.read_text()).get("failure") if result_path.is_file() else None
            if failure:
                # cycles count from the start of this run of images
                raise SimulationFailure(f"images {start}..{start + xs.shape[0] - 1}: {failure}\n"
                                        f"engine: cocotb\n{e}") from None
            raise
        elapsed = time.perf_counter() - t0
        res = json.loads(result_path.read_text())
        report.sim_seconds += elapsed
        report.cycles += int(res["cycles"])
        report.images += xs.shape[0]
        bpi = folder.output_stream.beats_per_image
        report.predictions += [int(b) for b in res["output_beats"][::bpi]]
        report.expected += [int(b) for b in plan["output"]["expected"][::bpi]]
        report.beats_checked += len(res["output_beats"]) + sum(len(s["expected"]) for s in plan["internal"])
        _timing(report, res["image_done_cycles"], res["image_start_cycles"])
        if rec_path:
            with np.load(rec_path) as z:
                for name in {k.rsplit(".", 1)[0] for k in z.files}:
                    words = z[f"{name}.dat"] if f"{name}.dat" in z.files else np.zeros((0, 1), np.uint32)
                    recorded.setdefault(name, []).append((z[f"{name}.cyc"], words))
        if bar is not None:
            bar.update(xs.shape[0])
    if record:
        report.recorded = {name: (np.concatenate([c for c, _ in parts]), np.concatenate([w for _, w in parts]))
                           for name, parts in recorded.items()}
        report.recorded["input"] = report.recorded.pop("input")


def _write_simulate_json(folder: CompiledFolder, rep: SimReport, args: argparse.Namespace,
                         labels: np.ndarray | None) -> None:
    """``simulate.json`` beside the manifest: this run's figures, for ``bnnc report`` (replaced whole, never
    written through a link)."""
    doc = {"images": rep.images, "matches": rep.matches, "interval_measured": rep.interval_measured,
           "interval_predicted": rep.interval_predicted, "latency_cycles": rep.latency_cycles,
           "streams_checked": rep.streams_checked, "beats_checked": rep.beats_checked,
           "accuracy": None if labels is None else float(np.mean(np.array(rep.predictions) == labels)),
           "labelled": None if labels is None else int(len(labels)),
           "gaps": float(args.gaps), "backpressure": float(args.backpressure), "engine": rep.engine,
           "seconds": round(float(rep.total_seconds or rep.sim_seconds), 2), "inputs": Path(args.inputs).name}
    tmp = folder.path / ".simulate.json.tmp"
    tmp.unlink(missing_ok=True)
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    os.replace(tmp, folder.path / "simulate.json")


def simulate_cli(args: argparse.Namespace) -> int:
    """``bnnc simulate``: prints matches, accuracy, cycles per image and latency; non-zero on any mismatch."""
    from compiler.errors import BnncError

    from compiler.frontend.arrays import read_npy

    x = read_npy(args.inputs, "--inputs", args.max_bytes)
    y = read_npy(args.labels, "--labels", args.max_bytes) if args.labels else None
    if x.ndim == 0 or x.shape[0] == 0:
        raise BnncError(f"--inputs must hold at least one image, not {x.shape[0] if x.ndim else 'a scalar'}",
                        file=args.inputs, field="--inputs")
    try:
        folder, graph = load_rtl(Path(args.rtl))
    except SimError as e:
        raise BnncError(str(e)) from None
    try:
        prepare_input(graph, x)
    except ValueError as e:
        raise BnncError(str(e), file=args.inputs, field="--inputs") from None
    # the whole files must agree: --limit takes the first N of both, and must not hide a mismatch
    if y is not None and y.shape != (x.shape[0],):
        raise BnncError(f"--labels must have shape ({x.shape[0]},), not {list(y.shape)}", file=args.labels)
    if args.limit is not None:
        x = x[: args.limit]
        y = y[: args.limit] if y is not None else None
    for opt, p in (("--gaps", args.gaps), ("--backpressure", args.backpressure)):
        if not 0.0 <= p < 1.0:
            raise BnncError(f"{opt} must be a probability in [0, 1), not {p}")
    jobs = args.jobs
    if jobs is None:
        jobs = default_jobs() if args.engine == "verilator" else 1
    elif jobs > MAX_JOBS:
        raise BnncError(f"--jobs must be at most {MAX_JOBS}, not {jobs}")
    elif args.engine == "cocotb" and jobs > 1:
        raise BnncError(f"--jobs must be 1 with --engine cocotb (its runs go one by one), not {jobs}")
    try:
        rep = simulate(folder, x, engine=args.engine, gap_prob=args.gaps, ready_prob=1.0 - args.backpressure,
                       seed=args.seed, taps=args.check == "all", waves=args.waves or None, progress=True,
                       jobs=jobs)
    except SimError as e:
        raise BnncError(str(e)) from None
    except SimulationFailure as e:
        lines = str(e).splitlines()
        print(f"bnnc: simulation FAILED: {printable(lines[0])}", flush=True)
        waves = next((ln for ln in lines if "waves:" in ln), None)
        if waves and args.waves:
            print(printable(waves[waves.index("waves:"):]))
        return 1
    checked = (f"every beat of every stream checked ({rep.streams_checked} streams, {rep.beats_checked:,} beats)"
               if rep.taps else f"output stream checked ({rep.beats_checked:,} beats; internal streams not checked)")
    engine = "Verilator (compiled engine)" if rep.engine == "verilator" else "Verilator (cocotb engine)"
    print(f"simulated {rep.images} images on {engine}: {rep.matches}/{rep.images} outputs match the reference, "
          f"{checked}")
    if y is not None:
        if folder.output == "argmax":
            acc = float(np.mean(np.array(rep.predictions) == y[: rep.images]))
            print(f"accuracy: {acc * 100:.2f}% on {rep.images} labelled images")
    print(f"cycles per image: measured {rep.interval_measured} (predicted {rep.interval_predicted}); "
          f"first-image latency {rep.latency_cycles} cycles")
    if rep.engine == "verilator":
        state = "cache hit" if rep.build_cached else f"built in {rep.build_seconds:.1f} s"
        print(f"build: {printable(str(rep.build_path))} ({state})")
        if len(rep.shards) > 1:
            rates = sorted(sh.cycles_per_second for sh in rep.shards)
            print(f"shards: {len(rep.shards)} runs of {min(sh.images for sh in rep.shards)}-"
                  f"{max(sh.images for sh in rep.shards)} images, {rep.jobs} at a time; per shard "
                  f"{rates[0]:,.0f}-{rates[-1]:,.0f} cycles/s")
        print(f"simulation: {rep.cycles:,} cycles in {rep.sim_seconds:.2f} s ({rep.cycles_per_second:,.0f} cycles/s); "
              f"reference {rep.reference_seconds:.2f} s (during the simulation), comparison "
              f"{rep.compare_seconds:.2f} s; total {rep.total_seconds:.2f} s")
    else:
        print(f"simulation: {rep.cycles:,} cycles in {rep.sim_seconds:.1f} s ({rep.cycles_per_second:,.0f} "
              "cycles/s, build included)")
    if rep.waves:
        print(f"waves: {printable(str(rep.waves))}")
    _write_simulate_json(folder, rep, args, None if y is None or folder.output != "argmax" else y[: rep.images])
    ok = rep.matches == rep.images
    if rep.interval_measured is not None and rep.interval_measured > rep.interval_predicted + rep.interval_overhead \
            and args.gaps == 0 and args.backpressure == 0:
        print(f"bnnc: interval {rep.interval_measured} exceeds the predicted {rep.interval_predicted}")
        ok = False
    return 0 if ok else 1
