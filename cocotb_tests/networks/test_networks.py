"""Whole generated networks on Verilator: every beat of every stream equals the reference's.

Each network is compiled by ``bnnc compile``, linted, and simulated twice: on random
inputs with random input gaps and output backpressure, checking the output and
every layer-to-layer stream beat by beat; and with no gaps and no backpressure,
where the measured interval between images must equal the compiler's prediction.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import compiler
from compiler.runtime.sim.runner import SIM_BUILD
from tests.sim_checks import check_beats_and_interval, compile_nets, lint_folder
from designs.netgen import GenNet, mlp, random_inputs

IMAGES = 50


def _nets() -> dict[str, GenNet]:
    return {
        # uint8 pixels binarized by a threshold, default (balanced) folding
        "u8_sign_default": mlp(11, sizes=[64, 32, 10], input_dtype="uint8", input_sign=127.5),
        # bipolar input, PE/SIMD that divide nothing, negative/zero/tiny gammas
        "bipolar_odd_folding": mlp(12, sizes=[40, 24, 17, 10], input_dtype="bipolar", bn_mode="mixed",
                                   folding={"fc1": {"pe": 5, "simd": 7}, "fc2": {"pe": 3, "simd": 6},
                                            "fc3": {"pe": 4, "simd": 5}}),
        # uint8 pixels straight into the first layer: an add/subtract tree
        "u8_integer_first": mlp(13, sizes=[30, 16, 6], input_dtype="uint8", input_sign=None,
                                folding={"fc1": {"pe": 4, "simd": 8}, "fc2": {"pe": 2, "simd": 16}}),
        # int8 input with a threshold, three hidden layers, raw scores out
        "i8_scores": mlp(14, sizes=[24, 20, 20, 20, 5], input_dtype="int8", input_sign=-3.5, output="scores",
                         folding={"fc1": {"pe": 4, "simd": 6}, "fc2": {"pe": 5, "simd": 4},
                                  "fc3": {"pe": 2, "simd": 10}, "fc4": {"pe": 5, "simd": 4}}),
        # no final batchnorm (scores = accumulators), a fully folded layer (PE = SIMD = 1)
        "no_final_bn": mlp(15, sizes=[20, 9, 7], input_dtype="bipolar", final_bn=False,
                           folding={"fc1": {"pe": 3, "simd": 5}, "fc2": {"pe": 1, "simd": 1}}),
        # int8 input directly into the first layer (signed add/subtract), negative gammas
        "i8_integer_negative": mlp(16, sizes=[12, 16, 4], input_dtype="int8", input_sign=None,
                                   bn_mode="negative", folding={"fc1": {"pe": 4, "simd": 4}}),
    }


NETS = _nets()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, compiler.ir.Graph]]:
    return compile_nets(NETS, tmp_path_factory)


@pytest.mark.xdist_group("networks")
@pytest.mark.parametrize("name", sorted(NETS))
def test_network_beats_and_interval(name: str, compiled: dict[str, tuple[Path, compiler.ir.Graph]]) -> None:
    rtl, folded = compiled[name]
    assert lint_folder(rtl) == []

    x = random_inputs(folded, IMAGES, seed=7)
    bdir = SIM_BUILD / "networks" / name
    # random input gaps and output backpressure, then the measured interval without either
    rep = check_beats_and_interval(rtl, folded, x, bdir)
    steady = rep.intervals[2:]
    print(f"{name}: interval measured {max(steady)} predicted {rep.interval_predicted}, "
          f"latency {rep.latency_cycles} cycles, {rep.cycles_per_second:,.0f} cycles/s")
