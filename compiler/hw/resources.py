"""An analytic resource model: LUT, FF, block RAM, DSP (and LUT-RAM) of every core instance, per target.

Each core's cost is a linear function of *features* computed from its parameters
(:func:`features`: lanes, accumulator bits, comparators, counters, ...), with one
coefficient table per family (:data:`COEFFS`), plus the memories and multipliers, which
are not fitted but planned: a ROM's block RAMs and LUTs come from
:func:`compiler.hw.memory.plan_rom` (the same plan the lowering uses; a logic ROM read
synchronously adds its output register), RAMs (FIFOs, bnnc_mvtu's input buffer and output
queue, line buffers) from :func:`ram_cost`, hard multipliers from :func:`_dsp_count`.

The coefficients were fitted against Yosys per core instance (``bench/resource_model.py
--fit`` prints a new table; ``bench/resource_model.py`` prints the model's error per
design). What the figures mean:

* ``lut``: LUTs occupied, logic and LUT-RAM together (LUT6 on ``xilinx``, LUT4 on the
  Lattice parts); ``lutram`` says how many of them hold memory.
* ``ff``: flip-flops.
* ``bram``: RAMB18 on ``xilinx`` (two make a BRAM36), 4-kbit EBR on ``ice40-up5k``,
  18-kbit EBR (DP16KD) on ECP5.
* ``dsp``: DSP48E1 (xilinx), SB_MAC16 (iCE40: Yosys maps none without ``-dsp``),
  MULT18X18D (ECP5).

The folding search (:mod:`compiler.passes.folding`) prices candidate foldings with
:func:`mvtu_params` and :func:`module_resources` before any module exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Mapping

from compiler.arith import ceil_div
from compiler.targets import TARGETS as FPGA_TARGETS

from .graph import Module
from .builder import dwc_up_copy
from .memory import block_plan, logic_luts, mux_luts, plan_rom, register_bits
from .mvtu import xnor_popcount_stages

# Views of compiler/targets.py (the one list of targets and their facts), kept under the names
# the folding search, the manifest and the tests import: the target names, the LUTs one block RAM
# is worth there (FpgaTarget.bram_luts, e.g. 190 on xilinx) and what one block is, by family.
TARGETS: tuple[str, ...] = tuple(FPGA_TARGETS)
BRAM_LUTS: dict[str, int] = {name: t.bram_luts for name, t in FPGA_TARGETS.items()}
BRAM_UNIT: dict[str, str] = {t.family: t.bram.unit for t in FPGA_TARGETS.values()}


@dataclass(frozen=True)
class Resources:
    """Modelled resources of a unit (see the module docstring for the units of each field)."""

    lut: int = 0
    ff: int = 0
    bram: int = 0
    dsp: int = 0
    lutram: int = 0

    def __add__(self, other: "Resources") -> "Resources":
        return Resources(self.lut + other.lut, self.ff + other.ff, self.bram + other.bram, self.dsp + other.dsp,
                         self.lutram + other.lutram)

    def describe(self) -> dict[str, int]:
        """The manifest's record."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def cost(self, target: str) -> int:
        """One number to minimise: LUTs plus block RAMs at the target's exchange rate (:data:`BRAM_LUTS`)."""
        return self.lut + BRAM_LUTS[target] * self.bram


def family(target: str) -> str:
    """``xilinx``, ``ice40`` or ``ecp5`` (compiler/targets.py's family of ``target``)."""
    return FPGA_TARGETS[target].family


def _log2(n: int) -> int:
    return max(1, math.ceil(math.log2(max(n, 2))))


# ---------------------------------------------------------------------------
# RAMs (written at run time: FIFOs, the MVTU's input buffer, line buffers)
# ---------------------------------------------------------------------------

# RAM bits per LUT as Yosys maps a simple dual-port RAM: xilinx RAM64M (3 x 64 bits in 4
# LUT6) / RAM32M (6 x 32 bits in 4); ECP5 TRELLIS_DPR16X4 (16 x 4 bits), counted as the 6 LUT4
# of the three slices it takes (compiler/targets.py's lutram, as bench/resource_model.py counts
# it); iCE40 has no LUT-RAM (registers and muxes). A RAM of one word is a register; from two
# words on Yosys maps LUT-RAM (a FIFO of DEPTH 3, two words of RAM: 64 bits wide, 44 LUT6 as
# RAM32M), except one bit wide and shallow, which stays registers and a mux (xilinx up to 16
# words: 1 x 9 registers, 1 x 17 RAM32M; ECP5 every 1-bit FIFO of the fitted designs, up to 17).
RAM_REG_DEPTH = 1
RAM_REG_1BIT = {"xilinx": 16, "ecp5": 1 << 30}
# LUT-RAM cells (RAM32M / RAM64M, TRELLIS_DPR16X4) per block RAM past which Yosys maps block RAM
# (between the measured extremes in ram_cost: xilinx 11 and 18, ECP5 20 and 32)
RAM_CELLS_PER_BLOCK = {"xilinx": 16, "ecp5": 24}


@dataclass(frozen=True)
class RamCost:
    """A writable memory: LUTs used as RAM, registers (FFs), mux LUTs and block RAMs."""

    lutram: int = 0
    ff: int = 0
    mux: int = 0
    bram: int = 0


