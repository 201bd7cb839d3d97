"""What the whole-network tests share: compiling generated nets, linting a folder, and the cocotb-engine check (every
beat under gaps and backpressure, then the interval)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.codegen import write_output
from compiler.ir import Graph
from compiler.runtime.sim.simulate import SimReport, simulate
from compiler.runtime.sim.toolchain import lint
from designs.netgen import GenNet


def check_beats_and_interval(rtl: Path, folded: compiler.ir.Graph, x: np.ndarray, build_dir: Path) -> SimReport:
    """Simulate ``x`` with random input gaps and output backpressure (every beat of every stream scored in the
    testbench, predictions equal to the reference's), then 12 images without either: the steady-state interval
    is the predicted one within the report's stated overhead. Returns the second report."""
    rep = simulate(rtl, x, engine="cocotb", gap_prob=0.3, ready_prob=0.6, seed=3, build_dir=build_dir)
    assert rep.images == len(x)
    assert rep.predictions == rep.expected  # every beat of every stream was scored in the testbench
    if folded.output == "argmax":
        assert rep.predictions == [int(v) for v in compiler.predict(folded, x)]
    rep = simulate(rtl, x[:12], engine="cocotb", seed=4, build_dir=build_dir)
    assert rep.predictions == rep.expected
    steady = rep.intervals[2:]
    assert steady, rep.intervals
    assert max(steady) <= rep.interval_predicted + rep.interval_overhead, (rep.intervals, rep.interval_predicted)
    assert min(steady) >= rep.interval_predicted - rep.interval_overhead, (rep.intervals, rep.interval_predicted)
    return rep


def compile_nets(nets: Mapping[str, GenNet], tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Graph]]:
    """Each generated network written to a fresh folder, folded and compiled: name -> (rtl folder, folded graph)."""
    out = {}
    for name, net in nets.items():
        folder = tmp_path_factory.mktemp(name)
        net.copy().write(folder)
        folded = compiler.fold(folder / "net.yaml")
        write_output(folded, folder / "rtl")
        out[name] = (folder / "rtl", folded)
    return out


def lint_folder(rtl: Path) -> list[str]:
    """``verilator --lint-only -Wall`` of a compile folder's files (its filelist.f, its top), as compiled."""
    top = json.loads((rtl / "manifest.json").read_text())["rtl"]["top"]
    return lint([rtl / n for n in (rtl / "filelist.f").read_text().split()], top, {"MEM_DIR": f"{rtl}/"})
