"""pytest driver: bnnc_mvtu under several parameter sets (binary/uint8/int8 and few-bit input, 1- to 4-bit
weights, modes 0/1/2/3, PE/SIMD that do not divide MH/MW, NF = SF = 1), plus elaboration checks; and its ROM
layout (compiler.cores.mvtu, used by the compiler and the testbenches) against the contract, in Python."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cocotb_tests.cores._common import CORES, Unit, base_seed, build_dir_for, core, param_rng
from compiler.bits import bits_for_range
from compiler.cores.mvtu import (MvtuOutput, OutMode, multi_threshold_bits, multi_threshold_fit, mvtu_param_lines,
                                 mvtu_weight_lines, mvtu_weight_words, plane_acc_range, plane_offsets, read_mem,
                                 threshold_fit, write_mvtu_mems)
from compiler.runtime.sim.toolchain import lint, run_lint

SOURCES = core("bnnc_mvtu", "bnnc_rom", "bnnc_dot_lane", "bnnc_xnor_popcount", "bnnc_fifo")


def _signed_bits(lo: int, hi: int) -> int:
    """Smallest two's complement width holding [lo, hi] (always signed)."""
    return bits_for_range(min(lo, -1), hi)[0]


def _x_range(binary: bool, in_bits: int, in_signed: bool) -> tuple[int, int]:
    """An input lane's values (as the sums read them: binary lanes are -1 or +1)."""
    if binary:
        return -1, 1
    if in_signed:
        return -(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1
    return 0, (1 << in_bits) - 1


def acc_range(w: np.ndarray, binary: bool, in_bits: int, in_signed: bool,
              weight_bits: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Exact per-neuron accumulator range [lo, hi] over all inputs."""
    mh, mw = w.shape
    xmin, xmax = _x_range(binary, in_bits, in_signed)
    if weight_bits >= 2:  # codes: each term x * w lies between xmin * w and xmax * w
        w64 = w.astype(np.int64)
        return np.minimum(xmin * w64, xmax * w64).sum(axis=1), np.maximum(xmin * w64, xmax * w64).sum(axis=1)
    if binary:
        return np.zeros(mh, dtype=np.int64), np.full(mh, mw, dtype=np.int64)
    pos = w.sum(axis=1).astype(np.int64)
    neg = mw - pos
    # term = x (w=1) or -x (w=0)
    hi = pos * xmax + neg * (-xmin)
    lo = pos * xmin + neg * (-xmax)
    return lo, hi


def sample_accs(w: np.ndarray, binary: bool, in_bits: int, in_signed: bool, weight_bits: int,
                nrng: np.random.Generator, n: int = 64) -> np.ndarray:
    """Accumulators (n, MH) of n random inputs, as the unit sums them: typical values to put thresholds near."""
    mw = w.shape[1]
    xmin, xmax = _x_range(binary, in_bits, in_signed)
    sample = nrng.integers(0, 2, size=(n, mw)) if binary else nrng.integers(xmin, xmax + 1, size=(n, mw))
    if weight_bits >= 2:
        return ((2 * sample - 1) if binary else sample) @ w.astype(np.int64).T
    if binary:
        return (sample[:, None, :] == w[None]).sum(2)
    return np.where(w[None] == 1, sample[:, None, :], -sample[:, None, :]).sum(2)


def make_case(spec: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Random weights/parameters for ``spec``; returns (Verilog parameters, npz data)."""
    mw, mh = spec["MW"], spec["MH"]
    binary = spec["BINARY_IN"] == 1
    in_bits, in_signed = spec.get("IN_BITS", 8), spec.get("IN_SIGNED", 0) == 1
    wb = spec.get("WEIGHT_BITS", 1)
    mode = OutMode(spec["OUT_MODE"])
    nrng = np.random.default_rng(rng.getrandbits(32))
    if wb == 1:
        w = nrng.integers(0, 2, size=(mh, mw)).astype(np.uint8)
        if mh > 1:
            w[0, :] = 1  # extreme rows: all +1 and all -1
            w[1, :] = 0
    else:
        # two's complement codes; NARROW: the symmetric range (2 bits: ternary), as few-bit networks use
        wlo, whi = -(1 << (wb - 1)) + spec.get("NARROW", 0), (1 << (wb - 1)) - 1
        w = nrng.integers(wlo, whi + 1, size=(mh, mw)).astype(np.int64)
        if mh > 1:
            w[0, :] = whi  # extreme rows: all the largest and all the most negative code
            w[1, :] = wlo
    lo, hi = acc_range(w, binary, in_bits, in_signed, wb)
    acc_bits = _signed_bits(int(lo.min()), int(hi.max())) + spec.get("ACC_EXTRA", 0)
    params: dict[str, Any] = dict(spec)
    params.pop("ACC_EXTRA", None)
    params.pop("NARROW", None)
    params.update(ACC_BITS=acc_bits, IN_BITS=in_bits, IN_SIGNED=int(in_signed))
    data: dict[str, np.ndarray] = {"weights": w}
    if mode == OutMode.MULTI_THRESHOLD:
        n_thr = spec["N_THR"]
        acc_s = sample_accs(w, binary, in_bits, in_signed, wb, nrng)
        # per neuron, sorted thresholds near typical sums (repeats allowed), plus rows past the extremes
        thr = np.sort(np.array([[acc_s[nrng.integers(0, 64), n] + nrng.integers(-2, 3) for _ in range(n_thr)]
                                for n in range(mh)], dtype=np.int64), axis=1)
        if mh > 2:
            thr[2] = int(lo[2]) - 5 - np.arange(n_thr)[::-1]  # below every sum: all passed
        if mh > 3:
            thr[3] = int(hi[3]) + 3 + np.arange(n_thr)  # above every sum: none passed
        if mh > 4:
            thr[4, 1:] = int(hi[4]) + 1  # only the first can be passed
        thr, _ = multi_threshold_fit(thr, int(lo.min()), int(hi.max()))
        out = MvtuOutput.multi_threshold(int(lo.min()), int(hi.max()), n_thr, spec["OUT_BIAS"],
                                         spec["OUT_BIAS"] + n_thr)
        acc_bits = out.acc_bits
        if spec.get("BIT_PLANES"):  # the unit compares acc - K with T - K: ACC_BITS holds both (as mvtu_params)
            k = plane_offsets(w, in_bits, in_signed)
            acc_bits = multi_threshold_bits(*plane_acc_range(int(lo.min()), int(hi.max()), k))
        params.update(ACC_BITS=acc_bits + spec.get("ACC_EXTRA", 0), OUT_BITS=out.out_bits)
        data["thresholds"] = thr
    elif mode == OutMode.THRESHOLD:
        # Thresholds near typical accumulator values, plus extremes (always/never fire).
        acc_s = sample_accs(w, binary, in_bits, in_signed, wb, nrng)
        thr = np.array([acc_s[nrng.integers(0, 64), n] + nrng.integers(-1, 2) for n in range(mh)], dtype=np.int64)
        if mh > 2:
            thr[2] = int(lo[2]) - 5  # below every sum: always fires
        if mh > 3:
            thr[3] = int(hi[3]) + 7  # above every sum: never fires
        # the unit emits acc - T >= 0: thresholds clamped and ACC_BITS sized as the compiler does
        thr, fit_bits = threshold_fit(thr, int(lo.min()), int(hi.max()))
        acc_bits = fit_bits + spec.get("ACC_EXTRA", 0)
        params["ACC_BITS"] = acc_bits
        data["thresholds"] = thr
        params["OUT_BITS"] = 1
    elif mode == OutMode.ACCUMULATOR:
        params["OUT_BITS"] = acc_bits + spec.get("OUT_EXTRA", 2)
    else:
        aff = spec["AFF_BITS"]
        a = nrng.integers(-(1 << (aff - 1)), 1 << (aff - 1), size=mh)
        b = nrng.integers(-(1 << (aff - 1)), 1 << (aff - 1), size=mh)
        a[0] = -(1 << (aff - 1))  # most negative coefficient
        ends = np.stack([a * lo + b, a * hi + b])
        params["OUT_BITS"] = _signed_bits(int(ends.min()), int(ends.max()))
        data["a"], data["b"] = a, b
    params.pop("OUT_EXTRA", None)
    return params, data


def _specs() -> list[dict[str, Any]]:
    rng = param_rng("mvtu.specs")
    specs: list[dict[str, Any]] = [
        # binary, threshold, PE/SIMD do not divide MH/MW
        dict(MW=20, MH=10, PE=3, SIMD=6, BINARY_IN=1, OUT_MODE=0),
        # binary, threshold, SF = 1 with NF > 1: a fold's bias (-T) is read every cycle
        dict(MW=8, MH=7, PE=2, SIMD=8, BINARY_IN=1, OUT_MODE=0),
        # binary, affine scores, NF = SF = 1 (one step per vector)
        dict(MW=9, MH=5, PE=5, SIMD=16, BINARY_IN=1, OUT_MODE=2, AFF_BITS=6),
        # uint8, raw accumulator, non-dividing
        dict(MW=12, MH=6, PE=4, SIMD=5, BINARY_IN=0, IN_BITS=8, IN_SIGNED=0, OUT_MODE=1),
        # int8, affine (final-layer style), non-dividing
        dict(MW=10, MH=10, PE=4, SIMD=3, BINARY_IN=0, IN_BITS=8, IN_SIGNED=1, OUT_MODE=2, AFF_BITS=10,
             ROM_STYLE=1, PARAM_STYLE=3),  # each ROM_STYLE / PARAM_STYLE branch is simulated by some spec
        # uint8, threshold (first-layer style), SF = 1 with NF > 1 (input buffer re-read)
        dict(MW=16, MH=5, PE=2, SIMD=16, BINARY_IN=0, IN_BITS=8, IN_SIGNED=0, OUT_MODE=0, ROM_STYLE=3,
             PARAM_STYLE=1),
        # threshold mode's ones'-complement lanes with padding lanes (MW % SIMD != 0), unsigned and signed
        dict(MW=30, MH=7, PE=3, SIMD=8, BINARY_IN=0, IN_BITS=8, IN_SIGNED=0, OUT_MODE=0),
        dict(MW=27, MH=6, PE=4, SIMD=5, BINARY_IN=0, IN_BITS=6, IN_SIGNED=1, OUT_MODE=0),
        # few-bit (issue 23). Ternary (2-bit narrow) weights on binary input, threshold, non-dividing
        dict(MW=20, MH=9, PE=2, SIMD=6, BINARY_IN=1, WEIGHT_BITS=2, NARROW=1, OUT_MODE=0),
        # 2-bit signed codes with 2-bit weights, multi-threshold to signed narrow codes -1..1, non-dividing
        dict(MW=26, MH=11, PE=4, SIMD=4, BINARY_IN=0, IN_BITS=2, IN_SIGNED=1, WEIGHT_BITS=2, OUT_MODE=3, N_THR=2,
             OUT_BIAS=-1),
        # 4-bit weights on uint4 input, raw accumulator
        dict(MW=12, MH=6, PE=3, SIMD=4, BINARY_IN=0, IN_BITS=4, IN_SIGNED=0, WEIGHT_BITS=4, OUT_MODE=1),
        # +-1 weights on 2-bit unsigned codes, multi-threshold to unsigned codes 0..3, non-dividing
        dict(MW=18, MH=7, PE=2, SIMD=5, BINARY_IN=0, IN_BITS=2, IN_SIGNED=0, OUT_MODE=3, N_THR=3, OUT_BIAS=0),
        # +-1 weights on binary input (popcount domain), multi-threshold, SF = 1 with NF > 1
        dict(MW=8, MH=5, PE=2, SIMD=8, BINARY_IN=1, OUT_MODE=3, N_THR=3, OUT_BIAS=-1),
        # 3-bit weights on int8, affine, NF = SF = 1
        dict(MW=7, MH=3, PE=3, SIMD=8, BINARY_IN=0, IN_BITS=8, IN_SIGNED=1, WEIGHT_BITS=3, OUT_MODE=2, AFF_BITS=5),
        # 4-bit signed codes and weights, 15 thresholds (4-bit codes -8..7), SIMD = 1 (no adder tree)
        dict(MW=10, MH=4, PE=1, SIMD=1, BINARY_IN=0, IN_BITS=4, IN_SIGNED=1, WEIGHT_BITS=4, OUT_MODE=3, N_THR=15,
             OUT_BIAS=-8),
        # 1-bit signed codes {-1, 0} (a quant of bits 1, signed, not narrow): each datapath on a 1-bit two's
        # complement lane. +-1 weights: ones' complement (mode 0, ~x of one bit, padding lanes), exact w ? x : -x
        # (modes 1 and 3); 3-bit weights: the Booth products x * w (modes 0, 1 with SIMD 1, and 3)
        dict(MW=13, MH=6, PE=2, SIMD=5, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, OUT_MODE=0),
        dict(MW=11, MH=5, PE=3, SIMD=4, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, OUT_MODE=1),
        dict(MW=9, MH=7, PE=2, SIMD=3, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, OUT_MODE=3, N_THR=2, OUT_BIAS=-1),
        dict(MW=10, MH=6, PE=2, SIMD=4, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, WEIGHT_BITS=3, OUT_MODE=0),
        dict(MW=6, MH=5, PE=5, SIMD=1, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, WEIGHT_BITS=3, OUT_MODE=1),
        dict(MW=14, MH=7, PE=2, SIMD=3, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, WEIGHT_BITS=3, OUT_MODE=3, N_THR=3,
             OUT_BIAS=-1),
        # bit planes (BIT_PLANES 1: IN_BITS XNOR-popcounts per PE, K in the parameter ROM). 2-bit signed codes,
        # multi-threshold to -1..1 (W1A2's hidden layers), MW not divisible by SIMD (padding lanes read x_b = 1)
        dict(MW=22, MH=10, PE=4, SIMD=9, BINARY_IN=0, IN_BITS=2, IN_SIGNED=1, OUT_MODE=3, N_THR=2, OUT_BIAS=-1,
             BIT_PLANES=1),
        # 3-bit unsigned codes, threshold (bias K - T modulo 2**ACC_BITS), padding lanes, SF > 1 and NF > 1
        dict(MW=19, MH=7, PE=3, SIMD=4, BINARY_IN=0, IN_BITS=3, IN_SIGNED=0, OUT_MODE=0, BIT_PLANES=1),
        # 1-bit signed codes {-1, 0}: the one plane subtracted
        dict(MW=13, MH=6, PE=2, SIMD=5, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, OUT_MODE=3, N_THR=1, OUT_BIAS=0,
             BIT_PLANES=1),
        # 4-bit signed codes, 15 thresholds, PE not dividing MH, SF = 1 with NF > 1
        dict(MW=12, MH=7, PE=3, SIMD=12, BINARY_IN=0, IN_BITS=4, IN_SIGNED=1, OUT_MODE=3, N_THR=15, OUT_BIAS=-8,
             BIT_PLANES=1),
    ]
    mode = OutMode(rng.randint(0, 2))
    binary = rng.random() < 0.5
    rand = dict(
        MW=rng.randint(3, 40), MH=rng.randint(1, 12), PE=rng.randint(1, 5), SIMD=rng.randint(1, 9),
        BINARY_IN=int(binary), OUT_MODE=int(mode), ACC_EXTRA=rng.randint(0, 2),
    )
    if not binary:
        rand.update(IN_BITS=rng.randint(2, 9), IN_SIGNED=rng.randint(0, 1))
    if mode == OutMode.ACCUMULATOR:
        rand["OUT_EXTRA"] = rng.randint(-1, 3)  # also truncating outputs
    if mode == OutMode.AFFINE:
        rand["AFF_BITS"] = rng.randint(2, 12)
    specs.append(rand)
    # a random few-bit set, drawn by its own generator (the set above keeps its draws)
    frng = param_rng("mvtu.specs.fewbit")
    fmode = frng.choice((0, 1, 2, 3))
    fbin = frng.random() < 0.3
    few: dict[str, Any] = dict(MW=frng.randint(3, 30), MH=frng.randint(1, 10), PE=frng.randint(1, 4),
                               SIMD=frng.randint(1, 7), BINARY_IN=int(fbin), WEIGHT_BITS=frng.randint(2, 4),
                               NARROW=frng.randint(0, 1), OUT_MODE=fmode, ACC_EXTRA=frng.randint(0, 1))
    if not fbin:
        few.update(IN_BITS=frng.randint(1, 4), IN_SIGNED=0)
        if few["IN_BITS"] >= 2:
            few["IN_SIGNED"] = frng.randint(0, 1)
    if fmode == 3:
        few.update(N_THR=frng.randint(1, 15))
        few["OUT_BIAS"] = frng.choice((0, -(few["N_THR"] // 2)))
    if fmode == 2:
        few["AFF_BITS"] = frng.randint(2, 8)
    specs.append(few)
    return specs


def _id(spec: dict[str, Any]) -> str:
    kind = "bin" if spec["BINARY_IN"] else ("s" if spec.get("IN_SIGNED") else "u") + str(spec.get("IN_BITS", 8))
    few = f"_w{spec['WEIGHT_BITS']}" if spec.get("WEIGHT_BITS", 1) != 1 else ""
    thr = f"_t{spec['N_THR']}" if spec["OUT_MODE"] == 3 else ""
    thr += "_bp" if spec.get("BIT_PLANES") else ""
    return f"{kind}{few}_m{spec['OUT_MODE']}{thr}_MW{spec['MW']}_MH{spec['MH']}_PE{spec['PE']}_S{spec['SIMD']}"


SPECS = _specs()


def prepare(spec: dict[str, Any], tag: str) -> tuple[dict[str, Any], Any]:
    """Parameters + data files for one spec, in its own build folder."""
    rng = random.Random(f"{base_seed()}:{tag}")
    params, data = make_case(spec, rng)
    bdir = build_dir_for("bnnc_mvtu", params, extra=str(base_seed()))
    bdir.mkdir(parents=True, exist_ok=True)
    wfile, pfile = bdir / "weights.mem", bdir / "params.mem"
    mode = OutMode(params["OUT_MODE"])
    prm = (data.get("thresholds") if mode in (OutMode.THRESHOLD, OutMode.MULTI_THRESHOLD)
           else ((data["a"], data["b"]) if mode == OutMode.AFFINE else None))
    write_mvtu_mems(
        data["weights"], prm, params["PE"], params["SIMD"], mode, wfile,
        pfile if mode != OutMode.ACCUMULATOR else None, acc_bits=params["ACC_BITS"], aff_bits=params.get("AFF_BITS"),
        binary_in=bool(params["BINARY_IN"]), weight_bits=params.get("WEIGHT_BITS", 1),
        bit_planes=bool(params.get("BIT_PLANES", 0)), in_bits=params["IN_BITS"], in_signed=bool(params["IN_SIGNED"]),
    )
    np.savez(bdir / "tb_data.npz", **data)
    params["WEIGHT_FILE"] = str(wfile)
    params["PARAM_FILE"] = str(pfile)
    return params, bdir


def _unit(spec: dict[str, Any]) -> Unit:
    params, bdir = prepare(spec, _id(spec))  # the spec's ROM images and testbench data, in its own folder
    return Unit(params, {"BNNC_TB_DATA": str(bdir / "tb_data.npz")})


# Every spec is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
MVTU = CORES.part("bnnc_mvtu", SOURCES, "tb_mvtu", _unit)


@pytest.mark.parametrize("spec", SPECS, ids=[_id(s) for s in SPECS])
@MVTU.runs
def test_mvtu(spec: dict[str, Any], request: pytest.FixtureRequest) -> None:
    """Exact outputs under random gaps/backpressure, and initiation interval == NF*SF."""
    MVTU.check(request)


@pytest.mark.parametrize("spec", SPECS, ids=[_id(s) for s in SPECS])
def test_mvtu_lint_clean(spec: dict[str, Any]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    params, _ = prepare(spec, _id(spec))
    assert lint(SOURCES, "bnnc_mvtu", params) == []


@pytest.mark.parametrize(
    "bad, error",
    [
        (dict(PE=0), "bnnc_param_error_mvtu_pe_must_be_positive"),
        (dict(SIMD=0), "bnnc_param_error_mvtu_simd_must_be_positive"),
        (dict(OUT_MODE=4), "bnnc_param_error_mvtu_out_mode_must_be_0_to_3"),
        (dict(OUT_MODE=-1), "bnnc_param_error_mvtu_out_mode_must_be_0_to_3"),
        (dict(WEIGHT_BITS=0), "bnnc_param_error_mvtu_weight_bits_must_be_1_to_4"),
        (dict(WEIGHT_BITS=5), "bnnc_param_error_mvtu_weight_bits_must_be_1_to_4"),
        (dict(OUT_MODE=3, N_THR=0, OUT_BITS=2), "bnnc_param_error_mvtu_n_thr_must_be_positive_in_mode_3"),
        # mode 3 codes OUT_BIAS .. OUT_BIAS + N_THR must fit OUT_BITS: -1..2 does not fit 2 signed bits, 0..4 2 plain
        (dict(OUT_MODE=3, N_THR=3, OUT_BIAS=-1, OUT_BITS=2), "bnnc_param_error_mvtu_out_bits_must_hold_the_codes_in_mode_3"),
        (dict(OUT_MODE=3, N_THR=4, OUT_BIAS=0, OUT_BITS=2), "bnnc_param_error_mvtu_out_bits_must_hold_the_codes_in_mode_3"),
        (dict(ACC_BITS=3), "bnnc_param_error_mvtu_acc_bits_too_small"),
        (dict(OUT_BITS=4), "bnnc_param_error_mvtu_out_bits_must_be_1_in_mode_0"),
        (dict(BINARY_IN=2), "bnnc_param_error_mvtu_binary_in_must_be_0_or_1"),
        (dict(BINARY_IN=0, IN_BITS=0), "bnnc_param_error_mvtu_in_bits_too_small"),  # 1 bit is legal, signed too
        (dict(ROM_STYLE=4), "bnnc_param_error_mvtu_rom_style_must_be_0_to_3"),
        (dict(PARAM_STYLE=-1), "bnnc_param_error_mvtu_param_style_must_be_0_to_3"),
        (dict(BINARY_IN=0, IN_BITS=2, BIT_PLANES=2), "bnnc_param_error_mvtu_bit_planes_must_be_0_or_1"),
        (dict(BIT_PLANES=1), "bnnc_param_error_mvtu_bit_planes_needs_binary_in_0"),
        (dict(BINARY_IN=0, IN_BITS=2, WEIGHT_BITS=2, BIT_PLANES=1), "bnnc_param_error_mvtu_bit_planes_needs_weight_bits_1"),
        (dict(BINARY_IN=0, IN_BITS=2, OUT_MODE=1, OUT_BITS=6, BIT_PLANES=1),
         "bnnc_param_error_mvtu_bit_planes_needs_out_mode_0_or_3"),
        (dict(BINARY_IN=0, IN_BITS=2, OUT_MODE=2, OUT_BITS=6, BIT_PLANES=1),
         "bnnc_param_error_mvtu_bit_planes_needs_out_mode_0_or_3"),
    ],
)
def test_mvtu_rejects_illegal_parameters(bad: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    params = dict(MW=16, MH=8, PE=2, SIMD=4, BINARY_IN=1, OUT_MODE=0, ACC_BITS=6, OUT_BITS=1) | bad
    proc = run_lint(SOURCES, "bnnc_mvtu", params)
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr


# ---------------------------------------------------------------- the ROM layout, in Python


def _bit(lines: list[str], line: int, bit: int) -> int:
    return (int(lines[line], 16) >> bit) & 1


@pytest.mark.parametrize("mh, mw, pe, simd", [(5, 7, 2, 3), (4, 8, 4, 8), (1, 1, 1, 1), (10, 20, 3, 6), (3, 9, 5, 16)])
def test_weight_layout_bit_by_bit(mh: int, mw: int, pe: int, simd: int) -> None:
    """Line nf*SF+sf, bit p*SIMD+s is weight (nf*PE+p, sf*SIMD+s); padding is 0; fixed hex width."""
    rng = np.random.default_rng(mh * 1000 + mw)
    w = rng.integers(0, 2, size=(mh, mw)).astype(np.uint8)
    lines = mvtu_weight_lines(w, pe, simd)
    nf, sf = -(-mh // pe), -(-mw // simd)
    assert len(lines) == nf * sf
    assert {len(x) for x in lines} == {max(1, -(-pe * simd // 4))}
    for f in range(nf):
        for s in range(sf):
            for p in range(pe):
                for k in range(simd):
                    n, i = f * pe + p, s * simd + k
                    exp = int(w[n, i]) if n < mh and i < mw else 0
                    assert _bit(lines, f * sf + s, p * simd + k) == exp


def test_param_lanes_twos_complement() -> None:
    """Mode 0: ACC_BITS lanes; mode 2: {B, A} lanes; padding neurons 0; range errors are raised."""
    thr = np.array([5, -6, 0])  # mode 0 stores the biases -T: -5 = 0xB, 6 = 0x6, 0
    assert mvtu_param_lines(thr, 0, pe=2, acc_bits=4) == ["6b", "00"]
    a, b = np.array([1, -2]), np.array([-1, 3])
    # lane 0 = {B=-1, A=1} = 0xF1 (4-bit fields), lane 1 = {3, -2} = 0x3E
    assert mvtu_param_lines((a, b), 2, pe=2, aff_bits=4) == ["3ef1"]
    with pytest.raises(ValueError, match=r"^-threshold must fit 4-bit two's complement \[-8, 7\], not range \[8, 8\]$"):
        mvtu_param_lines(np.array([-8]), 0, pe=1, acc_bits=4)
    with pytest.raises(ValueError, match=r"^A must fit 4-bit two's complement \[-8, 7\], not range \[8, 8\]$"):
        mvtu_param_lines((np.array([8]), np.array([0])), 2, pe=1, aff_bits=4)


def test_write_and_read_back(tmp_path) -> None:
    """Files hold one word per line and read back to the same words."""
    w = np.eye(3, 5, dtype=np.uint8)
    wf, pf = write_mvtu_mems(w, np.array([1, 2, 3]), 2, 2, 0, tmp_path / "w.mem", tmp_path / "p.mem", acc_bits=4)
    assert read_mem(wf) == [int(x, 16) for x in mvtu_weight_lines(w, 2, 2)]
    assert read_mem(pf) == [0xEF, 0x0D]  # biases -1, -2 | -3, padding 0
    wf1, pf1 = write_mvtu_mems(w, None, 2, 2, 1, tmp_path / "w1.mem")
    assert pf1 is None and wf1.read_text() == wf.read_text()


def _slow_param_line(values: list[list[int]], field_bits: int, pe: int, nf: int) -> str:
    """Reference: build the word bit by bit (lane p, field k at bit p*lane + k*field_bits)."""
    lane_bits = field_bits * len(values[0])
    word = 0
    for p in range(pe):
        n = nf * pe + p
        if n >= len(values):
            continue
        for k, v in enumerate(values[n]):
            for bit in range(field_bits):
                if (v >> bit) & 1:  # Python ints are two's complement with infinite sign bits
                    word |= 1 << (p * lane_bits + k * field_bits + bit)
    return format(word, f"0{max(1, -(-pe * lane_bits // 4))}x")


@pytest.mark.parametrize("seed", range(5))
def test_param_lines_match_bitwise_reference(seed: int) -> None:
    """Random sizes: thresholds (mode 0) and {B, A} (mode 2) lines equal a bit-by-bit construction."""
    rng = np.random.default_rng(seed)
    mh, pe = (int(v) for v in rng.integers(1, 30, size=2))
    nf = -(-mh // pe)
    thr = rng.integers(-255, 257, size=mh)  # -T fits 9 bits
    assert mvtu_param_lines(thr, 0, pe, acc_bits=9) == [
        _slow_param_line([[-int(t)] for t in thr], 9, pe, f) for f in range(nf)
    ]
    a, b = rng.integers(-128, 128, size=mh), rng.integers(-128, 128, size=mh)
    assert mvtu_param_lines((a, b), 2, pe, aff_bits=8) == [
        _slow_param_line([[int(x), int(y)] for x, y in zip(a, b)], 8, pe, f) for f in range(nf)
    ]


@settings(max_examples=200, deadline=None)
@given(lo=st.integers(-3000, 3000), span=st.integers(0, 3000), data=st.data())
def test_threshold_fit_keeps_every_outcome(lo: int, span: int, data: st.DataObject) -> None:
    """For every reachable acc, (acc - T') wrapped to ACC_BITS two's complement is >= 0 exactly when
    acc >= T: what bnnc_mvtu computes in mode 0 after threshold_fit, for thresholds anywhere."""
    hi = lo + span
    thr = np.array(data.draw(st.lists(st.integers(lo - 5000, hi + 5000), min_size=1, max_size=6)))
    fitted, bits = threshold_fit(thr, lo, hi)
    assert mvtu_param_lines(fitted, 0, pe=len(fitted), acc_bits=bits)  # -T' fits its lanes
    acc = np.unique(np.concatenate([np.arange(lo, min(hi, lo + 40) + 1), np.arange(max(lo, hi - 40), hi + 1),
                                    np.clip(thr, lo, hi), np.clip(thr - 1, lo, hi)]))
    diff = acc[:, None] - fitted[None, :]
    wrapped = ((diff + (1 << (bits - 1))) % (1 << bits)) - (1 << (bits - 1))
    assert np.array_equal(wrapped >= 0, acc[:, None] >= thr[None, :])


# ---------------------------------------------------------------- few-bit layouts (issue 23), in Python


@pytest.mark.parametrize("mh, mw, pe, simd, wb",
                         [(5, 7, 2, 3, 2), (4, 8, 4, 8, 3), (1, 1, 1, 1, 4), (10, 20, 3, 6, 2), (3, 9, 5, 16, 4)])
def test_few_bit_weight_layout_field_by_field(mh: int, mw: int, pe: int, simd: int, wb: int) -> None:
    """Line nf*SF+sf, bits [(p*SIMD+s)*WB +: WB] are weight (nf*PE+p, sf*SIMD+s) in two's complement; padding 0."""
    rng = np.random.default_rng(mh * 1000 + mw + wb)
    w = rng.integers(-(1 << (wb - 1)), 1 << (wb - 1), size=(mh, mw))
    lines = mvtu_weight_lines(w, pe, simd, weight_bits=wb)
    nf, sf = -(-mh // pe), -(-mw // simd)
    assert len(lines) == nf * sf
    assert {len(x) for x in lines} == {max(1, -(-pe * simd * wb // 4))}
    for f in range(nf):
        for s in range(sf):
            word = int(lines[f * sf + s], 16)
            assert word == mvtu_weight_words(w, pe, simd, wb)[f * sf + s]
            for p in range(pe):
                for k in range(simd):
                    n, i = f * pe + p, s * simd + k
                    exp = int(w[n, i]) if n < mh and i < mw else 0
                    assert (word >> ((p * simd + k) * wb)) & ((1 << wb) - 1) == exp & ((1 << wb) - 1)


def test_few_bit_weight_codes_are_checked() -> None:
    """Codes outside WEIGHT_BITS two's complement, fractions and weight_bits outside 1..4 are refused."""
    with pytest.raises(ValueError, match=r"^2-bit weight codes must fit 2-bit two's complement \[-2, 1\], not range \[-1, 2\]$"):
        mvtu_weight_lines(np.array([[2, -1]]), 1, 2, weight_bits=2)
    with pytest.raises(ValueError, match=r"^weights must be integer codes, not fractions$"):
        mvtu_weight_lines(np.array([[0.5, 1.0]]), 1, 2, weight_bits=3)
    with pytest.raises(ValueError, match=r"^weight_bits must be 1 to 4, not 5$"):
        mvtu_weight_lines(np.array([[1, 0]]), 1, 2, weight_bits=5)
    # 1-bit weights keep their 0/1 contract
    with pytest.raises(ValueError, match=r"^weights must be bits"):
        mvtu_weight_lines(np.array([[-1, 1]]), 1, 2)


@pytest.mark.parametrize("seed", range(5))
def test_multi_threshold_lines_match_bitwise_reference(seed: int) -> None:
    """Mode 3: lane p of line nf holds neuron nf*PE+p's N_THR thresholds, k at [k*ACC_BITS +: ACC_BITS]."""
    rng = np.random.default_rng(100 + seed)
    mh, pe = (int(v) for v in rng.integers(1, 20, size=2))
    n_thr, acc_bits = int(rng.integers(1, 16)), int(rng.integers(2, 12))
    half = 1 << (acc_bits - 1)
    thr = np.sort(rng.integers(-half, half, size=(mh, n_thr)), axis=1)
    lines = mvtu_param_lines(thr, OutMode.MULTI_THRESHOLD, pe, acc_bits=acc_bits)
    assert lines == [_slow_param_line(thr.tolist(), acc_bits, pe, f) for f in range(-(-mh // pe))]


def test_multi_threshold_lines_refuse_bad_thresholds() -> None:
    """Unsorted rows, values outside ACC_BITS and a 1-D array are refused, each in one line."""
    with pytest.raises(ValueError, match=r"^each neuron's thresholds must be ascending, not \[3, 1\] \(neuron 1\)$"):
        mvtu_param_lines(np.array([[0, 1], [3, 1]]), OutMode.MULTI_THRESHOLD, pe=2, acc_bits=4)
    with pytest.raises(ValueError, match=r"^thresholds must fit 4-bit two's complement \[-8, 7\], not range \[0, 8\]$"):
        mvtu_param_lines(np.array([[0, 8]]), OutMode.MULTI_THRESHOLD, pe=1, acc_bits=4)
    with pytest.raises(ValueError, match=r"^thresholds must be an \(MH, N_THR\) matrix with N_THR >= 1, not shape \(2,\)$"):
        mvtu_param_lines(np.array([0, 1]), OutMode.MULTI_THRESHOLD, pe=1, acc_bits=4)


def test_write_few_bit_mems(tmp_path) -> None:
    """write_mvtu_mems writes WEIGHT_BITS-wide codes and mode 3's thresholds (no ones' complement offsets)."""
    w = np.array([[1, -1, 0], [0, 1, -1]])
    wf, pf = write_mvtu_mems(w, np.array([[-2, 1], [0, 3]]), 2, 2, OutMode.MULTI_THRESHOLD, tmp_path / "w.mem",
                             tmp_path / "p.mem", acc_bits=4, binary_in=False, weight_bits=2)
    assert read_mem(wf) == [int(x, 16) for x in mvtu_weight_lines(w, 2, 2, weight_bits=2)]
    assert read_mem(pf) == [0x301E]
    # mode 0 with few-bit integer weights: biases are -T exactly (the ones' complement is 1-bit only)
    _, pf0 = write_mvtu_mems(w, np.array([2, -3]), 2, 2, OutMode.THRESHOLD, tmp_path / "w0.mem", tmp_path / "p0.mem",
                             acc_bits=4, binary_in=False, weight_bits=2)
    assert read_mem(pf0) == [0x3E]


@settings(max_examples=200, deadline=None)
@given(lo=st.integers(-3000, 3000), span=st.integers(0, 3000), data=st.data())
def test_multi_threshold_fit_keeps_every_count(lo: int, span: int, data: st.DataObject) -> None:
    """For every reachable acc, #{k : acc >= T'_k} equals #{k : acc >= T_k}, and acc and every T' fit ACC_BITS:
    what bnnc_mvtu compares in mode 3 after multi_threshold_fit; MvtuOutput.multi_threshold sizes it alike."""
    hi = lo + span
    k = data.draw(st.integers(1, 6))
    rows = data.draw(st.lists(st.lists(st.integers(lo - 5000, hi + 5000), min_size=k, max_size=k), min_size=1,
                              max_size=4))
    thr = np.sort(np.array(rows, dtype=np.int64), axis=1)
    fitted, bits = multi_threshold_fit(thr, lo, hi)
    assert bits == MvtuOutput.multi_threshold(lo, hi, k, 0, k).acc_bits
    assert mvtu_param_lines(fitted, OutMode.MULTI_THRESHOLD, pe=1, acc_bits=bits)  # sorted and fitting
    assert -(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1
    acc = np.unique(np.concatenate([np.arange(lo, min(hi, lo + 40) + 1), np.arange(max(lo, hi - 40), hi + 1),
                                    np.clip(thr.ravel(), lo, hi), np.clip(thr.ravel() - 1, lo, hi)]))
    got = (acc[:, None, None] >= fitted[None]).sum(axis=2)
    assert np.array_equal(got, (acc[:, None, None] >= thr[None]).sum(axis=2))


def test_multi_threshold_output() -> None:
    """MvtuOutput.multi_threshold: mode 3, OUT_BITS from the code range (plain bits for unsigned codes)."""
    signed = MvtuOutput.multi_threshold(-6, 6, 2, -1, 1)
    assert (signed.mode, signed.acc_bits, signed.out_bits, signed.n_thr, signed.out_bias) == (OutMode.MULTI_THRESHOLD,
                                                                                                4, 2, 2, -1)
    unsigned = MvtuOutput.multi_threshold(0, 784, 3, 0, 3)
    assert (unsigned.acc_bits, unsigned.out_bits, unsigned.out_bias) == (11, 2, 0)
    with pytest.raises(ValueError, match=r"^n_thr must be >= 1, not 0$"):
        MvtuOutput.multi_threshold(0, 1, 0, 0, 0)


def test_few_bit_params_instance_and_cost() -> None:
    """WEIGHT_BITS/N_THR/OUT_BIAS left None stay out of the instance (1-bit top.v unchanged); set, they are in it,
    and the ROMs, output queue and features follow them."""
    from compiler.cores.mvtu import MvtuParams

    one = MvtuParams(MW=20, MH=8, PE=2, SIMD=4)
    assert not {"WEIGHT_BITS", "N_THR", "OUT_BIAS"} & set(one)
    assert (one.weight_bits, one.n_thr, one.out_bias) == (1, 1, 0)
    few = MvtuParams(MW=20, MH=8, PE=2, SIMD=4, BINARY_IN=1, OUT_MODE=3, ACC_BITS=7, OUT_BITS=2, WEIGHT_BITS=2,
                     N_THR=3, OUT_BIAS=0)
    assert {"WEIGHT_BITS": 2, "N_THR": 3, "OUT_BIAS": 0}.items() <= dict(few).items()
    assert few.param_lane == 21 and few.weight_word_bits == 16 and few.dot_latency == 1
    f = few.features()
    assert f["xnor_lanes"] == 0 and f["prod_lane_bits"] == 8 * 3 and f["mt_cmp_bits"] == 2 * 3 * 7  # +-w: 3 bits
    assert f["prod_tree_bits"] == 2 * (2 * 4 + 1 * 5)  # SIMD 4 of 3-bit terms: 2 adders of 4 bits, 1 of 5
    assert [r for r in few.roms("xilinx")] and few.out_queue() == (4 + 5 // 5, 4)
    assert one.features()["prod_lane_bits"] == 0 and one.features()["mt_cmp_bits"] == 0


def test_one_bit_signed_lanes_priced_as_bnnc_dot_lane_builds_them() -> None:
    """IN_BITS 1, IN_SIGNED 1 (codes {-1, 0}): the features follow bnnc_dot_lane's leaf widths, LW = 1 in ones'
    complement (mode 0: ~x of a 1-bit signed x needs no extra bit), 2 exact (w ? x : -x, -(-1) = 1), and a
    Booth product x * w of IN_BITS + WEIGHT_BITS = 4 bits for 3-bit weights."""
    from compiler.cores.mvtu import MvtuParams, adder_tree_bits

    ones = MvtuParams(MW=13, MH=6, PE=2, SIMD=5, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, OUT_MODE=0, ACC_BITS=6).features()
    assert ones["int_tree_bits"] == 2 * adder_tree_bits(5, 1) and ones["int_tree_pe_bits"] == 2 * 1
    exact = MvtuParams(MW=11, MH=5, PE=3, SIMD=4, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, OUT_MODE=1, ACC_BITS=5,
                       OUT_BITS=5).features()
    assert exact["int_lane_bits"] == 12 * 2 and exact["in_bits"] == 4
    prod = MvtuParams(MW=14, MH=7, PE=2, SIMD=3, BINARY_IN=0, IN_BITS=1, IN_SIGNED=1, OUT_MODE=1, ACC_BITS=6,
                      OUT_BITS=6, WEIGHT_BITS=3).features()
    assert prod["prod_lane_bits"] == 6 * 4 * 2 and prod["prod_tree_bits"] == 2 * adder_tree_bits(3, 4)


# ---------------------------------------------------------------- bit planes (BIT_PLANES = 1), in Python


@pytest.mark.parametrize("in_bits, in_signed", [(1, True), (2, True), (2, False), (3, False), (4, True), (4, False)])
@pytest.mark.parametrize("mw, simd", [(7, 3), (12, 4), (1, 1), (22, 9)])
def test_plane_offsets_make_the_plane_sum_exact(in_bits: int, in_signed: bool, mw: int, simd: int) -> None:
    """Bit for bit as the core computes it: per plane b, popcount(xnor(x_b, w)) over SF*SIMD lanes with padding
    lanes at x_b = 1 against weight 0, combined with c_b (the top plane -2**b when signed), plus K = plane_offsets,
    equals sum_i (w_i ? x_i : -x_i) for every neuron, random and extreme inputs alike."""
    rng = np.random.default_rng(in_bits * 1000 + mw * 10 + simd)
    mh = 5
    w = rng.integers(0, 2, size=(mh, mw)).astype(np.uint8)
    w[0, :], w[1, :] = 1, 0
    lo, hi = (-(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1) if in_signed else (0, (1 << in_bits) - 1)
    x = rng.integers(lo, hi + 1, size=(40, mw))
    x[0, :], x[1, :] = lo, hi
    lanes = -(-mw // simd) * simd
    xp = np.ones((x.shape[0], lanes), dtype=np.int64)
    wp = np.zeros((mh, lanes), dtype=np.int64)
    wp[:, :mw] = w
    k = plane_offsets(w, in_bits, in_signed)
    got = np.zeros((x.shape[0], mh), dtype=np.int64)
    for b in range(in_bits):
        xp[:, :mw] = (x >> b) & 1  # two's complement bit b (numpy's >> is arithmetic)
        pc = (xp[:, None, :] == wp[None, :, :]).sum(axis=2)
        got += (-(1 << b) if in_signed and b == in_bits - 1 else 1 << b) * pc
    want = np.where(w[None] == 1, x[:, None, :], -x[:, None, :]).sum(axis=2)
    assert np.array_equal(got + k[None, :], want)
    # the unit's sums acc - K lie in plane_acc_range of the true range
    plo, phi = plane_acc_range(int(want.min()), int(want.max()), k)
    assert plo <= got.min() and got.max() <= phi


def test_plane_offsets_in_the_parameter_rom(tmp_path) -> None:
    """Mode 3 writes T - K (still ascending), mode 0 the bias K - T modulo 2**ACC_BITS; bit planes only with integer
    input, 1-bit weights and modes 0 or 3; plane_offsets refuses codes and bad widths in one line."""
    w = np.array([[1, 0, 0], [1, 1, 1]], dtype=np.uint8)
    k = plane_offsets(w, 2, True)
    assert k.tolist() == [2, 0]
    _, pf = write_mvtu_mems(w, np.array([[-1, 1], [0, 2]]), 2, 2, OutMode.MULTI_THRESHOLD, tmp_path / "w.mem",
                            tmp_path / "p.mem", acc_bits=4, binary_in=False, bit_planes=True, in_bits=2,
                            in_signed=True)
    assert read_mem(pf) == [int(mvtu_param_lines(np.array([[-3, -1], [0, 2]]), 3, 2, acc_bits=4)[0], 16)]
    _, pf0 = write_mvtu_mems(w, np.array([3, -2]), 2, 2, OutMode.THRESHOLD, tmp_path / "w0.mem", tmp_path / "p0.mem",
                             acc_bits=4, binary_in=False, bit_planes=True, in_bits=2, in_signed=True)
    assert read_mem(pf0) == [(2 << 4) | ((2 - 3) & 0xF)]  # lanes K - T: -1, 2
    with pytest.raises(ValueError, match=r"^bit planes must have integer input, 1-bit weights and out_mode 0 or 3, "
                                         r"not binary_in=False, weight_bits=1, out_mode=1$"):
        write_mvtu_mems(w, None, 2, 2, OutMode.ACCUMULATOR, tmp_path / "w1.mem", tmp_path / "p1.mem",
                        binary_in=False, bit_planes=True, in_bits=2)
    with pytest.raises(ValueError, match=r"^weights must be bits \(0 = -1, 1 = \+1\), not other values$"):
        plane_offsets(np.array([[1, -1]]), 2, True)
    with pytest.raises(ValueError, match=r"^in_bits must be >= 1, not 0$"):
        plane_offsets(w, 0, False)


def test_bit_plane_params_instance_and_cost() -> None:
    """BIT_PLANES left None stays out of the instance; set, DOT_LAT is the popcount's + 1, the output queue follows
    it, and the features price IN_BITS popcounts per PE instead of the integer datapath."""
    from compiler.cores.mvtu import MvtuParams, xnor_popcount_stages

    kw = dict(MW=1024, MH=1024, PE=64, SIMD=32, BINARY_IN=0, IN_BITS=2, IN_SIGNED=1, OUT_MODE=3, ACC_BITS=12,
              OUT_BITS=2, N_THR=2, OUT_BIAS=-1)
    plain, planes = MvtuParams(**kw), MvtuParams(**kw, BIT_PLANES=1)
    assert "BIT_PLANES" not in set(plain) and dict(planes)["BIT_PLANES"] == 1
    assert planes.dot_latency == xnor_popcount_stages(32) + 3 and plain.dot_latency == 1
    assert planes.out_queue()[0] == 4 + (4 + planes.dot_latency) // 32
    f = planes.features()
    assert f["xnor_lanes"] == 64 * 32 * 2 and f["int_lane_bits"] == 0 and f["partial"] == 64 * 2 * 6
    assert plain.features()["xnor_lanes"] == 0