def _reg_ram(depth: int, width: int, target: str) -> RamCost:
    """A RAM in registers: ``depth`` x ``width`` FFs and a read mux per bit (LUT6 joins 4 inputs
    per level, LUT4 2, as in compiler/hw/memory.py's logic ROM)."""
    fan_in = 4 if FPGA_TARGETS[target].lut_inputs >= 6 else 2
    return RamCost(ff=depth * width, mux=width * ceil_div(depth - 1, fan_in - 1) if depth > 1 else 0)


def ram_cost(depth: int, width: int, target: str, async_read: bool = False) -> RamCost:
    """How a simple dual-port RAM of ``depth`` x ``width`` bits maps (an estimate of Yosys's memory mapping).

    ``async_read``: the RAM is read combinationally (bnnc_mvtu's input buffer), which synth_xilinx
    keeps out of block RAM (121 x 26, 18 RAM64M, stayed LUT-RAM) while synth_ecp5 still maps it to
    EBR (the same buffer: one DP16KD)."""
    if depth <= RAM_REG_DEPTH or width == 0:
        return RamCost(ff=depth * width)
    fam = family(target)
    bits = depth * width
    blocks = min(ceil_div(width, w) * ceil_div(depth, d) for d, w in FPGA_TARGETS[target].bram.aspects)
    if fam in ("xilinx", "ecp5"):
        if width == 1 and depth <= RAM_REG_1BIT[fam]:
            return _reg_ram(depth, width, target)
        if fam == "xilinx":
            per = 6 if depth <= 32 else 3  # RAM32M: 6 bits x 32; RAM64M: 3 bits x 64, 4 LUTs each
            cells, luts = ceil_div(width, per) * ceil_div(depth, 64 if depth > 32 else 32), 4
        else:
            d, w, luts = FPGA_TARGETS[target].lutram or (16, 4, 6)
            cells = ceil_div(width, w) * ceil_div(depth, d)
        # Yosys weighs LUT-RAM cells against block RAMs: past RAM_CELLS_PER_BLOCK cells per block
        # it takes block RAM (measured, synth_xilinx: 112 x 32 (22 RAM64M's worth), 122 x 26 (18),
        # 896 x 4 (28) in one RAMB18, 56 x 32 (11) and 2 x 270 (45 RAM32M for 8 RAMB18) in LUT-RAM;
        # synth_ecp5: 56 x 32 and 122 x 26 (32 and 56 TRELLIS_DPR16X4 for one EBR) in EBR, 320 x 2
        # (20 for one) and 2 x 270 (68 for 8) in LUT-RAM)
        if cells > RAM_CELLS_PER_BLOCK[fam] * blocks and not (async_read and fam == "xilinx"):
            return RamCost(bram=blocks)
        return RamCost(lutram=luts * cells)
    # ice40: no LUT-RAM, so Yosys weighs EBR against registers: a RAM goes to EBR when it holds
    # more than 72 bits per block it would take (measured, synth_ice40: 19 x 4 (76 bits, 1 EBR),
    # 10 x 8, 9 x 16, 5 x 75 (5 EBR, 75 bits each) in EBR; 18 x 4 and 72 x 1 (72 bits), 4 x 32
    # (2 EBR's worth, 64 bits each), 5 x 24, 13 x 3, 3 x 200 in registers)
    if bits > 72 * blocks:
        return RamCost(bram=blocks)
    return _reg_ram(depth, width, target)


# ---------------------------------------------------------------------------
# Features of each core
# ---------------------------------------------------------------------------


