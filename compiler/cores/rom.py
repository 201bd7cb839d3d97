"""The ``bnnc_rom`` core: how one ROM of ``depth`` words of ``width`` bits is built on a target, and its cost.

:func:`plan_rom` weighs two ways of building a ROM and keeps the cheaper:

* **block**: block RAMs (RAMB18 on Xilinx, EBR on Lattice). The width is cut into pieces,
  each piece one column of blocks in one aspect ratio (depth x width of the read port), so
  a 2,048-bit-wide ROM 416 deep is 56 columns of 512x36 and one of 512x36 holding 32 bits,
  while an 80-bit-wide 1,000-deep ROM is 4 columns of 1Kx18 and one of 4Kx4. The cut is the
  one with the fewest blocks (an exact search over the width, :func:`block_split`).
* **logic**: LUTs, each output bit a function of the address. The mux-tree bound is
  ``ceil(depth / 2**k)`` LUTs of k inputs, joined by the slice's free muxes (Xilinx MUXF7/F8:
  4 LUTs, ECP5 PFUMX/L6MUX21: 8 LUTs) and then by LUT muxes. Yosys 0.70 reaches it (128x80:
  160 LUT6 (model 160), 640 LUT4 on ECP5 (640), 1,211 on iCE40 (1,200)) because every ROM is its
  own module, ``bnnc_rom``, kept apart in synthesis: flattened into the core whose counter drives
  its address, the same ROM mapped to 3-5x the LUTs (64x256 behind a 6-bit counter: 864 LUT6
  flattened, 256 kept apart; a bnnc_mvtu of PE 4 x SIMD 64 with a 56-deep logic weight ROM went
  from 1,563 to 844 LUT6 when its ROMs became bnnc_rom). Output bits with equal columns share
  their LUTs (Yosys merges equal logic), so the bound counts the expected distinct columns of
  random-like bits (:func:`distinct_columns`): a 2-deep ROM is free, an 8-deep one 512 bits
  wide about 215 LUTs, not 512.

A block plan whose columns are deeper than one block also takes LUTs: each bit of such a column
selects among its blocks (:func:`cascade_mux_luts`; a 1152x256 ROM in 22 RAMB18, 252 LUT6).

The exchange rate: a block is worth ``target.lut_per_block`` LUTs (the part's LUTs over its
blocks, :mod:`compiler.targets`), so the plan with the smaller ``blocks * rate + luts`` wins
(a tie goes to block RAM, which leaves the LUTs to the datapath). "distributed" (LUT RAM)
is a style the cores accept, but no plan uses it for a ROM: Yosys maps no write-port-less
memory to LUT RAM, and a LUT6 already is a 64x1 ROM. A ROM read asynchronously
(bnnc_threshold_rom) cannot live in block RAM, whose read port is registered: always logic.

>>> p = plan_rom(416, 2048, "xilinx")
>>> p.style, p.blocks, p.split
('block', 57, ((57, 512, 36),))
>>> plan_rom(13, 2048, "xilinx").style   # wide and shallow: one LUT6 per bit beats 57 RAMB18
'logic'
>>> block_split(1000, 80, "xilinx")   # 2 columns of 512x36 (2 blocks deep each) + one 1Kx18
((4, 512, 36), (1, 1024, 18))
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from compiler.arith import ceil_div
from compiler.targets import TARGETS as FPGA_TARGETS, FpgaTarget, target as get_target

from .base import CoreParams, Resources

Style = Literal["block", "distributed", "logic"]


class RomStyle(enum.IntEnum):
    """``ROM_STYLE`` of bnnc_mvtu and bnnc_threshold_rom (bnnc_rom's ``STYLE``): the rom_style attribute on the ROM."""

    TOOL = 0  # no attribute: the synthesis tool decides
    BLOCK = 1  # (* rom_style = "block" *)
    DISTRIBUTED = 2  # (* rom_style = "distributed" *) (Vivado: LUTs; Yosys cannot map a ROM so)
    LOGIC = 3  # (* rom_style = "logic" *)


@dataclass(frozen=True)
class MemoryPlan:
    """How one ROM is built: its style, the blocks and LUTs it takes, and how its width is cut."""

    target: str
    depth: int
    width: int
    style: Style
    blocks: int  # block RAMs (RAMB18 / EBR); 0 unless style is block
    luts: int  # LUTs it occupies (modelled); block style: the selects of columns deeper than one block
    split: tuple[tuple[int, int, int], ...]  # (blocks, aspect depth, aspect width) per column group; () unless block
    block_name: str  # RAMB18 or EBR

    @property
    def bits(self) -> int:
        """Bits the ROM holds (depth x width)."""
        return self.depth * self.width

    @property
    def rom_style(self) -> int:
        """The ROM_STYLE parameter value the cores take for this plan."""
        return int({"block": RomStyle.BLOCK, "distributed": RomStyle.DISTRIBUTED, "logic": RomStyle.LOGIC}[self.style])

    def describe(self) -> dict[str, Any]:
        """The plan as the manifest lists it."""
        d: dict[str, Any] = {"depth": self.depth, "width": self.width, "bits": self.bits, "style": self.style,
                             "blocks": self.blocks, "block": self.block_name, "luts": self.luts}
        if self.split:
            d["split"] = [{"blocks": n, "aspect": f"{a}x{w}"} for n, a, w in self.split]
        return d


def block_split(depth: int, width: int, target: str) -> tuple[tuple[int, int, int], ...]:
    """The fewest-blocks cut of a ``depth`` x ``width`` ROM into columns of one aspect each.

    Returns ``(blocks, aspect_depth, aspect_width)`` groups, widest aspect first; a group of n
    blocks in aspect (d, w) holds n / ceil(depth / d) columns of w bits.
    """
    t = get_target(target)
    return _block_split(depth, width, t.bram.aspects)


@lru_cache(maxsize=4096)
def _block_split(depth: int, width: int, aspects: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int, int], ...]:
    # cost[w]: fewest blocks covering w bits of width; a column of aspect (d, aw) covers aw bits
    # at ceil(depth / d) blocks. Exact over the width (at most a few thousand bits x 6 aspects).
    per_col = [(ceil_div(depth, d), d, aw) for d, aw in aspects]
    inf = float("inf")
    cost: list[float] = [0.0] + [inf] * width
    pick: list[int] = [-1] * (width + 1)
    for w in range(1, width + 1):
        for i, (n, _, aw) in enumerate(per_col):
            c = cost[max(0, w - aw)] + n
            if c < cost[w]:
                cost[w], pick[w] = c, i
    counts: dict[int, int] = {}
    w = width
    while w > 0:
        i = pick[w]
        counts[i] = counts.get(i, 0) + per_col[i][0]
        w -= per_col[i][2]
    return tuple((counts[i], per_col[i][1], per_col[i][2]) for i in sorted(counts))


