"""The formal proofs' cases: each core's wrapper at the parameter sets that reach its corner cases.

A case's parameters are the wrapper's: the core's own (as in ``compiler/cores/<core>.py``) and
the stream checker's ``BOUND`` (cycles without progress that count as a deadlock, from the
core's latency) and ``STALL`` (the consumer's longest run of tready low). ``depth`` is the bounded
check's length in cycles; each ``why`` says what the set exercises and what the depth covers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from compiler.cores.base import Bits


def _no_files(folder: Path) -> dict[str, object]:
    return {}


def _latency(core: str, params: dict[str, object]) -> dict[str, object]:
    """``params`` and the core's stated latency bound (its Python module's ``latency_bound()``) as ``LATENCY``, which
    the stream checker's ``latency`` property then checks."""
    from compiler.cores import params_of

    bound = params_of(core, params).latency_bound()
    assert bound is not None, f"{core} states no latency bound"
    return {**params, "LATENCY": bound}


@dataclass(frozen=True)
class Case:
    """One proof: ``core``'s wrapper ``fv_<core>`` at ``params``, checked by ``mode`` (``bmc`` or ``prove``) to ``depth``."""

    core: str
    name: str
    params: dict[str, object]
    depth: int
    why: str
    mode: str = "bmc"
    tier: str = "quick"
    files: Callable[[Path], dict[str, object]] = field(default=_no_files, compare=False)

    def describe(self) -> str:
        """The parameter set as ``K=V`` pairs."""
        return " ".join(f"{k}={v}" for k, v in self.params.items())


CASES: list[Case] = [
    # ---- bnnc_fifo: one beat in, one out; each depth covers filling the FIFO and draining it (2 x DEPTH + latency)
    Case("bnnc_fifo", "depth2_bypass", _latency("bnnc_fifo", dict(WIDTH=2, DEPTH=2, BYPASS=1, BOUND=3)), 10,
         "the smallest FIFO, with the empty bypass: full and empty on the same cycle as a read", mode="prove"),
    Case("bnnc_fifo", "depth3_nobypass", _latency("bnnc_fifo", dict(WIDTH=2, DEPTH=3, BYPASS=0, BOUND=4)), 12,
         "no bypass: every beat through the 2-entry buffer (the compiler's inter-layer FIFO)", mode="prove"),
    Case("bnnc_fifo", "depth5_bypass", _latency("bnnc_fifo", dict(WIDTH=1, DEPTH=5, BYPASS=1, BOUND=3)), 13,
         "a non-power-of-2 buffer: pointer wrap at 4 entries", mode="prove"),
]

CASES += [
    # ---- bnnc_width_converter: one vector per image; one case per structure, each with a padded last beat.
    # Depth: two whole vectors on the busier side, plus latency and stalls.
    Case("bnnc_width_converter", "up_copy", _latency("bnnc_width_converter", dict(N=8, EW=1, IN_LANES=2, OUT_LANES=4, BOUND=4)), 14,
         "UP_COPY: OUT = 2 x IN, output beats made of whole input beats"),
    Case("bnnc_width_converter", "up_padded", _latency("bnnc_width_converter", dict(N=5, EW=2, IN_LANES=2, OUT_LANES=4, BOUND=4)), 12,
         "UP: a padded last input beat and a padded last output beat"),
    Case("bnnc_width_converter", "down_padded", _latency("bnnc_width_converter", dict(N=5, EW=1, IN_LANES=4, OUT_LANES=2, BOUND=4)), 12,
         "DOWN: 4 lanes to 2, the last input beat half padding"),
    Case("bnnc_width_converter", "general", dict(N=7, EW=1, IN_LANES=2, OUT_LANES=3, BOUND=5), 14,
         "GENERAL: non-dividing lanes (2 to 3), the shift buffer's refusals"),
]

CASES += [
    # ---- bnnc_threshold: one vector per image; depth: three vectors with stalls
    Case("bnnc_threshold", "signed_negate_padded", _latency("bnnc_threshold", dict(LANES=2, IN_BITS=3, IN_SIGNED=1, THRESHOLD=-1, NEGATE=1, N=5,
                                                        BOUND=3)), 10,
         "a negated signed compare (-x >= -1), a padded last beat of 3", mode="prove"),
    Case("bnnc_threshold", "unsigned", _latency("bnnc_threshold", dict(LANES=2, IN_BITS=3, IN_SIGNED=0, THRESHOLD=5, NEGATE=0, N=0, BOUND=3)), 8,
         "unsigned lanes, no vector framing (N = 0)", mode="prove"),
    Case("bnnc_threshold", "wide_threshold", _latency("bnnc_threshold", dict(LANES=1, IN_BITS=2, IN_SIGNED=1, THRESHOLD=-100000, NEGATE=1, N=2,
                                                  BOUND=3)), 8,
         "a threshold past IN_BITS + 2 bits: the 34-bit compare", mode="prove"),
]


