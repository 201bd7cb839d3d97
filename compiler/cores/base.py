"""What every core module shares: typed parameters, the resource figures and the fitted coefficients.

A core's parameters are a frozen dataclass (:class:`CoreParams`) whose fields are the
Verilog ``parameter`` names of ``templates/cores/<core>.v`` with its defaults; read as a
mapping it is the parameter list of the instance (fields left None are not written,
so the core's own default applies). Its cost on a target (:func:`cost`) is a linear
function of its *features* (:meth:`CoreParams.features`: lanes, accumulator bits,
comparators, counters, ...) with one coefficient table per family (:data:`COEFFS`, read
from ``coefficients.json``), plus the memories and multipliers it plans
(:meth:`CoreParams.memories`), which are not fitted: ROMs from
:func:`compiler.cores.rom.rom_resources` (the plan the lowering builds), RAMs (FIFOs,
bnnc_mvtu's input buffer and output queue, line buffers) from :func:`ram_cost`, hard
multipliers from :func:`dsp_count`.

What the figures mean:

* ``lut``: LUTs occupied, logic and LUT-RAM together (LUT6 on ``xilinx``, LUT4 on the
  Lattice parts); ``lutram`` says how many of them hold memory.
* ``ff``: flip-flops.
* ``bram``: RAMB18 on ``xilinx`` (two make a BRAM36), 4-kbit EBR on ``ice40-up5k``,
  18-kbit EBR (DP16KD) on ECP5.
* ``dsp``: DSP48E1 (xilinx), SB_MAC16 (iCE40: Yosys maps none without ``-dsp``),
  MULT18X18D (ECP5).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from compiler.arith import ceil_div
from compiler.targets import TARGETS as FPGA_TARGETS

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

    def __add__(self, other: Resources) -> Resources:
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


def log2_bits(n: int) -> int:
    """Bits of a counter over ``n`` values (at least 1): a feature of most cores."""
    return max(1, math.ceil(math.log2(max(n, 2))))


@dataclass(frozen=True)
class Bits:
    """A core parameter wider than a 32-bit ``integer`` (a per-channel mask): ``width`` bits of ``value``."""

    width: int
    value: int

    def verilog(self) -> str:
        """The sized literal, e.g. ``8'h0f``."""
        return f"{self.width}'h{self.value:x}"


class CoreParams(Mapping[str, Any]):
    """Base of a core's parameters: subclasses are frozen dataclasses whose fields are the core's Verilog parameters.

    Read as a mapping, it is the instance's parameter list in field order, without the
    fields left None. ``CORE`` names the Verilog module, ``FILES`` its ``$readmemh`` file
    parameters (set from the module's ROM images, not fields).
    """

    CORE: ClassVar[str]
    FILES: ClassVar[tuple[str, ...]] = ()
    # The core's image latency bound, when it is one number (see latency_bound); None: not stated.
    LATENCY: ClassVar[int | None] = None

    def __getitem__(self, key: str) -> Any:
        value = getattr(self, key, None) if key in self._names() else None
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (n for n in self._names() if getattr(self, n) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def latency_bound(self) -> int | None:
        """Most cycles from the handshake of an image's last input beat to that of its last output beat, not
        counting the cycles the output waits on tready; None where the core does not state one. The formal
        proofs check it (bnnc_fv_stream's ``latency``, formal/cases.py)."""
        return self.LATENCY

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))  # type: ignore[arg-type]

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> CoreParams:
        """The parameters a manifest's record (or any parameter mapping) gives; missing ones at their defaults."""
        names = set(cls._names())
        return cls(**{k: v for k, v in params.items() if k in names})

    def features(self) -> dict[str, float]:
        """The fitted features of the instance (:data:`COEFFS` weighs them); a core without a fit has ``base``."""
        return {"base": 1.0}

    def memories(self, target: str, fast: bool = False) -> Resources:
        """Its planned memories (ROMs, RAMs) and hard multipliers on ``target`` (``fast``: the folding search's
        quick ROM pricing, :func:`compiler.cores.rom.rom_resources`)."""
        return Resources()


