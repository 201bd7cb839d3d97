"""Few-bit networks (issue 23, docs/few-bit.md) on Verilator: every beat of every stream equals the reference's.

Small random MLPs and one CNN with quant activations (signed narrow, signed wide, unsigned) and few-bit weights,
at foldings that divide nothing: each is compiled, linted and simulated with random input gaps and output
backpressure (every layer-to-layer stream checked beat by beat against the folded reference), then without
either, where the measured interval must equal the compiler's prediction. Small on purpose (make test budget).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.reference import execute
from compiler.runtime.sim.runner import SIM_BUILD
from designs.netgen import GenNet, cnn, fewbit, mlp, random_inputs
from tests.sim_checks import check_beats_and_interval, compile_nets, lint_folder

IMAGES = 12


def _nets() -> dict[str, GenNet]:
    return {
        # W1A2: uint8 pixels straight into ±1 weights, ternary activations (BNN-PYNQ's W1A2), no weight scale
        "w1a2_u8": fewbit(mlp(31, sizes=[20, 12, 9, 5], input_dtype="uint8", input_sign=None,
                              folding={"fc1": {"pe": 3, "simd": 7}, "fc2": {"pe": 5, "simd": 5},
                                       "fc3": {"pe": 2, "simd": 4}}),
                          31, act=(2, True, True), weight_bits=1, weight_scale=None),
        # W2A2: bipolar input with ternary weights (x ? w : -w), per-channel weight scales, negative gammas
        "w2a2_bipolar": fewbit(mlp(32, sizes=[18, 10, 7, 4], input_dtype="bipolar", bn_mode="mixed",
                                   folding={"fc1": {"pe": 4, "simd": 5}, "fc2": {"pe": 3, "simd": 3}}),
                               32, act=(2, True, True), weight_bits=2, weight_scale="channel"),
        # unsigned A3 with W4 weights, signed-wide A4 in between, per-tensor scales
        "w4a3_unsigned": fewbit(mlp(33, sizes=[14, 9, 6], input_dtype="int8", input_sign=None,
                                    folding={"fc1": {"pe": 2, "simd": 5}, "fc2": {"pe": 4, "simd": 3}}),
                                33, act=(3, False, False), weight_bits=4, weight_scale="tensor"),
        # a CNN: 2-bit convolution weights on uint8 pixels, signed-wide A2 codes through flatten into W3 dense
        "cnn_w2a2": fewbit(cnn(34, input_shape=(5, 5, 2), input_dtype="uint8", input_sign=None, filters=(3,),
                               padding=1, pool="none", hidden=(5,), classes=3),
                           34, act=(2, True, False), weight_bits=[2, 3, 1], weight_scale="channel"),
        # 1-bit signed codes {-1, 0} (A1 signed wide) and a float weight scale before max-pools: conv1 (W2,
        # per-channel scale) -> maxpool -> batchnorm -> quant (the scale node after the pool); conv2 (±1 weights,
        # padding with code 0: bnnc_swu on 1-bit signed codes) -> maxpool (moved past the multi-threshold: a
        # codepool on 1-bit signed codes) -> flatten (width converters) -> W3 dense on the codes -> batchnorm ->
        # sign (THRESHOLD mode with few-bit weights on integer lanes) -> dense
        "cnn_a1s_pool": _a1s_pool(),
    }


def _a1s_pool() -> GenNet:
    net = fewbit(cnn(35, input_shape=(10, 10, 1), input_dtype="bipolar", filters=(3, 4), padding_rest=1,
                     pool="before_bn", hidden=(5,), classes=3),
                 35, act=(1, True, False), weight_bits=[2, 1, 3, 1], weight_scale="channel")
    # foldings that divide nothing (conv2 reads 3 x 3 x 3 = 27 code lanes, fc1 16)
    net.doc["hardware"] = {"clock_mhz": 100, "folding": {"conv1": {"pe": 2, "simd": 5}, "conv2": {"pe": 3, "simd": 7},
                                                         "fc1": {"pe": 2, "simd": 3}}}
    layers = net.doc["layers"]
    k = next(i for i, layer in enumerate(layers) if layer["name"] == "act1")
    layers[k] = {"name": "act1", "op": "sign"}
    return net


NETS = _nets()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, compiler.ir.Graph]]:
    return compile_nets(NETS, tmp_path_factory)


@pytest.mark.xdist_group("networks")
@pytest.mark.parametrize("name", sorted(NETS))
def test_fewbit_beats_and_interval(name: str, compiled: dict[str, tuple[Path, compiler.ir.Graph]]) -> None:
    rtl, folded = compiled[name]
    assert any(n.op == "multithreshold" for n in folded.nodes), [n.op for n in folded.nodes]
    assert lint_folder(rtl) == []

    x = random_inputs(folded, IMAGES, seed=7)
    # the codes the multi-thresholds emit must spread over more than one value, or the test proves little
    for i, node in enumerate(folded.nodes):
        if node.op == "multithreshold":
            codes = execute(folded.prefix(i + 1), x)
            assert len(np.unique(codes)) > 1, node.name
    rep = check_beats_and_interval(rtl, folded, x, SIM_BUILD / "networks" / f"fewbit_{name}")
    steady = rep.intervals[2:]
    print(f"{name}: interval measured {max(steady)} predicted {rep.interval_predicted}, "
          f"latency {rep.latency_cycles} cycles, {rep.cycles_per_second:,.0f} cycles/s")
