"""The machine-readable compile report: layer table, types, widths, folding, cycles, memory."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from compiler.arith import ceil_div
from compiler.hw import HwGraph
from compiler.cores import BRAM_LUTS, BRAM_UNIT, Resources, cost, family
from compiler.ir import Graph
from compiler.ops import OPS
from compiler.ops.matrix import FLOAT32_BITS
from compiler.version import __version__


def layer_table(graph: Graph) -> list[dict[str, Any]]:
    """One row per node: op, input/output types, widths and, for matrix layers, folding and memory."""
    rows = []
    for i, node in enumerate(graph.nodes):
        t_in, t_out = graph.input_type(i), node.out
        row: dict[str, Any] = {
            "name": node.name,
            "op": node.op,
            "input": str(t_in),
            "output": str(t_out),
            "output_shape": list(t_out.shape),
            "output_dtype": t_out.dtype.kind,
            "output_bits": t_out.dtype.bits,
            "output_signed": t_out.dtype.signed,
        }
        if t_out.dtype.is_int:
            row["output_range"] = [t_out.dtype.lo, t_out.dtype.hi]
        row.update(OPS[node.op].manifest_row(node, t_in))
        rows.append(row)
    return rows


def build_manifest(graph: Graph) -> dict[str, Any]:
    """The manifest of a folded graph (``manifest.json``)."""
    layers = layer_table(graph)
    n_weights = sum(r.get("weight_count", 0) for r in layers)
    clock = float(graph.config.clock_mhz)
    interval, bottleneck = graph.timing or (None, None)
    return {
        "bnnc_version": __version__,
        "network": graph.name,
        "source": graph.source,
        "stage": graph.stage,
        "input": {"shape": list(graph.input.shape), "dtype": str(graph.input.dtype),
                  "bits": graph.input.dtype.bits, "signed": graph.input.dtype.signed},
        "output": graph.output,
        "clock_mhz": clock,
        "interval_cycles": interval,
        "bottleneck": bottleneck,
        "throughput_images_per_s": (clock * 1e6 / interval) if interval else None,
        "layers": layers,
        "weight_memory": {
            "weights": n_weights,
            "float32_bytes": n_weights * FLOAT32_BITS // 8,
            "packed_bytes": ceil_div(n_weights, 8),
            "ratio": (n_weights * FLOAT32_BITS) / n_weights if n_weights else None,
        },
        "scores": asdict(graph.scores) if graph.scores is not None else {},
    }


def resource_manifest(hw: HwGraph, target: str) -> dict[str, Any]:
    """The modelled resources (compiler/cores: each core's cost) per module, per layer and in total, on ``target``."""
    per = {m.name: cost(m.params, target) for m in hw.modules}
    layers: dict[str, Resources] = {}
    for m in hw.modules:
        # glue (FIFOs, width converters) is charged to the layer it feeds
        key = m.layers[0] if m.layers else _fed_layer(hw, m)
        layers[key] = layers.get(key, Resources()) + per[m.name]
    total = sum(per.values(), Resources())
    return {"target": target, "model": "analytic (compiler/cores/, coefficients.json), calibrated against Yosys",
            "bram_unit": BRAM_UNIT[family(target)], "bram_luts": BRAM_LUTS[target],
            "modules": {k: v.describe() for k, v in per.items()},
            "layers": {k: v.describe() for k, v in layers.items()},
            "total": total.describe(), "cost": total.cost(target)}


def _fed_layer(hw: HwGraph, m: Any) -> str:
    """The first layer downstream of a glue module."""
    names = [x.name for x in hw.modules]
    for later in hw.modules[names.index(m.name):]:
        if later.layers:
            return later.layers[0]
    return m.name
