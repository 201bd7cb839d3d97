"""The compiled Verilator engine against the cocotb engine: same beats, same cycles, same one-line failures.

Both engines drive the same seeded gap/backpressure schedule through the same
cycle loop (compiler/runtime/sim/checks.py), so on equal inputs every beat of every stream
must carry the same data on the same cycle, and a broken design must fail with
the same report line. The 1,000-image version of the agreement check is in
bench/sim_engines.py (figures in BENCHMARKS.md).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.cli import main
from compiler.codegen.folder import validate_folder
from compiler.hw.stream import Stream
from compiler.runtime.sim import checks, engine
from compiler.runtime.sim.engine import Link, Recording, first_failure
from compiler.runtime.sim.runner import SimulationFailure
from compiler.runtime.sim.simulate import simulate
from tests.folders import reseal
from designs.netgen import mlp, random_inputs
from tests.pins import whole

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AGREE_IMAGES = 30


def _first_line(exc: pytest.ExceptionInfo[SimulationFailure]) -> str:
    return str(exc.value).splitlines()[0]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build cache for the compiled engine, so cold builds are exercised too."""
    return tmp_path_factory.mktemp("simcache")


# ---------------------------------------------------------------- an example, both engines


@pytest.mark.xdist_group("engine_example")  # with test_examples.py[mlp_small]: one cocotb build
def test_engines_agree_on_every_beat_and_cycle_of_an_example(mlp_small_rtl, cache: Path) -> None:
    """mlp_small on MNIST images with input gaps and output backpressure: identical recordings."""
    rtl, folded, cocotb_build = mlp_small_rtl  # its cocotb build is shared with test_examples.py
    x = np.load(EXAMPLES / "mlp_small" / "sample_images.npy")[:AGREE_IMAGES]
    opts = dict(gap_prob=0.3, ready_prob=0.5, seed=11, record=True)
    fast = simulate(rtl, x, engine="verilator", cache_dir=cache, **opts)
    slow = simulate(rtl, x, engine="cocotb", build_dir=cocotb_build, chunk=AGREE_IMAGES, **opts)
    manifest = json.loads((rtl / "manifest.json").read_text())
    names = {s["name"] for s in manifest["rtl"]["streams"][1:-1]} | {"m_axis", "input"}
    assert fast.recorded is not None and slow.recorded is not None
    assert set(fast.recorded) == set(slow.recorded) == names
    for name in sorted(names):
        (fc, fw), (sc, sw) = fast.recorded[name], slow.recorded[name]
        np.testing.assert_array_equal(fc, sc, err_msg=f"cycles of stream {name}")
        if name != "input":
            np.testing.assert_array_equal(fw, sw, err_msg=f"beats of stream {name}")
            assert len(fw) == AGREE_IMAGES * Stream.from_manifest(
                next(s for s in manifest["rtl"]["streams"] if s["name"] == name) if name != "m_axis"
                else manifest["rtl"]["output_stream"]).beats_per_image
    assert fast.predictions == slow.predictions == [int(v) for v in compiler.predict(folded, x)]
    assert (fast.cycles, fast.intervals, fast.latency_cycles) == (slow.cycles, slow.intervals, slow.latency_cycles)
    # with no gaps and no backpressure the compiled engine measures the predicted interval
    steady = simulate(rtl, x, cache_dir=cache)
    assert steady.build_cached
    assert steady.interval_measured == steady.interval_predicted == 208


# ---------------------------------------------------------------- broken designs, both engines


