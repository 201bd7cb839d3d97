"""Brevitas networks for the ONNX import tests: built, briefly trained and exported here, never downloaded.

The shapes follow Brevitas's bnn_pynq examples at a test's size: TFC-shaped MLPs
(784-64-64-64-10) with 1W1A, 1W2A and 2W2A quantizers, and a small CNV-shaped CNN
(conv-conv-pool-conv-pool, dense, dense) with 1-bit weights and ternary activations, each
ending in a TensorNorm-like scalar affine (Brevitas's bnn_pynq TensorNorm). Each trains for
one epoch on the shipped MNIST subset (tests/data/mnist_subset.npz), so its predictions are
not ties, and is exported with ``brevitas.export.export_qonnx``, raw, and after
``qonnx.util.cleanup``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

SUBSET = Path(__file__).resolve().parent.parent / "tests" / "data" / "mnist_subset.npz"


class TensorNorm(nn.Module):
    """A scalar batchnorm before the scores, as Brevitas's bnn_pynq TensorNorm (one mean, var, weight, bias)."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1))
        self.bias = nn.Parameter(torch.zeros(1))
        self.register_buffer("running_mean", torch.zeros(1))
        self.register_buffer("running_var", torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            mean, var = x.mean().detach(), x.var().detach()
            with torch.no_grad():
                self.running_mean.mul_(0.9).add_(0.1 * mean)
                self.running_var.mul_(0.9).add_(0.1 * var)
        else:
            mean, var = self.running_mean, self.running_var
        return (x - mean) / torch.sqrt(var + 1e-4) * self.weight + self.bias


def _quants(bits: int, act: bool):  # type: ignore[no-untyped-def]
    from brevitas.quant import (
        SignedBinaryActPerTensorConst,
        SignedBinaryWeightPerTensorConst,
        SignedTernaryActPerTensorConst,
        SignedTernaryWeightPerTensorConst,
    )

    if act:
        return SignedBinaryActPerTensorConst if bits == 1 else SignedTernaryActPerTensorConst
    return SignedBinaryWeightPerTensorConst if bits == 1 else SignedTernaryWeightPerTensorConst


class Mlp(nn.Module):
    """TFC-shaped: 2x-1 -> BipolarQuant input -> [QuantLinear -> BN -> act] x 3 -> QuantLinear -> TensorNorm
    (or a per-class BatchNorm1d: ``head="batchnorm"``)."""

    def __init__(self, w: int, a: int, hidden: tuple[int, ...] = (64, 64, 64), raw_input: bool = False,
                 head: str = "tensornorm", in_bits: int = 1) -> None:
        from brevitas.nn import QuantIdentity, QuantLinear

        super().__init__()
        self.raw_input = raw_input
        # in_bits 2: bnn_pynq's *_1W2A / *_2W2A input, 2x-1 quantized to {-1, 0, +1} (a quant of the pixels)
        self.inq = None if raw_input else QuantIdentity(act_quant=_quants(in_bits, True))
        layers: list[nn.Module] = []
        widths = [784, *hidden]
        for i in range(len(hidden)):
            layers += [QuantLinear(widths[i], widths[i + 1], bias=False, weight_quant=_quants(w, False)),
                       nn.BatchNorm1d(widths[i + 1]), QuantIdentity(act_quant=_quants(a, True))]
        self.features = nn.Sequential(*layers)
        self.fc = QuantLinear(widths[-1], 10, bias=False, weight_quant=_quants(w, False))
        # bnn_pynq's scalar TensorNorm keeps ties between classes whose integer scores are equal (torch's float32
        # then picks by rounding noise); a per-class BatchNorm1d ("batchnorm") breaks them
        self.tn = TensorNorm() if head == "tensornorm" else nn.BatchNorm1d(10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.raw_input:  # the pixels in [0, 1] as BNN-PYNQ's [-1, 1], then binarized
            x = self.inq(2.0 * x - 1.0)
        x = x.reshape(x.shape[0], -1)
        return self.tn(self.fc(self.features(x)))


class Cnv(nn.Module):
    """CNV-shaped, small: raw pixels -> conv3 -> conv3 -> pool2 -> conv3 -> pool2 -> dense -> dense -> TensorNorm."""

    def __init__(self, w: int = 1, a: int = 2) -> None:
        from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear

        super().__init__()
        conv = [(1, 16), (16, 16), (16, 32)]
        layers: list[nn.Module] = []
        for i, (cin, cout) in enumerate(conv):
            layers += [QuantConv2d(cin, cout, 3, bias=False, weight_quant=_quants(w, False)), nn.BatchNorm2d(cout),
                       QuantIdentity(act_quant=_quants(a, True))]
            if i > 0:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.fc1 = QuantLinear(32 * 5 * 5, 64, bias=False, weight_quant=_quants(w, False))
        self.bn = nn.BatchNorm1d(64)
        self.act = QuantIdentity(act_quant=_quants(a, True))
        self.fc2 = QuantLinear(64, 10, bias=False, weight_quant=_quants(w, False))
        self.tn = TensorNorm()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = x.reshape(x.shape[0], -1)
        return self.tn(self.fc2(self.act(self.bn(self.fc1(x)))))


# Brevitas's bnn_pynq MLP shapes (TFC 64, SFC 256, LFC 1024 neurons in each of 3 hidden layers) and a small CNV,
# as the ONNX import tests (tests/test_onnx_import.py) and bench/onnx_rtl.py build them.
MODELS = {
    "tfc_w1a1": lambda: Mlp(1, 1),
    "tfc_w2a2_raw_pixels": lambda: Mlp(2, 2, raw_input=True),
    "tfc_w1a2_in2": lambda: Mlp(1, 2, in_bits=2),
    "sfc_w1a2": lambda: Mlp(1, 2, hidden=(256, 256, 256)),
    "lfc_w1a1": lambda: Mlp(1, 1, hidden=(1024, 1024, 1024)),
    "cnv_w1a2": lambda: Cnv(1, 2),
}


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The subset's uint8 images (N, 28, 28) and labels: train, test."""
    d = np.load(SUBSET)
    return d["x_train"], d["y_train"], d["x_test"], d["y_test"]


def as_torch(x: np.ndarray) -> torch.Tensor:
    """uint8 images as the models read them: (N, 1, 28, 28) floats in [0, 1] (ToTensor's x / 255)."""
    return torch.from_numpy(x.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)


def trained(model: nn.Module, epochs: int = 1, seed: int = 0) -> nn.Module:
    """``model`` trained for ``epochs`` on the subset's training images (Adam, batch 50), in eval mode."""
    torch.manual_seed(seed)
    xt, yt, _, _ = data()
    x, y = as_torch(xt), torch.from_numpy(yt.astype(np.int64))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 50):
            idx = perm[i:i + 50]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    return model.eval()


def export(model: nn.Module, folder: Path, name: str, dynamo: bool = True) -> tuple[Path, Path]:
    """``export_qonnx`` of ``model`` for one (1, 1, 28, 28) image: the raw file and its qonnx cleanup."""
    from brevitas.export import export_qonnx
    from qonnx.util.cleanup import cleanup

    raw, clean = folder / f"{name}.onnx", folder / f"{name}_clean.onnx"
    export_qonnx(model, torch.zeros(1, 1, 28, 28), str(raw), dynamo=dynamo)
    cleanup(str(raw), out_file=str(clean))
    return raw, clean


def qonnx_execute(path: Path, x: np.ndarray) -> np.ndarray:
    """qonnx's own execution of an ONNX file, one (1, 1, 28, 28) image at a time: the outputs stacked."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    mw = ModelWrapper(str(path)).transform(InferShapes())
    name, out = mw.graph.input[0].name, mw.graph.output[0].name
    return np.concatenate([execute_onnx(mw, {name: as_torch(x[i:i + 1]).numpy()})[out] for i in range(len(x))])