# ---------------------------------------------------------------------------
# Coefficients: per family, per core, LUTs and FFs per unit of each feature
# ---------------------------------------------------------------------------

Coeffs = dict[str, dict[str, dict[str, float]]]  # core -> "lut"/"ff" -> feature -> coefficient
COEFFICIENTS_FILE = Path(__file__).with_name("coefficients.json")


def load_coefficients(path: Path = COEFFICIENTS_FILE) -> dict[str, Any]:
    """The coefficient file: per family its ``coefficients``, ``hand_fitted`` terms, ``provenance`` and ``notes``."""
    return json.loads(path.read_text())


_FILE = load_coefficients()
# One table per family, shared by the family's parts (same cells, same Yosys script).
COEFFS: dict[str, Coeffs] = {name: _FILE["families"][t.family]["coefficients"] for name, t in FPGA_TARGETS.items()}
# Coefficients not from the design-level fit: fitted on single units (bench/unit_fit.py) or exact by
# construction. `bench/resource_model.py --fit` holds these fixed (their contribution is subtracted
# before the least squares) and writes them back unchanged. family -> core -> "lut"/"ff" -> feature names.
HAND_FITTED: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    fam: {core: {kind: tuple(names) for kind, names in d.items()} for core, d in f["hand_fitted"].items()}
    for fam, f in _FILE["families"].items()}


@lru_cache(maxsize=1 << 16)
def cost(params: CoreParams, target: str = "xilinx", fast: bool = False) -> Resources:
    """Modelled resources of one instance with ``params`` on ``target`` (cached: the folding search prices the same
    units and glue many times over)."""
    if target not in COEFFS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, not {target!r}")
    feats = params.features()
    table = COEFFS[target].get(params.CORE, {"lut": {}, "ff": {}})
    lut = sum(table["lut"].get(k, 0.0) * v for k, v in feats.items())
    ff = sum(table["ff"].get(k, 0.0) * v for k, v in feats.items())
    return Resources(lut=round(lut), ff=round(ff)) + params.memories(target, fast)


# ---------------------------------------------------------------------------
# RAMs (written at run time: FIFOs, the MVTU's input buffer, line buffers) and multipliers
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

    def resources(self) -> Resources:
        """As :class:`Resources`: its LUT-RAM and mux LUTs, registers and blocks."""
        return Resources(lut=self.lutram + self.mux, ff=self.ff, bram=self.bram, lutram=self.lutram)


def _reg_ram(depth: int, width: int, target: str) -> RamCost:
    """A RAM in registers: ``depth`` x ``width`` FFs and a read mux per bit (LUT6 joins 4 inputs
    per level, LUT4 2, as in compiler/cores/rom.py's logic ROM)."""
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


def dsp_count(a_bits: int, b_bits: int, target: str) -> int:
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


def mul_luts(a_bits: int, b_bits: int, target: str) -> int:
    """LUTs of a multiplier Yosys leaves in logic (iCE40 without -dsp): a*b LUT4, the part priced
    apart; the fitted coefficients of the multiplier's features (``mul_bits``, ``aff_bits``) add
    the rest. (An isolated registered signed product maps to about 2.6 a*b LUT4 in synth_ice40
    (9 x 19: 454, 8 x 16: 331), but here one operand comes from a small ROM and Yosys folds part of
    the product into it: pricing 2.6 a*b over-priced bnnc_affine_serial by 23-38 %.)"""
    return a_bits * b_bits if family(target) == "ice40" else 0


def multiplier(a_bits: int, b_bits: int, target: str) -> Resources:
    """One a x b signed product: its hard multipliers and the LUTs of what stays in logic."""
    return Resources(dsp=dsp_count(a_bits, b_bits, target), lut=mul_luts(a_bits, b_bits, target))