@pytest.fixture(scope="module")
def design(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    """A small generated network (bottleneck fc1: 12 cycles/image), 25 inputs, labels with 5 wrong."""
    folder = tmp_path_factory.mktemp("engine")
    net = mlp(21, sizes=[36, 12, 5], input_dtype="uint8", input_sign=100.5, bn_mode="normal",
              folding={"fc1": {"pe": 4, "simd": 9}, "fc2": {"pe": 5, "simd": 4}}).write(folder)
    assert main(["compile", str(net.path), "-o", str(folder / "rtl")]) == 0
    x = random_inputs(compiler.load(net.path), 25, seed=2)
    labels = compiler.predict(net.path, x).copy()
    labels[:5] = (labels[:5] + 1) % 5
    return folder / "rtl", x, labels


def _both_fail(rtl: Path, x: np.ndarray, cache: Path, **opts: float) -> tuple[str, str]:
    """The first report line of each engine on a design that must fail (no waves: none is looked at)."""
    lines = []
    for name in ("verilator", "cocotb"):
        with pytest.raises(SimulationFailure) as exc:
            simulate(rtl, x, engine=name, cache_dir=cache, waves=False, **opts)  # type: ignore[arg-type]
        lines.append(_first_line(exc))
    return lines[0], lines[1]


@pytest.mark.xdist_group("engine_small")
def test_corrupted_rom_same_report_in_both_engines(design, tmp_path: Path, cache: Path) -> None:
    rtl, x, _ = design
    clean = simulate(rtl, x, cache_dir=cache, gap_prob=0.2, ready_prob=0.7, seed=1)
    assert clean.predictions == clean.expected
    bad = tmp_path / "rtl"
    shutil.copytree(rtl, bad)
    mem = bad / "fc1_weights.mem"
    rows = mem.read_text().split()
    # invert every weight bit of fc1: each popcount p becomes MW - p, so act1 must change
    rows = [format(int(r, 16) ^ ((1 << (4 * len(r))) - 1), f"0{len(r)}x") for r in rows]
    mem.write_text("\n".join(rows) + "\n")
    reseal(bad)  # a deliberate change: the folder's hashes vouch for it, so the simulation must catch it
    fast, slow = _both_fail(bad, x, cache, gap_prob=0.2, ready_prob=0.7, seed=1)
    assert fast == slow
    assert re.search(whole(r"images 0\.\.24: stream fc1 \(layer act1\): mismatch at beat 0 \(image 0, beat 0 of 3\), "
                           r"cycle \d+: expected 0x[0-9a-f]+ lanes \[[-1, ]+\], actual 0x[0-9a-f]+ lanes \[[-1, ]+\]"),
                     fast), fast
    # ROM images are read when the simulation starts, so the corrupted copy reused the clean build
    again = engine.build(validate_folder(bad), cache=cache, cycles=len(x) * validate_folder(rtl).interval)
    assert again.cached and again.folder == clean.build_path


def _delay_ready(rtl: Path, out: Path) -> str:
    """Copy ``rtl`` to ``out`` with the bottleneck's input FIFO seeing its consumer's tready one cycle late."""
    shutil.copytree(rtl, out)
    manifest = json.loads((out / "manifest.json").read_text())
    bottleneck = next(m for m in manifest["rtl"]["modules"] if m["name"] == manifest["bottleneck"])
    link = bottleneck["in"]  # the bottleneck deasserts tready between vectors, so a late ready shows
    top = out / f"{manifest['rtl']['top']}.v"
    v = top.read_text()
    assert v.count(f".m_axis_tready({link}_tready)") == 1
    v = v.replace(f".m_axis_tready({link}_tready)", f".m_axis_tready({link}_tready_late)")
    v = v.replace("\nendmodule", f"\n    reg {link}_tready_late;\n"
                  f"    always @(posedge clk) {link}_tready_late <= {link}_tready;\nendmodule")
    top.write_text(v)
    reseal(out)
    return link


@pytest.mark.xdist_group("engine_small")
def test_delayed_handshake_same_report_in_both_engines(design, tmp_path: Path, cache: Path) -> None:
    rtl, x, _ = design
    link = _delay_ready(rtl, tmp_path / "rtl")
    fast, slow = _both_fail(tmp_path / "rtl", x, cache, gap_prob=0.2, ready_prob=0.7, seed=1)
    assert fast == slow
    assert re.search(whole(rf"images 0\.\.24: stream {link} \(layer \w+\): tdata changed from 0x[0-9a-f]+ to "
                           r"0x[0-9a-f]+ at cycle \d+ while beat \d+ waited for tready \(AXI hold rule\)"), fast), fast


@pytest.mark.xdist_group("engine_small")
def test_watchdog_same_report_in_both_engines(design, cache: Path) -> None:
    """m_axis never ready: both engines stop at the same cycle and name the same stuck streams."""
    rtl, x, _ = design
    fast, slow = _both_fail(rtl, x[:4], cache, ready_prob=0.0)
    assert fast == slow
    assert re.search(whole(r"images 0\.\.3: watchdog: no beat moved for \d+ cycles \(cycle \d+\); stuck stream\(s\): "
                           r"fc2_q \(layer bn2\), m_axis \(layer argmax\)"), fast), fast


# ---------------------------------------------------------------- the command line


@pytest.mark.xdist_group("engine_small")
def test_cli_compiled_engine_reports_cache_modes_and_timing(design, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    rtl, x, labels = design
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", labels)
    monkeypatch.setenv("BNNC_SIM_CACHE", str(tmp_path / "cache"))
    args = ["simulate", str(rtl), "--inputs", str(tmp_path / "x.npy"), "--labels", str(tmp_path / "y.npy")]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args + ["--gaps", "0.3", "--backpressure", "0.4", "--seed", "9"]) == 0
    second = capsys.readouterr().out
    assert main(args + ["--check", "output"]) == 0
    output_only = capsys.readouterr().out
    for out in (first, second, output_only):
        assert "25/25 outputs match the reference" in out
        assert "accuracy: 80.00% on 25 labelled images" in out
    assert "on Verilator (compiled engine)" in first
    assert "every beat of every stream checked (7 streams, 425 beats)" in first  # 6 internal + m_axis
    assert "cycles per image: measured 12 (predicted 12)" in first
    assert re.search(rf"build: {re.escape(str(tmp_path / 'cache'))}/mlp-[0-9a-f]+ \(built in [\d.]+ s\)", first), first
    assert re.search(r"build: .*/mlp-[0-9a-f]+ \(cache hit\)", second), second
    assert re.search(r"simulation: [\d,]+ cycles in [\d.]+ s \([\d,]+ cycles/s\); reference [\d.]+ s", first), first
    assert "output stream checked (25 beats; internal streams not checked)" in output_only
    assert "(built in" in output_only  # output-only builds the top without public taps
    assert main(args + ["--backpressure", "1.0"]) == 2
    assert "--backpressure must be a probability in [0, 1), not 1.0" in capsys.readouterr().err


@pytest.mark.xdist_group("engine_small")
def test_waves_window_around_the_first_failure(design, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str], cache: Path) -> None:
    rtl, x, _ = design
    bad = tmp_path / "rtl"
    _delay_ready(rtl, bad)
    np.save(tmp_path / "x.npy", x)
    monkeypatch.setenv("BNNC_SIM_CACHE", str(cache))
    assert main(["simulate", str(bad), "--inputs", str(tmp_path / "x.npy"), "--waves"]) == 1
    out = capsys.readouterr().out
    cycle = int(re.search(r"at cycle (\d+)", out.splitlines()[0]).group(1))  # type: ignore[union-attr]
    path = Path(re.search(r"^waves: (\S+\.vcd)$", out, re.M).group(1))  # type: ignore[union-attr]
    text = path.read_text()
    times = [int(t) for t in re.findall(r"^#(\d+)$", text, re.M)]
    assert min(times) <= 10 * cycle <= max(times)  # 10 time units (ns) per cycle
    assert "in_sign_q_tready" in text
    shutil.rmtree(path.parent)


