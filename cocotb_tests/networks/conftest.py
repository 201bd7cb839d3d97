"""Fixtures shared by the whole-network tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import compiler
from compiler.codegen import write_output

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

@pytest.fixture(scope="session")
def mlp_small_rtl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, compiler.ir.Graph, Path]:
    """examples/mlp_small compiled once: (its RTL folder, its folded graph, one cocotb build folder for it).

    The cocotb engine bakes the RTL folder's path into its build (MEM_DIR), so tests that
    simulate this same folder into this build folder build it once between them
    (test_examples.py and test_engine.py, both in xdist group ``engine_example``, so one worker runs them).
    """
    folder = tmp_path_factory.mktemp("mlp_small")
    folded = compiler.fold(EXAMPLES / "mlp_small" / "net.yaml")
    write_output(folded, folder / "rtl")
    return folder / "rtl", folded, folder / "cocotb_build"
