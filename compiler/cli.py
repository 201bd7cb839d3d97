"""The ``bnnc`` command line: compile, inspect, run (and simulate, train when installed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from compiler.errors import BnncError
from compiler.version import __version__


def _load_array(path: str, what: str) -> np.ndarray:
    try:
        with open(path, "rb") as f:
            a = np.load(f, allow_pickle=False)
            if not isinstance(a, np.ndarray):
                a.close()
                raise BnncError(f"{what} must be a NumPy .npy array, not an .npz archive", file=path)
            return a
    except FileNotFoundError:
        raise BnncError(f"{what} must be an existing .npy file, not missing", file=path) from None
    except (ValueError, OSError, EOFError) as e:
        why = " ".join(str(e).split())
        raise BnncError(f"{what} must be a NumPy .npy array, not an unreadable file ({why})", file=path) from None


def _calibration(args: argparse.Namespace, graph) -> np.ndarray | None:
    """The --calibration batch, checked against the network's input like `run` checks --input."""
    from compiler.reference import prepare_input

    if not getattr(args, "calibration", None):
        return None
    x = _load_array(args.calibration, "--calibration")
    try:
        prepare_input(graph, x)
    except ValueError as e:
        raise BnncError(str(e), file=args.calibration, field="--calibration") from None
    return x


def cmd_compile(args: argparse.Namespace) -> int:
    from compiler.api import fold, load
    from compiler.codegen import write_output
    from compiler.ir import dump

    graph = load(args.net)
    out = Path(args.output).resolve()
    if Path(args.net).resolve().is_relative_to(out):
        # the output folder is replaced whole: it must not be (or hold) the network being compiled
        raise BnncError(f"-o must be a folder that does not hold the net.yaml, not {args.output!r}", field="-o")
    if args.dump_ir:
        print(dump(graph), end="")
    folded = fold(graph, calibration=_calibration(args, graph), dump_after=args.dump_after or ())
    if args.dump_ir:
        print(dump(folded), end="")
    manifest = write_output(folded, Path(args.output))
    print(f"bnnc: wrote {args.output} ({len(manifest['files'])} files); interval "
          f"{manifest['interval_cycles']} cycles/image, bottleneck {manifest['bottleneck']}")
    scores = manifest.get("scores", {})
    if scores.get("disagreements"):
        print(f"bnnc: warning: {args.net}: the final scores' fixed point ({scores['frac_bits']} fraction bits) "
              f"changes the argmax of {scores['disagreements']} of {scores['calibration_images']} "
              f"{scores['calibration']} calibration inputs vs float64; check the last batchnorm's parameters",
              file=sys.stderr)
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from compiler.api import fold, load
    from compiler.tables import render_tables

    graph = load(args.net)
    folded = fold(graph, calibration=_calibration(args, graph))
    print(render_tables(graph, folded), end="")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from compiler.api import load, predict

    graph = load(args.net)
    x = _load_array(args.input, "--input")
    try:
        out = predict(graph, x, stage=args.stage)
    except ValueError as e:
        raise BnncError(str(e), file=args.input, field="--input") from None
    if args.output:
        np.save(args.output, out)
    if graph.output == "argmax":
        counts = np.bincount(out, minlength=graph.output_type.dtype.hi + 1 if graph.output_type.dtype.hi else 1)
        print(f"{len(out)} images, stage {args.stage}; predicted class counts: {counts.tolist()}")
    else:
        print(f"{len(out)} images, stage {args.stage}; scores shape {list(out.shape)}")
    if args.labels:
        y = _load_array(args.labels, "--labels")
        if y.shape != (len(x),):
            raise BnncError(f"labels must have shape ({len(x)},), not {list(y.shape)}", file=args.labels)
        pred = out if graph.output == "argmax" else np.argmax(out, axis=-1)
        acc = float(np.mean(pred == y))
        print(f"accuracy: {acc * 100:.2f}% ({int(np.sum(pred == y))}/{len(y)})")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from runtime.sim.simulate import simulate_cli

    return simulate_cli(args)


def cmd_train(args: argparse.Namespace, rest: list[str]) -> int:
    try:
        from compiler.train.cli import main as train_main
    except ImportError as e:
        raise BnncError(f"training needs the train extra (pip install 'bnnc[train]'), not missing {e.name}") from None
    return train_main(rest)


def build_parser() -> argparse.ArgumentParser:
    from compiler.passes import REGISTRY

    p = argparse.ArgumentParser(prog="bnnc", description="Compile binarized neural networks to verified "
                                "streaming Verilog.")
    p.add_argument("--version", action="version", version=f"bnnc {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    c = sub.add_parser("compile", help="lower net.yaml to RTL: Verilog, ROM files and manifest.json")
    c.add_argument("net", help="the net.yaml to compile")
    c.add_argument("-o", "--output", required=True, help="output folder (replaced atomically)")
    c.add_argument("--dump-ir", action="store_true", help="print the IR before and after the passes")
    c.add_argument("--dump-after", action="append", metavar="PASS", choices=sorted(REGISTRY),
                   help="print the IR after this pass (repeatable); one of: " + ", ".join(REGISTRY))
    c.add_argument("--calibration", metavar="X.npy", help="inputs used to size the final scores' fixed point")
    c.set_defaults(func=cmd_compile)

    i = sub.add_parser("inspect", help="print the layer table before and after folding")
    i.add_argument("net")
    i.add_argument("--calibration", metavar="X.npy")
    i.set_defaults(func=cmd_inspect)

    r = sub.add_parser("run", help="reference predictions (numpy) for a batch of inputs")
    r.add_argument("net")
    r.add_argument("--input", required=True, metavar="X.npy", help="array shaped (N, *input shape)")
    r.add_argument("--labels", metavar="Y.npy", help="labels (N,): print accuracy")
    r.add_argument("--output", metavar="PRED.npy", help="save predictions here")
    r.add_argument("--stage", choices=("float", "folded"), default="folded")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("simulate", help="run compiled RTL on Verilator against the reference")
    s.add_argument("rtl", help="folder written by bnnc compile")
    s.add_argument("--inputs", required=True, metavar="X.npy")
    s.add_argument("--labels", metavar="Y.npy")
    s.add_argument("--limit", type=int, default=None, help="simulate only the first N inputs")
    s.add_argument("--waves", action="store_true", help="keep a VCD waveform")
    s.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=cmd_simulate)

    t = sub.add_parser("train", help="train an example architecture and export net.yaml (needs bnnc[train])",
                       add_help=False)
    t.set_defaults(func=None)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "train":
            return cmd_train(argparse.Namespace(), argv[1:])
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except BnncError as e:
        print(f"bnnc: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bnnc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