# ---------------------------------------------------------------- the shared parts, no simulator


def test_schedule_is_seeded_and_reproducible() -> None:
    a = checks.Schedule.make(3, 1000, 0.3, 0.6)
    b = checks.Schedule.make(3, 1000, 0.3, 0.6)
    c = checks.Schedule.make(4, 1000, 0.3, 0.6)
    assert a.gaps is not None and a.ready is not None and b.gaps is not None and c.gaps is not None
    np.testing.assert_array_equal(a.gaps, b.gaps)
    assert not np.array_equal(a.gaps, c.gaps)
    assert 0.25 < np.mean(a.gaps > 0) < 0.35 and a.gaps.max() <= checks.MAX_GAP
    assert 0.55 < a.ready.mean() < 0.65 and len(a.ready) == checks.READY_PERIOD
    none = checks.Schedule.make(3, 1000, 0.0, 1.0)
    assert none.gaps is None and none.ready is None
    with pytest.raises(ValueError, match=whole(r"gap probability must be in \[0, 1\], not 1\.5")):
        checks.Schedule.make(3, 10, 1.5, 1.0)


def test_first_failure_is_the_earliest_in_cycle_then_stream_order() -> None:
    """The compiled engine's bulk comparison reports what the cocotb engine would meet first."""
    s = Stream("a", "act1", 2, 1, False, True, 4)  # 2 beats per image
    links = [Link("a (layer act1)", s, 4), Link("m_axis (layer argmax)", Stream("o", "argmax", 1, 4, False, False, 1), 2)]
    exp = [np.array([[1], [2], [3], [0]], np.uint32), np.array([[5], [6]], np.uint32)]

    def rec(a: list[int], a_cyc: list[int], o: list[int], o_cyc: list[int], status: str = "ok",
            detail: str = "") -> Recording:
        beats = [(np.array(a_cyc, np.uint32), np.array(a, np.uint32).reshape(-1, 1)),
                 (np.array(o_cyc, np.uint32), np.array(o, np.uint32).reshape(-1, 1))]
        return Recording(status, 50, 4, detail, beats, np.zeros(0, np.uint32), 0.0)

    def first(r: Recording) -> str | None:
        return first_failure(links, r, exp, watchdog=100, max_cycles=1000, input_beats=4)

    assert first(rec([1, 2, 3, 0], [1, 2, 3, 4], [5, 6], [8, 9])) is None
    # a later stream that fails on an earlier cycle wins; on one cycle, the earlier stream wins
    assert first(rec([1, 2, 1, 0], [1, 2, 9, 10], [5, 7], [4, 5])).startswith(  # type: ignore[union-attr]
        "stream m_axis (layer argmax): mismatch at beat 1 (image 1, beat 0 of 1), cycle 5")
    assert first(rec([1, 2, 1, 0], [1, 2, 9, 10], [5, 7], [8, 10])).startswith(  # type: ignore[union-attr]
        "stream a (layer act1): mismatch at beat 2 (image 1, beat 0 of 2), cycle 9: expected 0x3 lanes [1, 1], "
        "actual 0x1 lanes [1, -1]")
    assert first(rec([1, 2, 3, 0, 3], [1, 2, 3, 4, 5], [5, 6], [8, 9])) == (
        "stream a (layer act1): unexpected extra beat 4 at cycle 5: actual 0x3 lanes [1, 1] (only 4 expected)")
    # a protocol failure the harness stopped on, after a mismatch on an earlier cycle
    assert first(rec([1, 5], [1, 2], [], [], "protocol", "change 0 2 00000003 00000001")).startswith(
        "stream a (layer act1): mismatch at beat 1")  # type: ignore[union-attr]
    assert first(rec([1], [1], [], [], "protocol", "change 0 1 00000003 00000001")) == (
        "stream a (layer act1): tdata changed from 0x3 to 0x1 at cycle 50 while beat 1 waited for tready "
        "(AXI hold rule)")
    assert first(rec([1, 2], [1, 2], [], [], "watchdog")) == (
        "watchdog: no beat moved for 100 cycles (cycle 50); stuck stream(s): a (layer act1), m_axis (layer argmax)")
