"""The ``bnnc`` command line: compile, inspect, run (and simulate, train when installed)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from compiler.argparsing import Parser as _Parser
from compiler.argparsing import UsageError
from compiler.argparsing import byte_count as _byte_count
from compiler.argparsing import count as _count
from compiler.argparsing import path_arg as _path
from compiler.errors import BnncError, number
from compiler.limits import DEFAULT_MAX_BYTES, MAX_CLOCK_MHZ, MIN_TARGET_FPS
from compiler.names import printable
from compiler.targets import DEFAULT_TARGET, TARGETS
from compiler.version import __version__

# Exit status of an internal error (a bug in bnnc), as sysexits' EX_SOFTWARE.
EXIT_INTERNAL = 70
REPORT_HINT = "this is a bug in bnnc; please report it with the command line and the input files"


def _load_array(path: str, what: str, args: argparse.Namespace | None = None) -> np.ndarray:
    from compiler.frontend.arrays import read_npy

    return read_npy(path, what, getattr(args, "max_bytes", DEFAULT_MAX_BYTES))


def _say(text: str, err: bool = False) -> None:
    """Print one line whose user-given parts (paths, names) can hold control characters."""
    print(printable(text), file=sys.stderr if err else sys.stdout)


def _warn_constant(net: str, folded) -> None:  # type: ignore[no-untyped-def]
    from compiler.analysis import constant_output

    why = constant_output(folded)
    if why:
        _say(f"bnnc: warning: {net}: the network's output is the same for every input ({why})", err=True)


def _calibration(args: argparse.Namespace, graph) -> np.ndarray | None:
    """The --calibration batch, checked against the network's input like `run` checks --input."""
    from compiler.reference import check_input

    if not getattr(args, "calibration", None):
        return None
    x = _load_array(args.calibration, "--calibration", args)
    if x.ndim == 0 or x.shape[0] == 0:
        raise BnncError(f"--calibration must hold at least one input, not {x.shape[0] if x.ndim else 'a scalar'}",
                        file=args.calibration, field="--calibration")
    try:
        check_input(graph, x)
    except ValueError as e:
        raise BnncError(str(e), file=args.calibration, field="--calibration") from None
    return x