def _multithreshold(lanes: int, in_bits: int, signed: bool, thresholds: list[int], negate: bool, lo: int,
                    n: int) -> dict[str, object]:
    """bnnc_multithreshold's parameters as the lowering makes them (compiler/cores/multithreshold.py)."""
    from compiler.cores.multithreshold import multithreshold_params
    p = multithreshold_params(lanes, in_bits, signed, thresholds, negate, lo, lo + len(thresholds), n)
    return _latency("bnnc_multithreshold", {**dict(p), "BOUND": 3})


CASES += [
    Case("bnnc_multithreshold", "narrow_a2_padded", _multithreshold(2, 3, True, [-1, 1], False, -1, 3), 10,
         "Brevitas's signed narrow 2-bit codes -1..1 (OUT_BIAS < 0), a padded last beat", mode="prove"),
    Case("bnnc_multithreshold", "unsigned_negated", _multithreshold(2, 3, False, [1, 3, 6], True, 0, 0), 8,
         "three thresholds on a negated channel (INV), unsigned lanes", mode="prove"),
]


def _threshold_rom(lanes: int, in_bits: int, signed: bool, ts: list[int], negs: list[bool]) -> Case:
    """bnnc_threshold_rom at per-element thresholds ``ts`` (negated where ``negs``): the ROM file from
    compiler/cores/threshold_rom.py, the thresholds as stated for the wrapper's model."""
    import numpy as np

    from compiler.cores.base import Bits
    from compiler.cores.mvtu import write_mem
    from compiler.cores.threshold_rom import threshold_rom_lines

    n = len(ts)
    t, neg = np.array(ts, dtype=np.int64), np.array(negs, dtype=bool)
    lines, tw = threshold_rom_lines(t, neg, n, lanes)

    def files(folder: Path) -> dict[str, object]:
        return {"THR_FILE": str(write_mem(folder / "thr.mem", lines))}

    params = dict(LANES=lanes, IN_BITS=in_bits, IN_SIGNED=int(signed), N=n, TW=tw,
                  TS=Bits(1024, sum((v & 0xFFFFFFFF) << (32 * e) for e, v in enumerate(ts))),
                  NEGS=Bits(32, sum(1 << e for e, g in enumerate(negs) if g)), BOUND=3)
    params = _latency("bnnc_threshold_rom", params)
    name = f"n{n}_lanes{lanes}_{'signed' if signed else 'unsigned'}"
    return Case("bnnc_threshold_rom", name, params, 10, "", mode="prove", files=files)


CASES += [
    # ---- bnnc_threshold_rom: one vector per image (the ROM's address wraps per vector); depth: three vectors
    replace(_threshold_rom(2, 3, True, [0, -2, 3, 1, -4], [False, True, False, True, False]),
            why="signed lanes, negated and plain elements, a padded last beat: the ROM's last word"),
    replace(_threshold_rom(3, 2, False, [1, 4, 0, 2, 3, -1], [True, False, False, True, False, True]),
            why="unsigned lanes, thresholds outside the input's range (never and always passed)"),
]

CASES += [
    # ---- bnnc_argmax: one vector per image; depth: two vectors through the tree with stalls
    Case("bnnc_argmax", "c5_lanes2", _latency("bnnc_argmax", dict(NUM_CLASSES=5, LANES=2, IN_BITS=3, BOUND=4)), 12,
         "a padded last beat (5 classes on 2 lanes), ties across beats and within a pair"),
    Case("bnnc_argmax", "c3_lanes3", _latency("bnnc_argmax", dict(NUM_CLASSES=3, LANES=3, IN_BITS=2, BOUND=5)), 10,
         "one beat per vector through a 2-level tree with an odd lane"),
    Case("bnnc_argmax", "c2_lanes1", _latency("bnnc_argmax", dict(NUM_CLASSES=2, LANES=1, IN_BITS=2, BOUND=3)), 10,
         "one lane: no tree, the running compare alone"),
]

