"""The compiled simulation engine: a Verilator C++ harness streams whole data sets through the RTL.

Per design, Verilator builds ``harness.cpp`` with the generated top once; the
binary is cached under a hash of everything it is built from (see
:func:`build`). A run writes the input beats (packed by
:meth:`compiler.hw.stream.Stream.beat_words`, the one lane packer), the
gap/backpressure :class:`~compiler.runtime.sim.checks.Schedule` and a config file; the
harness moves the words into ``s_axis`` with no Python in the cycle loop and
records every beat that moves on ``m_axis`` and on every layer-to-layer stream,
with its cycle, into binary files. Meanwhile Python computes the reference's
beats; afterwards numpy compares all of them, and the earliest failure (in
cycle order, as the cocotb engine would meet it) becomes the one-line report.

Two checking modes: ``taps=True`` (default) records and compares every
internal stream; ``taps=False`` only ``m_axis``, and builds the top without
public taps.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from pathlib import Path

import numpy as np

from compiler.codegen.folder import CompiledFolder
from compiler.hw.stream import Stream
from compiler.ir import Graph
from compiler.names import tool_word
from compiler.reference import bytes_per_image, execute
from compiler.runtime.sim import checks, popcount_proof
from compiler.runtime.sim.runner import BuildFailure, SimulationFailure, objcache_env
from compiler.runtime.sim.toolchain import setup_environment, verilator_path

HARNESS = Path(__file__).with_name("harness.cpp")
RECIPE = "bnnc-sim-5"
"""Bumped whenever the build command or the run files change, so old cache entries are not reused."""

VERILATOR_FLAGS = ("--cc", "--exe", "--build", "-O3", "--x-assign", "fast", "--x-initial", "fast",
                   "--prefix", "Vtop", "--timescale", "1ns/1ns", "-Wno-fatal", "-CFLAGS", "-O2")
"""Verilator's fastest settings measured on an LFC (docs/performance.md, "Compiled simulation engine"); -O2 for the harness and runtime too."""

QUICK_FLAGS = tuple({"-O3": "-O1", "-O2": "-O1"}.get(f, f) for f in VERILATOR_FLAGS)
"""The settings of a short run (:data:`SHORT_RUN_CYCLES`), whose build dominates: -O1 builds the LFC-W1A2
example's simulator in 11.8 s instead of 18.2 s, mlp_small_u8's in 6.4 s instead of 14.1 s, and simulated
200 images of mnist_up5k as fast (docs/performance.md, "Compiled simulation engine")."""

SHORT_RUN_CYCLES = 2_000_000
"""Runs of fewer simulated cycles (images x interval) build with :data:`QUICK_FLAGS`: the time -O3 saves on
them is a fraction of what it adds to the build. A whole data set through the wide LFC (5.1 M cycles) keeps
-O3: at -O1 its cold run was 8.3 s instead of 12.7 s, but its cached one 4.9 s instead of 4.4 s (1.19 M
cycles/s instead of 1.36 M), and a design's build is cached for every later run (BENCHMARKS.md)."""

REFERENCE_CHUNK_BYTES = 16 << 20
"""Working memory of one reference call while the harness runs: small enough that the allocator
reuses it from call to call (above ~32 MB glibc maps fresh zeroed pages each time, a third of
the reference's time on a CNV)."""

SHARD_BYTES = 384 << 20
"""Memory one shard's run may hold: its recorded beats, their cycles and the reference's beats (see shard_images)."""

WAVE_BEFORE, WAVE_AFTER = 400, 100
"""The waveform window around the first failure, in cycles."""


