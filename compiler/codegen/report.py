"""A design's report (issue 25): one typed object drawn from a compile folder, as ``report.json`` and ``report.html``.

:func:`build_report` reads a ``bnnc compile`` folder (validated by :func:`compiler.codegen.folder.validate_folder`)
and, where they exist, the ``synth.json`` that ``bnnc synth`` and the ``simulate.json`` that ``bnnc simulate``
wrote beside its manifest. Every figure of the report is one of those files' (nothing is recomputed), each
field read type- and range-checked: a damaged file is one line naming it and the field. :func:`render_html`
draws the page from the object through ``templates/report.html.j2``: the pictures are inline SVG built here in
Python (no script, font, stylesheet or image from elsewhere: the page is one self-contained file that opens
offline and prints; docs/report.md says why SVG by hand rather than a plotting library).
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from compiler.names import printable
from compiler.targets import TARGETS
from compiler.version import __version__

from .folder import (MANIFEST_MAX_BYTES, CompiledFolder, FolderError, _Fields, _read, _show, _strict_json,
                     validate_folder)
from .paths import templates_dir

SYNTH_FILE = "synth.json"
SIMULATE_FILE = "simulate.json"
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
SIDE_MAX_BYTES = 1 << 22  # synth.json / simulate.json: a few kB in practice
BIG = 10**15  # the largest count a field may hold
RESOURCE_KINDS = ("lut", "ff", "bram", "dsp", "lutram")


class ReportError(FolderError):
    """A compile folder, synth.json or simulate.json the report cannot be drawn from (one line)."""


@dataclass(frozen=True)
class Unit:
    """One core instance of the design, in stream order: what the pipeline diagram draws as a box."""

    name: str
    core: str
    layers: tuple[str, ...]
    cycles: int  # per image
    in_width: int  # stream bits per beat
    out_width: int
    params: dict[str, Any]
    rom_bits: int
    model: dict[str, int]  # the resource model's estimate of this instance
    measured: dict[str, int] | None  # Yosys's, where bnnc synth has run


@dataclass(frozen=True)
class Layer:
    """One layer of the folded network, with the manifest's figures."""

    name: str
    op: str
    input: str
    output: str
    output_bits: int
    pe: int | None
    simd: int | None
    cycles: int | None
    model: dict[str, int]


