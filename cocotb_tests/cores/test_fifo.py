"""pytest driver: bnnc_fifo under several parameter sets."""

from __future__ import annotations

import pytest

from cocotb_tests.cores._common import CORES, Unit, core, param_rng


def _param_sets() -> list[dict[str, int]]:
    rng = param_rng("fifo")
    sets = [{"WIDTH": 1, "DEPTH": 2}, {"WIDTH": 8, "DEPTH": 3}]
    sets.append({"WIDTH": rng.randint(9, 40), "DEPTH": rng.randint(4, 17)})
    # no bypass (the compiler's FIFOs between layers): the least depth and a random one
    sets += [{"WIDTH": 5, "DEPTH": 3, "BYPASS": 0}, {"WIDTH": rng.randint(9, 40), "DEPTH": rng.randint(4, 17), "BYPASS": 0}]
    return sets


FIFO = CORES.part("bnnc_fifo", core("bnnc_fifo"), "tb_fifo", lambda params: Unit(params))


@pytest.mark.parametrize("params", _param_sets(),
                         ids=lambda p: f"W{p['WIDTH']}_D{p['DEPTH']}" + ("_nobypass" if p.get("BYPASS") == 0 else ""))
@FIFO.runs
def test_fifo(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """Ordering, backpressure, throughput, capacity and latency of the FIFO (every set an instance in the build of CORES)."""
    FIFO.check(request)