def distinct_columns(depth: int, width: int, trivial: int = 0) -> float:
    """Expected number of distinct columns (an output bit's ``depth`` values, word 0 first) among
    ``width`` columns of random bits, not counting ``trivial`` given patterns that occur.

    Yosys merges identical logic (opt_merge), so a ROM's output bits with equal columns share one
    LUT tree and one register. Weight bits are random-like (trained BNN weights as well as the
    tests' random ones), so with N = 2**depth patterns each occurs with probability
    1 - (1 - 1/N)**width: a shallow ROM has few distinct columns however wide it is (depth 2:
    at most 4), a ROM 16 or more deep nearly ``width``.
    """
    if depth >= 64:  # 2**64 patterns: repeats among a few thousand columns are negligible
        return float(max(width, 0))
    n = 2.0 ** depth
    hit = -math.expm1(width * math.log1p(-1.0 / n))  # P(a given pattern is among the columns)
    return (n - trivial) * hit


def logic_luts(depth: int, width: int, t: FpgaTarget) -> int:
    """LUTs of a ``depth`` x ``width`` ROM built as logic on target ``t`` (the model in the module doc).

    The mux-tree bound per output bit, times the expected distinct columns that need a LUT: a
    constant column or one equal to an address bit (or its complement) needs none (measured
    with random bits, Yosys 0.70 synth_xilinx, one bnnc_rom: 2x256 0 LUT6, 4x256 4, 8x512 169
    (modelled 214: Yosys also shares part of the complementary columns, not modelled), 16x512
    510 (510), 64x256 256 (256); synth_ecp5 / synth_ice40 within 2 % of the same).
    """
    if depth <= 1:
        return 0  # constants
    # Leaves: one LUT per 2**k words, but within one slice's free muxes Yosys builds the whole
    # binary tree over the address bits, so a last partial group of words takes the LUTs of the
    # next power of two (ECP5, 8 LUT4 per PFU: 40x128 511 LUT4, 100x64 512, 200x32 570; a
    # ceil(depth / 16) count said 384, 448 and 448). On xilinx this changes no count below 256
    # words, and iCE40 has no free muxes.
    rows = 1 << t.lut_inputs
    full, rest = divmod(depth, rows * t.free_mux)
    leaves = full * t.free_mux + (ceil_div(1 << (rest - 1).bit_length(), rows) if rest else 0)
    groups = ceil_div(leaves, t.free_mux)  # outputs after the free muxes
    # A LUT mux joins (inputs - select bits) signals: LUT6 4:1 (2 select + 4 data), LUT4 2:1.
    fan_in = 4 if t.lut_inputs >= 6 else 2
    mux = ceil_div(groups - 1, fan_in - 1) if groups > 1 else 0
    address_bits = (depth - 1).bit_length()
    columns = distinct_columns(depth, width, trivial=2 + 2 * address_bits)
    return round(columns * (leaves + mux))


