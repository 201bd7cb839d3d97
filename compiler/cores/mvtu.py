"""The ``bnnc_mvtu`` core: its parameters, output modes, the layout of its ROM files, its pipeline and its cost.

The compiler's lowering, the ROM files it writes, the folding search's pricing and the
core's testbenches use these same definitions, so each exists once (format: docs/hardware.md).

* ``WEIGHT_FILE``: NF*SF lines; line ``nf*SF + sf`` is a hex word of PE*SIMD*WEIGHT_BITS
  bits; bits ``[(p*SIMD + s)*WEIGHT_BITS +: WEIGHT_BITS]`` hold the weight of neuron
  ``nf*PE + p``, input ``sf*SIMD + s``: with WEIGHT_BITS = 1 one bit (1 = +1), with
  WEIGHT_BITS >= 2 a two's complement code. Padding positions are 0.
* ``PARAM_FILE``: NF lines; THRESHOLD mode: PE lanes of ACC_BITS two's complement
  *biases* -T (neuron ``nf*PE + p`` in lane p: the unit starts the neuron's sum at -T
  and emits its sign, acc - T >= 0, instead of comparing; :func:`threshold_fit` gives
  the thresholds and the ACC_BITS that keep this exact; with integer input the unit
  sums its lanes in ones' complement and the bias is -T + :func:`ones_offsets`, modulo
  2**ACC_BITS; with bit planes, BIT_PLANES = 1, it sums acc - K and the bias is -T + K,
  K = :func:`plane_offsets`); AFFINE mode: PE lanes of
  2*AFF_BITS, lane p = ``{B, A}`` (A in the low AFF_BITS); MULTI_THRESHOLD mode: PE lanes
  of N_THR*ACC_BITS, threshold k of lane p at ``[k*ACC_BITS +: ACC_BITS]``, two's
  complement, ascending (:func:`multi_threshold_fit`; with bit planes T - K, K = :func:`plane_offsets`).
  Padding neurons get 0.

>>> w = np.array([[1, 0, 1], [0, 1, 1]], dtype=np.uint8)   # MH=2, MW=3
>>> mvtu_weight_lines(w, pe=1, simd=2)   # NF=2, SF=2: lines nf*SF + sf
['1', '1', '2', '1']
>>> mvtu_param_lines(np.array([3, -1]), OutMode.THRESHOLD, pe=2, acc_bits=4)   # lanes -3, 1
['1d']
>>> mvtu_param_lines((np.array([2]), np.array([-3])), OutMode.AFFINE, pe=1, aff_bits=4)
['d2']
>>> c = np.array([[1, -1, 0], [0, 1, -1]])   # 2-bit codes: -1 = 3, weight (p, s) at bits 2*(p*SIMD + s)
>>> mvtu_weight_lines(c, pe=1, simd=2, weight_bits=2)   # lines nf*SF + sf
['d', '0', '4', '3']
>>> mvtu_param_lines(np.array([[-2, 1], [0, 3]]), OutMode.MULTI_THRESHOLD, pe=2, acc_bits=4)   # lane p: {T1, T0}
['301e']
"""

from __future__ import annotations

import enum
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar
from pathlib import Path

import numpy as np

from compiler.arith import Folding, ceil_div
from compiler.bits import bits_for_range, pack_lanes

from .base import CoreParams, Resources, log2_bits, multiplier, ram_cost
from .rom import styled_rom


class OutMode(enum.IntEnum):
    """``OUT_MODE`` of bnnc_mvtu: what each output lane carries."""

    THRESHOLD = 0  # 1-bit lanes: accumulator >= per-neuron threshold
    ACCUMULATOR = 1  # the raw signed accumulator
    AFFINE = 2  # A*acc + B, per-neuron integers A and B
    MULTI_THRESHOLD = 3  # OUT_BIAS + #{k : acc >= T[n, k]}, N_THR sorted thresholds per neuron


def signed_bits(lo: int, hi: int) -> int:
    """Two's-complement width holding [lo, hi] and 0 (lanes that are compared or summed are signed)."""
    return bits_for_range(min(lo, -1), max(hi, 0))[0]


