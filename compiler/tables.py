"""Readable terminal tables of a network before and after folding (``bnnc inspect``)."""

from __future__ import annotations

from compiler.ir import Graph
from compiler.manifest import build_manifest
from compiler.names import printable


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for k, r in enumerate(rows):
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out) + "\n"


def _memories(folded: Graph) -> str:
    """The hardware's memories per unit (weight/threshold ROMs, line buffers), or why there is no hardware."""
    from compiler.errors import BnncError
    from compiler.lower import lower_to_hw

    try:
        hw = lower_to_hw(folded)
    except BnncError as e:
        return f"hardware: none ({e.detail})\n"
    rows = [["unit", "core", "memory", "bits", f"plan on {printable(hw_target(folded))}"]]
    for mod in hw.modules:
        for kind, bits in mod.memory.items():
            rows.append([mod.name, mod.core, kind.removesuffix("_bits").replace("_", " "), f"{bits:,}",
                         "; ".join(_plan_text(k, r.plan) for k, r in mod.roms.items() if r.plan is not None)])
    total = sum(b for mod in hw.modules for b in mod.memory.values())
    text = "\nhardware memories:\n" + _table(rows) + f"total: {total:,} bits\n" if len(rows) > 1 else ""
    return text + _resources(folded, hw)


def _resources(folded: Graph, hw) -> str:  # type: ignore[no-untyped-def]
    """The resource model's figures per module and in total (compiler/cores: each core's cost)."""
    from compiler.manifest import resource_manifest

    res = resource_manifest(hw, folded.config.target)
    rows = [["unit", "core", "LUT", "(RAM)", "FF", res["bram_unit"], "DSP"]]
    for mod in hw.modules:
        r = res["modules"][mod.name]
        rows.append([mod.name, mod.core, f"{r['lut']:,}", f"{r['lutram']:,}", f"{r['ff']:,}", f"{r['bram']:,}",
                     f"{r['dsp']:,}"])
    t = res["total"]
    rows.append(["total", "", f"{t['lut']:,}", f"{t['lutram']:,}", f"{t['ff']:,}", f"{t['bram']:,}", f"{t['dsp']:,}"])
    return (f"\nmodelled resources on {res['target']} (analytic model, calibrated against Yosys; "
            f"LUTs include LUT-RAM):\n" + _table(rows))


def hw_target(folded: Graph) -> str:
    """The target the ROMs are planned for (hardware.target, or bnnc compile --target)."""
    return folded.config.target


def _plan_text(kind: str, plan) -> str:  # type: ignore[no-untyped-def]
    """One ROM's memory plan in a few words: shape, style, blocks (and their aspect ratios) or LUTs."""
    head = f"{kind} {plan.depth}x{plan.width} {plan.style}"
    if plan.style == "block":
        cut = " + ".join(f"{n}x {d}x{w}" for n, d, w in plan.split)
        return f"{head} {plan.blocks} {plan.block_name} ({cut})"
    return f"{head} ~{plan.luts:,} LUT"


def render_tables(graph: Graph, folded: Graph) -> str:
    """The imported layers, the folded hardware layers and the pipeline's figures."""
    text = f"{graph.name}  ({printable(graph.source)})  input {graph.input}  output {graph.output}\n\nimported (float stage):\n"
    rows = [["#", "layer", "op", "output", "details"]]
    for i, n in enumerate(graph.nodes):
        details = ", ".join(f"{k}={v}" for k, v in sorted(n.attrs.items()))
        rows.append([str(i), n.name, n.op, str(n.out), details])
    text += _table(rows)
    text += "\nfolded (integer stage):\n"
    rows = [["#", "layer", "op", "output", "MHxMW", "PE", "SIMD", "cycles"]]
    m = build_manifest(folded)
    for i, r in enumerate(m["layers"]):
        mat = "mh" in r  # matrix layers carry their dimensions
        rows.append([str(i), r["name"], r["op"], r["output"], f"{r['mh']}x{r['mw']}" if mat else "",
                     str(r.get("pe", "")), str(r.get("simd", "")), str(r.get("cycles", ""))])
    text += _table(rows)
    wm = m["weight_memory"]
    text += (f"\ninterval: {m['interval_cycles']} cycles/image (bottleneck {m['bottleneck']}) = "
             f"{m['throughput_images_per_s']:.0f} images/s at {m['clock_mhz']:g} MHz\n")
    text += (f"weights: {wm['weights']} -> {wm['packed_bytes']} bytes packed "
             f"(float32: {wm['float32_bytes']} bytes, {wm['ratio']:.0f}x)\n")
    text += _memories(folded)
    if m["scores"]:
        s = m["scores"]
        text += (f"scores: {s['frac_bits']} fraction bits; {s['disagreements']} argmax disagreements with float64 "
                 f"on {s['calibration_images']} {s['calibration']} calibration inputs\n")
    for r in m["layers"]:
        if "affine" in r:  # the score affine's hardware form and widths (compiler/passes/scores.py)
            text += (f"final affine {r['name']}: {r['affine']}; scale {r['scale_bits']} bits, offset "
                     f"{r['offset_bits']} bits, scores {r['score_bits']} bits ({r['shift']} low bits dropped)\n")
    return text
