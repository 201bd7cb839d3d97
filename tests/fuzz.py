"""Whole-flow fuzzing: seeded random valid networks compiled, linted and simulated against the reference.

:func:`fuzz_net` draws a network from a seed (MLPs and convolutional nets; random
sizes; foldings that often do not divide the layers; every input dtype class;
batchnorm channels with negative, zero and tiny gamma, huge beta and exact ties;
input batchnorms that give per-channel input thresholds; convolutions with random
pad values, padding of at least the kernel, strides up to 3, padded later layers
and small odd maps). :func:`check` compiles one, lints the Verilog (-Wall, zero
warnings), simulates it on Verilator with random input gaps and output
backpressure, every beat of every stream compared, and then without either:
every image after the first two must take exactly the manifest's interval.

The quick tier runs in ``make test`` (cocotb_tests/networks/test_fuzz.py); ``make fuzz`` runs
hundreds, figures in BENCHMARKS.md:

    .venv/bin/python -m tests.fuzz [--networks 500] [--start 0] [--jobs 2] [--images 12] [--out build/fuzz]

writes one JSON line per network to OUT/results.jsonl and prints the totals (networks,
beats compared, intervals checked, mismatches, failures by seed). It exits non-zero when
any network fails; that network's folder is kept under OUT for a rerun.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from designs.netgen import GenNet, bn_params, cnn, fewbit, mlp, random_inputs

# Images of the gap-free run that measures the interval (the first two fill the pipeline).
INTERVAL_IMAGES = 6

# Input dtypes drawn for MLPs (each has a hardware lane; int1 is refused at load).
DTYPES = ("bipolar", "uint8", "int8", "uint1", "int2", "uint4", "int3", "uint16", "int16", "uint32", "int32")


@dataclass
class FuzzResult:
    """What one fuzzed network did: sizes, what was compared, and the first mismatch (if any)."""

    seed: int
    kind: str
    layers: int
    input_dtype: str
    interval: int
    images: int
    beats_compared: int
    lint_warnings: int
    matches: int
    ok: bool
    failure: str = ""
    seconds: float = 0.0
    measured: list[int] = field(default_factory=list)  # the steady-state intervals measured without gaps
    fewbit: str = ""  # the few-bit features drawn ("" for a 1-bit network): e.g. "A2sn W3"

    def row(self) -> dict[str, Any]:
        return asdict(self)


def _random_folding(rng: np.random.Generator, net: GenNet) -> dict[str, dict[str, int]]:
    """PE and SIMD for some matrix layers, often not dividing the layer (the rest is left to bnnc)."""
    folding: dict[str, dict[str, int]] = {}
    for layer in net.doc["layers"]:
        if layer["op"] not in ("dense", "conv2d") or rng.random() < 0.4:
            continue
        w = net.arrays[f"{layer['name']}.weight"]
        rows, cols = int(w.shape[0]), int(np.prod(w.shape[1:]))
        if rows * cols == 0:
            continue  # an invalid draw (a map shrunk to nothing); fuzz_net draws again
        folding[layer["name"]] = {"pe": int(rng.integers(1, rows + 1)), "simd": int(rng.integers(1, min(cols, 80) + 1))}
    return folding


def _input_batchnorm(rng: np.random.Generator, net: GenNet) -> None:
    """Turn an input sign into batchnorm + sign: thresholds that differ per channel (bnnc_threshold_rom)."""
    layers = net.doc["layers"]
    if not layers or layers[0]["op"] != "sign":
        return
    dt = net.doc["input"].get("dtype", "uint8")
    c = int(net.doc["input"]["shape"][-1])
    lo, hi = (0, 255) if dt == "uint8" else (-128, 127) if dt == "int8" else (0, 15)
    net.doc["layers"] = [{"name": "in_bn", "op": "batchnorm"}] + layers
    layers[0]["threshold"] = 0.0
    for k, a in bn_params(rng, c, "mixed", acc_range=(lo, hi)).items():
        net.arrays[f"in_bn.{k}"] = a


# A quant's code ranges (bits, signed, narrow) a few-bit draw picks from (docs/few-bit.md); a signed narrow
# 1-bit range holds only 0 and is refused at load, so it is never drawn.
QUANT_KINDS = tuple((b, s, n) for b in (1, 2, 3, 4) for s in (True, False) for n in (True, False)
                    if not (b == 1 and n))
# The share of networks made few-bit (make fuzz: at least 200 of 500).
FEWBIT_SHARE = 0.5


def _fewbit(seed: int, net: GenNet) -> tuple[GenNet, str]:
    """``net`` made few-bit in about half the seeds (:func:`designs.netgen.fewbit`), and what was drawn ("" when
    it stays 1-bit): a quant of random bits, signedness and range with a scale that spreads the batchnorms'
    outputs over a few codes, each matrix layer's ``weight_bits`` (1 to 4), and a per-tensor, per-channel or no
    weight scale. A separate generator keeps the 1-bit network drawn for the seed as before few-bit draws existed.
    """
    rng = np.random.default_rng([seed, 23])
    if rng.random() >= FEWBIT_SHARE:
        return net, ""
    bits, signed, narrow = QUANT_KINDS[int(rng.integers(len(QUANT_KINDS)))]
    scale = float(rng.choice([0.25, 0.5, 1.0, float(rng.uniform(0.2, 1.5))]))
    n_matrix = sum(layer["op"] in ("dense", "conv2d") for layer in net.doc["layers"])
    wbits = [int(rng.choice([1, 1, 2, 3, 4])) for _ in range(n_matrix)]
    wscale = [None, None, "tensor", "channel"][int(rng.integers(4))]
    out = fewbit(net, rng, act=(bits, signed, narrow), act_scale=scale, weight_bits=wbits, weight_scale=wscale)
    tags = [f"A{bits}{'s' if signed else 'u'}{'n' if narrow else 'w'}"] if any(
        layer["op"] == "quant" for layer in out.doc["layers"]) else []
    tags += [f"W{b}" for b in sorted(set(wbits)) if b > 1] + ([f"scale/{wscale}"] if wscale else [])
    return out, " ".join(tags)


def fuzz_net(seed: int, conv: bool = True) -> GenNet:
    """A random valid network for ``seed`` (convolutional ones too when ``conv``).

    Draws again (from the same generator, so still deterministic) while a draw is not a
    valid network, e.g. when strides and pools shrink a small map to nothing.
    """
    import compiler
    from compiler.errors import BnncError

    rng = np.random.default_rng(seed)
    for _ in range(50):
        try:
            net = _draw(rng, seed, conv)
        except ValueError:  # a map shrunk below nothing (negative array dimensions): draw again
            continue
        net, drawn = _fewbit(seed, net)
        net.meta["fewbit"] = drawn
        if all(a.size for a in net.arrays.values()):
            try:
                compiler.load(net.write(Path(tempfile.mkdtemp(prefix="bnnc-fuzz-"))).path)
            except BnncError:
                continue
            finally:
                if net.path is not None:
                    shutil.rmtree(net.path.parent, ignore_errors=True)
                    net.path = None
            return net
    raise AssertionError(f"fuzz seed {seed}: no valid network in 50 draws")


def _draw(rng: np.random.Generator, seed: int, conv: bool) -> GenNet:
    output = str(rng.choice(["argmax", "scores"]))
    final_bn = bool(rng.random() < 0.7)
    if not conv or rng.random() < 0.55:
        dtype = str(rng.choice(DTYPES))
        depth = int(rng.integers(1, 4))
        sizes = [int(rng.integers(2, 48))] + [int(rng.integers(1, 40)) for _ in range(depth - 1)] + \
            [int(rng.integers(2, 11))]
        lo, hi = (-1, 1) if dtype == "bipolar" else (
            (0, (1 << int(dtype[4:])) - 1) if dtype.startswith("uint") else
            (-(1 << (int(dtype[3:]) - 1)), (1 << (int(dtype[3:]) - 1)) - 1))
        sign: Any = None
        if dtype != "bipolar" and rng.random() < 0.7:
            # a threshold inside the range, below 2^31 (a 32-bit threshold parameter is refused, not wrapped)
            sign = float(rng.integers(lo, min(hi, 2**31 - 2) + 1)) + float(rng.choice([0.0, 0.5]))
        net = mlp(rng, sizes=sizes, input_dtype=dtype, input_sign=sign, final_bn=final_bn, output=output,
                  name=f"fz{seed}")
        if dtype in ("uint8", "int8", "uint4") and sign is not None and rng.random() < 0.3:
            _input_batchnorm(rng, net)
    else:
        dtype = str(rng.choice(["bipolar", "uint8", "int8"]))
        nf = int(rng.integers(1, 3))
        kernel = int(rng.choice([1, 2, 3])) if nf == 1 else int(rng.choice([2, 3]))
        # padding of at least the kernel (rows and columns of windows all padding) in a quarter of the draws
        padding = int(rng.integers(kernel, kernel + 2)) if rng.random() < 0.25 else int(rng.integers(0, 3))
        if rng.random() < 0.25:  # small odd maps (1, 3, 5 pixels a side), a padded kernel may exceed them
            shape = (int(rng.choice([1, 3, 5])), int(rng.choice([1, 3, 5])), int(rng.integers(1, 4)))
        else:
            side_lo = max(kernel + 2, 5)
            shape = (int(rng.integers(side_lo, side_lo + 5)), int(rng.integers(side_lo, side_lo + 5)),
                     int(rng.integers(1, 4)))
        input_sign = "auto" if dtype == "bipolar" or rng.random() < 0.5 else None
        # a random pad value in the first conv's input range: ±1 on signs, the dtype's range (ends included) else
        bipolar_in = dtype == "bipolar" or input_sign is not None
        lo, hi = (-1, 1) if bipolar_in else (0, 255) if dtype == "uint8" else (-128, 127)
        pad_value = int(rng.choice([lo, hi])) if bipolar_in or rng.random() < 0.4 else int(rng.integers(lo, hi + 1))
        net = cnn(rng, input_shape=shape, input_dtype=dtype, input_sign=input_sign,
                  filters=[int(rng.integers(1, 9)) for _ in range(nf)], kernel=kernel, padding=padding,
                  stride=int(rng.choice([1, 1, 2, 3])), pad_value=pad_value,
                  padding_rest=int(rng.integers(0, kernel + 2)) if rng.random() < 0.4 else 0,
                  pad_value_rest=int(rng.choice([-1, 1])),
                  pool=str(rng.choice(["before_bn", "after_sign", "none"])),
                  hidden=[int(rng.integers(2, 12))] if rng.random() < 0.5 else [], classes=int(rng.integers(2, 7)),
                  final_bn=final_bn, output=output, name=f"fz{seed}")
        if dtype != "bipolar" and net.doc["layers"][0]["op"] == "sign" and rng.random() < 0.3:
            _input_batchnorm(rng, net)
    folding = _random_folding(rng, net)
    if folding:
        net.doc["hardware"] = {"clock_mhz": 100, "folding": folding}
    net.meta["seed"] = seed
    return net


def check(seed: int, work: Path, images: int = 12, gap: float = 0.25, ready: float = 0.7, conv: bool = True,
          keep: bool = False, **sim_options: Any) -> FuzzResult:
    """Compile, lint and simulate fuzz network ``seed`` in ``work``/``seed``; never raises for a network's fault."""
    import compiler
    from compiler.errors import BnncError
    from compiler.runtime.sim.simulate import simulate
    from compiler.runtime.sim.toolchain import lint

    t0 = time.perf_counter()
    net = fuzz_net(seed, conv=conv)
    folder = work / f"fz{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    net.write(folder / "net")
    kind = str(net.meta.get("kind", "?"))
    dtype = str(net.doc["input"]["dtype"])
    res = FuzzResult(seed, kind, len(net.doc["layers"]), dtype, 0, 0, 0, 0, 0, False,
                     fewbit=str(net.meta.get("fewbit", "")))
    try:
        out = folder / "rtl"
        manifest = compiler.compile(net.path, out)
        res.interval = int(manifest["interval_cycles"])
        files = [out / f for f in (out / "filelist.f").read_text().split()]
        warnings = lint(files, manifest["rtl"]["top"])
        res.lint_warnings = len(warnings)
        x = random_inputs(compiler.load(net.path), images, seed=seed)
        rep = simulate(out, x, gap_prob=gap, ready_prob=ready, seed=seed, **sim_options)
        res.images, res.matches = rep.images, rep.matches
        res.beats_compared = images * sum(int(s["beats_per_image"]) for s in manifest["rtl"]["streams"][1:])
        res.ok = not warnings and rep.matches == rep.images == images
        if warnings:
            res.failure = f"lint: {warnings[0]}"
        elif res.ok:
            # The manifest's interval is a promise: with no input gaps and no backpressure every image after
            # the first two (the pipeline filling) must take exactly the predicted cycles, no more, no fewer.
            if gap or ready < 1.0 or images < INTERVAL_IMAGES:
                x_iv = random_inputs(compiler.load(net.path), INTERVAL_IMAGES, seed=seed + 1)
                rep = simulate(out, x_iv, gap_prob=0.0, ready_prob=1.0, seed=seed, **sim_options)
            res.measured = sorted(set(rep.intervals[2:]))
            if res.measured != [rep.interval_predicted]:
                res.ok, res.failure = False, f"interval measured {res.measured} != predicted {rep.interval_predicted}"
    except BnncError as e:
        res.failure = f"refused: {e}"
    except Exception as e:  # noqa: BLE001 - a fuzz failure is a finding to report, with its seed
        res.failure = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    res.seconds = round(time.perf_counter() - t0, 2)
    if res.ok and not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return res