CASES += [
    # ---- bnnc_pool_reduce: one output pixel per image; depth: two pixels with stalls
    Case("bnnc_pool_reduce", "bits_or_and", _latency("bnnc_pool_reduce", dict(CH=2, WIN=3, LANES=1, AND_MASK=Bits(2, 0b10), EW=1, SIGNED=0,
                                                 BOUND=3)), 14,
         "bits: OR on channel 0, AND (a negated channel's min) on channel 1, one lane: 2 beats per position",
         mode="prove"),
    Case("bnnc_pool_reduce", "signed_codes", _latency("bnnc_pool_reduce", dict(CH=2, WIN=2, LANES=2, AND_MASK=Bits(2, 0b01), EW=2, SIGNED=1,
                                                  BOUND=3)), 10,
         "signed 2-bit codes: min on channel 0, max on channel 1, one beat per position", mode="prove"),
    Case("bnnc_pool_reduce", "unsigned_codes", _latency("bnnc_pool_reduce", dict(CH=1, WIN=4, LANES=1, AND_MASK=Bits(1, 0), EW=2, SIGNED=0,
                                                    BOUND=3)), 12,
         "unsigned codes, a 2x2 window of one channel", mode="prove"),
]


def _affine_serial(n: int, lanes: int, acc_bits: int, a: list[int] | None, b: list[int], a_bits: int, b_bits: int,
                   shift: int, out_bits: int, a_shift: int = 0) -> dict[str, object]:
    from compiler.cores.affine_serial import affine_serial_lines
    from compiler.cores.mvtu import write_mem

    lines = affine_serial_lines(None if a is None else np.array(a), np.array(b), a_bits if a else None, b_bits)
    params = dict(N=n, LANES=lanes, ACC_BITS=acc_bits, MODE=0 if a is None else 1, A_BITS=a_bits, A_SHIFT=a_shift,
                  B_BITS=b_bits, SHIFT=shift, OUT_BITS=out_bits,
                  AS=Bits(512, sum((v & 0xFFFFFFFF) << (32 * k) for k, v in enumerate(a or []))),
                  BS=Bits(512, sum((v & 0xFFFFFFFF) << (32 * k) for k, v in enumerate(b))), BOUND=5)
    return {"params": _latency("bnnc_affine_serial", params), "files": lambda folder: {"PARAM_FILE": str(write_mem(folder / "affine.mem", lines))}}


CASES += [
    # ---- bnnc_affine_serial: one vector per image, one score per cycle; depth: two vectors of scores with stalls
    Case("bnnc_affine_serial", "multiply_padded", depth=14,
         why="MODE 1: the most negative scale, a padded last beat (3 scores on 2 lanes), a shift of 1",
         **_affine_serial(3, 2, 3, [-4, 3, 1], [2, -3, 0], 3, 3, 1, 5)),
    Case("bnnc_affine_serial", "shift_add", depth=12,
         why="MODE 0: no multiplier, every scale 2**2, one lane per beat",
         **_affine_serial(2, 1, 3, None, [-2, 1], 3, 2, 0, 6, a_shift=2)),
    Case("bnnc_affine_serial", "narrow_out", depth=12,
         why="an output narrower than the exact score: it wraps, as the core states",
         **_affine_serial(2, 2, 3, [3, -2], [1, 1], 3, 2, 0, 3)),
]


