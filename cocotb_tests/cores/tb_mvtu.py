"""cocotb tests of bnnc_mvtu (run through test_mvtu.py).

The weights and per-neuron parameters come from the npz file named by env
``BNNC_TB_DATA`` (written by the pytest driver together with the .mem files);
the unit's parameters are read back from the DUT.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import cocotb
import numpy as np

from compiler.arith import Folding
from compiler.bits import chunk_lanes, pack_lanes, unpack_lanes
from compiler.cores.mvtu import MvtuParams, OutMode
from compiler.runtime.sim.axis import AxisEnv, AxisSink, AxisSource, Scoreboard, intervals, read_param


@dataclass
class MvtuConfig:
    """Parameters of the DUT plus the weights/parameters it was built with."""

    mw: int
    mh: int
    pe: int
    simd: int
    binary_in: bool
    in_bits: int
    in_signed: bool
    out_mode: OutMode
    acc_bits: int
    out_bits: int
    aff_bits: int
    weight_bits: int
    n_thr: int
    out_bias: int
    bit_planes: int
    weights: np.ndarray  # (MH, MW): 0/1 bits (WEIGHT_BITS = 1) or signed codes
    thresholds: np.ndarray | None  # (MH,) in mode 0, (MH, N_THR) in mode 3
    a: np.ndarray | None
    b: np.ndarray | None

    @property
    def folding(self) -> Folding:
        return Folding(self.mh, self.mw, self.pe, self.simd)

    @property
    def nf(self) -> int:
        return self.folding.nf

    @property
    def sf(self) -> int:
        return self.folding.sf

    @property
    def in_lane_bits(self) -> int:
        return 1 if self.binary_in else self.in_bits

    @property
    def out_lane_bits(self) -> int:
        return 1 if self.out_mode == OutMode.THRESHOLD else self.out_bits


def load_config(dut) -> MvtuConfig:
    """Read the DUT's parameters and the test data file; check they agree."""
    data = np.load(os.environ["BNNC_TB_DATA"])
    cfg = MvtuConfig(
        mw=read_param(dut, "MW"),
        mh=read_param(dut, "MH"),
        pe=read_param(dut, "PE"),
        simd=read_param(dut, "SIMD"),
        binary_in=bool(read_param(dut, "BINARY_IN")),
        in_bits=read_param(dut, "IN_BITS"),
        in_signed=bool(read_param(dut, "IN_SIGNED")),
        out_mode=OutMode(read_param(dut, "OUT_MODE")),
        acc_bits=read_param(dut, "ACC_BITS"),
        out_bits=read_param(dut, "OUT_BITS"),
        aff_bits=read_param(dut, "AFF_BITS"),
        weight_bits=read_param(dut, "WEIGHT_BITS"),
        n_thr=read_param(dut, "N_THR"),
        out_bias=read_param(dut, "OUT_BIAS"),
        bit_planes=read_param(dut, "BIT_PLANES"),
        weights=data["weights"].astype(np.int64),
        thresholds=data.get("thresholds"),
        a=data.get("a"),
        b=data.get("b"),
    )
    assert cfg.weights.shape == (cfg.mh, cfg.mw), f"data file weights {cfg.weights.shape} vs DUT MH={cfg.mh} MW={cfg.mw}"
    if cfg.out_mode == OutMode.MULTI_THRESHOLD:
        assert cfg.thresholds.shape == (cfg.mh, cfg.n_thr), f"data file thresholds {cfg.thresholds.shape} vs N_THR={cfg.n_thr}"
    unit = MvtuParams(MW=cfg.mw, MH=cfg.mh, PE=cfg.pe, SIMD=cfg.simd, BINARY_IN=int(cfg.binary_in), IN_BITS=cfg.in_bits,
                      IN_SIGNED=int(cfg.in_signed), OUT_MODE=int(cfg.out_mode), ACC_BITS=cfg.acc_bits,
                      OUT_BITS=cfg.out_bits, AFF_BITS=cfg.aff_bits, WEIGHT_BITS=cfg.weight_bits, N_THR=cfg.n_thr,
                      OUT_BIAS=cfg.out_bias, BIT_PLANES=cfg.bit_planes)
    # the Python mirror of the output queue's depth (the resource model prices its RAM) is the core's
    assert read_param(dut, "OQ_DEPTH") == unit.out_queue()[0], (read_param(dut, "OQ_DEPTH"), unit.out_queue())
    cocotb.log.info(f"bnnc_mvtu config: {cfg.__dict__ | {'weights': '...'}} NF={cfg.nf} SF={cfg.sf}")
    return cfg


def random_inputs(cfg: MvtuConfig, rng: np.random.Generator, n: int) -> np.ndarray:
    """n random input vectors (n, MW); integer inputs include the extreme values."""
    if cfg.binary_in:
        return rng.integers(0, 2, size=(n, cfg.mw))
    lo, hi = (-(1 << (cfg.in_bits - 1)), (1 << (cfg.in_bits - 1)) - 1) if cfg.in_signed else (0, (1 << cfg.in_bits) - 1)
    x = rng.integers(lo, hi + 1, size=(n, cfg.mw))
    x[0, :] = hi
    if n > 1:
        x[1, :] = lo
    return x


