"""The shipped trained examples: compiled RTL agrees with the reference on real MNIST test images.

Every output beat and every layer-to-layer stream is checked (taps on), on the
examples' 200 shipped MNIST test images (``sample_images.npy``); the labels give the
accuracy, which must equal the reference's on the same images. mlp_small and lfc run
the 200 images through the compiled engine and the first 20 through the cocotb engine
too (each engine builds the same compile folder; test_engine.py proves the two engines
equal, beat for beat and cycle for cycle); all 200 of theirs through the cocotb engine:
``bench/examples_cocotb.py`` (``make bench``). mlp_small_u8 runs all 200 through the
cocotb engine only: its compiled-engine build (~30 CPU-s, the uint8 adder trees at -O2)
costs more than its 200 images on the cocotb engine (~4 s).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.codegen import write_output
from compiler.runtime.sim.simulate import simulate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
COCOTB_IMAGES = {"mlp_small": 20, "lfc": 20, "mlp_small_u8": 200}
"""Images of each example through the cocotb engine; fewer than 200: all 200 through the compiled engine too."""


def _check_example(name: str, rtl: Path, folded: compiler.ir.Graph, cocotb_build: Path) -> None:
    folder = EXAMPLES / name
    x = np.load(folder / "sample_images.npy")
    y = np.load(folder / "sample_labels.npy")
    assert len(x) == 200
    ref = [int(v) for v in compiler.predict(folded, x)]
    n = COCOTB_IMAGES[name]
    slow = simulate(rtl, x[:n], engine="cocotb", build_dir=cocotb_build)
    assert slow.taps and slow.images == n
    assert slow.predictions == ref[:n]
    assert slow.interval_measured == slow.interval_predicted
    rep = slow if n == len(x) else simulate(rtl, x)  # the compiled engine on all 200
    assert rep.taps and rep.images == len(x)
    assert rep.predictions == ref
    assert rep.interval_measured == rep.interval_predicted
    acc_rtl = float(np.mean(np.array(rep.predictions) == y))
    assert acc_rtl == float(np.mean(np.array(ref) == y))
    print(f"{name}: RTL accuracy {acc_rtl:.4f} on {len(x)} MNIST test images, "
          f"interval {rep.interval_measured} cycles")


@pytest.mark.parametrize("name", [pytest.param("mlp_small", marks=pytest.mark.xdist_group("engine_example")),
                                  "mlp_small_u8", "lfc"])
def test_examples_on_200_mnist_images(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """All three shipped examples, LFC included. mlp_small's compile folder and cocotb build are
    test_engine.py's (fixture mlp_small_rtl, one xdist group)."""
    if name == "mlp_small":
        rtl, folded, cocotb_build = request.getfixturevalue("mlp_small_rtl")
    else:
        folded = compiler.fold(EXAMPLES / name / "net.yaml")
        rtl, cocotb_build = tmp_path / "rtl", tmp_path / "cocotb_build"
        write_output(folded, rtl)
    _check_example(name, rtl, folded, cocotb_build)


# The two 28x28 CNNs (conv_mnist_u8, conv_mnist_w2a2) are not here: their compiled-engine builds cost
# 45-90 s each of make test's 15 minutes. Their compile output is pinned byte for byte
# (tests/test_compile_output.py), and that output's RTL equals the reference on all 10,000 MNIST test images
# (BENCHMARKS.md, "Simulation engines on MNIST"; their READMEs). Their layer kinds run beat for beat here through
# mnist_up5k (a uint8 conv, pools, binary conv) and through the random CNNs of test_networks.py and test_fewbit.py.
@pytest.mark.parametrize("name", ["mnist_up5k", "lfc_w1a2"])
def test_calibrated_example_on_200_mnist_images(name: str, tmp_path: Path) -> None:
    """The examples that ship a calibration (the iCE40 UP5K one at its slow, narrow shipped folding; the few-bit
    LFC-W1A2, ternary codes through bnnc_mvtu's bit planes) on the compiled engine: every stream beat for beat,
    the interval, and accuracy equal to the reference's on the 200 shipped images."""
    folder = EXAMPLES / name
    x = np.load(folder / "sample_images.npy")
    y = np.load(folder / "sample_labels.npy")
    folded = compiler.fold(folder / "net.yaml", calibration=np.load(folder / "calibration.npy"))
    write_output(folded, tmp_path / "rtl")
    rep = simulate(tmp_path / "rtl", x)
    ref = compiler.predict(folded, x)
    assert rep.taps and rep.images == len(x) == 200
    assert rep.predictions == [int(v) for v in ref]
    assert rep.interval_measured == rep.interval_predicted == folded.timing[0]
    assert float(np.mean(np.array(rep.predictions) == y)) == float(np.mean(ref == y))