def _onnx_options(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The ImportOptions of --onnx-config, --input-dtype and --input-scale (the flags win), or None."""
    from compiler.frontend.onnxfile import options_from

    return options_from(getattr(args, "onnx_config", None), getattr(args, "input_dtype", None),
                        getattr(args, "input_scale", None))


def _load_graph(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The float-stage graph of args.net: a net.yaml, or an .onnx file read with its import options."""
    from compiler.api import load

    net = str(args.net)
    opts = _onnx_options(args)
    if not net.lower().endswith(".onnx"):
        if opts is not None:
            raise BnncError("--input-dtype, --input-scale and --onnx-config must go with an .onnx model, not a "
                            "net.yaml", file=net)
        return load(net, max_bytes=args.max_bytes)
    return load(net, max_bytes=args.max_bytes, onnx=opts)


def cmd_import(args: argparse.Namespace) -> int:
    from compiler.frontend.onnxfile import write_import

    opts = _onnx_options(args)
    files = write_import(args.model, Path(args.output), opts, args.max_bytes)
    _say(f"bnnc: wrote {', '.join(str(f) for f in files)} from {args.model}")
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    from compiler.api import fold
    from compiler.codegen import write_output
    from compiler.ir import dump
    from compiler.outdir import resolve_output

    graph = _load_graph(args)
    if args.target is not None:  # --target overrides hardware.target
        graph = graph.with_nodes(graph.nodes, config=graph.config.replace(target=args.target))
    inputs = [*graph.inputs, *([args.calibration] if args.calibration else [])]
    resolve_output(Path(args.output), inputs)  # refuse a bad -o before the passes run
    if args.dump_ir:
        print(dump(graph), end="")
    if args.target_fps is not None:  # overrides hardware.target_fps; messages about it name the option
        graph = graph.with_nodes(graph.nodes, config=graph.config.replace(target_fps=args.target_fps,
                                                                          fps_option="--target-fps"))
    folded = fold(graph, calibration=_calibration(args, graph), dump_after=args.dump_after or (),
                  max_bytes=args.max_bytes)
    if args.dump_ir:
        print(dump(folded), end="")
    manifest = write_output(folded, Path(args.output), inputs)
    _say(f"bnnc: wrote {args.output} ({len(manifest['files'])} files); interval "
         f"{manifest['interval_cycles']} cycles/image, bottleneck {manifest['bottleneck']}")
    _say_folding(folded, manifest)
    _warn_constant(args.net, folded)
    if args.report:
        from compiler.codegen.report import write_report

        _, page = write_report(Path(args.output))
        _say(f"bnnc: wrote {printable(str(page))}")
    scores = manifest.get("scores", {})
    if scores.get("disagreements"):
        _say(f"bnnc: warning: {args.net}: the final scores' fixed point ({scores['frac_bits']} fraction bits) "
              f"changes the argmax of {scores['disagreements']} of {scores['calibration_images']} "
             f"{scores['calibration']} calibration inputs vs float64; check the last batchnorm's parameters",
             err=True)
    return 0


def _report_accuracy(args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    """``bnnc report --net --inputs --labels``: float against folded accuracy for the report's Network section."""
    from compiler.api import load
    from compiler.codegen.folder import validate_folder
    from compiler.codegen.report import accuracy_of
    from compiler.errors import BnncError
    from compiler.frontend.arrays import read_npy
    from compiler.reference import check_input

    given = {"--net": args.net, "--inputs": args.inputs, "--labels": args.labels}
    missing = [k for k, v in given.items() if v is None]
    if missing:
        raise BnncError(f"{', '.join(missing)} must be given too: float against folded accuracy needs the network, "
                        "the images and their labels, not only " + ", ".join(k for k in given if k not in missing),
                        field=missing[0])
    folder = validate_folder(args.rtl)
    graph = load(args.net, max_bytes=args.max_bytes)
    x = read_npy(args.inputs, "--inputs", args.max_bytes)
    y = read_npy(args.labels, "--labels", args.max_bytes)
    try:
        check_input(graph, x)
    except ValueError as e:
        raise BnncError(str(e), file=args.inputs, field="--inputs") from None
    if y.shape != (x.shape[0],) or y.dtype.kind not in "iu":
        raise BnncError(f"--labels must be {x.shape[0]} integer class labels, not {y.dtype} {list(y.shape)}",
                        file=args.labels, field="--labels")
    return accuracy_of(folder, graph, x, y, Path(args.inputs).name)


def cmd_report(args: argparse.Namespace) -> int:
    """``bnnc report rtl/``: report.json and report.html from the folder (and its synth.json / simulate.json)."""
    from compiler.codegen.report import write_report

    accuracy = None
    if args.labels is not None or args.inputs is not None or args.net is not None:
        accuracy = _report_accuracy(args)
    data, page = write_report(Path(args.rtl), accuracy=accuracy)
    _say(f"bnnc: wrote {printable(str(page))} and {printable(str(data))}")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from compiler.api import fold
    from compiler.tables import render_tables

    graph = _load_graph(args)
    folded = fold(graph, calibration=_calibration(args, graph), max_bytes=args.max_bytes)
    print(render_tables(graph, folded), end="")
    _warn_constant(args.net, folded)
    return 0


def _output_file(path: str, inputs: list[str], suffix: str) -> Path:
    """Where a command's output file goes: never over one of its inputs, in a folder that exists."""
    out = Path(path if path.endswith(suffix) else path + suffix)  # np.save adds the suffix itself
    for inp in inputs:
        try:
            same = out.resolve() == Path(inp).resolve()
        except (OSError, RuntimeError):
            same = False
        if same:
            raise BnncError(f"--output must not be one of the command's inputs, not {printable(repr(inp))}",
                            field="--output")
    if not out.parent.is_dir():
        raise BnncError(f"--output must be in an existing folder, not in missing {printable(repr(str(out.parent)))}",
                        field="--output")
    return out


def _save_npy(out: Path, a: np.ndarray) -> None:
    """Write ``a`` to ``out`` whole or not at all (a temporary file beside it, then a rename)."""
    tmp = out.with_name(f".{out.name}.bnnc-tmp")
    try:
        with open(tmp, "wb") as f:
            np.save(f, a)
        os.replace(tmp, out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise BnncError(f"--output must be writable, not fail with {e.strerror or e}", file=str(out)) from None


def cmd_run(args: argparse.Namespace) -> int:
    from compiler.api import predict
    from compiler.reference import check_input

    graph = _load_graph(args)
    x = _load_array(args.input, "--input", args)
    if x.ndim == 0 or x.shape[0] == 0:
        raise BnncError(f"--input must hold at least one image, not {x.shape[0] if x.ndim else 'a scalar'}",
                        file=args.input, field="--input")
    y = _load_array(args.labels, "--labels", args) if args.labels else None
    if y is not None and y.shape != (len(x),):
        raise BnncError(f"labels must have shape ({len(x)},), not {list(y.shape)}", file=args.labels)
    out_path = _output_file(args.output, [*graph.inputs, args.input, *([args.labels] if args.labels else []),
                                          *([args.calibration] if args.calibration else [])],
                            ".npy") if args.output else None
    calibration = _calibration(args, graph)
    try:
        check_input(graph, x)
    except ValueError as e:
        raise BnncError(str(e), file=args.input, field="--input") from None
    # folded exactly as bnnc compile folds it with the same --calibration (and --max-bytes)
    out = predict(graph, x, stage=args.stage, calibration=calibration, max_bytes=args.max_bytes)
    if out_path is not None:
        _save_npy(out_path, out)
    if graph.output == "argmax":
        counts = np.bincount(out, minlength=graph.output_type.dtype.hi + 1 if graph.output_type.dtype.hi else 1)
        print(f"{len(out)} images, stage {args.stage}; predicted class counts: {counts.tolist()}")
    else:
        print(f"{len(out)} images, stage {args.stage}; scores shape {list(out.shape)}")
    if y is not None:
        pred = out if graph.output == "argmax" else np.argmax(out, axis=-1)
        acc = float(np.mean(pred == y))
        print(f"accuracy: {acc * 100:.2f}% ({int(np.sum(pred == y))}/{len(y)})")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from compiler.runtime.sim.simulate import simulate_cli

    return simulate_cli(args)


def _mhz(text: str) -> float:
    """An argparse type for a clock frequency in MHz (positive, at most MAX_CLOCK_MHZ)."""
    try:
        f = float(text)
    except ValueError:
        f = 0.0
    if not (0 < f <= MAX_CLOCK_MHZ):
        raise argparse.ArgumentTypeError(f"must be a frequency in MHz in (0, {number(MAX_CLOCK_MHZ)}], "
                                         f"not {printable(repr(text))}")
    return f


def _scale(text: str) -> float:
    """An argparse type for --input-scale: a positive number or a fraction a/b."""
    from compiler.frontend.onnxfile import parse_scale

    try:
        return parse_scale(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(printable(str(e))) from None


def _fps(text: str) -> float:
    """An argparse type for a frame rate (at least MIN_TARGET_FPS, finite)."""
    try:
        f = float(text)
    except ValueError:
        f = 0.0
    if not (MIN_TARGET_FPS <= f < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number of frames per second, at least "
                                         f"{number(MIN_TARGET_FPS)}, not {printable(repr(text))}")
    return f


def _say_folding(folded, manifest: dict) -> None:  # type: ignore[no-untyped-def]
    """The chosen folding per matrix layer, the rate and the modelled resources (bnnc compile's report)."""
    rows = [r for r in manifest["layers"] if "pe" in r]
    blocks = {r["name"]: ", weights in block RAM" for r in rows if r.get("weight_rom") == "block"}
    _say("bnnc: folding " + ", ".join(f"{r['name']} (PE {r['pe']}, SIMD {r['simd']}, {r['cycles']} cycles"
                                      f"{blocks.get(r['name'], '')})" for r in rows))
    fps = manifest.get("throughput_images_per_s")
    res = manifest.get("resources")
    line = f"bnnc: {fps:,.0f} frames/s at {manifest['clock_mhz']:g} MHz" if fps else "bnnc:"
    if res:
        t = res["total"]
        line += (f"; modelled on {res['target']}: {t['lut']:,} LUT ({t['lutram']:,} as RAM), {t['ff']:,} FF, "
                 f"{t['bram']:,} {res['bram_unit']}, {t['dsp']:,} DSP")
    _say(line)


def cmd_synth(args: argparse.Namespace) -> int:
    from compiler.runtime.synth import synth_cli

    return synth_cli(args)


def _baud(text: str) -> int:
    """An argparse type for a baud rate (a positive integer)."""
    try:
        b = int(text)
    except ValueError:
        b = 0
    if not (0 < b <= 100_000_000):
        raise argparse.ArgumentTypeError(f"must be a positive baud rate, not {printable(repr(text))}")
    return b


def cmd_board(args: argparse.Namespace) -> int:
    from compiler.runtime.board import board_run_cli

    return board_run_cli(args)


def cmd_train(args: argparse.Namespace, rest: list[str]) -> int:
    try:
        from compiler.train.cli import main as train_main
    except ImportError as e:
        raise BnncError(f"training needs the train extra (pip install 'bnnc[train]'), not missing {e.name}") from None
    return train_main(rest)


def build_parser() -> argparse.ArgumentParser:
    from compiler.passes import REGISTRY

    p = _Parser(prog="bnnc", description="Compile binarized neural networks to verified streaming Verilog.")
    p.add_argument("--version", action="version", version=f"bnnc {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND", parser_class=_Parser)
    limits = argparse.ArgumentParser(add_help=False)
    limits.add_argument("--max-bytes", type=_byte_count, default=DEFAULT_MAX_BYTES, metavar="N",
                        help="refuse any array, and any layer's working memory per image, above N bytes "
                             f"(default {DEFAULT_MAX_BYTES}; raise it for real giants)")

    onnx_opts = argparse.ArgumentParser(add_help=False)
    onnx_opts.add_argument("--input-dtype", metavar="DTYPE", default=None,
                           help="ONNX models: the integers the float input carries (uint8, int8, bipolar, uintN, intN)")
    onnx_opts.add_argument("--input-scale", type=_scale, default=None, metavar="S",
                           help="ONNX models: input = S * integer (a number or a fraction, e.g. 1/255)")
    onnx_opts.add_argument("--onnx-config", type=_path, default=None, metavar="SIDE.yaml",
                           help="ONNX models: name, input {dtype, scale}, output and hardware (as net.yaml's)")

    im = sub.add_parser("import", help="translate a QONNX / Brevitas ONNX model to net.yaml + weights.npz",
                        parents=[limits, onnx_opts])
    im.add_argument("model", type=_path, help="the .onnx file")
    im.add_argument("-o", "--output", type=_path, required=True,
                    help="folder for net.yaml and weights.npz (others' files in it are left alone)")
    im.set_defaults(func=cmd_import)

    c = sub.add_parser("compile", help="lower net.yaml (or an .onnx model) to RTL: Verilog, ROM files and "
                       "manifest.json", parents=[limits, onnx_opts])
    c.add_argument("net", type=_path, help="the net.yaml or .onnx model to compile")
    c.add_argument("-o", "--output", type=_path, required=True,
                   help="output folder: absent, empty or a previous bnnc output (replaced atomically)")
    c.add_argument("--dump-ir", action="store_true", help="print the IR before and after the passes")
    c.add_argument("--dump-after", action="append", metavar="PASS", choices=sorted(REGISTRY),
                   help="print the IR after this pass (repeatable); one of: " + ", ".join(REGISTRY))
    c.add_argument("--calibration", type=_path, metavar="X.npy",
                   help="inputs used to size the final scores' fixed point")
    c.add_argument("--target", choices=tuple(TARGETS), default=None,
                   help="the FPGA whose memories the ROMs are planned for (overrides hardware.target; "
                        f"default {DEFAULT_TARGET}); Lattice parts also bound the block RAM")
    c.add_argument("--target-fps", type=_fps, default=None, metavar="N",
                   help="frames/s to reach at clock_mhz: pick the cheapest modelled folding (overrides "
                        "hardware.target_fps; per-layer hardware.folding still wins)")
    c.add_argument("--report", action="store_true", help="also write report.html and report.json (bnnc report)")
    c.set_defaults(func=cmd_compile)

    rp = sub.add_parser("report", parents=[limits], help="write report.html (one self-contained page: pipeline, cycles, resources, "
                        "timing, verification) and report.json for a compile folder")
    rp.add_argument("rtl", type=_path, help="a bnnc compile folder (synth.json and simulate.json are used when present)")
    rp.add_argument("--net", type=_path, help="the net.yaml (or .onnx) the folder was compiled from: with --inputs and "
                    "--labels, the float network's accuracy beside the folded one's")
    rp.add_argument("--inputs", type=_path, metavar="X.npy", help="labelled images for the accuracy")
    rp.add_argument("--labels", type=_path, metavar="Y.npy", help="their labels")
    rp.set_defaults(func=cmd_report)

    i = sub.add_parser("inspect", help="print the layer table before and after folding", parents=[limits, onnx_opts])
    i.add_argument("net", type=_path)
    i.add_argument("--calibration", type=_path, metavar="X.npy")
    i.set_defaults(func=cmd_inspect)

    r = sub.add_parser("run", help="reference predictions (numpy) for a batch of inputs",
                       parents=[limits, onnx_opts])
    r.add_argument("net", type=_path)
    r.add_argument("--input", type=_path, required=True, metavar="X.npy", help="array shaped (N, *input shape)")
    r.add_argument("--labels", type=_path, metavar="Y.npy", help="labels (N,): print accuracy")
    r.add_argument("--output", type=_path, metavar="PRED.npy", help="save predictions here")
    r.add_argument("--stage", choices=("float", "folded"), default="folded")
    r.add_argument("--calibration", type=_path, metavar="X.npy",
                   help="fold with these inputs, as bnnc compile --calibration does (the same file gives the "
                        "compiled hardware's predictions)")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("simulate", help="run compiled RTL on Verilator against the reference", parents=[limits])
    s.add_argument("rtl", type=_path, help="folder written by bnnc compile")
    s.add_argument("--inputs", type=_path, required=True, metavar="X.npy")
    s.add_argument("--labels", type=_path, metavar="Y.npy")
    s.add_argument("--limit", type=_count, default=None, help="simulate only the first N inputs")
    s.add_argument("--engine", choices=("verilator", "cocotb"), default="verilator",
                   help="verilator: compiled C++ harness, whole data sets in seconds (default); "
                        "cocotb: beat-by-beat Python testbench, ~150x slower")
    s.add_argument("--check", choices=("all", "output"), default="all",
                   help="all: every layer-to-layer stream beat by beat (default); output: m_axis only")
    s.add_argument("--gaps", type=float, default=0.0, metavar="P",
                   help="chance of 1-4 idle input cycles after each input beat (default 0)")
    s.add_argument("--backpressure", type=float, default=0.0, metavar="P",
                   help="chance that m_axis_tready is low in a cycle (default 0)")
    s.add_argument("--waves", action="store_true",
                   help="write a VCD (verilator: a window around the first failure; cocotb: the whole run)")
    s.add_argument("--seed", type=int, default=0, help="seed of the gap and backpressure schedule")
    s.add_argument("--jobs", type=_count, default=None, metavar="N",
                   help="verilator engine: simulate shards of the batch in N runs at a time, each from reset and "
                        "checked beat for beat (default: one per core)")
    s.set_defaults(func=cmd_simulate)

    y = sub.add_parser("synth", help="synthesize compiled RTL (Yosys; nextpnr and a bitstream for Lattice parts)")
    y.add_argument("rtl", type=_path, help="folder written by bnnc compile")
    y.add_argument("--target", choices=tuple(TARGETS), default=None,
                   help="xilinx: synth_xilinx cell counts (default); Lattice parts: also place, route, "
                        "timing and a bitstream of a pin-sized harness around the design")
    y.add_argument("--clock-mhz", type=_mhz, default=None, metavar="F",
                   help="target clock for place-and-route (default: the manifest's clock_mhz)")
    y.add_argument("--board", choices=("icebreaker", "upduino", "ecp5-evn"), default=None,
                   help="a bitstream for this board: the design behind a UART, the board's clock, "
                        "reset and pins (the target follows from the board)")
    y.add_argument("--baud", type=_baud, default=None, metavar="B",
                   help="the board wrapper's UART baud rate (default 115200)")
    y.set_defaults(func=cmd_synth)

    b = sub.add_parser("board", help="talk to a board programmed with bnnc synth --board")
    bsub = b.add_subparsers(dest="board_cmd", required=True, metavar="ACTION", parser_class=_Parser)
    br = bsub.add_parser("run", help="stream images to the board over its UART; accuracy and images/s",
                         parents=[limits])
    br.add_argument("rtl", type=_path, help="the bnnc compile folder the board's bitstream was built from")
    br.add_argument("--port", type=_path, required=True, metavar="DEV", help="serial port, e.g. /dev/ttyUSB1")
    br.add_argument("--inputs", type=_path, required=True, metavar="X.npy")
    br.add_argument("--labels", type=_path, metavar="Y.npy")
    br.add_argument("--baud", type=_baud, default=None, metavar="B",
                    help="baud rate (default: the one rtl/synth.json records, else 115200)")
    br.add_argument("--limit", type=_count, default=None, help="send only the first N inputs")
    br.add_argument("--timeout", type=float, default=2.0, metavar="S",
                    help="seconds to wait for each reply beyond its transmission time (default 2)")
    br.set_defaults(func=cmd_board)

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
    except (BnncError, UsageError) as e:
        _say(f"bnnc: error: {e}", err=True)
        return 2
    except KeyboardInterrupt:
        print("bnnc: interrupted", file=sys.stderr)
        return 130
    except OSError as e:  # a path the OS refused that no check above caught: still the user's input
        where = f"{e.filename}: " if e.filename else ""
        _say(f"bnnc: error: {where}the path must be usable, not fail with {e.strerror or e}", err=True)
        return 2
    except Exception as e:  # noqa: BLE001 - anything else is bnnc's fault: say so, in one line
        _say(f"bnnc: internal error: {type(e).__name__}: {' '.join(str(e).split())[:300]} ({REPORT_HINT})",
             err=True)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