@dataclass(frozen=True)
class MvtuOutput:
    """bnnc_mvtu's output stage for the op it absorbs (:meth:`compiler.ops.base.OpDef.mvtu_output`): OUT_MODE, the
    accumulator's width ACC_BITS, the output lanes' OUT_BITS and AFF_BITS (the affine's A and B); ``after``: the op
    is computed after the unit, from its raw accumulators (:meth:`compiler.ops.base.OpDef.plan_after`)."""

    mode: OutMode
    acc_bits: int
    out_bits: int
    aff_bits: int = 1
    after: bool = False
    n_thr: int = 1  # MULTI_THRESHOLD: thresholds per neuron (N_THR)
    out_bias: int = 0  # MULTI_THRESHOLD: the code of a count of 0 (OUT_BIAS)

    @classmethod
    def accumulator(cls, lo: int, hi: int, after: bool = False) -> MvtuOutput:
        """Raw accumulators in [lo, hi] (nothing absorbed, or the op computed after the unit: ``after``), at least 2
        bits: bnnc_mvtu and bnnc_affine_serial take ACC_BITS >= 2, and a layer reading one code (a 1-bit unsigned
        narrow quant's {0}) sums in [0, 0].

        >>> MvtuOutput.accumulator(0, 0).acc_bits
        2
        """
        bits = max(2, signed_bits(lo, hi))
        return cls(OutMode.ACCUMULATOR, bits, bits, after=after)

    @classmethod
    def multi_threshold(cls, acc_lo: int, acc_hi: int, n_thr: int, code_lo: int, code_hi: int) -> MvtuOutput:
        """MULTI_THRESHOLD mode for accumulators in [acc_lo, acc_hi] and ``n_thr`` thresholds per neuron, emitting
        codes in [code_lo, code_hi] (= code_lo + the count of thresholds passed): ACC_BITS as
        :func:`multi_threshold_fit` sizes it, OUT_BITS holding the codes (plain bits when code_lo >= 0).

        >>> MvtuOutput.multi_threshold(-6, 6, 2, -1, 1)
        MvtuOutput(mode=<OutMode.MULTI_THRESHOLD: 3>, acc_bits=4, out_bits=2, aff_bits=1, after=False, n_thr=2, out_bias=-1)
        """
        if n_thr < 1:
            raise ValueError(f"n_thr must be >= 1, not {n_thr}")
        if code_hi < code_lo:
            raise ValueError(f"the code range must have code_lo <= code_hi, not [{code_lo}, {code_hi}]")
        return cls(OutMode.MULTI_THRESHOLD, multi_threshold_bits(acc_lo, acc_hi), bits_for_range(code_lo, code_hi)[0],
                   n_thr=n_thr, out_bias=code_lo)