def _one(args: tuple[int, str, int]) -> FuzzResult:
    seed, out, images = args
    return check(seed, Path(out), images=images)


def main() -> int:
    """``make fuzz``: fuzz networks --start.. --start + --networks in --jobs processes; 1 when any failed."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--networks", type=int, default=500)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--images", type=int, default=12)
    p.add_argument("--out", default="build/fuzz")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    results: list[FuzzResult] = []
    seeds = range(args.start, args.start + args.networks)
    with open(out / "results.jsonl", "w") as log, ProcessPoolExecutor(args.jobs) as pool:
        for r in pool.map(_one, [(s, str(out), args.images) for s in seeds]):
            results.append(r)
            log.write(json.dumps(r.row()) + "\n")
            log.flush()
            if not r.ok:
                print(f"seed {r.seed}: FAILED: {r.failure}", flush=True)
            elif len(results) % 25 == 0:
                print(f"{len(results)} networks ...", flush=True)
    wall = time.perf_counter() - t0
    failed = [r for r in results if not r.ok]
    kinds = Counter(r.kind for r in results)
    dtypes = Counter(r.input_dtype for r in results)
    print(f"networks: {len(results)} ({dict(kinds)}), input dtypes {dict(sorted(dtypes.items()))}")
    few = [r for r in results if r.fewbit]
    print(f"few-bit networks: {len(few)} of {len(results)} ({sum(not r.ok for r in few)} failing)")
    print(f"images: {sum(r.images for r in results)}; beats compared: {sum(r.beats_compared for r in results):,}")
    exact = sum(r.measured == [r.interval] for r in results)
    print(f"interval measured = predicted (no gaps, no backpressure): {exact} of {len(results)} networks")
    print(f"mismatching or failing networks: {len(failed)} {[r.seed for r in failed]}")
    print(f"wall time: {wall:.0f} s with {args.jobs} jobs (command: python -m tests.fuzz --networks {args.networks} "
          f"--start {args.start} --jobs {args.jobs} --images {args.images})")
    return 1 if failed else 0


if __name__ == "__main__":
    from bench.record import provenance  # the line BENCHMARKS.md keeps under the table

    code = main()
    print(provenance("verilator"))
    sys.exit(code)
