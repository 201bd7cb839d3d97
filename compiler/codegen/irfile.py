"""The folded IR file of a compile folder: a whole IR graph as one .npz (arrays plus a JSON header), exactly.

``bnnc compile`` stores the folded graph beside the RTL so that ``bnnc simulate``
predicts every beat from the very graph the RTL was generated from.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from compiler.config import HardwareConfig
from compiler.ir import DType, Graph, Node, ScoreReport, TensorType
from compiler.ops import verify

FORMAT = "bnnc-ir-1"

# The folded graph the RTL was generated from, for ``bnnc simulate``'s reference.
IR_FILE = "folded_ir.npz"


def _type_json(t: TensorType | None) -> Any:
    if t is None:
        return None
    return {"shape": list(t.shape), "kind": t.dtype.kind, "lo": t.dtype.lo, "hi": t.dtype.hi}


def _type_from(d: Any) -> TensorType | None:
    if d is None:
        return None
    return TensorType(tuple(d["shape"]), DType(d["kind"], d["lo"], d["hi"]))


def _attr_json(v: Any) -> Any:
    return list(_attr_json(x) for x in v) if isinstance(v, tuple) else v


def _attr_from(v: Any) -> Any:
    return tuple(_attr_from(x) for x in v) if isinstance(v, list) else v


def _report(graph: Graph) -> dict[str, Any]:
    """The format's ``report`` record: the pipeline's timing and the score calibration, when known."""
    report: dict[str, Any] = {}
    if graph.timing is not None:
        report["interval_cycles"], report["bottleneck"] = graph.timing
    if graph.scores is not None:
        report.update({f"score_{k}": v for k, v in asdict(graph.scores).items()})
    return report


def _scores(report: dict[str, Any]) -> ScoreReport | None:
    fields = {k[len("score_"):]: v for k, v in report.items() if k.startswith("score_")}
    return ScoreReport(**fields) if fields else None


def save_graph(graph: Graph, path: str | Path | BinaryIO) -> None:
    """Write ``graph`` to ``path`` (.npz, or a binary file object); :func:`load_graph` gives back an equal graph."""
    header = {
        "format": FORMAT, "name": graph.name, "input": _type_json(graph.input), "output": graph.output,
        "stage": graph.stage, "hardware": graph.config.to_json(),
        "source": graph.source, "report": _report(graph),
        "nodes": [{"name": n.name, "op": n.op, "attrs": {k: _attr_json(v) for k, v in n.attrs.items()},
                   "params": sorted(n.params), "type": _type_json(n.type)} for n in graph.nodes],
    }
    arrays = {f"{n.name}/{k}": v for n in graph.nodes for k, v in n.params.items()}
    if not isinstance(path, (str, Path)):
        np.savez_compressed(path, __header__=np.array(json.dumps(header, sort_keys=True)), **arrays)
        return
    with open(path, "wb") as f:
        np.savez_compressed(f, __header__=np.array(json.dumps(header, sort_keys=True)), **arrays)


def load_graph(path: str | Path) -> Graph:
    """Read a graph written by :func:`save_graph` and verify it."""
    with np.load(path, allow_pickle=False) as z:
        header = json.loads(str(z["__header__"]))
        if header.get("format") != FORMAT:
            raise ValueError(f"{path}: format must be {FORMAT}, not {header.get('format')!r}")
        nodes = [Node(d["name"], d["op"], {k: _attr_from(v) for k, v in d["attrs"].items()},
                      {k: z[f"{d['name']}/{k}"] for k in d["params"]}, _type_from(d["type"]))
                 for d in header["nodes"]]
    graph = Graph(header["name"], _type_from(header["input"]), tuple(nodes), header["output"], header["stage"],
                  HardwareConfig.from_json(header["hardware"]), header["source"], _scores(header["report"]))
    verify(graph)
    return graph