@dataclass(frozen=True)
class MvtuParams(CoreParams):
    """bnnc_mvtu's parameters (fields in the order the instance lists them; PARAM_STYLE only with a parameter ROM)."""

    CORE = "bnnc_mvtu"
    FILES = ("WEIGHT_FILE", "PARAM_FILE")
    # the parameter that styles each of its ROMs (by the ROM's kind, the file suffix of its image)
    STYLES: ClassVar[dict[str, str]] = {"weights": "ROM_STYLE", "params": "PARAM_STYLE"}

    MW: int = 16
    MH: int = 8
    PE: int = 2
    SIMD: int = 4
    BINARY_IN: int = 1
    IN_BITS: int = 8
    IN_SIGNED: int = 0
    ROM_STYLE: int = 0
    OUT_MODE: int = 0
    ACC_BITS: int = 16
    OUT_BITS: int = 1
    AFF_BITS: int = 16
    PARAM_STYLE: int | None = None
    # Few-bit fields (docs/few-bit.md): None = the .v default (WEIGHT_BITS 1, N_THR 1, OUT_BIAS 0), left out of
    # the instance, so 1-bit designs' instances stay as they were; read them through weight_bits, n_thr, out_bias.
    WEIGHT_BITS: int | None = None
    N_THR: int | None = None
    OUT_BIAS: int | None = None
    # The bit-plane datapath (integer lanes, 1-bit weights, modes 0 and 3): None = the .v default 0, left out of the
    # instance, so every design without it keeps its top.v byte for byte.
    BIT_PLANES: int | None = None

    @property
    def weight_bits(self) -> int:
        """WEIGHT_BITS as the core sees it (1 when left out)."""
        return 1 if self.WEIGHT_BITS is None else self.WEIGHT_BITS

    @property
    def n_thr(self) -> int:
        """N_THR as the core sees it (1 when left out)."""
        return 1 if self.N_THR is None else self.N_THR

    @property
    def out_bias(self) -> int:
        """OUT_BIAS as the core sees it (0 when left out)."""
        return 0 if self.OUT_BIAS is None else self.OUT_BIAS

    @property
    def bit_planes(self) -> bool:
        """BIT_PLANES as the core sees it: integer lanes summed as IN_BITS XNOR-popcounts of their bit planes."""
        return bool(self.BIT_PLANES)

    @property
    def weight_word_bits(self) -> int:
        """Bits of a weight ROM word: PE x SIMD x WEIGHT_BITS."""
        return self.PE * self.SIMD * self.weight_bits

    @property
    def dot_latency(self) -> int:
        """S2's depth (the core's DOT_LAT): the pipelined XNOR-popcount for binary input with 1-bit weights, the
        same popcounts and a registered shift-add with bit planes, else one registered bnnc_dot_lane."""
        xpc = xnor_popcount_stages(max(self.SIMD, 1)) + 2
        if self.BINARY_IN and self.weight_bits == 1:
            return xpc
        return xpc + 1 if self.bit_planes else 1

    def latency_bound(self) -> int:
        """The last input beat is read by fold (0, SF - 1); the other NF - 1 neuron folds' SF steps each follow,
        one a cycle, then the last step's result passes S1, the dot product (DOT_LAT), S3, S4, S5 and the output
        FIFO (2, no bypass): (NF - 1) x SF + DOT_LAT + 6 cycles. Checked to the proofs' depth (formal/cases.py),
        where it is the least that passes on each case."""
        f = self.folding
        return (f.nf - 1) * f.sf + self.dot_latency + 6

    @property
    def folding(self) -> Folding:
        """Its NF, SF and ROM shapes (one vector)."""
        return Folding(self.MH, self.MW, self.PE, self.SIMD)

    @property
    def param_lane(self) -> int:
        """Bits per PE lane of the parameter ROM: ACC_BITS (a bias), 2 x AFF_BITS ({B, A}), N_THR x ACC_BITS
        (thresholds), none (raw accumulators)."""
        return {OutMode.THRESHOLD: self.ACC_BITS, OutMode.AFFINE: 2 * self.AFF_BITS, OutMode.ACCUMULATOR: 0,
                OutMode.MULTI_THRESHOLD: self.n_thr * self.ACC_BITS}[OutMode(self.OUT_MODE)]

    def out_queue(self) -> tuple[int, int]:
        """(DEPTH, WIDTH) of the bnnc_fifo inside the core that queues its output beats (its OQ_DEPTH = 4 + PIPE / SF,
        PIPE = 4 + the dot product's latency, and OW = PE x lane width)."""
        depth = 4 + (4 + self.dot_latency) // ceil_div(self.MW, max(self.SIMD, 1))
        return depth, self.PE * (1 if self.OUT_MODE == 0 else self.OUT_BITS)

    def features(self) -> dict[str, float]:
        pe, simd, mw, mh = self.PE, self.SIMD, self.MW, self.MH
        binary = self.BINARY_IN == 1
        in_bits = 1 if binary else self.IN_BITS
        acc = self.ACC_BITS
        mode = self.OUT_MODE
        out_bits = 1 if mode == 0 else self.OUT_BITS
        aff = self.AFF_BITS
        nf, sf = ceil_div(mh, pe), ceil_div(mw, simd)
        lanes = pe * simd
        lw = in_bits + (0 if self.IN_SIGNED else 1)  # an integer lane's term width (ones' complement)
        wb, n_thr = self.weight_bits, self.n_thr
        one = wb == 1  # 1-bit weights: the XNOR-popcount or conditional-negate datapaths
        planes = self.bit_planes  # integer lanes as IN_BITS XNOR-popcounts of their bit planes
        # the integer path's terms price its conditional negates and adder tree: none with bit planes
        intp = not binary and one and not planes
        few = not one  # few-bit weights: a product per lane (x ? w : -w, or x * w) and an adder tree
        pw = wb + 1 if binary else in_bits + wb  # a product's exact width (bnnc_dot_lane's leaf)
        return {
            "base": 1.0,
            # bit planes: IN_BITS popcounts per PE of the binary datapath's structure (one per plane)
            "xnor_lanes": lanes if binary and one else lanes * in_bits if planes else 0,
            # integer lanes: exact (w ? x : -x, modes 1, 2 and 3) by lane bits; in ones' complement
            # (mode 0, bnnc_dot_lane ONES) by the bits of its adder tree, which grow with SIMD
            "int_lane_bits": lanes * (in_bits + 1) if intp and mode != 0 else 0,
            "int_tree_bits": pe * adder_tree_bits(simd, lw) if intp and mode == 0 else 0,
            # ... plus a per-PE share (its leaves' inversions beside the carry chains, the partial sum)
            "int_tree_pe_bits": pe * lw if intp and mode == 0 and simd > 1 else 0,
            # ... and with SIMD = 1 (no tree) by the lane's invert and its accumulator, one per PE
            "int_serial_bits": pe * (lw + acc) if intp and mode == 0 and simd == 1 else 0,
            # few-bit weights: the products by lane bits (bnnc_dot_lane: a negation and a select per radix-4
            # Booth digit, plus one adder for a second digit: x ? w : -w on binary lanes is one digit's worth),
            # and their adder tree
            "prod_lane_bits": lanes * pw * (1 if binary else ceil_div(wb, 2)) if few else 0,
            "prod_tree_bits": pe * adder_tree_bits(simd, pw) if few else 0,
            "acc_bits": pe * acc,
            "cmp_bits": pe * acc if mode == 0 else 0,
            # multi-threshold: N_THR comparators of ACC_BITS per PE, and the thermometer's count + OUT_BIAS
            "mt_cmp_bits": pe * n_thr * acc if mode == 3 else 0,
            "mt_count_bits": pe * n_thr if mode == 3 else 0,
            "aff_bits": pe * (acc + aff) if mode == 2 else 0,
            "out_bits": pe * out_bits,
            "in_bits": simd * in_bits,
            "ibuf_mux": simd * in_bits if nf > 1 and sf > 1 else 0,
            "counters": log2_bits(nf) + log2_bits(sf) + log2_bits(nf * sf),
            # a popcount's closing adder and its accumulator add, per PE; with bit planes one per plane (the
            # planes' shift-add takes the accumulator's place for all but one: no new term, no refit)
            "partial": pe * log2_bits(simd + 1) * (in_bits if planes else 1),
        }

    def roms(self, target: str, fast: bool = False) -> list[Resources]:
        """The weight ROM and the parameter ROM (thresholds or {B, A}), as planned (bnnc_rom instances)."""
        nf, sf = ceil_div(self.MH, self.PE), ceil_div(self.MW, self.SIMD)
        out = [styled_rom(nf * sf, self.weight_word_bits, target, self.ROM_STYLE, fast)]
        if self.OUT_MODE in (0, 2, 3):
            out.append(styled_rom(nf, self.PE * self.param_lane, target, self.PARAM_STYLE, fast))
        return out

    def memories(self, target: str, fast: bool = False) -> Resources:
        res = Resources()
        for r in self.roms(target, fast):  # bnnc_rom instances: the plan's blocks or LUTs
            res += r
        if self.OUT_MODE == 2:
            mul = multiplier(self.ACC_BITS, self.AFF_BITS, target)
            res += Resources(dsp=self.PE * mul.dsp, lut=self.PE * mul.lut)
        in_bits = 1 if self.BINARY_IN == 1 else self.IN_BITS
        if ceil_div(self.MH, self.PE) > 1:  # its input buffer, read combinationally
            res += ram_cost(ceil_div(self.MW, self.SIMD), self.SIMD * in_bits, target, async_read=True).resources()
        oq_depth, oq_width = self.out_queue()  # its output queue, a bnnc_fifo: RAM of DEPTH - 1 words
        return res + ram_cost(oq_depth - 1, oq_width, target).resources()