@dataclass(frozen=True)
class Report:
    """Everything the page shows (``compiler.report(rtl_dir)``); ``report.json`` is :meth:`to_json`."""

    network: str
    target: str
    clock_mhz: float
    interval: int
    bottleneck: str
    frames_per_s: float
    layers: tuple[Layer, ...]
    units: tuple[Unit, ...]
    model_total: dict[str, int]
    part: dict[str, Any]
    weight_memory: dict[str, Any]
    passes: tuple[tuple[str, str], ...]
    synth: dict[str, Any] | None = None
    simulate: dict[str, Any] | None = None
    tradeoff: tuple[dict[str, Any], ...] = ()  # the folding trade-off (:func:`folding_tradeoff`)
    accuracy: dict[str, Any] | None = None  # float vs folded on labelled images (:func:`accuracy_of`)
    bnnc_version: str = __version__
    files: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The plain-JSON form written as ``report.json``."""
        return asdict(self)


# ----------------------------------------------------------------------------- reading


def _counts(f: _Fields, d: Any, where: str) -> dict[str, int]:
    if not isinstance(d, dict):
        raise f.error(where, "a JSON object of resource counts", d)
    return {k: f.integer(d, k, f"{where}.{k}", 0, BIG) for k in RESOURCE_KINDS if k in d}


class _SideFields(_Fields):
    """Fields of synth.json / simulate.json: a refusal says which command writes the file again."""

    def __init__(self, path: Path, redo: str) -> None:
        super().__init__(path)
        self.redo = redo

    def error(self, where: str, rule: str, value: object) -> FolderError:
        return ReportError(f"{where} must be {rule}, not {_show(value)}; {self.redo}", file=str(self.path), field=where)


REDO_SIDE = {SYNTH_FILE: "run bnnc synth again", SIMULATE_FILE: "run bnnc simulate again"}


def _side_file(folder: CompiledFolder, name: str) -> tuple[_Fields, dict[str, Any]] | None:
    path = folder.path / name
    if not path.exists():
        return None
    f = _SideFields(path, REDO_SIDE[name])
    if not path.is_file() or path.is_symlink():
        raise ReportError(f"{name} must be a regular file, not {'a link' if path.is_symlink() else 'something else'}; "
                          f"{f.redo}", file=str(path))
    size = path.stat().st_size
    if size > SIDE_MAX_BYTES:
        raise ReportError(f"{name} must be at most {SIDE_MAX_BYTES} bytes, not {size}; {f.redo}", file=str(path))
    text = _read(path, SIDE_MAX_BYTES, name)
    try:
        doc = _strict_json(text)
    except (ValueError, RecursionError) as e:  # RecursionError: nested deeper than the parser goes
        raise ReportError(f"{name} must be JSON as bnnc wrote it, not damaged ({type(e).__name__}: "
                          f"{printable(' '.join(str(e).split())[:120])}); {f.redo}", file=str(path)) from None
    if not isinstance(doc, dict):
        raise f.error("(top)", "a JSON object", doc)
    return f, doc


def _synth(folder: CompiledFolder) -> dict[str, Any] | None:
    side = _side_file(folder, SYNTH_FILE)
    if side is None:
        return None
    f, d = side
    out: dict[str, Any] = {"target": f.choice(d, "target", "target", tuple(TARGETS)),
                           "clock_mhz": _number(f, d, "clock_mhz", "clock_mhz")}
    fmax = d.get("fmax_mhz")
    out["fmax_mhz"] = None if fmax is None else _number(f, d, "fmax_mhz", "fmax_mhz")
    out["timing_met"] = None if d.get("timing_met") is None else f.boolean(d, "timing_met", "timing_met")
    cells = f.mapping(d, "yosys_cells", "yosys_cells")
    out["yosys_cells"] = {k: f.integer(cells, k, f"yosys_cells.{k}", 0, BIG) for k in cells
                          if type(cells[k]) is int}
    # Per kind, what the design uses (and the part holds, where nextpnr said): Xilinx from Yosys's cells (no place
    # and route here), the Lattice parts from nextpnr's utilisation.
    res = f.mapping(d, "resources", "resources")
    used: dict[str, dict[str, int | None]] = {}
    for kind, keys in MEASURED_KEYS.items():
        for k in keys:
            v = res.get(k)
            if isinstance(v, dict):
                used[kind] = {"used": f.integer(v, "used", f"resources.{k}.used", 0, BIG),
                              "available": f.integer(v, "available", f"resources.{k}.available", 0, BIG)}
                break
            if type(v) is int:
                used[kind] = {"used": f.integer(res, k, f"resources.{k}", 0, BIG), "available": None}
                break
    out["resources"] = used
    modules = f.mapping(d, "modules", "modules")
    out["modules"] = {str(name): _measured(f, rec, f"modules.{name}") for name, rec in modules.items()}
    cp = d.get("critical_path")
    if isinstance(cp, dict):
        out["critical_path"] = {"from": f.text(cp, "from", "critical_path.from")[:120],
                                "to": f.text(cp, "to", "critical_path.to")[:120],
                                "delay_ns": _number(f, cp, "delay_ns", "critical_path.delay_ns"),
                                "steps": f.integer(cp, "steps", "critical_path.steps", 0, BIG)}
    board = d.get("board")
    if isinstance(board, dict):
        b: dict[str, Any] = {k: f.text(board, k, f"board.{k}")[:300] for k in ("name", "title", "layout", "pin_file",
                                                                              "program") if k in board}
        b.update({k: f.integer(board, k, f"board.{k}", 1, BIG) for k in ("baud", "achieved_baud", "image_bytes",
                                                                         "reply_bytes") if k in board})
        baud = b.get("achieved_baud", b.get("baud"))
        per_image = b.get("image_bytes", 0) + b.get("reply_bytes", 0)
        if baud and per_image:
            # 8N1: ten bit times per byte; the UART, not the design, bounds the rate
            b["uart_images_per_s"] = round(float(baud) / (10 * per_image), 1)
        out["board"] = b
    return out


# A measured kind and the keys synth.json gives it under, by preference (Xilinx's occupied LUTs count LUT-RAM too).
MEASURED_KEYS = {"lut": ("lut_occupied", "lut4", "lut"), "ff": ("ff",), "bram": ("bram", "ebr"), "dsp": ("dsp",)}


def _measured(f: _Fields, rec: Any, where: str) -> dict[str, int]:
    """One instance's measured counts as the model's kinds (lut, ff, bram, dsp)."""
    if not isinstance(rec, dict):
        raise f.error(where, "a JSON object of cell counts", rec)
    out = {}
    for kind, keys in MEASURED_KEYS.items():
        k = next((k for k in keys if k in rec), None)
        if k is not None:
            out[kind] = f.integer(rec, k, f"{where}.{k}", 0, BIG)
    return out


def _number(f: _Fields, d: Any, key: str, where: str) -> float:
    v = f.get(d, key, where)
    if type(v) not in (int, float) or not 0 <= v < 1e12:
        raise f.error(where, "a non-negative number", v)
    return float(v)


def _simulate(folder: CompiledFolder) -> dict[str, Any] | None:
    side = _side_file(folder, SIMULATE_FILE)
    if side is None:
        return None
    f, d = side
    out: dict[str, Any] = {k: f.integer(d, k, k, 0, BIG) for k in ("images", "matches", "interval_predicted",
                                                                    "streams_checked", "beats_checked")}
    for k in ("interval_measured", "latency_cycles", "labelled"):
        out[k] = None if d.get(k) is None else f.integer(d, k, k, 0, BIG)
    out["accuracy"] = None if d.get("accuracy") is None else _number(f, d, "accuracy", "accuracy")
    out["gaps"] = _number(f, d, "gaps", "gaps")
    out["backpressure"] = _number(f, d, "backpressure", "backpressure")
    out["engine"] = f.choice(d, "engine", "engine", ("verilator", "cocotb"))
    out["seconds"] = _number(f, d, "seconds", "seconds")
    out["inputs"] = f.text(d, "inputs", "inputs")[:200]
    if out["matches"] > out["images"]:
        raise f.error("matches", f"at most images ({out['images']})", out["matches"])
    return out


TRADEOFF_POINTS = 6  # intervals swept, geometric from the fastest to the slowest folding


def folding_tradeoff(folder: CompiledFolder) -> tuple[dict[str, Any], ...]:
    """The folding search's answers over intervals from the fastest folding to the slowest, and the design's own
    folding priced the same way: (interval, frames/s, modelled cost, LUTs, blocks, chosen, on the Pareto front).

    Cost is the search's own (:meth:`Resources.cost`: LUTs plus block RAMs at the target's exchange rate) of the
    matrix units and the glue around them, without the yaml's folding requests or block budget, so the points
    show what each rate costs; the chosen point is this design's folding.
    """
    from compiler.ops import MatrixOp, OPS
    from compiler.passes.folding import _layers, _slowest_interval, fastest_interval, fold_for_interval

    graph = folder.load_graph()
    free = graph.with_nodes(graph.nodes, config=graph.config.replace(folding={}))
    target = graph.config.target
    lo, hi = fastest_interval(free), _slowest_interval(free)
    layers = _layers(free)  # priced once for every interval
    own = {n.name: (int(n.attrs["pe"]), int(n.attrs["simd"])) for n in graph.nodes
           if isinstance(OPS[n.op], MatrixOp) and "pe" in n.attrs}
    if not own:  # no matrix layer: nothing is folded
        return ()
    points = []
    steps = TRADEOFF_POINTS - 1
    intervals = sorted({max(lo, min(hi, round(lo * (hi / lo) ** (k / steps)))) for k in range(TRADEOFF_POINTS)}
                       if hi > lo else {lo})
    for iv, fixed in [*((iv, None) for iv in intervals), (folder.interval, own)]:
        if fixed is not None and iv < lo:
            continue
        r = fold_for_interval(free, max(iv, lo), target, fixed, None, layers)
        points.append({"interval": iv, "frames_per_s": folder.clock_mhz * 1e6 / iv, "cost": r.resources.cost(target),
                       "lut": r.resources.lut, "bram": r.resources.bram, "chosen": fixed is not None})
    for p in points:  # on the front: no other point at least as fast and strictly cheaper (or as cheap and faster)
        p["pareto"] = not any((q["interval"] <= p["interval"] and q["cost"] < p["cost"])
                              or (q["interval"] < p["interval"] and q["cost"] <= p["cost"]) for q in points)
    return tuple(points)


def accuracy_of(folder: CompiledFolder, float_graph: Any, x: Any, y: Any, inputs: str) -> dict[str, Any]:
    """Float against folded accuracy on labelled images: ``float_graph`` (the network as loaded, float stage) and
    the folder's own folded IR (what the RTL computes) on the same inputs."""
    import numpy as np

    from compiler.reference import execute

    def classes(g: Any) -> Any:
        out = np.asarray(execute(g, x))
        return out[:, 0] if g.output == "argmax" else out.argmax(-1)  # as compiler.predict reads it

    pf, pq = classes(float_graph), classes(folder.load_graph())
    return {"images": int(len(y)), "float": float(np.mean(pf == y)), "folded": float(np.mean(pq == y)),
            "differ": int(np.sum(pf != pq)), "inputs": inputs}


