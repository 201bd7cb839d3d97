"""``bnnc simulate``: reports agreement, accuracy and cycles; fails loudly on a corrupted design."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.cli import main
from tests.folders import reseal
from designs.netgen import mlp, random_inputs
from tests.pins import whole

pytestmark = pytest.mark.xdist_group("simulate_cli")


@pytest.fixture(scope="module")
def design(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, np.ndarray]:
    folder = tmp_path_factory.mktemp("simcli")
    net = mlp(21, sizes=[36, 12, 5], input_dtype="uint8", input_sign=100.5, bn_mode="normal",
              folding={"fc1": {"pe": 4, "simd": 9}, "fc2": {"pe": 5, "simd": 4}}).write(folder)
    assert main(["compile", str(net.path), "-o", str(folder / "rtl")]) == 0
    x = random_inputs(compiler.load(net.path), 25, seed=2)
    pred = compiler.predict(net.path, x)
    labels = pred.copy()
    labels[:5] = (labels[:5] + 1) % 5  # 5 wrong labels: accuracy must read 80.00%
    np.save(folder / "x.npy", x)
    np.save(folder / "y.npy", labels)
    return folder, folder / "rtl", folder / "x.npy", folder / "y.npy"


def test_simulate_reports_match_accuracy_and_cycles(design, capsys: pytest.CaptureFixture[str]) -> None:
    folder, rtl, x, y = design
    assert main(["simulate", str(rtl), "--inputs", str(x), "--labels", str(y)]) == 0
    out = capsys.readouterr().out
    assert "25/25 outputs match the reference" in out
    assert "accuracy: 80.00% on 25 labelled images" in out
    # fc1: ceil(12/4)*ceil(36/9) = 12 cycles; fc2: ceil(5/5)*ceil(12/4) = 3 -> interval 12
    assert "cycles per image: measured 12 (predicted 12)" in out


def test_simulate_corrupted_rom_names_the_layer(design, tmp_path: Path) -> None:
    folder, rtl, x, _ = design
    bad = tmp_path / "rtl"
    subprocess.run(["cp", "-r", str(rtl), str(bad)], check=True)
    mem = bad / "fc1_weights.mem"
    lines = mem.read_text().split()
    # invert every weight bit of fc1: each popcount p becomes MW - p, so act1 must change
    width = len(lines[0])
    lines = [format(int(ln, 16) ^ ((1 << (4 * width)) - 1), f"0{width}x") for ln in lines]
    mem.write_text("\n".join(lines) + "\n")
    reseal(bad)  # a deliberate change the folder's hashes vouch for: the simulation itself must catch it
    proc = subprocess.run([sys.executable, "-m", "compiler", "simulate", str(bad), "--inputs", str(x)],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "simulation FAILED" in proc.stdout
    assert "mismatch at beat" in proc.stdout
    assert "layer act1" in proc.stdout  # the first stream after fc1 carries act1


def test_simulate_rejects_a_folder_without_rtl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    np.save(tmp_path / "x.npy", np.zeros((1, 4)))
    assert main(["simulate", str(tmp_path), "--inputs", str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert "must be a folder written by bnnc compile" in err
    assert len(err.strip().splitlines()) == 1


def test_watchdog_names_the_stuck_layers(design, tmp_path: Path) -> None:
    """An output that is never ready stalls the pipeline; the failure names the streams and layers stuck."""
    from compiler.runtime.sim.runner import SimulationFailure
    from compiler.runtime.sim.simulate import simulate

    folder, rtl, x, _ = design
    with pytest.raises(SimulationFailure, match=whole(
            r"images 0\.\.3: watchdog: no beat moved for \d+ cycles \(cycle \d+\); stuck stream\(s\): "
            r"fc2_q \(layer bn2\), m_axis \(layer argmax\)")):
        simulate(rtl, np.load(x)[:4], ready_prob=0.0)