def model_acc(cfg: MvtuConfig, x: np.ndarray) -> np.ndarray:
    """Exact accumulators (n, MH): popcount domain for binary input with 1-bit weights, signed sums otherwise (with
    bit planes too: the unit sums acc - K, and its ROM holds K back, so the contract is the true sum)."""
    w = cfg.weights
    if cfg.weight_bits >= 2:  # codes: sum of x ? w : -w (x = 1 is +1), or of x * w
        xs = (2 * x - 1) if cfg.binary_in else x
        return xs @ w.T
    if cfg.binary_in:
        return (x[:, None, :] == w[None, :, :]).sum(axis=2)
    return np.where(w[None, :, :] == 1, x[:, None, :], -x[:, None, :]).sum(axis=2)


def model_outputs(cfg: MvtuConfig, x: np.ndarray) -> np.ndarray:
    """Output lane values (n, MH) as the contract defines them (before packing)."""
    acc = model_acc(cfg, x)
    if cfg.out_mode == OutMode.THRESHOLD:
        return (acc >= cfg.thresholds[None, :]).astype(np.int64)
    if cfg.out_mode == OutMode.ACCUMULATOR:
        return acc
    if cfg.out_mode == OutMode.MULTI_THRESHOLD:  # OUT_BIAS + the count of thresholds passed
        return cfg.out_bias + (acc[:, :, None] >= cfg.thresholds[None, :, :]).sum(axis=2)
    return cfg.a[None, :].astype(object) * acc.astype(object) + cfg.b[None, :].astype(object)


def input_beats(cfg: MvtuConfig, x: np.ndarray, rng: np.random.Generator) -> list[int]:
    """Pack vectors into SIMD-lane beats; lanes past MW carry random junk (the unit must ignore it)."""
    beats = []
    w = cfg.in_lane_bits
    for vec in x:
        for beat in chunk_lanes([int(v) for v in vec], cfg.simd):
            beats.append(pack_lanes(beat, w))
        pad = cfg.sf * cfg.simd - cfg.mw
        if pad:
            junk = int(rng.integers(0, 1 << 62)) & ((1 << (pad * w)) - 1)
            beats[-1] |= junk << ((cfg.simd - pad) * w)
    return beats


def output_beats(cfg: MvtuConfig, y: np.ndarray) -> list[int]:
    """Expected output beats: PE lanes per beat, padding neurons 0."""
    return [pack_lanes(beat, cfg.out_lane_bits) for vec in y for beat in chunk_lanes([int(v) for v in vec], cfg.pe)]


def _signed_out(cfg: MvtuConfig) -> bool:
    """Output lanes are two's complement (mode 3: plain bits when OUT_BIAS >= 0)."""
    if cfg.out_mode == OutMode.MULTI_THRESHOLD:
        return cfg.out_bias < 0
    return cfg.out_mode != OutMode.THRESHOLD


def _fmt(cfg: MvtuConfig):
    def fmt(word: int) -> str:
        return f"{word:#x} lanes={unpack_lanes(word, cfg.pe, cfg.out_lane_bits, signed=_signed_out(cfg))}"

    return fmt


async def _run(dut, name: str, n_vec: int, gap: float, ready: float) -> tuple[MvtuConfig, AxisSource, AxisSink]:
    cfg = load_config(dut)
    env = AxisEnv(dut, seed_name=f"mvtu.{name}")
    rng = np.random.default_rng(env.seed)
    x = random_inputs(cfg, rng, n_vec)
    sb = Scoreboard("m_axis", output_beats(cfg, model_outputs(cfg, x)), fmt=_fmt(cfg))
    src = AxisSource(env, "s_axis", gap_prob=gap)
    sink = AxisSink(env, "m_axis", ready_prob=ready, scoreboard=sb)
    await env.reset()
    src.send(input_beats(cfg, x, rng))
    await env.run_until(lambda: sb.done, timeout_cycles=200 + 4 * cfg.nf * cfg.sf)
    await env.cycles(2 * cfg.nf * cfg.sf + 20)  # nothing extra may come out
    sb.assert_done()
    assert sink.count == n_vec * cfg.nf
    return cfg, src, sink


@cocotb.test()
async def random_gaps_and_backpressure(dut) -> None:
    """Random input gaps and random output backpressure; every beat equals the model's."""
    await _run(dut, "random", n_vec=120, gap=0.3, ready=0.6)


@cocotb.test()
async def heavy_backpressure(dut) -> None:
    """Output mostly stalled while input floods: no beat lost or duplicated."""
    await _run(dut, "stall", n_vec=60, gap=0.05, ready=0.15)


@cocotb.test()
async def initiation_interval(dut) -> None:
    """No gaps, always ready: consecutive vectors leave exactly NF*SF cycles apart, inputs back to back."""
    cfg, src, sink = await _run(dut, "ii", n_vec=40, gap=0.0, ready=1.0)
    nf, sf = cfg.nf, cfg.sf
    last_beat_cycles = [sink.beats[(k + 1) * nf - 1][0] for k in range(len(sink.beats) // nf)]
    ii = intervals(last_beat_cycles)
    assert set(ii) == {nf * sf}, f"output vector intervals {ii}, expected all {nf * sf} (NF={nf}, SF={sf})"
    first_in = [src.sent[k * sf][0] for k in range(len(src.sent) // sf)]
    ii_in = intervals(first_in)
    assert set(ii_in) == {nf * sf}, f"input vector intervals {ii_in}, expected all {nf * sf}"
    cocotb.log.info(f"measured initiation interval {nf * sf} cycles (NF={nf}, SF={sf})")