def cache_root() -> Path:
    """Where compiled simulators live: ``$BNNC_SIM_CACHE``, else ``$XDG_CACHE_HOME/bnnc/sim`` (~/.cache)."""
    env = os.environ.get("BNNC_SIM_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bnnc" / "sim"


@dataclass
class Build:
    """A compiled simulator: the executable, its cache folder, and whether this call built it."""

    exe: Path
    folder: Path
    cached: bool
    seconds: float


def _taps_vlt(top: str, names: list[str]) -> str:
    """Verilator config making the tapped streams' wires readable by name (the Verilog stays as generated)."""
    lines = ["`verilator_config", "// bnnc: layer-to-layer streams read by the compiled harness"]
    for n in names:
        for sig in ("tdata", "tvalid", "tready"):
            lines.append(f'public_flat_rd -module "{tool_word(top)}" -var "{tool_word(n)}_{sig}"')
    return "\n".join(lines) + "\n"


def fast_popcount(compiled: CompiledFolder) -> bool:
    """Whether to simulate bnnc_xnor_popcount's behavioural form: every (WIDTH, PIPE) of the design proven.

    The behavioural form (``$countones`` and the same register ranks) simulates about 5x faster
    on a wide LFC; compiler/runtime/sim/popcount_proof.py proves it equal to the structural form, which
    synthesis gets, for each (WIDTH, PIPE) in its ``PROVEN`` (tests/test_popcount_equiv.py).
    A design with any other width is simulated with the structural form.
    """
    return popcount_proof.design_widths(list(compiled.verilog_paths())) <= popcount_proof.PROVEN


def build(compiled: CompiledFolder, *, taps: bool = True, trace: bool = False, cache: Path | None = None,
          cycles: int | None = None) -> Build:
    """Build (or find in the cache) the compiled simulator of a validated ``bnnc compile`` folder.

    ``cycles``: about how many cycles the run will simulate; fewer than :data:`SHORT_RUN_CYCLES` (and a
    waveform run) build with :data:`QUICK_FLAGS`, None or more with :data:`VERILATOR_FLAGS`.

    The cache key hashes the harness source, the Verilog files, the tap config,
    the Verilator version and flags, and the recipe version. The ROM images
    (``.mem``) are deliberately not in it: ``$readmemh`` reads them when the
    simulation starts (from the compile folder, the harness's working folder),
    so new weights for the same architecture reuse the build, and a changed
    ROM is still simulated as it is on disk.

    Raises:
        BuildFailure: Verilator or the C++ compiler failed (the message holds the log's tail).
    """
    setup_environment()
    exe_v = verilator_path()
    top = compiled.top
    tap_names = [s.name for s in compiled.internal_streams] if taps else []
    vlt = _taps_vlt(top, tap_names) if tap_names else ""
    fast = fast_popcount(compiled)
    short = trace or (cycles is not None and cycles < SHORT_RUN_CYCLES)
    flags = [*(QUICK_FLAGS if short else VERILATOR_FLAGS), *([f"-D{popcount_proof.DEFINE}"] if fast else []),
             "--top-module", tool_word(top), *(["--trace"] if trace else [])]
    h = hashlib.sha256()
    for part in (RECIPE, importlib.metadata.version("verilator"), " ".join(flags), vlt, HARNESS.read_text()):
        h.update(part.encode() + b"\0")
    for src in compiled.verilog_paths():
        h.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
    key = h.hexdigest()[:20]
    root = cache or cache_root()
    folder = root / f"{top}-{key}"
    exe = folder / "bnnc_sim"
    if exe.is_file():
        return Build(exe, folder, True, 0.0)
    (root / ".locks").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with open(root / ".locks" / f"{top}-{key}", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a parallel run of the same design waits, then finds the binary
        if exe.is_file():
            return Build(exe, folder, True, time.perf_counter() - t0)
        work = Path(tempfile.mkdtemp(prefix=f"{top}-{key}.tmp", dir=root))
        try:
            srcs = [str(HARNESS)]
            if vlt:
                (work / "taps.vlt").write_text(vlt)
                srcs.append(str(work / "taps.vlt"))
            srcs += [str(s.resolve()) for s in compiled.verilog_paths()]
            jobs = 1 if os.environ.get("PYTEST_XDIST_WORKER") else max(1, os.cpu_count() or 1)
            cmd = [str(exe_v), *flags, "-j", str(jobs), "--Mdir", str(work / "obj"), "-o", "bnnc_sim", *srcs]
            log = work / "build.log"
            with objcache_env(), open(log, "w") as f:
                f.write(" ".join(cmd) + "\n")
                f.flush()
                rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=work, check=False).returncode
            built = work / "obj" / "bnnc_sim"
            if rc != 0 or not built.is_file():
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
                raise BuildFailure(f"compiled simulator of {top}: build failed (exit {rc}); log {log}:\n{tail}")
            shutil.move(str(built), work / "bnnc_sim")
            shutil.rmtree(work / "obj")  # ~MBs of objects; only the binary and the log are kept
            if folder.exists():
                shutil.rmtree(folder)  # an entry without its binary (deleted by hand): replace it
            os.rename(work, folder)
        except BaseException:
            if not (work / "build.log").is_file() or folder.exists():
                shutil.rmtree(work, ignore_errors=True)
            raise
    return Build(exe, folder, False, time.perf_counter() - t0)


def model_nodes(compiled: CompiledFolder, *, taps: bool = True) -> int:
    """Verilator's node count of the model :func:`build` would compile: a deterministic proxy of simulation cost.

    Runs only the Verilation step (same flags, define and tap config, ``--stats``, no C++
    build: seconds) and sums the last column of ``Vtop__stats.txt``'s "Node count" table,
    the AST left after Verilator's optimisations. tests/test_sim_cost.py pins it for the
    wide LFC and a CNV, so a change that makes the simulated model bigger fails there.
    """
    setup_environment()
    top = compiled.top
    tap_names = [s.name for s in compiled.internal_streams] if taps else []
    flags = [f for f in VERILATOR_FLAGS if f not in ("--exe", "--build")]
    flags += [*([f"-D{popcount_proof.DEFINE}"] if fast_popcount(compiled) else []), "--top-module", tool_word(top),
              "--stats"]
    with tempfile.TemporaryDirectory(prefix="bnnc-nodes-") as tmp:
        srcs = []
        if tap_names:
            (Path(tmp) / "taps.vlt").write_text(_taps_vlt(top, tap_names))
            srcs.append(str(Path(tmp) / "taps.vlt"))
        srcs += [str(s.resolve()) for s in compiled.verilog_paths()]
        p = subprocess.run([str(verilator_path()), *flags, "--Mdir", tmp, *srcs], capture_output=True, text=True,
                           check=False)
        stats = Path(tmp) / "Vtop__stats.txt"
        if p.returncode != 0 or not stats.is_file():
            raise BuildFailure(f"verilator --stats of {top} failed: {(p.stdout + p.stderr)[-2000:]}")
        rows = [ln.rstrip() for ln in stats.read_text().splitlines()
                if ln.startswith("  Node count, ") and not ln.startswith("  Node count, NETLIST")]
        # columns are right-aligned stages (NETLIST's one more, past the model's end); a row as long as
        # the longest has a value in the last stage of the model
        end = max(len(r) for r in rows)
        return sum(int(r.split()[-1]) for r in rows if len(r) == end)


def run_bytes_per_image(folder: CompiledFolder, *, taps: bool = True) -> int:
    """Bytes a run holds per image: each checked beat's bytes twice (recorded, expected) and a 4-byte cycle."""
    streams = [*(folder.internal_streams if taps else ()), folder.output_stream]
    beats = sum(s.beats_per_image * (2 * beat_bytes(s) + 4) for s in streams)
    return beats + 4 * folder.input_stream.beats_per_image * (folder.input_stream.words_per_beat + 1)


def shard_budget(jobs: int) -> int:
    """Bytes one shard's run may hold when ``jobs`` run at once: SHARD_BYTES, less on a machine
    whose available memory (Linux /proc/meminfo) would not hold ``jobs`` of them twice over."""
    try:
        with open("/proc/meminfo") as f:
            avail = next(int(ln.split()[1]) * 1024 for ln in f if ln.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return SHARD_BYTES
    return max(16 << 20, min(SHARD_BYTES, avail // (2 * max(1, jobs))))


def shard_images(folder: CompiledFolder, n: int, jobs: int, *, taps: bool = True,
                 budget: int = SHARD_BYTES) -> list[tuple[int, int]]:
    """How a batch of ``n`` images is cut into runs: (first image, images) of each shard, in image order.

    As few shards as ``jobs`` workers keep busy, each within ``budget`` bytes (a CIFAR-10 CNV
    with every stream checked records ~1.6 MB per image: 10,000 images are ~30 GB at once).
    Every shard holds at least 3 images where the batch has them, so each measures a steady
    interval; a shard costs one pipeline fill (its first image's latency) more than a single run.
    """
    if n <= 0:
        return []
    cap = max(3, budget // max(1, run_bytes_per_image(folder, taps=taps)))
    count = min(max(-(-n // cap), max(1, jobs)), max(1, n // 3))  # the 3-image floor wins over the budget
    base, extra = divmod(n, count)
    out, start = [], 0
    for k in range(count):
        size = base + (k < extra)
        out.append((start, size))
        start += size
    return out


@dataclass
class Link:
    """A monitored stream as the compiled engine sees it: label, beat layout, beats expected."""

    label: str
    stream: Stream
    expected_beats: int


@dataclass
class Recording:
    """What one harness run wrote: status, per-link (cycles, words), input beat cycles."""

    status: str
    cycles: int
    sent: int
    detail: str
    beats: list[tuple[np.ndarray, np.ndarray]]
    input_cycles: np.ndarray
    seconds: float


@dataclass
class EngineResult:
    """Everything the compiled engine measured (simulate.py turns it into a SimReport)."""

    build: Build
    recording: Recording
    links: list[Link]
    failure: str | None
    output_beats: np.ndarray
    expected_output: np.ndarray
    reference_seconds: float = 0.0
    compare_seconds: float = 0.0
    beats_checked: int = 0
    waves: Path | None = None
    run_dir: Path | None = None


def beat_bytes(stream: Stream) -> int:
    """Bytes the harness records of one beat: the stream's width rounded up to whole bytes."""
    return (stream.width + 7) // 8


def _write_run(run_dir: Path, folder: CompiledFolder, x: np.ndarray, links: list[Link], schedule: checks.Schedule,
               *, scope: str, watchdog: int, max_cycles: int, drain: int, progress_every: int,
               waves: tuple[int, int, Path] | None = None, cycles: bool = True) -> None:
    """The harness's inputs: input.bin (beat words), gaps.bin, ready.bin, run.cfg.

    ``cycles``: record each tapped beat's cycle too (m_axis's and the input's always are).
    """
    inp = folder.input_stream
    words = inp.beat_words(x).reshape(-1, inp.words_per_beat)
    words.astype("<u4").tofile(run_dir / "input.bin")
    # one "key value..." line each, read word by word by harness.cpp: every value one plain word
    cfg = [f"scope {tool_word(scope)}", f"in {int(words.shape[0])} {int(inp.words_per_beat)}",
           f"gaps {int(schedule.gaps is not None)}", f"ready {int(schedule.ready is not None)}",
           f"watchdog {int(watchdog)}", f"max_cycles {int(max_cycles)}", f"drain {int(drain)}",
           f"reset {int(checks.RESET_CYCLES)}", f"progress {int(progress_every)} {int(links[-1].stream.beats_per_image)}",
           f"cycles {int(cycles)}"]
    if schedule.gaps is not None:
        schedule.gaps.tofile(run_dir / "gaps.bin")
    if schedule.ready is not None:
        schedule.ready.tofile(run_dir / "ready.bin")
    if waves is not None:
        cfg.append(f"waves {int(waves[0])} {int(waves[1])} {waves[2]}")  # the path: the rest of the line
    for lk in links[:-1]:
        cfg.append(f"tap {tool_word(lk.stream.name)} {int(lk.stream.words_per_beat)} {int(beat_bytes(lk.stream))} "
                   f"{int(lk.expected_beats)}")
    out = links[-1].stream
    cfg.append(f"out m_axis {int(out.words_per_beat)} {int(beat_bytes(out))} {int(links[-1].expected_beats)}")
    (run_dir / "run.cfg").write_text("\n".join(cfg) + "\n")


def _run_harness(exe: Path, rtl: Path, run_dir: Path, links: list[Link],
                 progress: Callable[[int], None] | None, work: Callable[[], None] | None = None) -> Recording:
    """Run the harness (cwd = the compile folder, for the ROM images); ``work`` runs meanwhile in this thread."""
    t0 = time.perf_counter()
    errlog = open(run_dir / "harness.log", "w")
    proc = subprocess.Popen([str(exe), str(run_dir)], cwd=rtl, stdout=subprocess.PIPE, stderr=errlog, text=True)

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:  # always drained, so the harness never blocks on a full pipe
            if progress is not None and line.startswith("progress "):
                progress(int(line.split()[1]))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        if work is not None:
            work()
        rc = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        reader.join()
        errlog.close()
    seconds = time.perf_counter() - t0
    status_path = run_dir / "status.txt"
    if rc != 0 or not status_path.is_file():
        log = (run_dir / "harness.log").read_text(errors="replace").strip()
        raise SimulationFailure(f"compiled simulator {exe} ended abnormally (exit {rc}): {log[-2000:]}")
    head, _, detail = status_path.read_text().partition("\n")
    fields = head.split()
    beats = []
    for k, lk in enumerate(links):
        nb = beat_bytes(lk.stream)
        cyc_path = run_dir / f"s{k}.cyc"
        cyc = _mapped(cyc_path, "<u4") if cyc_path.is_file() else None
        dat = _mapped(run_dir / f"s{k}.dat", np.uint8).reshape(-1, nb)
        # bits above the stream's width are not data: clear them so only the beat is compared
        if lk.stream.width % 8:
            dat[:, -1] &= np.uint8((1 << (lk.stream.width % 8)) - 1)
        beats.append((cyc, dat))
    return Recording(fields[0], int(fields[1]), int(fields[2]), detail.strip(), beats, _mapped(run_dir / "in.cyc", "<u4"),
                     seconds)


def _mapped(path: Path, dtype: Any) -> np.ndarray:
    """A recorded file as an array, mapped copy-on-write rather than read (a CNV records GBs)."""
    if path.stat().st_size < 4096:
        return np.fromfile(path, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="c")


def as_bytes(stream: Stream, beats: np.ndarray) -> np.ndarray:
    """Beats as the harness records them, (n, beat_bytes): from :meth:`Stream.beat_words` words or already bytes."""
    if beats.dtype == np.uint8:
        return beats.reshape(-1, beat_bytes(stream))
    words = np.ascontiguousarray(beats, dtype="<u4").reshape(len(beats), stream.words_per_beat)
    return words.view(np.uint8).reshape(len(beats), 4 * stream.words_per_beat)[:, : beat_bytes(stream)]


def as_words(stream: Stream, beats: np.ndarray) -> np.ndarray:
    """Recorded beats as :meth:`Stream.beat_words` lays them out, (n, words_per_beat) uint32."""
    if beats.dtype != np.uint8:
        return beats
    out = np.zeros((len(beats), 4 * stream.words_per_beat), dtype=np.uint8)
    out[:, : beats.shape[1]] = beats
    return out.view("<u4").astype(np.uint32, copy=False)


def _value(row: np.ndarray) -> int:
    """One beat (its bytes or its words, little-endian) as an int."""
    return int.from_bytes(np.ascontiguousarray(row).tobytes(), "little")


def _clean(links: list[Link], rec: Recording, expected: list[np.ndarray]) -> bool:
    """Whether a run passed: no protocol or watchdog stop, and every stream exactly its expected beats."""
    if rec.status != "ok":
        return False
    for lk, (_, dat), exp in zip(links, rec.beats, expected):
        if len(dat) != len(exp) or not np.array_equal(as_bytes(lk.stream, dat), as_bytes(lk.stream, exp)):
            return False
    return True


def first_failure(links: list[Link], rec: Recording, expected: list[np.ndarray], *,
                  watchdog: int, max_cycles: int, input_beats: int, first_image: int = 0) -> str | None:
    """The earliest failure in cycle order (then stream order), as the cocotb engine would report it.

    ``first_image``: the run's first image in the whole batch (a shard of it), so beat and
    image numbers in the line are the batch's; cycles count from the start of this run.
    """
    cands: list[tuple[int, int, int, str]] = []  # (cycle, stream index, kind, line)
    for k, (lk, (cyc, dat), exp) in enumerate(zip(links, rec.beats, expected)):
        assert cyc is not None, "first_failure needs the run's cycles (recorded with cycles=True)"
        got, want = as_bytes(lk.stream, dat), as_bytes(lk.stream, exp)
        m = min(len(got), len(want))
        bad = np.flatnonzero((got[:m] != want[:m]).any(axis=1))
        fmt = lk.stream.format_beat
        bpi = lk.stream.beats_per_image
        skip = first_image * bpi  # beats of the batch before this run
        if bad.size:
            i = int(bad[0])
            cands.append((int(cyc[i]), k, 1, checks.mismatch(lk.label, skip + i, bpi, int(cyc[i]),
                                                             _value(want[i]), _value(got[i]), fmt)))
        if len(got) > len(want):
            i = len(want)
            cands.append((int(cyc[i]), k, 1, checks.extra_beat(lk.label, skip + i, int(cyc[i]),
                                                               _value(got[i]), skip + len(want), fmt)))
    if rec.status == "protocol":
        kind, k_s, beat_s, held, now = rec.detail.split()
        k = int(k_s)
        beat = int(beat_s) + first_image * links[k].stream.beats_per_image
        label = links[k].label
        line = (checks.valid_dropped(label, beat, rec.cycles) if kind == "drop"
                else checks.data_changed(label, beat, rec.cycles, int(held, 16), int(now, 16)))
        cands.append((rec.cycles, k, 0, line))
    elif rec.status == "watchdog":
        stuck = ([checks.INPUT_LABEL] if rec.sent < input_beats else []) + \
            [lk.label for lk, (_, d) in zip(links, rec.beats) if len(d) < lk.expected_beats]
        cands.append((rec.cycles, len(links), 2, checks.watchdog(
            watchdog, rec.cycles, stuck or [checks.INPUT_LABEL] + [lk.label for lk in links])))
    elif rec.status == "max_cycles":
        cands.append((rec.cycles, len(links), 2, checks.not_done(max_cycles)))
    if cands:
        return min(cands)[3]
    for lk, (_, dat) in zip(links, rec.beats):
        if len(dat) < lk.expected_beats:
            skip = first_image * lk.stream.beats_per_image
            return checks.missing_beats(lk.label, skip + len(dat), skip + lk.expected_beats)
    return None


def run(folder: CompiledFolder, graph: Graph, x: np.ndarray, *, taps: bool = True,
        schedule: checks.Schedule, watchdog: int, max_cycles: int, drain: int, cache: Path | None = None,
        waves: bool = False, progress: Callable[[int], None] | None = None, keep: Path | None = None,
        first_image: int = 0, built: Build | None = None, cycles: bool = False) -> EngineResult:
    """Simulate ``x`` (already in the reference's input representation) through the RTL of ``folder``.

    Returns an :class:`EngineResult` whose ``failure`` is None when every checked
    beat equals the reference's (the caller raises); with ``waves``, a VCD of
    cycles around the first failure (or the first cycles when none) is written by a
    second, traced build and run. ``first_image`` numbers the images of a shard as
    in the whole batch; ``built``: the simulator :func:`build` returned already.

    The harness records each tapped beat's bytes but not its cycle (half the volume on a
    CNV); a run that fails is run again, deterministically, with every cycle recorded, so
    that the report names the failing beat's cycle. ``cycles=True`` records them at once.
    """
    rtl = folder.path.resolve()
    n = x.shape[0]
    bld = built if built is not None else build(folder, taps=taps, cache=cache, cycles=n * folder.interval)
    internal = folder.internal_streams if taps else ()
    links = [Link(checks.tap_label(s.name, s.tap), s, 0) for s in internal]
    links.append(Link(checks.output_label(folder.output_stream.tap), folder.output_stream, 0))
    for lk in links:
        lk.expected_beats = n * lk.stream.beats_per_image
    run_dir = keep if keep is not None else Path(tempfile.mkdtemp(prefix="bnnc-run-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    scope = f"TOP.{tool_word(folder.top)}" if taps else "-"
    cycles = cycles or waves

    def write(with_cycles: bool) -> None:
        _write_run(run_dir, folder, x, links, schedule, scope=scope, watchdog=watchdog, max_cycles=max_cycles,
                   drain=drain, progress_every=(1 << 17) if progress else 0, cycles=with_cycles)

    write(cycles)
    # the reference's beats as the harness records them (bytes), one array per layout: a FIFO's
    # output carries its input's beats, so both links compare against the same array
    layouts = [replace(lk.stream, name="") for lk in links]
    shared = {lay: np.empty((lk.expected_beats, beat_bytes(lk.stream)), dtype=np.uint8)
              for lay, lk in zip(layouts, links)}
    expected = [shared[lay] for lay in layouts]
    ref_time = [0.0]

    def reference() -> None:
        """The reference's beats of every checked stream, computed while the harness simulates."""
        t = time.perf_counter()
        chunk = max(1, min(1000, REFERENCE_CHUNK_BYTES // max(1, bytes_per_image(graph)[0])))
        for start in range(0, n, chunk):
            xs = x[start : start + chunk]
            if taps:
                outs = execute(graph, xs, taps=True, keep={lk.stream.tap for lk in links})
                assert isinstance(outs, dict)
            else:
                outs = {links[-1].stream.tap: execute(graph, xs)}
            done: set[Stream] = set()
            for lk, lay in zip(links, layouts):
                if lay in done:
                    continue
                done.add(lay)
                w = as_bytes(lk.stream, lk.stream.beat_words(outs[lk.stream.tap]).reshape(-1, lk.stream.words_per_beat))
                bpi = lk.stream.beats_per_image
                shared[lay][start * bpi : start * bpi + w.shape[0]] = w
        ref_time[0] = time.perf_counter() - t

    try:
        rec = _run_harness(bld.exe, rtl, run_dir, links, progress, work=reference)
        t = time.perf_counter()
        failure = None
        if cycles or not _clean(links, rec, expected):
            if not cycles:  # the same run again, every cycle recorded, for the report's cycle
                del rec  # its files are mapped: let go of them before the harness rewrites them
                write(True)
                rec = _run_harness(bld.exe, rtl, run_dir, links, None)
            failure = first_failure(links, rec, expected, watchdog=watchdog, max_cycles=max_cycles,
                                    input_beats=n * folder.input_stream.beats_per_image, first_image=first_image)
        compare_s = time.perf_counter() - t
        out = links[-1].stream
        res = EngineResult(bld, rec, links, failure, as_words(out, rec.beats[-1][1]), as_words(out, expected[-1]),
                           ref_time[0], compare_s, sum(len(d) for _, d in rec.beats), run_dir=run_dir)
        if waves:
            res.waves = _waves(folder, x, links, schedule, rec, failure, run_dir, cache=cache,
                               watchdog=watchdog, max_cycles=max_cycles, drain=drain, taps=taps)
    finally:
        if keep is None and not waves:
            shutil.rmtree(run_dir, ignore_errors=True)
    return res


def _waves(folder: CompiledFolder, x: np.ndarray, links: list[Link], schedule: checks.Schedule,
           rec: Recording, failure: str | None, run_dir: Path, *, cache: Path | None, watchdog: int,
           max_cycles: int, drain: int, taps: bool) -> Path:
    """Rerun with a traced build, dumping WAVE_BEFORE cycles before the failing cycle to WAVE_AFTER after it."""
    import re

    end = rec.cycles
    if failure is not None:
        m = re.search(r"cycle (\d+)", failure)
        end = int(m.group(1)) if m else rec.cycles
    else:
        end = min(rec.cycles, WAVE_BEFORE)
    lo, hi = max(0, end - WAVE_BEFORE), end + WAVE_AFTER
    bld = build(folder, taps=taps, trace=True, cache=cache)
    wdir = run_dir / "waves"
    wdir.mkdir(exist_ok=True)
    vcd = run_dir / "waves.vcd"
    # the same run up to the window's end: deterministic, so the failure recurs at the same cycle
    _write_run(wdir, folder, x, links, schedule, scope=f"TOP.{tool_word(folder.top)}" if taps else "-",
               watchdog=watchdog, max_cycles=min(max_cycles, hi), drain=drain, progress_every=0,
               waves=(lo, hi, vcd))
    _run_harness(bld.exe, folder.path.resolve(), wdir, links, None)
    shutil.rmtree(wdir, ignore_errors=True)
    for f in run_dir.iterdir():  # keep only the waveform: the recorded beats were compared already
        if f != vcd and f.is_file():
            f.unlink()
    return vcd
