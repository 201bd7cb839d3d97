"""The Python API: the same operations as the ``bnnc`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from compiler.frontend import load_net
from compiler.frontend.onnxfile import ImportOptions
from compiler.ir import Graph
from compiler.limits import DEFAULT_MAX_BYTES
from compiler.passes import PassContext, lower
from compiler.reference import execute


def load(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, onnx: ImportOptions | None = None) -> Graph:
    """Load and validate a net.yaml (with its weights), or a QONNX / Brevitas ``.onnx`` file, as a float-stage graph.

    ``max_bytes`` bounds any one array of the weights file and each layer's working
    memory per image (:mod:`compiler.limits`); raise it for real giants. ``onnx`` says how an
    ONNX file's float input maps to integers and what hardware settings go with it
    (:class:`compiler.frontend.onnxfile.ImportOptions`; docs/onnx.md).
    """
    if str(path).lower().endswith(".onnx") or onnx is not None:
        from compiler.frontend.onnxfile import load_onnx

        return load_onnx(path, onnx or ImportOptions(), max_bytes)
    return load_net(path, max_bytes=max_bytes)


def fold(graph: Graph | str | Path, calibration: np.ndarray | None = None, dump_after: Iterable[str] = (),
         seed: int = 0, max_bytes: int = DEFAULT_MAX_BYTES) -> Graph:
    """Lower a float-stage graph to the folded integer stage (all passes, verified after each).

    ``calibration`` (network inputs) sizes the final scores' fixed point; without it a seeded
    random batch does, of at most ``max_bytes``. The same graph, calibration and seed always
    give the same folded graph: ``bnnc compile``, ``bnnc inspect`` and ``bnnc run`` all fold here.
    """
    g = graph if isinstance(graph, Graph) else load(graph, max_bytes=max_bytes)
    return lower(g, PassContext(calibration=calibration, seed=seed, max_bytes=max_bytes),
                 dump_after=tuple(dump_after))


def predict(graph: Graph | str | Path, x: np.ndarray, stage: str = "folded", calibration: np.ndarray | None = None,
            max_bytes: int = DEFAULT_MAX_BYTES) -> np.ndarray:
    """Reference predictions for a batch: class indices (N,) for argmax networks, scores (N, C) otherwise.

    ``stage`` is ``float`` (the imported model in float64) or ``folded`` (the exact
    integer model that the hardware implements). A float-stage graph is folded as
    :func:`fold` folds it, with ``calibration``: give the one ``compile`` was given, and the
    predictions are those of the compiled hardware.
    """
    if stage not in ("float", "folded"):
        raise ValueError(f"stage must be float or folded, not {stage!r}")
    g = graph if isinstance(graph, Graph) else load(graph, max_bytes=max_bytes)
    if stage == "folded" and g.stage == "float":
        g = fold(g, calibration=calibration, max_bytes=max_bytes)
    out = execute(g, x)
    assert isinstance(out, np.ndarray)
    return out[:, 0] if g.output == "argmax" else out


def compile(graph: Graph | str | Path, output: str | Path, calibration: np.ndarray | None = None,
            dump_after: Iterable[str] = ()) -> dict:
    """``bnnc compile``: fold (if needed) and write the RTL folder ``output`` atomically; return the manifest.

    ``output`` is replaced whole, so it must be empty, absent or a previous bnnc output
    (never a folder holding the network's files or anything else).
    """
    from compiler.codegen import write_output

    g = graph if isinstance(graph, Graph) else load(graph)
    if g.stage == "float":
        g = fold(g, calibration=calibration, dump_after=dump_after)
    return write_output(g, Path(output))


def inspect(graph: Graph | str | Path, calibration: np.ndarray | None = None) -> str:
    """``bnnc inspect``: the layer tables before and after folding, as text."""
    from compiler.tables import render_tables

    g = graph if isinstance(graph, Graph) else load(graph)
    return render_tables(g, fold(g, calibration=calibration))


def simulate(rtl: str | Path, x: np.ndarray, **options: object):  # type: ignore[no-untyped-def]
    """``bnnc simulate``: run compiled RTL on Verilator against the reference; returns a SimReport.

    Options are those of :func:`compiler.runtime.sim.simulate.simulate`: ``engine`` ("verilator", the
    compiled C++ harness, default; or "cocotb"), ``taps`` (check every layer-to-layer stream,
    default, or only the output), gap_prob, ready_prob, seed, waves, progress, record, ...
    Raises SimulationFailure (one-line report first) on any failing beat.
    """
    from compiler.runtime.sim.simulate import simulate as _simulate

    return _simulate(rtl, x, **options)  # type: ignore[arg-type]


def report(rtl: str | Path):  # type: ignore[no-untyped-def]
    """``bnnc report``'s data as a typed object (:class:`compiler.codegen.report.Report`) for a compile folder,
    with its synth.json and simulate.json where present (nothing is written)."""
    from compiler.codegen.report import build_report

    return build_report(rtl)
