"""pytest driver: bnnc_mvtu under several parameter sets (binary/uint8/int8 input, modes 0/1/2,
PE/SIMD that do not divide MH/MW, NF = SF = 1), plus elaboration checks; and its ROM layout
(compiler.cores.mvtu, used by the compiler and the testbenches) against the contract, in Python."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cocotb_tests.cores._common import CORES, Unit, base_seed, build_dir_for, core, param_rng
from compiler.bits import bits_for_range
from compiler.cores.mvtu import (OutMode, mvtu_param_lines, mvtu_weight_lines, read_mem, threshold_fit,
                                 write_mvtu_mems)
from compiler.runtime.sim.toolchain import lint, run_lint

SOURCES = core("bnnc_mvtu", "bnnc_rom", "bnnc_dot_lane", "bnnc_xnor_popcount", "bnnc_fifo")


def _signed_bits(lo: int, hi: int) -> int:
    """Smallest two's complement width holding [lo, hi] (always signed)."""
    return bits_for_range(min(lo, -1), hi)[0]


def acc_range(w: np.ndarray, binary: bool, in_bits: int, in_signed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Exact per-neuron accumulator range [lo, hi] over all inputs."""
    mh, mw = w.shape
    if binary:
        return np.zeros(mh, dtype=np.int64), np.full(mh, mw, dtype=np.int64)
    pos = w.sum(axis=1).astype(np.int64)
    neg = mw - pos
    if in_signed:
        xmin, xmax = -(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1
    else:
        xmin, xmax = 0, (1 << in_bits) - 1
    # term = x (w=1) or -x (w=0)
    hi = pos * xmax + neg * (-xmin)
    lo = pos * xmin + neg * (-xmax)
    return lo, hi


def make_case(spec: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Random weights/parameters for ``spec``; returns (Verilog parameters, npz data)."""
    mw, mh = spec["MW"], spec["MH"]
    binary = spec["BINARY_IN"] == 1
    in_bits, in_signed = spec.get("IN_BITS", 8), spec.get("IN_SIGNED", 0) == 1
    mode = OutMode(spec["OUT_MODE"])
    nrng = np.random.default_rng(rng.getrandbits(32))
    w = nrng.integers(0, 2, size=(mh, mw)).astype(np.uint8)
    if mh > 1:
        w[0, :] = 1  # extreme rows: all +1 and all -1
        w[1, :] = 0
    lo, hi = acc_range(w, binary, in_bits, in_signed)
    acc_bits = _signed_bits(int(lo.min()), int(hi.max())) + spec.get("ACC_EXTRA", 0)
    params: dict[str, Any] = dict(spec)
    params.pop("ACC_EXTRA", None)
    params.update(ACC_BITS=acc_bits, IN_BITS=in_bits, IN_SIGNED=int(in_signed))
    data: dict[str, np.ndarray] = {"weights": w}
    if mode == OutMode.THRESHOLD:
        # Thresholds near typical accumulator values, plus extremes (always/never fire).
        sample = nrng.integers(0, 2, size=(64, mw)) if binary else nrng.integers(
            -(1 << (in_bits - 1)) if in_signed else 0, (1 << (in_bits - 1 if in_signed else in_bits)), size=(64, mw))
        acc_s = (sample[:, None, :] == w[None]).sum(2) if binary else np.where(w[None] == 1, sample[:, None, :], -sample[:, None, :]).sum(2)
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
    return specs


def _id(spec: dict[str, Any]) -> str:
    kind = "bin" if spec["BINARY_IN"] else ("s" if spec.get("IN_SIGNED") else "u") + str(spec.get("IN_BITS", 8))
    return f"{kind}_m{spec['OUT_MODE']}_MW{spec['MW']}_MH{spec['MH']}_PE{spec['PE']}_S{spec['SIMD']}"


SPECS = _specs()


def prepare(spec: dict[str, Any], tag: str) -> tuple[dict[str, Any], Any]:
    """Parameters + data files for one spec, in its own build folder."""
    rng = random.Random(f"{base_seed()}:{tag}")
    params, data = make_case(spec, rng)
    bdir = build_dir_for("bnnc_mvtu", params, extra=str(base_seed()))
    bdir.mkdir(parents=True, exist_ok=True)
    wfile, pfile = bdir / "weights.mem", bdir / "params.mem"
    mode = OutMode(params["OUT_MODE"])
    prm = data.get("thresholds") if mode == OutMode.THRESHOLD else ((data["a"], data["b"]) if mode == OutMode.AFFINE else None)
    write_mvtu_mems(
        data["weights"], prm, params["PE"], params["SIMD"], mode, wfile,
        pfile if mode != OutMode.ACCUMULATOR else None, acc_bits=params["ACC_BITS"], aff_bits=params.get("AFF_BITS"),
        binary_in=bool(params["BINARY_IN"]),
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
        (dict(OUT_MODE=3), "bnnc_param_error_mvtu_out_mode_must_be_0_1_or_2"),
        (dict(ACC_BITS=3), "bnnc_param_error_mvtu_acc_bits_too_small"),
        (dict(OUT_BITS=4), "bnnc_param_error_mvtu_out_bits_must_be_1_in_mode_0"),
        (dict(BINARY_IN=2), "bnnc_param_error_mvtu_binary_in_must_be_0_or_1"),
        (dict(BINARY_IN=0, IN_BITS=1, IN_SIGNED=1), "bnnc_param_error_mvtu_in_bits_too_small"),
        (dict(ROM_STYLE=4), "bnnc_param_error_mvtu_rom_style_must_be_0_to_3"),
        (dict(PARAM_STYLE=-1), "bnnc_param_error_mvtu_param_style_must_be_0_to_3"),
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