def _adder_tree_bits(terms: int, width: int) -> int:
    """Sum of the adders' widths in bnnc_dot_lane's tree of ``terms`` terms of ``width`` bits
    (each level's adders one bit wider; an odd node passes up unchanged).

    >>> _adder_tree_bits(9, 8)   # 4 x 9 + 2 x 10 + 1 x 11 + 1 x 12
    79
    """
    n, level, total = terms, 0, 0
    while n > 1:
        level += 1
        total += (n // 2) * (width + level)
        n = (n + 1) // 2
    return total


def _mvtu_features(p: Mapping[str, Any]) -> dict[str, float]:
    pe, simd, mw, mh = int(p["PE"]), int(p["SIMD"]), int(p["MW"]), int(p["MH"])
    binary = int(p.get("BINARY_IN", 1)) == 1
    in_bits = 1 if binary else int(p.get("IN_BITS", 8))
    acc = int(p["ACC_BITS"])
    mode = int(p.get("OUT_MODE", 0))
    out_bits = 1 if mode == 0 else int(p.get("OUT_BITS", acc))
    aff = int(p.get("AFF_BITS", 1))
    nf, sf = ceil_div(mh, pe), ceil_div(mw, simd)
    lanes = pe * simd
    lw = in_bits + (0 if int(p.get("IN_SIGNED", 0)) else 1)  # an integer lane's term width (ones' complement)
    return {
        "base": 1.0,
        "xnor_lanes": lanes if binary else 0,
        # integer lanes: exact (w ? x : -x, modes 1 and 2) by lane bits; in ones' complement
        # (mode 0, bnnc_dot_lane ONES) by the bits of its adder tree, which grow with SIMD
        "int_lane_bits": lanes * (in_bits + 1) if not binary and mode != 0 else 0,
        "int_tree_bits": pe * _adder_tree_bits(simd, lw) if not binary and mode == 0 else 0,
        # ... plus a per-PE share (its leaves' inversions beside the carry chains, the partial sum)
        "int_tree_pe_bits": pe * lw if not binary and mode == 0 and simd > 1 else 0,
        # ... and with SIMD = 1 (no tree) by the lane's invert and its accumulator, one per PE
        "int_serial_bits": pe * (lw + acc) if not binary and mode == 0 and simd == 1 else 0,
        "acc_bits": pe * acc,
        "cmp_bits": pe * acc if mode == 0 else 0,
        "aff_bits": pe * (acc + aff) if mode == 2 else 0,
        "out_bits": pe * out_bits,
        "in_bits": simd * in_bits,
        "ibuf_mux": simd * in_bits if nf > 1 and sf > 1 else 0,
        "counters": _log2(nf) + _log2(sf) + _log2(nf * sf),
        "partial": pe * _log2(simd + 1),
    }


def _fifo_features(p: Mapping[str, Any]) -> dict[str, float]:
    # bypass_bits: the empty-FIFO bypass's 2:1 mux per output bit (BYPASS = 1; the LUTs of a
    # xilinx or ECP5 FIFO's width are that mux, an iCE40's its register RAM's read mux)
    width = int(p["WIDTH"])
    return {"base": 1.0, "width": width, "bypass_bits": width if int(p.get("BYPASS", 1)) else 0,
            "counters": _log2(int(p["DEPTH"]))}


def _dwc_features(p: Mapping[str, Any]) -> dict[str, float]:
    """By bnnc_width_converter's structure: UP_COPY (OUT = K x IN, K >= 2 dividing the input beats),
    UP (OUT a multiple of IN otherwise), DOWN (IN a multiple of OUT), GENERAL."""
    ew, i, o, n = int(p["EW"]), int(p["IN_LANES"]), int(p["OUT_LANES"]), int(p["N"])
    f = {"base": 1.0, "counters": _log2(ceil_div(n, i)) + _log2(ceil_div(n, o)),
         "up_bits": 0.0, "down_mux": 0.0, "ring_bits": 0.0, "ring_mux": 0.0, "reg_bits": 0.0, "copy_bits": 0.0}
    if dwc_up_copy(n, i, o):
        f["copy_bits"] = 2 * o * ew  # fill and output registers, no select: flip-flops only
    elif o % i == 0:
        f["up_bits"] = o * ew
        f["reg_bits"] = 2 * o * ew
    elif i % o == 0:
        f["down_mux"] = o * ew * (2 * i // o)  # a 2*I/O : 1 select per output bit
        f["reg_bits"] = 2 * i * ew
    else:
        g = math.gcd(i, o)
        gi, go = i // g, o // g
        buf = gi + 2 * go - 1
        f["ring_bits"] = buf * g * ew * gi  # each ring slot selects among the input groups
        f["ring_mux"] = go * g * ew * buf  # each output group selects among the slots
        f["reg_bits"] = buf * g * ew
    return f


def _swu_features(p: Mapping[str, Any]) -> dict[str, float]:
    from .swu import ROW_PIPE_WORDS, row_beats, work_width

    lanes, ew = int(p["LANES"]), int(p["EW"])
    geo = (int(p["IFM_H"]), int(p["IFM_W"]), int(p["CH"]), int(p["K_H"]), int(p["K_W"]), int(p.get("STRIDE", 1)),
           int(p.get("PAD", 0)), lanes)
    # row_pipe_bits: the registers of the next-row pipeline (docs/hardware.md, bnnc_swu "Timing")
    xw = work_width(*geo, int(p.get("IN_CYCLES", 0)), int(p.get("OUT_CYCLES", 0)))
    pipe = ROW_PIPE_WORDS * xw if int(p.get("ROW_PIPE", 1)) and row_beats(*geo) > 4 else 0
    return {"base": 1.0, "lane_bits": lanes * ew, "window_mux": lanes * ew * _log2(int(p["K_H"]) * int(p["K_W"])),
            "counters": _log2(int(p["IFM_H"])) + _log2(int(p["IFM_W"])) + _log2(int(p["CH"]) // max(lanes, 1))
            + 2 * _log2(int(p["K_H"]) * int(p["K_W"])), "row_pipe_bits": pipe}


def _threshold_features(p: Mapping[str, Any]) -> dict[str, float]:
    lanes, bits, n = int(p["LANES"]), int(p["IN_BITS"]), int(p["N"])
    # pad_lanes: the lanes past N in a vector's last beat, each zeroed by a gate on the beat count
    return {"base": 1.0, "cmp_bits": lanes * bits, "counters": _log2(ceil_div(n, lanes)),
            "pad_lanes": (lanes - n % lanes) if n > 0 and n % lanes else 0}


def _pool_features(p: Mapping[str, Any]) -> dict[str, float]:
    lanes = int(p["LANES"])
    return {"base": 1.0, "lanes": lanes, "counters": _log2(int(p["WIN"])) + _log2(int(p["CH"]) // max(lanes, 1))}


def _argmax_features(p: Mapping[str, Any]) -> dict[str, float]:
    lanes, bits, n = int(p["LANES"]), int(p["IN_BITS"]), int(p["NUM_CLASSES"])
    return {"base": 1.0, "cmp_bits": lanes * bits, "counters": _log2(n) + _log2(ceil_div(n, lanes))}


def _affine_serial_features(p: Mapping[str, Any]) -> dict[str, float]:
    lanes, acc, n = int(p["LANES"]), int(p["ACC_BITS"]), int(p["N"])
    mul = int(p.get("MODE", 1)) == 1
    return {"base": 1.0, "in_bits": lanes * acc, "lane_mux": acc * _log2(lanes) if lanes > 1 else 0,
            "mul_bits": acc * int(p.get("A_BITS", 1)) if mul else 0,
            "out_bits": int(p["OUT_BITS"]) + acc + int(p.get("B_BITS", 1)), "counters": _log2(n)}


FEATURES = {
    "bnnc_mvtu": _mvtu_features,
    "bnnc_fifo": _fifo_features,
    "bnnc_width_converter": _dwc_features,
    "bnnc_swu": _swu_features,
    "bnnc_threshold": _threshold_features,
    "bnnc_threshold_rom": _threshold_features,
    "bnnc_pool_reduce": _pool_features,
    "bnnc_argmax": _argmax_features,
    "bnnc_affine_serial": _affine_serial_features,
}


def features(core: str, params: Mapping[str, Any]) -> dict[str, float]:
    """The fitted features of a core instance (all zero but ``base`` for an unknown core).

    ROMs are not features: each is a ``bnnc_rom`` kept apart in synthesis, so its plan's LUTs or
    blocks are added as they are (:func:`_memories`).
    """
    fn = FEATURES.get(core)
    return fn(params) if fn else {"base": 1.0}


# ---------------------------------------------------------------------------
# Coefficients: per target, per core, LUTs and FFs per unit of each feature
# ---------------------------------------------------------------------------

Coeffs = dict[str, dict[str, dict[str, float]]]  # core -> "lut"/"ff" -> feature -> coefficient

# Each table between BEGIN/END FIT markers is written by `bench/resource_model.py --fit --write`
# (non-negative least squares of Yosys's counts per core instance, memories subtracted, over the
# features above); the line under BEGIN says on what it was fitted. Such a rewrite keeps the
# coefficients named in HAND_FITTED (below) as they are, but not the comments inside the tables.
# BEGIN FIT xilinx
# fitted on xilinx (Yosys synth_xilinx) over 11 designs: cnn_10x10x8_lanes, cnn_8x8x2, cnn_u8_10x10, mlp_128_64_64_10_wide, mlp_200_100_10_odd, mlp_256_128_10_deep, mlp_512_256_10_lanes, mlp_64_32_10, mlp_u8_int_first, mlp_u8_pad_serial, mlp_u8_sign_96; cores absent from them keep their previous coefficients
_XILINX: Coeffs = {
    "bnnc_affine_serial": {
        "lut": {"base": 0.75, "counters": 1.224, "lane_mux": 0.12, "mul_bits": 0.01},
        "ff": {"base": 13.909, "in_bits": 0.376, "lane_mux": 0.445, "mul_bits": 0.07, "out_bits": 0.124},
    },
    "bnnc_argmax": {
        "lut": {"cmp_bits": 1.631},
        "ff": {"base": 12.272, "cmp_bits": 1.01, "counters": 0.773},
    },
    "bnnc_fifo": {
        "lut": {"base": 7.65, "counters": 3.771, "bypass_bits": 0.956},
        "ff": {"counters": 4.184, "width": 0.993},
    },
    "bnnc_mvtu": {
        "lut": {"aff_bits": 0.903, "base": 8.373, "cmp_bits": 0.147, "counters": 1.262, "ibuf_mux": 0.725,
                "int_lane_bits": 2.269, "int_serial_bits": 0.803, "int_tree_bits": 1.332, "int_tree_pe_bits": 1.791,
                "out_bits": 0.192, "partial": 2.203, "xnor_lanes": 1.323},
        # int_serial_bits: fitted on 13 integer threshold-mode units (PE x SIMD 64x1 .. 4x27, int8, uint8,
        # int6), Yosys within -12..+4 %. int_tree_bits, int_tree_pe_bits: refitted on 11 units (PE x SIMD
        # 64x3 .. 4x27) once bnnc_dot_lane's adders stayed on carry chains (keep), -9..+5 %
        # out_bits fitted 1.142, less its output queue's bypass (0.95 LUT per bit, removed since: Yosys, PE 32 and 64)
        "ff": {"acc_bits": 1.57, "aff_bits": 0.301, "base": 3.554, "counters": 2.468, "in_bits": 0.992,
                "int_lane_bits": 0.061, "out_bits": 2.396, "xnor_lanes": 1.459},
    },
    "bnnc_pool_reduce": {
        "lut": {"base": 17.143, "counters": 0.633},
        "ff": {"base": 12.748, "counters": 0.325},
    },
    "bnnc_swu": {
        # refitted on 14 units alone (bench/unit_fit.py --core swu --fit; -15..+16 %, mean |error| 10 %) once
        # padding became the read register's reset value (no select per output bit) and the row chain pipelined
        "lut": {"base": 147.474, "counters": 5.47, "lane_bits": 0.535},
        "ff": {"base": 28.516, "counters": 7.942, "row_pipe_bits": 1.0},  # row_pipe_bits: its registers, one each
    },
    "bnnc_threshold": {
        "lut": {"cmp_bits": 0.01, "pad_lanes": 1.306},
        "ff": {"cmp_bits": 0.13, "pad_lanes": 0.278},
    },
    "bnnc_threshold_rom": {
        "lut": {"base": 4, "cmp_bits": 1, "counters": 2},
        "ff": {"base": 2, "counters": 1},
    },
    "bnnc_width_converter": {
        "lut": {"base": 8.413, "counters": 1.154, "reg_bits": 0.568, "ring_bits": 0.233},
        "ff": {"base": 5.104, "counters": 0.694, "down_mux": 0.157, "reg_bits": 0.951, "ring_mux": 0.002,
                "up_bits": 0.111, "copy_bits": 1.0},  # copy_bits: two registers of OUT lanes (Yosys: 2 x OUT x EW + 4)
    },
}
# END FIT xilinx

# BEGIN FIT ecp5
# fitted on ecp5-85k (Yosys synth_ecp5) over 11 designs: cnn_10x10x8_lanes, cnn_8x8x2, cnn_u8_10x10, mlp_128_64_64_10_wide, mlp_200_100_10_odd, mlp_256_128_10_deep, mlp_512_256_10_lanes, mlp_64_32_10, mlp_u8_int_first, mlp_u8_pad_serial, mlp_u8_sign_96; cores absent from them keep their previous coefficients
_ECP5: Coeffs = {
    "bnnc_affine_serial": {
        "lut": {"base": 22.682, "counters": 2.527, "lane_mux": 0.533, "mul_bits": 0.049},
        "ff": {"base": 24.13, "counters": 3.131, "lane_mux": 0.828, "mul_bits": 0.326},
    },
    "bnnc_argmax": {
        "lut": {"cmp_bits": 2.933, "counters": 1.964},
        "ff": {"base": 2.785, "cmp_bits": 1.248, "counters": 1.351},
    },
    "bnnc_fifo": {
        "lut": {"base": 6.665, "counters": 12.113, "bypass_bits": 4.013},
        "ff": {"base": 12.692, "width": 0.972},
    },
    "bnnc_mvtu": {
        "lut": {"aff_bits": 1.472, "base": 25.973, "counters": 3.38, "in_bits": 2.615, "int_lane_bits": 6.859,
                "int_tree_bits": 1.626, "int_tree_pe_bits": 4.504,  # 11 units (as xilinx's), -7..+13 %
                "int_serial_bits": 2.43,  # not refitted: xilinx's x int_lane_bits ratio
                "out_bits": 3.716, "partial": 0.108, "xnor_lanes": 4.787},  # out_bits: fitted 4.716, less the bypass
        "ff": {"aff_bits": 0.611, "base": 35.053, "cmp_bits": 1.32, "ibuf_mux": 0.057, "in_bits": 1.505,
                "out_bits": 3.418, "partial": 0.693, "xnor_lanes": 1.548},
    },
    "bnnc_pool_reduce": {
        "lut": {"counters": 4.42, "lanes": 11.518},
        "ff": {"base": 12.748, "counters": 0.325},
    },
    "bnnc_swu": {
        # refitted on 14 units alone (bench/unit_fit.py --core swu --target ecp5-25k --fit: 1..64 lanes, EW 1
        # and 8, K 2 and 3; -13..+23 %, mean |error| 11 %) with the row pipeline (ROW_PIPE = 1)
        "lut": {"base": 321.458, "counters": 9.5, "lane_bits": 2.307},
        "ff": {"counters": 0.318, "window_mux": 3.259, "row_pipe_bits": 1.0},
    },
    "bnnc_threshold": {
        "lut": {"cmp_bits": 0.016, "pad_lanes": 1.333},
        "ff": {"cmp_bits": 0.13, "pad_lanes": 0.278},
    },
    "bnnc_threshold_rom": {
        "lut": {"base": 8, "cmp_bits": 2, "counters": 4},
        "ff": {"base": 2, "counters": 1},
    },
    "bnnc_width_converter": {
        "lut": {"base": 30.181, "counters": 0.89, "reg_bits": 0.539, "ring_bits": 0.69},
        "ff": {"base": 5.104, "counters": 0.694, "down_mux": 0.157, "reg_bits": 0.951, "ring_mux": 0.002,
                "up_bits": 0.111, "copy_bits": 1.0},  # copy_bits: two registers of OUT lanes (Yosys: 2 x OUT x EW + 4)
    },
}
# END FIT ecp5

# BEGIN FIT ice40
# fitted on ice40-up5k (Yosys synth_ice40) over 11 designs: cnn_10x10x8_lanes, cnn_8x8x2, cnn_u8_10x10, mlp_128_64_64_10_wide, mlp_200_100_10_odd, mlp_256_128_10_deep, mlp_512_256_10_lanes, mlp_64_32_10, mlp_u8_int_first, mlp_u8_pad_serial, mlp_u8_sign_96; cores absent from them keep their previous coefficients
_ICE40: Coeffs = {
    "bnnc_affine_serial": {
        "lut": {"counters": 3.123, "mul_bits": 1.011},
        "ff": {"base": 24.13, "counters": 3.131, "lane_mux": 0.828, "mul_bits": 0.326},
    },
    "bnnc_argmax": {
        "lut": {"base": 6.694, "cmp_bits": 2.643},
        "ff": {"base": 3.105, "cmp_bits": 1.227, "counters": 1.362},
    },
    "bnnc_fifo": {
        "lut": {"counters": 11.385, "width": 0.911},
        "ff": {"counters": 4.566, "width": 1.027},
    },
    "bnnc_mvtu": {
        "lut": {"aff_bits": 7.639, "base": 53.069, "in_bits": 9.732, "int_lane_bits": 2.926,
                "int_tree_bits": 0.333, "int_tree_pe_bits": 6.775,  # 11 units (as xilinx's), -41..+78 %
                "int_serial_bits": 1.04,  # not refitted: xilinx's x int_lane_bits ratio
                "out_bits": 1.6,
                "xnor_lanes": 4.467},
        "ff": {"acc_bits": 0.306, "aff_bits": 1.204, "base": 37.497, "cmp_bits": 0.752, "in_bits": 1.769,
                "out_bits": 3.046, "partial": 0.396, "xnor_lanes": 1.642},
    },
    "bnnc_pool_reduce": {
        "lut": {"counters": 8.528},
        "ff": {"counters": 4.334},
    },
    "bnnc_swu": {
        # refitted on 14 units alone (bench/unit_fit.py --core swu --target ice40-up5k --fit, ROW_PIPE = 0 as the
        # compiler builds it on iCE40; -18..+25 %, mean |error| 9 %); the former base-only fit was -39..+16 %
        "lut": {"base": 41.088, "counters": 17.161, "lane_bits": 3.321},
        "ff": {"base": 133.406, "counters": 1.55, "lane_bits": 2.636, "row_pipe_bits": 1.0},
    },
    "bnnc_threshold": {
        "lut": {"cmp_bits": 0.021, "pad_lanes": 1.361},
        "ff": {"cmp_bits": 0.13, "pad_lanes": 0.278},
    },
    "bnnc_threshold_rom": {
        "lut": {"base": 8, "cmp_bits": 2, "counters": 4},
        "ff": {"base": 2, "counters": 1},
    },
    "bnnc_width_converter": {
        "lut": {"base": 17.78, "counters": 1.599, "down_mux": 0.226, "reg_bits": 0.534, "ring_bits": 0.337},
        "ff": {"base": 5.104, "counters": 0.694, "down_mux": 0.157, "reg_bits": 0.951, "ring_mux": 0.002,
                "up_bits": 0.111, "copy_bits": 1.0},  # copy_bits: two registers of OUT lanes (Yosys: 2 x OUT x EW + 4)
    },
}
# END FIT ice40

# One table per family, shared by the family's parts (same cells, same Yosys script).
COEFFS: dict[str, Coeffs] = {name: {"xilinx": _XILINX, "ice40": _ICE40, "ecp5": _ECP5}[t.family]
                             for name, t in FPGA_TARGETS.items()}

# Coefficients not from the design-level fit: fitted on single units (bench/unit_fit.py) or exact by
# construction (registers counted one for one). `bench/resource_model.py --fit` holds these fixed (their
# contribution is subtracted before the least squares) and writes them back unchanged, so a refit of the
# FIT tables above never loses them. family -> core -> "lut"/"ff" -> feature names.
HAND_FITTED: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "xilinx": {
        "bnnc_mvtu": {"lut": ("int_serial_bits", "int_tree_bits", "int_tree_pe_bits")},
        "bnnc_swu": {"lut": ("base", "counters", "lane_bits"), "ff": ("row_pipe_bits",)},
        "bnnc_width_converter": {"ff": ("copy_bits",)},
    },
    "ecp5": {
        "bnnc_mvtu": {"lut": ("int_tree_bits", "int_tree_pe_bits")},
        "bnnc_swu": {"lut": ("base", "counters", "lane_bits"), "ff": ("row_pipe_bits",)},
        "bnnc_width_converter": {"ff": ("copy_bits",)},
    },
    "ice40": {
        "bnnc_mvtu": {"lut": ("int_tree_bits", "int_tree_pe_bits")},
        "bnnc_swu": {"lut": ("base", "counters", "lane_bits"), "ff": ("row_pipe_bits",)},
        "bnnc_width_converter": {"ff": ("copy_bits",)},
    },
}


# ---------------------------------------------------------------------------
# Memories and DSPs of each core (planned, not fitted)
# ---------------------------------------------------------------------------


def _dsp_count(a_bits: int, b_bits: int, target: str) -> int:
    """Hard multipliers for one a x b signed product (Yosys: DSP48E1 25x18, MULT18X18D 18x18; iCE40 none)."""
    fam = family(target)
    if fam == "ice40" or min(a_bits, b_bits) < 2:
        return 0
    big, small = max(a_bits, b_bits), min(a_bits, b_bits)
    if fam == "xilinx":
        return ceil_div(big - 1, 24) * ceil_div(small - 1, 17)
    # ECP5: Yosys's mul2dsp cuts each operand into 18-bit pieces (no sign headroom on ECP5) and
    # leaves a last piece narrower than 2 bits to logic (DSP_A/B_MINWIDTH = 2): a 19 x 9 signed
    # product is one MULT18X18D and a 1 x 9 partial product in LUTs (measured: bnnc_affine_serial
    # with ACC_BITS 9, A_BITS 19 maps one MULT18X18D).
    def pieces(bits: int) -> int:
        full = (bits - 1) // 18
        return full + (1 if bits - 18 * full >= 2 else 0)

    return pieces(big) * pieces(small)


def _mul_luts(a_bits: int, b_bits: int, target: str) -> int:
    """LUTs of a multiplier Yosys leaves in logic (iCE40 without -dsp): a*b LUT4, the part priced
    apart; the fitted coefficients of the multiplier's features (``mul_bits``, ``aff_bits``) add
    the rest. (An isolated registered signed product maps to about 2.6 a*b LUT4 in synth_ice40
    (9 x 19: 454, 8 x 16: 331), but here one operand comes from a small ROM and Yosys folds part of
    the product into it: pricing 2.6 a*b over-priced bnnc_affine_serial by 23-38 %.)"""
    return a_bits * b_bits if family(target) == "ice40" else 0


def _single_aspect(depth: int, width: int, target: str) -> Resources:
    """Blocks of a ``depth`` x ``width`` ROM cut in the best single aspect ratio (an upper bound of
    plan_rom's exact cut, without its search: the folding search's ``fast`` pricing), and the LUTs
    that select among the blocks of its columns when they are deeper than one block."""
    t = FPGA_TARGETS[target]
    blocks, d, w = min((ceil_div(width, w) * ceil_div(depth, d), d, w) for d, w in t.bram.aspects)
    return Resources(bram=blocks, lut=width * mux_luts(ceil_div(depth, d), t))


def rom_resources(depth: int, width: int, target: str, sync: bool = True, fast: bool = False) -> Resources:
    """Block RAMs or LUTs of a ``depth`` x ``width`` ROM: :func:`compiler.hw.memory.plan_rom`'s plan;
    a logic ROM read synchronously also has its output register (:func:`_logic_rom`).

    ``fast`` (the folding search's pricing): where block RAM wins even at the blocks of the best
    single aspect ratio, that block count (an upper bound of plan_rom's exact cut) is used
    instead of the exact search over width cuts.
    """
    if depth <= 0 or width <= 0:
        return Resources()
    t = FPGA_TARGETS[target]
    luts = logic_luts(depth, width, t)
    # fewest blocks any cut can take: every column of aspect (d, w) gives w bits of width for
    # ceil(depth / d) blocks, so no cut beats the best blocks-per-bit ratio over the whole width
    least = math.ceil(width * min(ceil_div(depth, d) / w for d, w in t.bram.aspects) - 1e-9)
    if not sync or least * t.lut_per_block > luts:
        # plan_rom's answer without its exact block search (slow for very wide ROMs): even the
        # fewest conceivable blocks cost more than logic, so the plan is logic
        return _logic_rom(depth, width, target, sync)
    if fast:
        most = _single_aspect(depth, width, target)
        if most.bram * t.lut_per_block + most.lut <= luts:
            return most
    plan = plan_rom(depth, width, target, sync_read=sync)
    if plan.style == "logic":
        return _logic_rom(depth, width, target, sync)
    return Resources(lut=plan.luts, bram=plan.blocks, lutram=plan.luts if plan.style == "distributed" else 0)


def _logic_rom(depth: int, width: int, target: str, sync: bool) -> Resources:
    """A ROM in logic: the plan's LUTs, and when read synchronously its output register, which
    a block RAM holds inside but logic needs as flip-flops (one per distinct non-constant column,
    :func:`compiler.hw.memory.register_bits`)."""
    return Resources(lut=logic_luts(depth, width, FPGA_TARGETS[target]), ff=register_bits(depth, width) if sync else 0)


def _mvtu_roms(p: Mapping[str, Any], target: str, fast: bool = False) -> list[Resources]:
    """The weight ROM and the parameter ROM (thresholds or {B, A}) of a bnnc_mvtu, as planned."""
    pe, simd, mw, mh = int(p["PE"]), int(p["SIMD"]), int(p["MW"]), int(p["MH"])
    nf, sf = ceil_div(mh, pe), ceil_div(mw, simd)
    mode, acc, aff = int(p.get("OUT_MODE", 0)), int(p["ACC_BITS"]), int(p.get("AFF_BITS", 1))
    roms = [_styled_rom(nf * sf, pe * simd, target, p.get("ROM_STYLE"), fast)]
    if mode in (0, 2):
        roms.append(_styled_rom(nf, pe * (acc if mode == 0 else 2 * aff), target, p.get("PARAM_STYLE"), fast))
    return roms


def _styled_rom(depth: int, width: int, target: str, style: Any, fast: bool) -> Resources:
    """A ROM as its core's style parameter says it was built (1 block, 2/3 LUTs), else as planned
    (``fast``: see :func:`rom_resources`)."""
    if style in (2, 3):
        return _logic_rom(depth, width, target, True)
    if style == 1 and fast:
        return _single_aspect(depth, width, target)
    if style == 1:
        plan = block_plan(depth, width, target)
        return Resources(bram=plan.blocks, lut=plan.luts)
    return rom_resources(depth, width, target, True, fast)


def mvtu_out_queue(p: Mapping[str, Any]) -> tuple[int, int]:
    """(DEPTH, WIDTH) of the bnnc_fifo inside bnnc_mvtu that queues its output beats (the core's
    OQ_DEPTH = 4 + PIPE / SF, PIPE = 4 + the dot product's latency, and OW = PE x lane width)."""
    simd, mw, mode = max(int(p["SIMD"]), 1), int(p["MW"]), int(p.get("OUT_MODE", 0))
    dot_lat = xnor_popcount_stages(simd) + 2 if int(p.get("BINARY_IN", 1)) else 1
    depth = 4 + (4 + dot_lat) // ceil_div(mw, simd)
    return depth, int(p["PE"]) * (1 if mode == 0 else int(p.get("OUT_BITS", 1)))


def _memories(core: str, p: Mapping[str, Any], target: str, fast: bool = False) -> Resources:
    """Block RAM, LUT-RAM and ROM LUTs of an instance, and its DSPs."""
    res = Resources()

    def ram(depth: int, width: int, async_read: bool = False) -> None:
        nonlocal res
        r = ram_cost(depth, width, target, async_read)
        res += Resources(lut=r.lutram + r.mux, ff=r.ff, bram=r.bram, lutram=r.lutram)

    def rom(depth: int, width: int, sync: bool = True) -> None:
        nonlocal res
        res += rom_resources(depth, width, target, sync, fast)

    if core == "bnnc_mvtu":
        pe, simd, mw, mh = int(p["PE"]), int(p["SIMD"]), int(p["MW"]), int(p["MH"])
        binary = int(p.get("BINARY_IN", 1)) == 1
        in_bits = 1 if binary else int(p.get("IN_BITS", 8))
        nf, sf = ceil_div(mh, pe), ceil_div(mw, simd)
        mode, acc, aff = int(p.get("OUT_MODE", 0)), int(p["ACC_BITS"]), int(p.get("AFF_BITS", 1))
        for r in _mvtu_roms(p, target, fast):  # bnnc_rom instances: the plan's blocks or LUTs
            res += r
        if mode == 2:
            res += Resources(dsp=pe * _dsp_count(acc, aff, target), lut=pe * _mul_luts(acc, aff, target))
        if nf > 1:
            ram(sf, simd * in_bits, async_read=True)  # its input buffer, read combinationally
        oq_depth, oq_width = mvtu_out_queue(p)  # its output queue, a bnnc_fifo: RAM of DEPTH - 1 words
        ram(oq_depth - 1, oq_width)
    elif core == "bnnc_affine_serial":
        mul = int(p.get("MODE", 1)) == 1
        a_bits = int(p.get("A_BITS", 1)) if mul else 0
        rom(int(p["N"]), int(p.get("B_BITS", 1)) + a_bits)
        if mul:
            res += Resources(dsp=_dsp_count(int(p["ACC_BITS"]), a_bits, target),
                             lut=_mul_luts(int(p["ACC_BITS"]), a_bits, target))
    elif core == "bnnc_fifo":
        ram(int(p["DEPTH"]) - 1, int(p["WIDTH"]))
    elif core == "bnnc_threshold_rom":
        lanes = int(p["LANES"])
        rom(ceil_div(int(p["N"]), lanes), lanes * (int(p["TW"]) + 1), sync=False)
    elif core == "bnnc_swu":
        from .swu import swu_line_rows

        lanes = int(p["LANES"])
        cpb = int(p["CH"]) // lanes
        rows = swu_line_rows(int(p["IFM_H"]), int(p["IFM_W"]), cpb, int(p["K_H"]), int(p["K_W"]),
                             int(p["STRIDE"]), int(p["PAD"]), int(p.get("IN_CYCLES", 0)), int(p.get("OUT_CYCLES", 0)))
        ram(rows * int(p["IFM_W"]) * cpb, lanes * int(p["EW"]))
        # The ring row's address is slot * RB (beats per image row), a product with a constant:
        # a shift when RB is a power of two, else synth_ecp5 maps it to one MULT18X18D (measured on
        # every such window unit of the fitted designs); synth_xilinx keeps it in LUTs (no DSP48).
        rb = int(p["IFM_W"]) * cpb
        if family(target) == "ecp5" and rb & (rb - 1):
            res += Resources(dsp=1)
    return res


def module_resources(core: str, params: Mapping[str, Any], target: str = "xilinx", fast: bool = False) -> Resources:
    """Modelled resources of one instance of ``core`` with ``params`` on ``target`` (``fast``: see
    :func:`rom_resources`)."""
    if target not in COEFFS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, not {target!r}")
    try:
        key = tuple(sorted(params.items()))
        hash(key)
    except TypeError:
        return _module_resources(core, params, target, fast)
    return _cached(core, key, target, fast)


@lru_cache(maxsize=1 << 16)
def _cached(core: str, key: tuple[tuple[str, Any], ...], target: str, fast: bool) -> Resources:
    # the folding search prices the same units and glue many times over
    return _module_resources(core, dict(key), target, fast)


def _module_resources(core: str, params: Mapping[str, Any], target: str, fast: bool = False) -> Resources:
    feats = features(core, params)
    table = COEFFS[target].get(core, {"lut": {}, "ff": {}})
    lut = sum(table["lut"].get(k, 0.0) * v for k, v in feats.items())
    ff = sum(table["ff"].get(k, 0.0) * v for k, v in feats.items())
    return Resources(lut=round(lut), ff=round(ff)) + _memories(core, params, target, fast)


def module_estimate(module: Module, target: str = "xilinx") -> Resources:
    """:func:`module_resources` of a hardware-graph module."""
    return module_resources(module.core, module.params, target)


def mvtu_params(mh: int, mw: int, pe: int, simd: int, *, binary: bool, in_bits: int, acc_bits: int,
                out_mode: int, out_bits: int, aff_bits: int = 1) -> dict[str, int]:
    """The bnnc_mvtu parameters that the model reads, for pricing a folding before lowering."""
    return {"MW": mw, "MH": mh, "PE": pe, "SIMD": simd, "BINARY_IN": int(binary), "IN_BITS": in_bits,
            "OUT_MODE": out_mode, "ACC_BITS": acc_bits, "OUT_BITS": out_bits, "AFF_BITS": aff_bits}
