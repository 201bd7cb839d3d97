"""Max-pooling on few-bit codes, whole networks on Verilator: every beat of every stream equals the reference's.

Two small convolutional networks whose activation is a ``quant`` (docs/few-bit.md): one pools the
accumulators before the batchnorm (``pool_past_threshold`` moves the pool past the multi-threshold:
a codepool taking the max, the min in channels with negative gamma), one pools the quant's codes
(``maxpool_to_or``: a codepool taking the max). Each is compiled, linted, and simulated with random
gaps and backpressure (every stream scored) and without (the interval equals the prediction).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.runtime.sim.runner import SIM_BUILD
from designs.netgen import GenNet, cnn, random_inputs
from tests.sim_checks import check_beats_and_interval, compile_nets, lint_folder

IMAGES = 20


def _quant(net: GenNet, bits: int, signed: bool, narrow: bool, scale: float) -> GenNet:
    """``net`` with its convolution's sign made a quant of ``bits`` (the codes the pool sees)."""
    layers = net.doc["layers"]
    i = [layer["name"] for layer in layers].index("act_c1")
    layers[i] = {"name": "act_c1", "op": "quant", "bits": bits, "signed": signed, "narrow": narrow, "scale": scale}
    return net


def _nets() -> dict[str, GenNet]:
    return {
        # conv -> maxpool -> batchnorm -> quant (2-bit signed narrow, {-1, 0, 1}) -> dense; gammas of both signs
        "pool_before_bn_a2": _quant(cnn(41, input_shape=(8, 8, 2), filters=(6,), pool="before_bn", bn_mode="mixed",
                                        classes=4), 2, True, True, 0.5),
        # conv -> batchnorm -> quant (3-bit unsigned, {0..7}) -> maxpool 3x3 / 2 -> dense
        "pool_after_quant_u3": _quant(cnn(42, input_shape=(9, 9, 2), filters=(4,), pool="after_sign", pool_kernel=3,
                                          pool_stride=2, bn_mode="mixed", classes=3), 3, False, False, 0.4),
    }


NETS = _nets()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, compiler.ir.Graph]]:
    return compile_nets(NETS, tmp_path_factory)


@pytest.mark.xdist_group("networks")
@pytest.mark.parametrize("name", sorted(NETS))
def test_fewbit_pool_beats_and_interval(name: str, compiled: dict[str, tuple[Path, compiler.ir.Graph]]) -> None:
    rtl, folded = compiled[name]
    pools = [n for n in folded.nodes if n.op == "codepool"]
    assert len(pools) == 1 and not any(n.op in ("maxpool2d", "bitpool") for n in folded.nodes)
    gamma = NETS[name].arrays["bn_c1.gamma"]
    # the pool moved past the multi-threshold takes the min where the compare is negated (gamma < 0)
    expect_min = gamma < 0 if name.startswith("pool_before_bn") else np.zeros_like(gamma, dtype=bool)
    assert np.array_equal(pools[0].params["min_mask"], expect_min)
    assert expect_min.any() != name.startswith("pool_after")  # the moved pool takes some min, the other none
    manifest = json.loads((rtl / "manifest.json").read_text())
    reduce = [m for m in manifest["rtl"]["modules"] if m["core"] == "bnnc_pool_reduce"]
    assert len(reduce) == 1 and reduce[0]["params"]["EW"] >= 2, reduce
    assert lint_folder(rtl) == []

    x = random_inputs(folded, IMAGES, seed=9)
    rep = check_beats_and_interval(rtl, folded, x, SIM_BUILD / "networks" / f"fewbit_{name}")
    print(f"{name}: interval measured {max(rep.intervals[2:])} predicted {rep.interval_predicted}, "
          f"latency {rep.latency_cycles} cycles")