def build_report(rtl: str | Path | CompiledFolder, tradeoff: bool = True,
                 accuracy: dict[str, Any] | None = None) -> Report:
    """The report of a compile folder (with its synth.json and simulate.json where present); ``tradeoff``: sweep
    the folding search for the trade-off plot (:func:`folding_tradeoff`); ``accuracy``: :func:`accuracy_of`'s."""
    folder = rtl if isinstance(rtl, CompiledFolder) else validate_folder(rtl)
    mpath = folder.path / "manifest.json"
    f = _Fields(mpath)
    m = _strict_json(_read(mpath, MANIFEST_MAX_BYTES, "the manifest"))
    res = f.mapping(m, "resources", "resources")
    per_layer = f.mapping(res, "layers", "resources.layers")
    per_module = f.mapping(res, "modules", "resources.modules")
    layers = []
    for i, rec in enumerate(f.array(m, "layers", "layers", 1)):
        w = f"layers[{i}]"
        name = f.text(rec, "name", f"{w}.name")
        opt = {k: (None if k not in rec else f.integer(rec, k, f"{w}.{k}", 1, BIG)) for k in ("pe", "simd", "cycles")}
        layers.append(Layer(name, f.text(rec, "op", f"{w}.op"), f.text(rec, "input", f"{w}.input"),
                            f.text(rec, "output", f"{w}.output"), f.integer(rec, "output_bits", f"{w}.output_bits",
                                                                             0, 1 << 16),
                            opt["pe"], opt["simd"], opt["cycles"],
                            _counts(f, per_layer.get(name, {}), f"resources.layers.{name}")))
    synth = _synth(folder)
    measured = synth["modules"] if synth else {}
    streams = {s.name: s for s in folder.streams}
    raw_modules = f.array(f.mapping(m, "rtl", "rtl"), "modules", "rtl.modules", 1)
    units = []
    for i, (mod, rec) in enumerate(zip(folder.modules, raw_modules)):
        w = f"rtl.modules[{i}]"
        mem = rec.get("memory", {}) if isinstance(rec, dict) else {}
        rom_bits = sum(f.integer(mem, k, f"{w}.memory.{k}", 0, BIG) for k in mem if k.endswith("rom_bits")) \
            if isinstance(mem, dict) else 0
        lays = tuple(str(x) for x in rec.get("layers", [])) if isinstance(rec, dict) else ()
        src, dst = streams.get(str(rec.get("in"))), streams.get(str(rec.get("out")))
        units.append(Unit(mod.name, mod.core, lays, f.integer(rec, "cycles_per_image", f"{w}.cycles_per_image", 0, BIG),
                          src.width if src else 0, dst.width if dst else 0, dict(mod.params), rom_bits,
                          _counts(f, per_module.get(mod.name, {}), f"resources.modules.{mod.name}"),
                          measured.get(f"u_{mod.name}", measured.get(mod.name))))  # top.v.j2: u_<name>
    target = f.choice(res, "target", "resources.target", tuple(TARGETS))
    tg = TARGETS[target]
    part = {"name": target, "family": tg.family, "luts": tg.luts, "lut_inputs": tg.lut_inputs, "blocks": tg.blocks,
            "block": f.text(res, "bram_unit", "resources.bram_unit")}
    wm = f.mapping(m, "weight_memory", "weight_memory")
    weight_memory = {k: f.integer(wm, k, f"weight_memory.{k}", 0, BIG) for k in ("weights", "packed_bytes",
                                                                                  "float32_bytes")}
    from compiler.passes.manager import PIPELINE  # the passes that ran (the default pipeline)
    from compiler.passes.registry import REGISTRY

    interval = folder.interval
    return Report(network=folder.network, target=target, clock_mhz=folder.clock_mhz, interval=interval,
                  bottleneck=f.text(m, "bottleneck", "bottleneck"),
                  frames_per_s=folder.clock_mhz * 1e6 / interval if interval else 0.0,
                  layers=tuple(layers), units=tuple(units), model_total=_counts(f, res.get("total"), "resources.total"),
                  part=part, weight_memory=weight_memory,
                  passes=tuple((p, REGISTRY[p].rewrite) for p in PIPELINE if p in REGISTRY),
                  synth=synth, simulate=_simulate(folder), tradeoff=folding_tradeoff(folder) if tradeoff else (),
                  accuracy=accuracy,
                  files={"manifest": "manifest.json", **({"synth": SYNTH_FILE} if synth else {}),
                         **({"simulate": SIMULATE_FILE} if (folder.path / SIMULATE_FILE).exists() else {})})