def register_bits(depth: int, width: int) -> int:
    """Flip-flops of a registered ``depth`` x ``width`` ROM built as logic: one per distinct column
    that is not a constant (Yosys merges equal registers and removes constant ones; with random
    bits: 8x512 217 FFs (modelled 218), 12x512 481 (481), 2x256 2 (2))."""
    if depth <= 1:
        return 0
    return round(distinct_columns(depth, width, trivial=2))


def plan_rom(depth: int, width: int, target: str, *, sync_read: bool = True) -> MemoryPlan:
    """The plan for a ROM of ``depth`` words of ``width`` bits on ``target`` (a name of compiler.targets).

    ``sync_read``: the core registers the read (bnnc_mvtu's ROMs); an asynchronously read ROM
    (bnnc_threshold_rom) is always logic. ValueError on a non-positive shape or unknown target.
    """
    if depth < 1 or width < 1:
        raise ValueError(f"a ROM's depth and width must be >= 1, not {depth} x {width}")
    t = get_target(target)
    luts = logic_luts(depth, width, t)
    logic = MemoryPlan(target, depth, width, "logic", 0, luts, (), t.bram.name)
    if not sync_read:
        return logic
    block = block_plan(depth, width, target)
    if block.blocks * t.lut_per_block + block.luts <= luts:
        return block
    return logic


def block_plan(depth: int, width: int, target: str) -> MemoryPlan:
    """The block-RAM plan of a ``depth`` x ``width`` ROM on ``target``, cheaper or not (its fewest-blocks cut);
    its LUTs are the output selects of columns deeper than one block (:func:`cascade_mux_luts`)."""
    t = get_target(target)
    split = _block_split(depth, width, t.bram.aspects)
    return MemoryPlan(target, depth, width, "block", sum(n for n, _, _ in split),
                      cascade_mux_luts(depth, width, split, t), split, t.bram.name)


# Blocks that pair into one primitive of twice the depth with no select: a Xilinx RAMB36 is two
# RAMB18 of the same aspect (1Kx36 from 512x36), so a column two RAMB18 deep is one RAMB36.
PAIRED_BLOCKS = {"RAMB18": 2}


def mux_luts(inputs: int, t: FpgaTarget) -> int:
    """LUTs of an ``inputs``:1 select of one bit on target ``t``: LUTs of 4 (LUT6) or 2 (LUT4) data
    inputs, joined by the slice's free muxes, then by LUT muxes (as :func:`logic_luts`'s tree).

    >>> from compiler.targets import target
    >>> [mux_luts(k, target("xilinx")) for k in (1, 2, 4, 5, 16, 18)]
    [0, 1, 1, 2, 4, 6]
    """
    if inputs <= 1:
        return 0
    data = 4 if t.lut_inputs >= 6 else 2
    leaves = ceil_div(inputs, data)
    groups = ceil_div(leaves, t.free_mux)
    return leaves + (ceil_div(groups - 1, data - 1) if groups > 1 else 0)


