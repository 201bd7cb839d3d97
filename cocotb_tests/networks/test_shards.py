"""The compiled engine over shards of a batch (``bnnc simulate --jobs N``): the same checks, merged.

Each shard is its own run of the same cached build from reset, checked beat for
beat; the merged report must equal the one-run report in everything that does not
depend on where a run starts (predictions, beats checked, interval, latency), and a
failure must name the batch's image and beat, with the cycle of its shard's run.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.cli import main
from compiler.codegen.folder import validate_folder
from compiler.runtime.sim import engine
from compiler.runtime.sim.runner import SimulationFailure
from compiler.runtime.sim.simulate import SimError, simulate
from designs.netgen import mlp, random_inputs
from tests.pins import whole

IMAGES = 25
BAD_IMAGE = 20  # the image whose expected beat the fault-injection test changes


@pytest.fixture(scope="module")
def design(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, Path]:
    """A small generated network (bottleneck 12 cycles/image), 25 random inputs, its own build cache."""
    folder = tmp_path_factory.mktemp("shards")
    net = mlp(21, sizes=[36, 12, 5], input_dtype="uint8", input_sign=100.5, bn_mode="normal",
              folding={"fc1": {"pe": 4, "simd": 9}, "fc2": {"pe": 5, "simd": 4}}).write(folder)
    assert main(["compile", str(net.path), "-o", str(folder / "rtl")]) == 0
    return folder / "rtl", random_inputs(compiler.load(net.path), IMAGES, seed=5), folder / "cache"


def test_shard_plan_covers_the_batch_in_order_with_3_images_or_more(design) -> None:
    rtl, _, _ = design
    folder = validate_folder(rtl)
    assert engine.shard_images(folder, 25, 3) == [(0, 9), (9, 8), (17, 8)]
    assert engine.shard_images(folder, 25, 1) == [(0, 25)]
    assert engine.shard_images(folder, 7, 4) == [(0, 4), (4, 3)]  # no shard under 3 images
    assert engine.shard_images(folder, 2, 4) == [(0, 2)]
    assert engine.shard_images(folder, 0, 4) == []
    # memory, not workers, sets the count when a run would hold more than the budget
    per = engine.run_bytes_per_image(folder)
    plan = engine.shard_images(folder, 100, 1, budget=10 * per)
    assert [s for _, s in plan] == [10] * 10 and [f for f, _ in plan] == list(range(0, 100, 10))
    # and a machine's memory, when many runs go at once
    assert engine.shard_budget(1) <= engine.SHARD_BYTES and engine.shard_budget(10**6) == 16 << 20
    tiny = engine.shard_images(folder, 100, 1, budget=1)  # under 3 images per run: 3 it is
    assert len(tiny) == 33 and min(s for _, s in tiny) == 3 and sum(s for _, s in tiny) == 100


@pytest.mark.xdist_group("shards")
def test_sharded_run_equals_one_run(design) -> None:
    rtl, x, cache = design
    one = simulate(rtl, x, cache_dir=cache, gap_prob=0.2, ready_prob=0.7, seed=3)
    three = simulate(rtl, x, cache_dir=cache, gap_prob=0.2, ready_prob=0.7, seed=3, jobs=3)
    assert [(s.first_image, s.images) for s in one.shards] == [(0, 25)]
    assert [(s.first_image, s.images) for s in three.shards] == [(0, 9), (9, 8), (17, 8)]
    assert three.jobs == 3 and three.build_cached
    assert three.predictions == three.expected == one.predictions == one.expected
    assert three.images == one.images == IMAGES
    assert three.beats_checked == one.beats_checked
    assert three.latency_cycles == one.latency_cycles
    # each shard pays its own pipeline fill, so the sharded total is larger
    assert three.cycles == sum(s.cycles for s in three.shards) > one.cycles
    assert [len(iv) for iv in three.shard_intervals] == [8, 7, 7]
    steady = simulate(rtl, x, cache_dir=cache, jobs=3)
    assert len(steady.shards) == 3
    assert steady.interval_measured == steady.interval_predicted == 12
    assert {v for iv in steady.shard_intervals for v in iv[2:]} == {12}


@pytest.mark.xdist_group("shards")
def test_a_failure_in_a_later_shard_names_the_batch_image(design, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the reference's beat of one image is changed, so the real RTL must be reported
    as failing there, at the batch's image and beat, whichever run simulated it."""
    rtl, x, cache = design
    real = engine.execute
    bad_row = x[BAD_IMAGE]

    def injected(graph, xs, taps=False, keep=None):  # type: ignore[no-untyped-def]
        outs = real(graph, xs, taps=taps, keep=keep)
        hit = [i for i in range(xs.shape[0]) if np.array_equal(xs[i], bad_row)]
        if hit and taps:
            outs["act1"] = outs["act1"].copy()
            outs["act1"][hit[0], 2] = -outs["act1"][hit[0], 2]
        return outs

    monkeypatch.setattr(engine, "execute", injected)
    lines = {}
    for jobs in (1, 3):
        with pytest.raises(SimulationFailure) as exc:
            simulate(rtl, x, cache_dir=cache, jobs=jobs)
        lines[jobs] = str(exc.value).splitlines()[0]
    pattern = (r"images {}: stream fc1 \(layer act1\): mismatch at beat 60 \(image 20, beat 0 of 3\), cycle (\d+): "
               r"expected 0x[0-9a-f]+ lanes \[[-1, ]+\], actual 0x[0-9a-f]+ lanes \[[-1, ]+\]")
    one = re.search(whole(pattern.format(r"0\.\.24")), lines[1])
    sharded = re.search(whole(pattern.format(r"17\.\.24")), lines[3])
    assert one and sharded, lines
    # the cycle is the one of the shard's own run: image 20 is image 3 of a run of images 17..24
    with pytest.raises(SimulationFailure) as exc:
        simulate(rtl, x[17:], cache_dir=cache)
    alone = re.search(r"image 3, beat 0 of 3\), cycle (\d+):", str(exc.value))
    assert alone and alone.group(1) == sharded.group(1) != one.group(1)