# ----------------------------------------------------------------------------- drawing (inline SVG)

_E = html.escape
INK, MID, LIGHT, FAINT = "#111", "#555", "#bbb", "#eee"  # greys: the page survives greyscale printing


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.2f}"


def pipeline_svg(r: Report, per_row: int = 4) -> str:
    """Each unit a box in stream order (wrapping rows), arrows between; the bottleneck's box thick and hatched."""
    bw, bh, gap_x, gap_y = 236, 122, 30, 34
    n = len(r.units)
    rows = (n + per_row - 1) // per_row
    width, height = per_row * bw + (per_row - 1) * gap_x + 20, rows * bh + (rows - 1) * gap_y + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="pipeline of {_E(r.network)}">',
           '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
           'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/>'
           '</pattern></defs>']
    for i, u in enumerate(r.units):
        row, col = divmod(i, per_row)
        x, y = 10 + col * (bw + gap_x), 10 + row * (bh + gap_y)
        hot = r.bottleneck in u.layers
        fill = "url(#hatch)" if hot else ("#fff" if u.layers else FAINT)
        out.append(f'<rect x="{x}" y="{y}" width="{bw}" height="{bh}" rx="6" fill="{fill}" stroke="{INK}" '
                   f'stroke-width="{4 if hot else 1.2}"/>')
        fold = (f"PE {u.params['PE']} × SIMD {u.params['SIMD']}" if "PE" in u.params and "SIMD" in u.params
                else f"depth {u.params['DEPTH']}" if u.core == "bnnc_fifo" else "")
        lines = [(f"{u.name}" + (" (bottleneck)" if hot else ""), "bold"), (u.core, ""),
                 (", ".join(u.layers) if u.layers else "glue", ""), (f"{_fmt(u.cycles)} cycles/image", ""),
                 (f"{u.in_width} → {u.out_width} bits/beat", ""),
                 (" · ".join(t for t in (fold, f"ROM {_fmt(u.rom_bits)} bits" if u.rom_bits else "") if t), "")]
        for k, (text, weight) in enumerate(lines):
            text = text if len(text) <= 36 else text[:35] + "…"
            bold = ' font-weight="bold"' if weight else ""
            halo = ' style="paint-order:stroke" stroke="#fff" stroke-width="3"' if hot else ""  # legible on the hatch
            out.append(f'<text x="{x + 8}" y="{y + 20 + k * 18}" font-size="12" fill="{INK}"{bold}{halo} '
                       f'font-family="sans-serif">{_E(text)}</text>')
        if i + 1 < n:
            if col + 1 < per_row:
                ax, ay = x + bw, y + bh / 2
                out.append(f'<path d="M{ax} {ay} h{gap_x - 6}" stroke="{INK}" stroke-width="1.5" fill="none"/>'
                           f'<path d="M{ax + gap_x - 6} {ay - 4} l6 4 l-6 4 z" fill="{INK}"/>')
            else:  # down to the next row's first box
                ax, ay = x + bw / 2, y + bh
                tx = 10 + bw / 2
                out.append(f'<path d="M{ax} {ay} v{gap_y / 2} H{tx} v{gap_y / 2 - 6}" stroke="{INK}" '
                           f'stroke-width="1.5" fill="none"/><path d="M{tx - 4} {ay + gap_y - 6} l4 6 l4 -6 z" '
                           f'fill="{INK}"/>')
    out.append("</svg>")
    return "".join(out)