@dataclass(frozen=True)
class XnorPopcountParams(CoreParams):
    """bnnc_xnor_popcount's parameters (inside bnnc_dot_lane; priced through bnnc_mvtu's features)."""

    CORE = "bnnc_xnor_popcount"

    WIDTH: int = 16
    PIPE: int = 0
    EXPECT_LATENCY: int = -1


@dataclass(frozen=True)
class PopcountParams(CoreParams):
    """bnnc_popcount's parameters (a plain popcount tree)."""

    CORE = "bnnc_popcount"

    WIDTH: int = 8


@dataclass(frozen=True)
class DotLaneParams(CoreParams):
    """bnnc_dot_lane's parameters (one PE's dot product inside bnnc_mvtu; priced through bnnc_mvtu's features)."""

    CORE = "bnnc_dot_lane"

    SIMD: int = 4
    BINARY_IN: int = 1
    IN_BITS: int = 8
    IN_SIGNED: int = 0
    DOT_BITS: int = 8
    ONES: int = 0
    WEIGHT_BITS: int = 1


def adder_tree_bits(terms: int, width: int) -> int:
    """Sum of the adders' widths in bnnc_dot_lane's tree of ``terms`` terms of ``width`` bits
    (each level's adders one bit wider; an odd node passes up unchanged).

    >>> adder_tree_bits(9, 8)   # 4 x 9 + 2 x 10 + 1 x 11 + 1 x 12
    79
    """
    n, level, total = terms, 0, 0
    while n > 1:
        level += 1
        total += (n // 2) * (width + level)
        n = (n + 1) // 2
    return total


def _hex_digits(bits: int) -> int:
    return max(1, ceil_div(bits, 4))


def mvtu_weight_words(weights_bits: np.ndarray, pe: int, simd: int, weight_bits: int = 1) -> list[int]:
    """The NF*SF weight ROM words (Python ints of PE*SIMD*weight_bits bits) for a (MH, MW) matrix: with
    ``weight_bits`` 1 of 0/1 bits (1 = +1), with 2..4 of signed codes, each in two's complement
    [-2**(weight_bits-1), 2**(weight_bits-1) - 1] (weight (p, s) at bits (p*SIMD + s)*weight_bits)."""
    w = np.asarray(weights_bits)
    if w.ndim != 2:
        raise ValueError(f"weights must be a (MH, MW) matrix, not shape {w.shape}")
    if not 1 <= weight_bits <= 4:
        raise ValueError(f"weight_bits must be 1 to 4, not {weight_bits}")
    if weight_bits == 1:
        if not np.isin(w, (0, 1)).all():
            raise ValueError("weights must be bits (0 = -1, 1 = +1), not other values")
    else:
        if w.size and not np.array_equal(w, np.round(w)):
            raise ValueError("weights must be integer codes, not fractions")
        _check_signed(w.astype(np.int64), weight_bits, f"{weight_bits}-bit weight codes")
    if pe < 1 or simd < 1:
        raise ValueError(f"PE and SIMD must be >= 1, not PE={pe}, SIMD={simd}")
    mh, mw = w.shape
    f = Folding(mh, mw, pe, simd)
    padded = np.zeros((f.nf * pe, f.sf * simd), dtype=np.int64)
    padded[:mh, :mw] = w
    # (nf, p, sf, s) -> (nf, sf, p, s): word (nf, sf) has lane p*SIMD + s.
    blocks = padded.reshape(f.nf, pe, f.sf, simd).transpose(0, 2, 1, 3).reshape(f.rom_words, pe * simd)
    # each lane's weight_bits two's complement bits, least significant first: bit k of the word is bit
    # k % weight_bits of lane k // weight_bits
    bits = ((blocks[:, :, None] >> np.arange(weight_bits)) & 1).astype(np.uint8).reshape(f.rom_words, -1)
    packed = np.packbits(bits, axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def mvtu_weight_lines(weights_bits: np.ndarray, pe: int, simd: int, weight_bits: int = 1) -> list[str]:
    """Lines of the weight ROM file (hex, fixed width ceil(PE*SIMD*weight_bits/4) digits); ``weights_bits`` as
    :func:`mvtu_weight_words` takes it."""
    digits = _hex_digits(pe * simd * weight_bits)
    return [format(word, f"0{digits}x") for word in mvtu_weight_words(weights_bits, pe, simd, weight_bits)]


@lru_cache(maxsize=4096)
def xnor_popcount_stages(width: int) -> int:
    """Compression stages of bnnc_xnor_popcount for ``width`` lanes: the core's schedule (its
    ``h_step``, copied by bnnc_mvtu's ``xpc_stages``) in Python, for bnnc_mvtu's pipeline depth
    and the core's LATENCY in its testbench. Rows of 3-lane groups (weights 1 and 2) are cut by
    6:3 counters, a column's last 3..5 bits by a 3:2 or 5:3 counter, until each column holds at
    most 2 bits (tests/test_resources.py holds it to the Verilog function in Yosys).
    """
    def small(h: int) -> int:  # bits of a column's closing counter (xpc_small)
        r = h % 6
        return 0 if h <= 2 else 5 if r == 5 else 3 if r >= 3 else 0

    cw = width.bit_length()  # $clog2(width + 1)
    hv = [0] * cw
    hv[0] = (width + 2) // 3
    if cw > 1:
        hv[1] = (width + 2) // 3
    stages = 0
    while any(h > 2 for h in hv):
        nv = [0] * cw
        for c, h in enumerate(hv):
            carry = h // 6 + (1 if small(h) > 0 else 0)
            nv[c] += carry + (h if h <= 2 else h % 6 - small(h))
            if c + 1 < cw:
                nv[c + 1] += carry
            if c + 2 < cw:
                nv[c + 2] += h // 6 + (1 if small(h) > 3 else 0)
        hv = nv
        stages += 1
    return stages


def threshold_fit(thresholds: np.ndarray, acc_lo: int, acc_hi: int) -> tuple[np.ndarray, int]:
    """THRESHOLD mode's thresholds and ACC_BITS for accumulators in ``[acc_lo, acc_hi]``.

    The unit computes ``acc - T`` (its sum starts at the bias -T) and emits ``acc - T >= 0``,
    so ACC_BITS must hold acc - T, -T and acc. Clamping T into ``[acc_lo, acc_hi + 1]``
    changes no outcome (below: always 1, above: always 0) and bounds acc - T by
    ``[acc_lo - acc_hi - 1, acc_hi - acc_lo]``: no wider than acc's own width for a
    popcount (0..MW), about one bit more for a signed integer sum.

    >>> t, bits = threshold_fit(np.array([-5, 3, 900]), 0, 784)
    >>> t.tolist(), bits
    ([0, 3, 785], 11)
    """
    t = np.clip(np.asarray(thresholds, dtype=np.int64).reshape(-1), acc_lo, acc_hi + 1)
    lo = min(acc_lo - acc_hi - 1, acc_lo, -1)
    hi = max(acc_hi - acc_lo, acc_hi, -acc_lo, 0)
    return t, max(2, bits_for_range(lo, hi)[0])  # bnnc_mvtu takes ACC_BITS >= 2


def multi_threshold_bits(acc_lo: int, acc_hi: int) -> int:
    """MULTI_THRESHOLD mode's ACC_BITS for accumulators in [acc_lo, acc_hi]: two's complement holding acc and
    any threshold clamped into [acc_lo, acc_hi + 1] (the unit compares acc >= T exactly), at least 2."""
    if acc_lo > acc_hi:
        raise ValueError(f"the accumulator range must have acc_lo <= acc_hi, not [{acc_lo}, {acc_hi}]")
    return max(2, signed_bits(acc_lo, acc_hi + 1))


def multi_threshold_fit(thresholds: np.ndarray, acc_lo: int, acc_hi: int) -> tuple[np.ndarray, int]:
    """MULTI_THRESHOLD mode's thresholds and ACC_BITS for accumulators in ``[acc_lo, acc_hi]``.

    ``thresholds`` is (MH, K), each row ascending. Clamping each T into ``[acc_lo, acc_hi + 1]``
    changes no count (below: always passed, above: never) and keeps the rows sorted; ACC_BITS
    (:func:`multi_threshold_bits`) holds acc and every clamped T, so the unit's compares are exact.

    >>> t, bits = multi_threshold_fit(np.array([[-9, 0, 2], [5, 7, 40]]), -4, 6)
    >>> t.tolist(), bits
    ([[-4, 0, 2], [5, 7, 7]], 4)
    """
    t = np.asarray(thresholds, dtype=np.int64)
    if t.ndim != 2:
        raise ValueError(f"thresholds must be an (MH, K) matrix, not shape {t.shape}")
    return np.clip(t, acc_lo, acc_hi + 1), multi_threshold_bits(acc_lo, acc_hi)


def _check_signed(values: np.ndarray, bits: int, what: str) -> None:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if values.size and (values.min() < lo or values.max() > hi):
        raise ValueError(f"{what} must fit {bits}-bit two's complement [{lo}, {hi}], "
                         f"not range [{values.min()}, {values.max()}]")


def mvtu_param_lines(
    params: np.ndarray | Sequence[np.ndarray] | None,
    out_mode: OutMode | int,
    pe: int,
    acc_bits: int | None = None,
    aff_bits: int | None = None,
    offsets: np.ndarray | None = None,
) -> list[str]:
    """Lines of the parameter ROM file.

    Args:
        params: THRESHOLD: thresholds, shape (MH,); AFFINE: ``(A, B)`` each (MH,),
            or an (MH, 2) array of columns A, B; MULTI_THRESHOLD: thresholds (MH, N_THR), rows
            ascending; ACCUMULATOR: ignored (returns []).
        out_mode: the unit's OUT_MODE.
        pe: PE of the unit.
        acc_bits: ACC_BITS (THRESHOLD, MULTI_THRESHOLD).
        aff_bits: AFF_BITS (AFFINE).
        offsets: per neuron, the true accumulator minus the unit's sum: THRESHOLD with integer input,
            :func:`ones_offsets` (or :func:`plane_offsets` with bit planes), added to each bias (-T + Z)
            and written modulo 2**ACC_BITS (the unit's sums are modular); MULTI_THRESHOLD with bit
            planes, :func:`plane_offsets`, subtracted from each threshold (T - K, exact: must fit).

    Raises:
        ValueError: a value does not fit its lane, or arguments are missing.
    """
    if out_mode not in tuple(OutMode):
        raise ValueError(f"out_mode must be 0, 1, 2 or 3, not {out_mode}")
    mode = OutMode(out_mode)
    if mode is OutMode.ACCUMULATOR:
        return []
    if mode is OutMode.MULTI_THRESHOLD:
        if acc_bits is None or acc_bits < 2:
            raise ValueError(f"acc_bits must be >= 2 in MULTI_THRESHOLD mode, not {acc_bits}")
        thr = np.asarray(params, dtype=np.int64)
        if thr.ndim != 2 or thr.shape[1] < 1:
            raise ValueError(f"thresholds must be an (MH, N_THR) matrix with N_THR >= 1, not shape {thr.shape}")
        if offsets is not None:  # the unit compares acc - K with T - K (one shift per row: still ascending)
            if np.shape(offsets) != (thr.shape[0],):
                raise ValueError(f"offsets must hold one value per neuron ({thr.shape[0]}), "
                                 f"not shape {np.shape(offsets)}")
            thr = thr - np.asarray(offsets, dtype=np.int64)[:, None]
        _check_signed(thr, acc_bits, "thresholds")
        unsorted = np.nonzero((np.diff(thr, axis=1) < 0).any(axis=1))[0]
        if unsorted.size:  # the unit counts the thresholds passed as a thermometer code: it needs them in order
            raise ValueError(f"each neuron's thresholds must be ascending, not {thr[unsorted[0]].tolist()} "
                             f"(neuron {int(unsorted[0])})")
        vals = [pack_lanes(row, acc_bits) for row in thr.tolist()]
        width = thr.shape[1] * acc_bits
    elif mode is OutMode.THRESHOLD:
        if acc_bits is None or acc_bits < 2:
            raise ValueError(f"acc_bits must be >= 2 in THRESHOLD mode, not {acc_bits}")
        bias = -np.asarray(params, dtype=np.int64).reshape(-1)  # the unit adds -T (module doc)
        _check_signed(bias, acc_bits, "-threshold")
        if offsets is not None:
            if np.shape(offsets) != bias.shape:
                raise ValueError(f"offsets must hold one value per threshold ({bias.shape[0]}), "
                                 f"not shape {np.shape(offsets)}")
            half = 1 << (acc_bits - 1)
            bias = (bias + np.asarray(offsets, dtype=np.int64) + half) % (2 * half) - half
        vals: list[int] = [int(v) for v in bias]
        width = acc_bits
    else:
        if aff_bits is None or aff_bits < 1:
            raise ValueError(f"aff_bits must be >= 1 in AFFINE mode, not {aff_bits}")
        if isinstance(params, np.ndarray) and params.ndim == 2:
            a, b = params[:, 0], params[:, 1]
        else:
            a, b = params  # type: ignore[misc]
        a = np.asarray(a, dtype=np.int64).reshape(-1)
        b = np.asarray(b, dtype=np.int64).reshape(-1)
        if a.shape != b.shape:
            raise ValueError(f"A and B must have the same length, not {a.shape} and {b.shape}")
        _check_signed(a, aff_bits, "A")
        _check_signed(b, aff_bits, "B")
        mask = (1 << aff_bits) - 1
        vals = [((int(bv) & mask) << aff_bits) | (int(av) & mask) for av, bv in zip(a, b)]
        width = 2 * aff_bits
    digits = _hex_digits(pe * width)
    lines = []
    for f in range(ceil_div(len(vals), pe)):
        chunk = vals[f * pe : (f + 1) * pe]
        chunk += [0] * (pe - len(chunk))
        lines.append(format(pack_lanes(chunk, width), f"0{digits}x"))
    return lines


def ones_offsets(weights_bits: np.ndarray, simd: int) -> np.ndarray:
    """Per neuron, the 0 bits of its SF*SIMD weight-ROM lanes: what bnnc_mvtu's integer threshold
    mode, which adds w ? x : ~x (= -x - 1) per lane and presents lanes past MW as x = 0
    with weight 0 (so each adds -1), needs added to the bias.

    >>> ones_offsets(np.array([[1, 0, 0], [1, 1, 1]], dtype=np.uint8), simd=2).tolist()   # one padding lane
    [3, 1]
    """
    w = np.asarray(weights_bits)
    lanes = ceil_div(w.shape[1], simd) * simd
    return (lanes - w.astype(np.int64).sum(axis=1)).astype(np.int64)


def plane_offsets(weights_bits: np.ndarray, in_bits: int, in_signed: bool) -> np.ndarray:
    """Per neuron, K = the true accumulator minus bnnc_mvtu's bit-plane sum (BIT_PLANES = 1): a lane
    x = sum_b c_b * x_b (c_b = 2**b, the top plane -2**(in_bits-1) when signed) times a +-1 weight of bit wb is
    sum_b c_b * (xnor(x_b, wb) - 1 + wb), so K = (sum_b c_b) * (P - MW), P the neuron's 1 bits among its MW
    inputs, sum_b c_b = 2**in_bits - 1 unsigned, -1 signed. Padding lanes add nothing (the unit presents them as
    x_b = 1 against their 0 weight): K depends on neither SIMD nor PE.

    >>> plane_offsets(np.array([[1, 0, 0], [1, 1, 1]], dtype=np.uint8), 2, False).tolist()   # 3 * (P - 3)
    [-6, 0]
    >>> plane_offsets(np.array([[1, 0, 0], [1, 1, 1]], dtype=np.uint8), 2, True).tolist()    # -(P - 3)
    [2, 0]
    """
    w = np.asarray(weights_bits)
    if w.ndim != 2:
        raise ValueError(f"weights must be a (MH, MW) matrix, not shape {w.shape}")
    if w.size and not np.isin(w, (0, 1)).all():
        raise ValueError("weights must be bits (0 = -1, 1 = +1), not other values")
    if in_bits < 1:
        raise ValueError(f"in_bits must be >= 1, not {in_bits}")
    c = -1 if in_signed else (1 << in_bits) - 1
    return (c * (w.astype(np.int64).sum(axis=1) - w.shape[1])).astype(np.int64)


def plane_acc_range(acc_lo: int, acc_hi: int, offsets: np.ndarray) -> tuple[int, int]:
    """The range of bnnc_mvtu's bit-plane sums acc - K over its neurons, for true accumulators in
    [acc_lo, acc_hi] and K = ``offsets`` (:func:`plane_offsets`): what ACC_BITS must hold with T - K in mode 3.

    >>> plane_acc_range(-3, 3, np.array([0, 2]))
    (-5, 3)
    """
    k = np.asarray(offsets, dtype=np.int64)
    return acc_lo - int(k.max()), acc_hi - int(k.min())


def write_mem(path: str | os.PathLike[str], lines: Sequence[str]) -> Path:
    """Write ``$readmemh`` lines (one word per line, trailing newline); return the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("".join(line + "\n" for line in lines))
    return p


def write_mvtu_mems(
    weights_bits: np.ndarray,
    params: np.ndarray | Sequence[np.ndarray] | None,
    pe: int,
    simd: int,
    out_mode: OutMode | int,
    weight_path: str | os.PathLike[str],
    param_path: str | os.PathLike[str] | None = None,
    acc_bits: int | None = None,
    aff_bits: int | None = None,
    binary_in: bool = True,
    weight_bits: int = 1,
    bit_planes: bool = False,
    in_bits: int = 8,
    in_signed: bool = False,
) -> tuple[Path, Path | None]:
    """Write the WEIGHT_FILE (and, outside ACCUMULATOR mode, the PARAM_FILE) of one bnnc_mvtu.

    Args:
        weights_bits: (MH, MW) array of 0/1 weight bits (1 = +1), or of signed codes (``weight_bits`` >= 2).
        params: thresholds, ``(A, B)`` or None; see :func:`mvtu_param_lines`.
        pe, simd: folding of the unit.
        out_mode: OUT_MODE of the unit.
        weight_path, param_path: files to write (param_path required outside ACCUMULATOR mode).
        acc_bits: ACC_BITS (THRESHOLD); aff_bits: AFF_BITS (AFFINE).
        binary_in: the unit's BINARY_IN (integer input in THRESHOLD mode: biases with :func:`ones_offsets`).
        weight_bits: the unit's WEIGHT_BITS (1: bits; 2..4: codes, no ones' complement offsets).
        bit_planes, in_bits, in_signed: the unit's BIT_PLANES, IN_BITS, IN_SIGNED (bit planes: the
            :func:`plane_offsets` in the biases or thresholds, in place of the ones' complement ones).

    Returns:
        (weight file, param file or None).
    """
    if bit_planes and (binary_in or weight_bits != 1 or out_mode not in (OutMode.THRESHOLD, OutMode.MULTI_THRESHOLD)):
        raise ValueError(f"bit planes must have integer input, 1-bit weights and out_mode 0 or 3, not "
                         f"binary_in={binary_in}, weight_bits={weight_bits}, out_mode={int(out_mode)}")
    mh = np.asarray(weights_bits).shape[0]
    wfile = write_mem(weight_path, mvtu_weight_lines(weights_bits, pe, simd, weight_bits))
    if out_mode == OutMode.ACCUMULATOR:
        return wfile, None
    if param_path is None:
        raise ValueError(f"param_path must be given for out_mode {int(out_mode)}, not None")
    # the ones' complement lanes exist only with 1-bit weights (bnnc_mvtu's ONES)
    ones = not binary_in and out_mode == OutMode.THRESHOLD and weight_bits == 1
    if bit_planes:
        offsets = plane_offsets(weights_bits, in_bits, in_signed)
    else:
        offsets = ones_offsets(weights_bits, simd) if ones else None
    lines = mvtu_param_lines(params, out_mode, pe, acc_bits=acc_bits, aff_bits=aff_bits, offsets=offsets)
    if len(lines) != ceil_div(mh, pe):
        raise ValueError(f"params must hold {mh} values (one per neuron), not {len(lines)} folds of PE={pe}")
    return wfile, write_mem(param_path, lines)


def read_mem(path: str | os.PathLike[str]) -> list[int]:
    """Read a ``$readmemh`` file written by :func:`write_mem` (no ``@`` addresses, ``//`` comments allowed)."""
    words = []
    for line in Path(path).read_text().splitlines():
        line = line.split("//", 1)[0].strip()
        if line:
            words.extend(int(tok, 16) for tok in line.split())
    return words