@pytest.mark.xdist_group("shards")
def test_cli_jobs_shards_and_prints_the_runs(design, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    rtl, x, cache = design
    np.save(tmp_path / "x.npy", x)
    monkeypatch.setenv("BNNC_SIM_CACHE", str(cache))
    args = ["simulate", str(rtl), "--inputs", str(tmp_path / "x.npy")]
    assert main(args + ["--jobs", "3"]) == 0
    out = capsys.readouterr().out
    assert "25/25 outputs match the reference" in out
    assert "every beat of every stream checked (7 streams, 425 beats)" in out
    assert "cycles per image: measured 12 (predicted 12)" in out
    assert re.search(r"^shards: 3 runs of 8-9 images, 3 at a time; per shard [\d,]+-[\d,]+ cycles/s$", out, re.M), out
    assert main(args + ["--jobs", "1"]) == 0
    assert "shards:" not in capsys.readouterr().out
    assert main(args + ["--jobs", "0"]) == 2
    assert "--jobs: must be a positive whole number, not '0'" in capsys.readouterr().err
    assert main(args + ["--jobs", "2", "--engine", "cocotb"]) == 2
    assert "--jobs must be 1 with --engine cocotb (its runs go one by one), not 2" in capsys.readouterr().err
    assert main(args + ["--jobs", "257"]) == 2
    assert "--jobs must be at most 256, not 257" in capsys.readouterr().err


def test_api_jobs_must_be_a_whole_number(design) -> None:
    rtl, x, _ = design
    for bad in (-1, 1.5, True):
        with pytest.raises(SimError, match=whole(r"jobs must be a whole number >= 0 \(0: one per core\), not .*")):
            simulate(rtl, x, jobs=bad)  # type: ignore[arg-type]
    with pytest.raises(SimError, match=whole(r"jobs must be 1 with the cocotb engine .*, not 2")):
        simulate(rtl, x, engine="cocotb", jobs=2)