def bars_svg(rows: list[tuple[str, float, bool]], limit: float | None, limit_label: str, unit: str,
             suffix: str = "") -> str:
    """Horizontal bars (label, value, highlighted) against an optional vertical line at ``limit``."""
    label_w, bar_w, row_h = 170, 520, 22
    top = max([v for _, v, _ in rows] + [limit or 0.0, 1.0])
    height = len(rows) * row_h + 34
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_w + bar_w + 130} {height}" width="100%" '
           f'role="img" aria-label="{_E(unit)}">']
    for i, (label, value, hot) in enumerate(rows):
        y = 8 + i * row_h
        w = max(1.0, bar_w * value / top) if value > 0 else 0.0
        fill = "url(#hatch2)" if hot else MID
        out.append(f'<text x="{label_w - 6}" y="{y + 14}" font-size="12" text-anchor="end" font-family="sans-serif" '
                   f'fill="{INK}">{_E(label[:26])}</text>'
                   f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" fill="{fill}" '
                   f'stroke="{INK}" stroke-width="{2 if hot else 0.5}"/>'
                   f'<text x="{label_w + w + 6:.1f}" y="{y + 14}" font-size="12" font-family="sans-serif" '
                   f'fill="{INK}">{_E(_fmt(value) + suffix)}</text>')
    if limit:
        lx = label_w + bar_w * limit / top
        out.append(f'<line x1="{lx:.1f}" y1="4" x2="{lx:.1f}" y2="{height - 22}" stroke="{INK}" stroke-width="1.5" '
                   f'stroke-dasharray="5 3"/><text x="{lx:.1f}" y="{height - 8}" font-size="12" text-anchor="middle" '
                   f'font-family="sans-serif" fill="{INK}">{_E(limit_label)}</text>')
    out.insert(1, '<defs><pattern id="hatch2" width="6" height="6" patternUnits="userSpaceOnUse" '
                  'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ddd"/><line x1="0" y1="0" x2="0" '
                  'y2="6" stroke="#333" stroke-width="2"/></pattern></defs>')
    out.append("</svg>")
    return "".join(out)