def cascade_mux_luts(depth: int, width: int, split: tuple[tuple[int, int, int], ...], t: FpgaTarget) -> int:
    """LUTs that select among the blocks of a column deeper than one block: each of its bits is a
    select among its blocks (:func:`mux_luts`; two RAMB18 of a column pair into one RAMB36 first,
    :data:`PAIRED_BLOCKS`). Measured (Yosys 0.70 synth_xilinx, one bnnc_rom, random words): 1152x256
    256 LUT (model 252), 3000x50 50 (50), 8192x9 9 (9), none at 2048x72, 1024x144 and 600x300 (none);
    Yosys cuts some deep shapes into fewer blocks than the plan with more selects: 9216x64 16 RAMB36
    and 320 LUT (model 33 RAMB18, 153 LUT), 4608x32 4 RAMB36 and 160 LUT (9, 64)."""
    luts, left = 0, width
    pair = PAIRED_BLOCKS.get(t.bram.name, 1)
    for n, d, aw in split:
        segments = ceil_div(depth, d)
        bits = min(left, (n // segments) * aw)
        luts += bits * mux_luts(ceil_div(segments, pair), t)
        left -= bits
    return luts


@dataclass(frozen=True)
class RomParams(CoreParams):
    """bnnc_rom's parameters (an instance inside bnnc_mvtu, bnnc_threshold_rom and bnnc_affine_serial, never
    in the generated top level): priced through the core holding it (:func:`rom_resources`)."""

    CORE = "bnnc_rom"
    FILES = ("FILE",)

    WIDTH: int = 8
    DEPTH: int = 16
    ADDR_BITS: int = 4
    STYLE: int = 0
    REGISTERED: int = 1


def single_aspect(depth: int, width: int, target: str) -> Resources:
    """Blocks of a ``depth`` x ``width`` ROM cut in the best single aspect ratio (an upper bound of
    plan_rom's exact cut, without its search: the folding search's ``fast`` pricing), and the LUTs
    that select among the blocks of its columns when they are deeper than one block."""
    t = FPGA_TARGETS[target]
    blocks, d, w = min((ceil_div(width, w) * ceil_div(depth, d), d, w) for d, w in t.bram.aspects)
    return Resources(bram=blocks, lut=width * mux_luts(ceil_div(depth, d), t))


def rom_resources(depth: int, width: int, target: str, sync: bool = True, fast: bool = False) -> Resources:
    """Block RAMs or LUTs of a ``depth`` x ``width`` ROM: :func:`plan_rom`'s plan; a logic ROM read
    synchronously also has its output register (:func:`logic_rom`).

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
        return logic_rom(depth, width, target, sync)
    if fast:
        most = single_aspect(depth, width, target)
        if most.bram * t.lut_per_block + most.lut <= luts:
            return most
    plan = plan_rom(depth, width, target, sync_read=sync)
    if plan.style == "logic":
        return logic_rom(depth, width, target, sync)
    return Resources(lut=plan.luts, bram=plan.blocks, lutram=plan.luts if plan.style == "distributed" else 0)


def logic_rom(depth: int, width: int, target: str, sync: bool) -> Resources:
    """A ROM in logic: the plan's LUTs, and when read synchronously its output register, which
    a block RAM holds inside but logic needs as flip-flops (one per distinct non-constant column,
    :func:`register_bits`)."""
    return Resources(lut=logic_luts(depth, width, FPGA_TARGETS[target]), ff=register_bits(depth, width) if sync else 0)


def styled_rom(depth: int, width: int, target: str, style: int | None, fast: bool) -> Resources:
    """A ROM as its core's style parameter says it was built (1 block, 2/3 LUTs), else as planned
    (``fast``: see :func:`rom_resources`)."""
    if style in (2, 3):
        return logic_rom(depth, width, target, True)
    if style == 1 and fast:
        return single_aspect(depth, width, target)
    if style == 1:
        plan = block_plan(depth, width, target)
        return Resources(bram=plan.blocks, lut=plan.luts)
    return rom_resources(depth, width, target, True, fast)
