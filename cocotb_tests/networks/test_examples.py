"""The shipped trained examples: compiled RTL agrees with the reference on real MNIST test images.

Every output beat and every layer-to-layer stream is checked (taps on), on the
examples' 200 shipped MNIST test images (``sample_images.npy``); the labels give
the accuracy, which must equal the reference's on the same images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.codegen import write_output
from runtime.sim.runner import SIM_BUILD
from runtime.sim.simulate import simulate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _check_example(name: str, images: int, tmp_path: Path) -> None:
    folder = EXAMPLES / name
    x = np.load(folder / "sample_images.npy")[:images]
    y = np.load(folder / "sample_labels.npy")[:images]
    folded = compiler.fold(folder / "net.yaml")
    write_output(folded, tmp_path / "rtl")
    rep = simulate(tmp_path / "rtl", x, engine="cocotb", build_dir=SIM_BUILD / "examples" / name)
    ref = compiler.predict(folded, x)
    assert rep.images == images
    assert rep.predictions == [int(v) for v in ref]
    assert rep.interval_measured == rep.interval_predicted
    acc_rtl = float(np.mean(np.array(rep.predictions) == y))
    print(f"{name}: RTL accuracy {acc_rtl:.4f} on {images} MNIST test images, "
          f"interval {rep.interval_measured} cycles")


@pytest.mark.parametrize("name", ["mlp_small", "mlp_small_u8", "lfc"])
def test_examples_on_200_mnist_images(name: str, tmp_path: Path) -> None:
    """All three shipped examples, LFC included (its Verilator build takes ~40 s, 200 images ~40 s more)."""
    _check_example(name, 200, tmp_path)


@pytest.mark.parametrize("name", ["conv_mnist_u8", "mnist_up5k"])
def test_calibrated_example_on_200_mnist_images(name: str, tmp_path: Path) -> None:
    """The examples that ship a calibration (the trained convolutional one; the iCE40 UP5K one at its slow,
    narrow shipped folding) on the compiled engine: every stream beat for beat, the interval, and accuracy
    equal to the reference's on the 200 shipped images."""
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