def tradeoff_svg(r: Report) -> str:
    """Modelled cost against frames/s (log-log) over the swept foldings: the Pareto front joined, the chosen one
    a large square."""
    import math

    pts = [p for p in r.tradeoff if p["cost"] > 0 and p["frames_per_s"] > 0]
    if not pts:
        return ""
    w, h, ml, mb, mt, mr = 760, 330, 80, 48, 16, 24
    xs = [math.log10(p["frames_per_s"]) for p in pts]
    ys = [math.log10(p["cost"]) for p in pts]
    x0, x1 = min(xs) - 0.1, max(xs) + 0.1
    y0, y1 = min(ys) - 0.1, max(ys) + 0.1

    def px(x: float) -> float:
        return ml + (x - x0) / (x1 - x0) * (w - ml - mr)

    def py(y: float) -> float:
        return h - mb - (y - y0) / (y1 - y0) * (h - mb - mt)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" '
           'aria-label="folding trade-off">',
           f'<rect x="{ml}" y="{mt}" width="{w - ml - mr}" height="{h - mb - mt}" fill="none" stroke="{LIGHT}"/>']
    def ticks(a: float, b: float) -> list[float]:  # 1-2-5 steps (every digit on a narrow range) within [a, b]
        for mults in ((1,), (1, 2, 5), tuple(range(1, 10))):
            t = [m * 10.0 ** k for k in range(math.floor(a), math.ceil(b) + 1) for m in mults
                 if a <= math.log10(m * 10.0 ** k) <= b]
            if len(t) >= 3:
                return t
        return t

    for v in ticks(x0, x1):
        x = px(math.log10(v))
        out.append(f'<line x1="{x:.1f}" y1="{mt}" x2="{x:.1f}" y2="{h - mb}" stroke="{FAINT}"/>'
                   f'<text x="{x:.1f}" y="{h - mb + 16}" font-size="11" text-anchor="middle" '
                   f'font-family="sans-serif" fill="{INK}">{_E(_fmt(v))}</text>')
    for v in ticks(y0, y1):
        y = py(math.log10(v))
        out.append(f'<line x1="{ml}" y1="{y:.1f}" x2="{w - mr}" y2="{y:.1f}" stroke="{FAINT}"/>'
                   f'<text x="{ml - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" font-family="sans-serif" '
                   f'fill="{INK}">{_E(_fmt(v))}</text>')
    front = sorted((p for p in pts if p["pareto"]), key=lambda p: p["frames_per_s"])
    if len(front) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{px(math.log10(p['frames_per_s'])):.1f} "
                        f"{py(math.log10(p['cost'])):.1f}" for i, p in enumerate(front))
        out.append(f'<path d="{path}" stroke="{MID}" stroke-width="1.5" fill="none"/>')
    for p in pts:
        x, y = px(math.log10(p["frames_per_s"])), py(math.log10(p["cost"]))
        if p["chosen"]:
            right = x > (ml + w - mr) / 2  # the label on the side with room
            out.append(f'<rect x="{x - 7:.1f}" y="{y - 7:.1f}" width="14" height="14" fill="{INK}"/>'
                       f'<text x="{x - 10 if right else x + 10:.1f}" y="{y - 10:.1f}" font-size="12" '
                       f'text-anchor="{"end" if right else "start"}" font-family="sans-serif" fill="{INK}">'
                       f'{_E("this design: " + _fmt(p["frames_per_s"]) + " frames/s, cost " + _fmt(p["cost"]))}</text>')
        else:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="{INK}" stroke-width="1.5"/>')
    out.append(f'<text x="{(ml + w - mr) / 2}" y="{h - 10}" font-size="12" text-anchor="middle" '
               f'font-family="sans-serif" fill="{INK}">frames/s at {_E(_fmt(r.clock_mhz))} MHz (log)</text>'
               f'<text x="16" y="{(mt + h - mb) / 2}" font-size="12" text-anchor="middle" font-family="sans-serif" '
               f'fill="{INK}" transform="rotate(-90 16 {(mt + h - mb) / 2})">modelled cost, LUT + block RAM (log)</text>')
    out.append("</svg>")
    return "".join(out)


