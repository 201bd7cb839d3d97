"""Benchmark: logic levels of a compiled design on Xilinx 7-series, as a timing proxy (issue 11).

    .venv/bin/python bench/logic_depth.py RTL [RTL ...] [--top N] [--reuse]

Yosys gives no timing for Xilinx parts (no open place-and-route for them here), so this counts
what Vivado calls *logic levels*: the cells between two sequential elements on the deepest path.
Each RTL folder (a ``bnnc compile`` output) is synthesized with ``synth_xilinx`` as ``bnnc synth``
does (hierarchy kept: the netlist whose LUTs BENCHMARKS.md reports), then flattened, its kept-apart
ROMs too (``setattr -mod -unset keep_hierarchy``), and written as JSON under ``RTL/depth/``. Every LUT, CARRY4, MUXF7/8 and INV counts as one level, as do the
asynchronous read ports of LUT-RAM and SRLs (address to data); flip-flops, block RAMs, DSPs
and the design's ports start and end paths. The report gives, per start instance (the
``u_*`` name of the register or memory the path starts at), its deepest path and what it is
made of. A level count is not a clock frequency: routing, fan-out and placement decide that.

``--reuse`` analyses an existing ``RTL/depth/flat.json`` without running Yosys again.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler.runtime.synth import yosys_command  # noqa: E402

COMB = frozenset({"LUT1", "LUT2", "LUT3", "LUT4", "LUT5", "LUT6", "CARRY4", "MUXF7", "MUXF8", "INV"})
# LUT-RAM and SRL read ports: the address reaches the data through the LUT (a level), the write is clocked.
# cell -> (address port prefixes, data output port prefixes)
_DUAL = (("A", "DPRA"), ("SPO", "DPO"))
ASYNC_READ: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "RAM32M": (("ADDR",), ("DO",)), "RAM64M": (("ADDR",), ("DO",)), "RAM32X1D": _DUAL, "RAM64X1D": _DUAL,
    "RAM128X1D": _DUAL, "SRL16E": (("A",), ("Q",)), "SRLC32E": (("A",), ("Q",))}


@dataclass(frozen=True)
class LogicPath:
    """The deepest path starting at one instance: its levels, cell types along it, start and end nets."""

    start_instance: str
    levels: int
    cells: dict[str, int]
    start: str
    end: str


def base_type(cell_type: str) -> str:
    """``$paramod$...\\RAM32M`` -> ``RAM32M``."""
    return cell_type.rsplit("\\", 1)[-1]


def deepest_paths(netlist: dict[str, Any], top: str) -> list[LogicPath]:
    """The deepest register-to-register path per start instance, deepest first."""
    mod = netlist["modules"][top]
    def readable(name: str) -> tuple[bool, int]:  # a user-visible name first, then the shortest
        return (name.startswith("$"), len(name))

    names: dict[int, str] = {}
    for name, net in mod["netnames"].items():
        for bit in net["bits"]:
            if isinstance(bit, int) and (bit not in names or readable(name) < readable(names[bit])):
                names[bit] = name
    driver: dict[int, str] = {}
    fanin: dict[str, list[int]] = {}
    kind: dict[str, str] = {}
    sink: dict[int, str] = {}  # bit -> the register (its Q net) or memory input it feeds
    for cname, cell in mod["cells"].items():
        t = base_type(cell["type"])
        dirs = cell.get("port_directions", {})
        ins: list[int] = []
        outs: list[int] = []
        for port, bits in cell["connections"].items():
            ints = [b for b in bits if isinstance(b, int)]
            if t in COMB:
                (ins if dirs.get(port) == "input" else outs).extend(ints)
            elif t in ASYNC_READ:
                addr, data = ASYNC_READ[t]
                if port.startswith(addr) and dirs.get(port) == "input":
                    ins.extend(ints)
                elif port.startswith(data) and dirs.get(port) == "output":
                    outs.extend(ints)
        if t not in COMB and t not in ASYNC_READ:  # a sequential or memory cell: where paths end
            q = [b for port, bits in cell["connections"].items() if dirs.get(port) == "output" for b in bits
                 if isinstance(b, int)]
            label = names.get(q[0], cname) if q else f"{t} {cname}"
            for port, bits in cell["connections"].items():
                if dirs.get(port) == "input":
                    for b in bits:
                        if isinstance(b, int):
                            sink.setdefault(b, label if t.startswith("FD") else f"{t} {label} {port}")
        if outs:
            kind[cname] = t
            fanin[cname] = ins
            for b in outs:
                driver[b] = cname
    depth: dict[int, int] = {}
    via: dict[int, int | None] = {}

    def visit(bit: int) -> int:
        # depth(bit) = 1 + the deepest input of the cell driving it; 0 at a register, memory or port
        if bit in depth:
            return depth[bit]
        cell = driver.get(bit)
        depth[bit], via[bit] = 0, None  # also ends a (never expected) combinational loop
        if cell is None:
            return 0
        best, level = None, 0
        for i in fanin[cell]:
            d = visit(i)
            if best is None or d > level:
                best, level = i, d
        depth[bit], via[bit] = level + 1, best
        return level + 1

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))
    for bit in driver:
        visit(bit)
    best_of: dict[str, LogicPath] = {}
    for b, d in depth.items():
        if b not in driver or b not in sink:
            continue
        chain: Counter[str] = Counter()
        x: int | None = b
        while x is not None and x in driver:
            chain[kind[driver[x]]] += 1
            x = via.get(x)
        start = names.get(x, "?") if x is not None else "?"
        inst = start.split(".")[0] if start.startswith("u_") else "(top)"
        if inst not in best_of or d > best_of[inst].levels:
            best_of[inst] = LogicPath(inst, d, dict(chain.most_common()), start, sink[b])
    return sorted(best_of.values(), key=lambda p: (-p.levels, p.start_instance))


def synthesize(rtl: Path) -> Path:
    """synth_xilinx (hierarchy kept), then everything flattened; returns RTL/depth/flat.json."""
    manifest = json.loads((rtl / "manifest.json").read_text())
    top = manifest["rtl"]["top"]
    files = (rtl / "filelist.f").read_text().split()
    out = rtl / "depth"
    out.mkdir(exist_ok=True)
    # The netlist bnnc synth reports (hierarchy kept), flattened after mapping: paths cross the instances'
    # ports as they are, and a whole flattened CNV would exceed yowasp's 4 GiB while optimizing.
    script = (f"read_verilog -defer {' '.join(files)}\nhierarchy -check -top {top}\nsynth_xilinx -top {top}\n"
              "setattr -mod -unset keep_hierarchy *\nflatten\nopt_clean\nwrite_json depth/flat.json\n")
    (out / "depth.ys").write_text(script)
    subprocess.run([*yosys_command(), "-q", "-l", "depth/yosys.log", "-s", "depth/depth.ys"], cwd=rtl, check=True,
                   stdout=subprocess.DEVNULL)
    return out / "flat.json"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rtl", nargs="+", type=Path)
    ap.add_argument("--top", type=int, default=12, help="instances to list per design")
    ap.add_argument("--reuse", action="store_true", help="analyse RTL/depth/flat.json without running Yosys")
    args = ap.parse_args()
    for rtl in args.rtl:
        t0 = time.perf_counter()
        flat = rtl / "depth" / "flat.json" if args.reuse else synthesize(rtl)
        secs = time.perf_counter() - t0
        top = json.loads((rtl / "manifest.json").read_text())["rtl"]["top"]
        paths = deepest_paths(json.loads(flat.read_text()), top)
        print(f"\n{rtl} ({top}): deepest {paths[0].levels if paths else 0} levels"
              + ("" if args.reuse else f"; Yosys {secs:.0f} s"))
        print("| start instance | levels | cells on the path | from | to |\n|---|---|---|---|---|")
        for p in paths[:args.top]:
            cells = ", ".join(f"{n} {t}" for t, n in p.cells.items())
            print(f"| {p.start_instance} | {p.levels} | {cells} | `{p.start}` | `{p.end}` |")
    return 0


if __name__ == "__main__":
    from record import provenance  # bench/record.py: the line BENCHMARKS.md keeps under the table

    code = main()
    print("\n" + provenance("yosys"))  # a blank line ends the table
    sys.exit(code)