def _mvtu(mw: int, mh: int, pe: int, simd: int, weights: list[list[int]], *, binary: bool = True, in_bits: int = 8,
          in_signed: bool = False, weight_bits: int = 1, mode: int = 1, thresholds: list[int] | None = None
          ) -> dict[str, object]:
    """bnnc_mvtu's parameters and ROM files (compiler/cores/mvtu.py writes them), the weights for the model."""
    from compiler.cores.mvtu import MvtuParams, write_mvtu_mems

    w = np.array(weights, dtype=np.int64)
    xr = (-1, 1) if binary else ((-(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1) if in_signed
                                 else (0, (1 << in_bits) - 1))
    wmax = 1 if weight_bits == 1 else int(np.abs(w).max())
    span = mw * max(abs(xr[0]), abs(xr[1])) * wmax
    acc_bits = max(4, span.bit_length() + 2)
    codes = w if weight_bits > 1 else (w > 0).astype(np.int64)  # 1-bit: 1 = +1
    p = MvtuParams(MW=mw, MH=mh, PE=pe, SIMD=simd, BINARY_IN=int(binary), IN_BITS=in_bits, IN_SIGNED=int(in_signed),
                   OUT_MODE=mode, ACC_BITS=acc_bits, OUT_BITS=1 if mode == 0 else acc_bits, WEIGHT_BITS=weight_bits)
    sf = p.folding.sf
    params = {**{k: v for k, v in dict(p).items() if k not in ("WEIGHT_FILE", "PARAM_FILE", "ROM_STYLE", "PARAM_STYLE")},
              "WS": Bits(256, sum((int(v) & 0xF) << (4 * k) for k, v in enumerate(codes.reshape(-1)))),
              "BOUND": sf + p.dot_latency + 8}

    def files(folder: Path) -> dict[str, object]:
        wf, pf = write_mvtu_mems(codes, None if mode == 1 else np.array(thresholds), pe, simd, mode,
                                 folder / "weights.mem", None if mode == 1 else folder / "params.mem",
                                 acc_bits=acc_bits, binary_in=binary, weight_bits=weight_bits, in_bits=in_bits,
                                 in_signed=in_signed)
        if pf is None:  # mode 1 reads no parameter ROM: an empty file stands for it
            pf = folder / "params.mem"
            pf.write_text("")
        return {"WEIGHT_FILE": str(wf), "PARAM_FILE": str(pf)}

    return {"params": _latency("bnnc_mvtu", params), "files": files}


CASES += [
    # ---- bnnc_mvtu: one vector per image; depth: a whole vector in, its NF x SF steps, the pipeline and the
    # output queue, with stalls
    Case("bnnc_mvtu", "bin_pe2_simd2", depth=22,
         why="XNOR-popcount, raw accumulators; neither PE nor SIMD divides (MW 5, MH 3): masked lanes, a padding neuron",
         **_mvtu(5, 3, 2, 2, [[1, -1, 1, 1, -1], [-1, -1, 1, -1, 1], [1, 1, 1, -1, -1]])),
    Case("bnnc_mvtu", "int_w2_pe1", depth=18, tier="deep",
         why="signed 2-bit lanes and 2-bit weight codes (small products and adder tree), SF = 1",
         **_mvtu(3, 2, 1, 3, [[1, -2, 0], [-1, 1, 1]], binary=False, in_bits=2, in_signed=True, weight_bits=2)),
    Case("bnnc_mvtu", "threshold_nf3", depth=22,
         why="mode 0 (the binary layers' threshold) with NF = 3, SF = 2: stream properties, the input buffer re-read",
         **_mvtu(4, 3, 1, 2, [[1, -1, 1, 1], [-1, -1, 1, -1], [1, 1, 1, -1]], mode=0, thresholds=[2, 1, 3])),
]

CASES += [
    # ---- bnnc_swu: one image per image; depth: the whole image in and all its windows out, with stalls
    # (small maps: the check's cost grows steeply with depth; 3x3 maps are in the deep set)
    Case("bnnc_swu", "k2_s1_w3", dict(IFM_H=2, IFM_W=3, CH=2, K_H=2, K_W=2, STRIDE=1, PAD=0, EW=1, LANES=2,
                                      BOUND=12), 20,
         "2x2 windows at stride 1 over a 2x3 map: overlapping windows, a row held for two of them", tier="deep"),
    Case("bnnc_swu", "ch2_lanes1", dict(IFM_H=2, IFM_W=2, CH=2, K_H=2, K_W=2, STRIDE=1, PAD=0, EW=1, LANES=1,
                                        BOUND=12), 24,
         "two beats per pixel (CH 2 on 1 lane): the channel-beat counter inside each window position", tier="deep"),
    Case("bnnc_swu", "k3_s2_pad1", dict(IFM_H=2, IFM_W=2, CH=1, K_H=3, K_W=3, STRIDE=2, PAD=1, EW=2,
                                        PAD_VAL=Bits(64, 2), LANES=1, BOUND=12), 20,
         "a 3x3 window at stride 2 with padding 1 and a 2-bit padding value: five of its nine beats padding"),
    Case("bnnc_swu", "pool_2x2_s2", dict(IFM_H=2, IFM_W=4, CH=1, K_H=2, K_W=2, STRIDE=2, PAD=0, EW=1, LANES=1,
                                         ROW_PIPE=0, BOUND=12), 24,
         "a 2x2/2 pool window on a 2x4 map, ROW_PIPE = 0 (the one-cycle row-end chain)", tier="deep"),
]

CASES += [
    # ---- bnnc_board_bridge: both directions; depth: a whole image's bytes in and its reply out, with stalls
    Case("bnnc_board_bridge", "two_byte_beats", dict(IN_WIDTH=10, IN_BYTES=2, IN_BEATS=2, OUT_LANES=2, OUT_EW=4,
                                                     OUT_VBEATS=2, LAST_LANES=1, OUT_BEATS=2, ELEM_BYTES=1,
                                                     OUT_SIGNED=1, IDLE_CLKS=64, BOUND=6), 16,
         "10-bit beats as 2 bytes (6 padding bits), a reply vector of 2 beats whose last has 1 of 2 lanes, signed"),
    Case("bnnc_board_bridge", "wide_elements", dict(IN_WIDTH=8, IN_BYTES=1, IN_BEATS=3, OUT_LANES=1, OUT_EW=9,
                                                    OUT_VBEATS=1, LAST_LANES=1, OUT_BEATS=1, ELEM_BYTES=2,
                                                    OUT_SIGNED=0, IDLE_CLKS=64, BOUND=6), 14,
         "one byte per beat, a 9-bit class score sent as 2 bytes"),
]


def _network(gen_args: dict[str, object], depth: int) -> dict[str, object]:
    """A whole network from designs/netgen.py's mlp, compiled by bnnc into the case's folder: its top module's
    stream widths and beats from the manifest."""

    def files(folder: Path) -> dict[str, object]:
        import json

        import compiler
        from designs.netgen import mlp

        gen = mlp(**gen_args)  # type: ignore[arg-type]
        gen.write(folder / "net")
        compiler.compile(folder / "net" / "net.yaml", folder / "rtl")
        rtl = json.loads((folder / "rtl" / "manifest.json").read_text())["rtl"]
        top = rtl["top"]
        return {"_TOP": top, "_TOP_FILE": str(folder / "rtl" / f"{top}.v"),
                "IN_W": rtl["input_stream"]["width"], "OUT_W": rtl["output_stream"]["width"],
                "IN_BEATS": rtl["input_stream"]["beats_per_image"],
                "OUT_BEATS": rtl["output_stream"]["beats_per_image"],
                "MEM_DIR": str(folder / "rtl") + "/", "BOUND": 4 * rtl["interval_cycles"] + 24}

    return {"params": {}, "files": files, "depth": depth}


CASES += [
    # ---- whole networks: bnnc compile's top, the stream properties across every core, FIFO and converter
    Case("bnnc_top", "mlp_folded", why="a folded 3-layer MLP (6-4-3, PE 2 x SIMD 3 on fc1) ending in argmax: "
         "MVTUs, FIFOs, a width converter",
         **_network(dict(seed=1, sizes=[6, 4, 3], folding={"fc1": {"pe": 2, "simd": 3}, "fc2": {"pe": 1, "simd": 2}}),
                    50)),
]

# ---- the deep set (make formal-deep): the quick cases of the cores with the most state, checked deeper
# (several images back to back, so state left by one image meets the next), and bigger maps
_DEEPER = {("bnnc_width_converter", "general"): 24,
           ("bnnc_mvtu", "bin_pe2_simd2"): 28, ("bnnc_argmax", "c5_lanes2"): 20,
           ("bnnc_affine_serial", "multiply_padded"): 20}
CASES += [replace(c, name=f"{c.name}_deep", depth=_DEEPER[(c.core, c.name)], tier="deep",
                  why=f"{c.why}; deeper: images back to back")
          for c in list(CASES) if (c.core, c.name) in _DEEPER]
# the FIFO's and the pool's quick cases are unbounded proofs already: the deep set proves bigger shapes
CASES += [
    Case("bnnc_pool_reduce", "ch4_win4_codes", _latency("bnnc_pool_reduce", dict(
        CH=4, WIN=4, LANES=2, AND_MASK=Bits(4, 0b0110), EW=2, SIGNED=1, BOUND=3)), 14,
         "a 2x2 window of 4 signed channels in 2 beats, min and max mixed (k-induction)", mode="prove", tier="deep"),
    Case("bnnc_fifo", "depth16_nobypass", _latency("bnnc_fifo", dict(WIDTH=3, DEPTH=16, BYPASS=0, BOUND=4)), 12,
         "a 15-entry buffer without the bypass: pointer wrap at 15 (k-induction)", mode="prove", tier="deep"),
    Case("bnnc_fifo", "depth9_bypass", _latency("bnnc_fifo", dict(WIDTH=4, DEPTH=9, BYPASS=1, BOUND=3)), 12,
         "an 8-entry power-of-2 buffer with the bypass (k-induction)", mode="prove", tier="deep"),
]