def utilisation(r: Report) -> list[dict[str, Any]]:
    """Per resource: the model's count, the measured one (synth.json) and the part's capacity where known."""
    measured = r.synth["resources"] if r.synth else {}
    rows = []
    for kind, cap in (("lut", r.part["luts"]), ("bram", r.part["blocks"]), ("ff", None), ("dsp", None)):
        got = measured.get(kind)
        rec = {"kind": kind, "model": r.model_total.get(kind, 0), "measured": got["used"] if got else None,
               "available": (got["available"] if got and got.get("available") else cap)}
        if rec["measured"] is not None and rec["model"]:
            rec["model_error_pct"] = round((rec["model"] - rec["measured"]) / max(1, rec["measured"]) * 100, 1)
        rows.append(rec)
    return rows


def render_html(r: Report) -> str:
    """The page: ``templates/report.html.j2`` filled from ``r`` (pictures drawn here, numbers formatted here)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), undefined=jinja2.StrictUndefined,
                             autoescape=True)
    cycles = [(u.name, float(u.cycles), r.bottleneck in u.layers) for u in r.units if u.layers]
    util = utilisation(r)
    res_rows = [(lay.name, float(lay.model.get("lut", 0)), lay.name == r.bottleneck) for lay in r.layers
                if lay.model]
    sim = r.simulate
    return env.get_template("report.html.j2").render(
        r=r, fmt=_fmt, util=util,
        pipeline=jinja2.utils.markupsafe.Markup(pipeline_svg(r)),
        cycle_bars=jinja2.utils.markupsafe.Markup(bars_svg(cycles, r.interval, f"interval {r.interval:,}",
                                                           "cycles per image")),
        lut_bars=jinja2.utils.markupsafe.Markup(bars_svg(res_rows, None, "", "modelled LUTs per layer")),
        util_bars=jinja2.utils.markupsafe.Markup(bars_svg(
            [(f"{u['kind'].upper()} ({'measured' if u['measured'] is not None else 'model'})",
              100.0 * (u["measured"] if u["measured"] is not None else u["model"]) / u["available"], False)
             for u in util if u["available"]], 100.0, "the whole part", "utilisation of the part", " %")),
        tradeoff=jinja2.utils.markupsafe.Markup(tradeoff_svg(r)), sim=sim)


def write_report(rtl: str | Path, accuracy: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into the compile folder (each whole or not at all)."""
    report = build_report(rtl, accuracy=accuracy)
    folder = Path(rtl)
    written = []
    for name, text in ((REPORT_JSON, json.dumps(report.to_json(), indent=1) + "\n"), (REPORT_HTML, render_html(report))):
        tmp = folder / f".{name}.tmp"
        tmp.unlink(missing_ok=True)  # never write through a link someone left there
        tmp.write_text(text)
        os.replace(tmp, folder / name)
        written.append(folder / name)
    return written[0], written[1]


__all__ = ["Layer", "Report", "ReportError", "Unit", "build_report", "render_html", "write_report"]
