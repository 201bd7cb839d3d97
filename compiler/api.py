"""The Python API: the same operations as the ``bnnc`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from compiler.frontend import load_net
from compiler.ir import Graph
from compiler.passes import PassContext, lower
from runtime.reference import execute


def load(path: str | Path) -> Graph:
    """Load and validate a net.yaml (with its weights) as a float-stage graph."""
    return load_net(path)


def fold(graph: Graph | str | Path, calibration: np.ndarray | None = None, dump_after: Iterable[str] = (),
         seed: int = 0) -> Graph:
    """Lower a float-stage graph to the folded integer stage (all passes, verified after each)."""
    g = graph if isinstance(graph, Graph) else load(graph)
    return lower(g, PassContext(calibration=calibration, seed=seed), dump_after=tuple(dump_after))


def predict(graph: Graph | str | Path, x: np.ndarray, stage: str = "folded") -> np.ndarray:
    """Reference predictions for a batch: class indices (N,) for argmax networks, scores (N, C) otherwise.

    ``stage`` is ``float`` (the imported model in float64) or ``folded`` (the exact
    integer model that the hardware implements).
    """
    if stage not in ("float", "folded"):
        raise ValueError(f"stage must be float or folded, not {stage!r}")
    g = graph if isinstance(graph, Graph) else load(graph)
    if stage == "folded" and g.stage == "float":
        g = fold(g)
    out = execute(g, x)
    assert isinstance(out, np.ndarray)
    return out[:, 0] if g.output == "argmax" else out
