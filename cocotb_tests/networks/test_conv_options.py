"""Convolution options through the whole flow on Verilator: pad values and padding of at least the kernel,
every beat of every stream equal to the reference's, and the manifest's interval kept exactly.

Regression tests of issue 20 (item 2): the window unit padded with -1 whatever ``pad_value`` said; and the
measured interval exceeded the manifest's in networks where a dense layer after ``flatten`` had several
neuron folds (its FIFO held one pixel, not its whole input vector: 1,464 vs 936 cycles, 121 vs 100) or a
window unit's producer or consumer was slower than a beat a cycle (its ring was one row short: 875 vs 864,
261 vs 243). Rejected options are pinned in the bad-input corpus (tests/bad_inputs/cases_conv.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import compiler
from compiler.runtime.sim.simulate import simulate
from designs.netgen import GenNet, cnn, random_inputs


def _fold(net: GenNet, **layers: tuple[int, int]) -> GenNet:
    net.doc["hardware"] = {"clock_mhz": 100, "folding": {k: {"pe": pe, "simd": simd} for k, (pe, simd) in layers.items()}}
    return net


NETS: dict[str, Callable[[], GenNet]] = {
    # the ordinary case: 13x8x1 bipolar, 3x3 padding 1, 12 filters (PE 6, SIMD 9), flatten, dense (PE 1,
    # SIMD 6): the dense layer's 4 neuron folds read its 1,248 inputs only in the first
    "flatten_dense_folds": lambda: _fold(cnn(2, input_shape=(13, 8, 1), filters=[12], kernel=3, padding=1,
                                             pool="none", classes=4), conv1=(6, 9), fc1=(1, 6)),
    # padding of at least the kernel: a 2x2 map, 2x2 kernel, padding 2 (5x5 windows, 16 of them all padding)
    "padding_at_kernel": lambda: _fold(cnn(5, input_shape=(2, 2, 1), filters=[2], kernel=2, padding=2,
                                           pool="none", classes=2), conv1=(1, 4)),
    # 1-filter kernel-1 stride-2 padding-2 conv on a 2-channel map, pad value +1
    "kernel1_stride2_padding2": lambda: cnn(1, input_shape=(5, 5, 2), filters=[1], kernel=1, stride=2, padding=2,
                                            pad_value=1, pool="none", classes=3),
    # a window unit fed by a conv slower than a beat a cycle (720 cycles for 90 beats); int8 pad 127
    "slow_producer": lambda: _fold(cnn(17, input_shape=(6, 8, 2), input_dtype="int8", input_sign=None,
                                       filters=[3, 3], kernel=2, padding=2, stride=2, pad_value=127, padding_rest=2,
                                       pool="none", hidden=[10], classes=5, output="scores"),
                                   conv2=(3, 5), fc1=(7, 58), fc2=(1, 10)),
    # a window unit read by a conv slower than a beat a cycle (216 cycles for 108 beats); uint8, padding 1, pool
    "slow_consumer": lambda: _fold(cnn(62, input_shape=(9, 9, 3), input_dtype="uint8", input_sign=None, filters=[7],
                                       kernel=1, padding=1, stride=2, pad_value=0, pool="before_bn", hidden=[11],
                                       classes=4), conv1=(3, 2), fc1=(4, 4), fc2=(3, 11)),
    # pad values at the ends of the input range, padding above the kernel, on small odd maps
    "uint8_pad_255": lambda: cnn(7, input_shape=(3, 5, 2), input_dtype="uint8", input_sign=None, filters=[3],
                                 kernel=2, padding=3, pad_value=255, pool="after_sign", classes=3),
    "int8_pad_min": lambda: cnn(8, input_shape=(5, 3, 1), input_dtype="int8", input_sign=None, filters=[2, 2],
                                kernel=[3, 1], padding=1, pad_value=-128, padding_rest=2, pad_value_rest=1,
                                pool="none", classes=2),
}


@pytest.mark.parametrize("name", list(NETS))
def test_conv_option_network(tmp_path: Path, name: str) -> None:
    """Every beat of every stream equals the reference's under gaps and backpressure; then, with neither,
    every image after the first two takes exactly the manifest's interval."""
    net = NETS[name]().write(tmp_path / "net")
    out = tmp_path / "rtl"
    manifest = compiler.compile(net.path, out)
    graph = compiler.load(net.path)
    x = random_inputs(graph, 10, seed=1)
    rep = simulate(out, x, gap_prob=0.3, ready_prob=0.6, seed=3)
    assert rep.matches == rep.images == len(x)
    rep = simulate(out, random_inputs(graph, 6, seed=2), gap_prob=0.0, ready_prob=1.0)
    assert rep.interval_predicted == manifest["interval_cycles"]
    assert set(rep.intervals[2:]) == {rep.interval_predicted}, (rep.intervals, rep.interval_predicted)
