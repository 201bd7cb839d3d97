"""The bad-input corpus: inputs a careless, unlucky or hostile user gives bnnc, and the one line each must get.

Each :class:`Case` builds its files in an empty work folder (``{d}`` in its command
line), runs one ``bnnc`` command, and pins the whole error line (a regex of what
follows ``bnnc: error: ``), the exit code, and that no file outside bnnc's own
output folder changed. ``tests/test_bad_inputs.py`` runs them all.

Classes (issue 9): ``output`` (never destroy what bnnc did not write), ``inject``
(nothing injected into generated text or the terminal), ``numbers`` (every number
fits where it goes), ``alloc`` (refuse before allocating), ``os`` (paths the OS
refuses), ``kind`` (inputs of the wrong kind), ``silent`` (probably wrong, so not
silently accepted), ``usage`` (command-line mistakes).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from designs.netgen import mlp

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, the command, and the error line it must get."""

    name: str
    cls: str
    argv: tuple[str, ...]
    expect: str  # regex of the whole message after "bnnc: error: " ({d} is the work folder, escaped)
    setup: tuple[Setup, ...] = ()
    code: int = 2
    # folders (relative to {d}) that the command may write: bnnc's own output
    outputs: tuple[str, ...] = field(default_factory=tuple)


# ----------------------------------------------------------------------------- building blocks

def _net() -> Any:
    return mlp(0, sizes=[6, 4, 3], input_dtype="uint8", input_sign=127.5)


def base(d: Path) -> None:
    """A valid network (net.yaml, weights.npz), 5 valid inputs x.npy and labels y.npy."""
    _net().write(d)
    np.save(d / "x.npy", np.random.default_rng(0).integers(0, 256, size=(5, 6), dtype=np.uint8))
    np.save(d / "y.npy", np.arange(5) % 3)


def doc_edit(fn: Callable[[dict[str, Any]], None]) -> Setup:
    """Edit the net.yaml document (as data) after :func:`base`."""
    def setup(d: Path) -> None:
        doc = yaml.safe_load((d / "net.yaml").read_text())
        fn(doc)
        (d / "net.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return setup


def yaml_text(text: str, name: str = "net.yaml") -> Setup:
    def setup(d: Path) -> None:
        (d / name).write_text(text)
    return setup


def layer(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(x for x in doc["layers"] if x["name"] == name)


def weights_edit(fn: Callable[[dict[str, np.ndarray]], None]) -> Setup:
    def setup(d: Path) -> None:
        with np.load(d / "weights.npz", allow_pickle=True) as z:
            arrays = {k: z[k] for k in z.files}
        fn(arrays)
        np.savez(d / "weights.npz", **arrays)
    return setup


def npy_bytes(shape: tuple[int, ...], dtype: str, data: bytes = b"") -> bytes:
    """A .npy file whose header declares ``shape`` and ``dtype`` followed by ``data`` (possibly far less)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue() + data


def file(name: str, content: bytes | str) -> Setup:
    def setup(d: Path) -> None:
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
    return setup


def array(name: str, a: Any, pickle: bool = False) -> Setup:
    def setup(d: Path) -> None:
        np.save(d / name, a, allow_pickle=pickle)
    return setup


def folder(name: str) -> Setup:
    def setup(d: Path) -> None:
        (d / name).mkdir(parents=True, exist_ok=True)
    return setup


def fifo(name: str) -> Setup:
    def setup(d: Path) -> None:
        os.mkfifo(d / name)
    return setup


def symlink(name: str, target: str) -> Setup:
    def setup(d: Path) -> None:
        (d / name).symlink_to(d / target)
    return setup


def compiled(out: str) -> Setup:
    """A previous bnnc output of the base network in ``out``."""
    def setup(d: Path) -> None:
        import compiler
        compiler.compile(d / "net.yaml", d / out)
    return setup


def npz_member_header(member: str, shape: tuple[int, ...]) -> Setup:
    """Replace one npz member by a header declaring ``shape`` float64 with almost no data."""
    def setup(d: Path) -> None:
        with np.load(d / "weights.npz") as z:
            arrays = {k: z[k] for k in z.files}
        with zipfile.ZipFile(d / "weights.npz", "w") as zf:
            for k, v in arrays.items():
                if k == member:
                    zf.writestr(f"{k}.npy", npy_bytes(shape, "<f8", b"\0" * 64))
                else:
                    buf = io.BytesIO()
                    np.save(buf, v)
                    zf.writestr(f"{k}.npy", buf.getvalue())
    return setup


def _mk(name: str, cls: str, argv: str, expect: str, *setup: Setup, code: int = 2,
        outputs: tuple[str, ...] = ()) -> Case:
    return Case(name, cls, tuple(argv.split("\x1f")) if "\x1f" in argv else tuple(argv.split()), expect,
                (base, *setup), code, outputs)


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))
THREE_GIB = (3 << 30) // 8
CONV = ("name: c\ninput: {shape: [6, 6, 1], dtype: bipolar}\nlayers:\n  - {name: c1, op: conv2d, filters: 2, kernel: 3}\n"
        "  - {name: bn, op: batchnorm}\n  - {name: s, op: sign}\n  - {name: f, op: flatten}\n"
        "  - {name: fc, op: dense, units: 3}\n")


def conv_arrays(kernel: int = 3) -> dict[str, np.ndarray]:
    """Arrays of the CONV network (a kernel x kernel conv of 2 filters)."""
    return {"c1.weight": np.ones((2, 1, kernel, kernel)), "bn.gamma": np.ones(2), "bn.beta": np.zeros(2),
            "bn.mean": np.zeros(2), "bn.var": np.ones(2), "fc.weight": np.ones((3, 32))}
# One dense layer whose weight ROM is planned for block RAM (deep and narrow).
BIG_ROM = ("name: m\ninput: {shape: [512], dtype: bipolar}\nlayers:\n  - {name: fc, op: dense, units: 256}\n"
           "hardware: {folding: {fc: {pe: 1, simd: 16}}}\n")
Y = r"\S*/net\.yaml"
W = r"\S*/weights\.npz"


CASES: list[Case] = [
    # ------------------------------------------------------------------ output: never destroy what bnnc did not write
    _mk("out_is_the_net_folder", "output", "compile {d}/net.yaml -o {d}",
        r"field -o: output folder must not hold bnnc's inputs, not contain '\S+/net\.yaml' \(bnnc replaces the "
        r"folder whole\); choose another -o"),
    _mk("out_is_the_net_folder_dotdot", "output", "compile {d}/net.yaml -o {d}/sub/..",
        r"field -o: output folder must not hold bnnc's inputs, not contain .*", folder("sub")),
    _mk("out_is_a_link_to_the_net_folder", "output", "compile {d}/net.yaml -o {d}/link",
        r"field -o: output folder must not hold bnnc's inputs, not contain .*", symlink("link", ".")),
    _mk("out_holds_user_files", "output", "compile {d}/net.yaml -o {d}/out",
        r"field -o: output folder must be empty or a previous bnnc output, not '\S+/out' \(it has files and no "
        r"bnnc manifest\.json\); bnnc replaces the folder whole, so choose another -o", file("out/notes.txt", "x")),
    _mk("out_bnnc_output_plus_user_file", "output", "compile {d}/net.yaml -o {d}/out",
        r"field -o: output folder must hold only what bnnc wrote, not 'mine\.npz' \(1 other file\(s\)\); bnnc "
        r"replaces the folder whole, so move them or choose another -o", compiled("out"), file("out/mine.npz", "x")),
    _mk("out_is_a_file", "output", "compile {d}/net.yaml -o {d}/x.npy",
        r"field -o: output must be a folder, not an existing file '\S+/x\.npy'"),
    _mk("out_dangling_link", "output", "compile {d}/net.yaml -o {d}/link",
        r"field -o: output must be a folder or a link to one, not a dangling link '\S+/link'",
        symlink("link", "nowhere")),
    _mk("out_holds_calibration", "output", "compile {d}/net.yaml -o {d}/out --calibration {d}/out/cal.npy",
        r"field -o: output folder must not hold bnnc's inputs, not contain '\S+/out/cal\.npy' .*",
        folder("out"), array("out/cal.npy", np.zeros((4, 6), dtype=np.uint8))),
    _mk("out_parent_is_a_file", "output", "compile {d}/net.yaml -o {d}/x.npy/rtl",
        r"field -o: output folder's parent must be a writable folder, not fail with .+"),
    _mk("run_output_over_its_input", "output", "run {d}/net.yaml --input {d}/x.npy --output {d}/x.npy",
        r"field --output: --output must not be one of the command's inputs, not '\S+/x\.npy'"),
    _mk("run_output_over_its_labels", "output",
        "run {d}/net.yaml --input {d}/x.npy --labels {d}/y.npy --output {d}/y",
        r"field --output: --output must not be one of the command's inputs, not '\S+/y\.npy'"),
    _mk("run_output_without_suffix_is_its_input", "output", "run {d}/net.yaml --input {d}/x.npy --output {d}/x",
        r"field --output: --output must not be one of the command's inputs, not '\S+/x\.npy'"),
    _mk("run_output_in_missing_folder", "output", "run {d}/net.yaml --input {d}/x.npy --output {d}/no/p.npy",
        r"field --output: --output must be in an existing folder, not in missing '\S+/no'"),

    # ------------------------------------------------------------------ inject: nothing raw reaches text or terminal
    _mk("newline_in_yaml_file_name", "inject", "inspect\x1f{d}/evil\nname.yaml",
        r"\S*/evil\\nname\.yaml: field layers: layers must be given, not missing", yaml_text("name: n\ninput: "
        "{shape: [6]}\n", "evil\nname.yaml")),
    _mk("ansi_escape_in_path", "inject", "inspect {d}/\x1b[31mred.yaml",
        r"\S*/\\x1b\[31mred\.yaml: the net\.yaml must be an existing file, not missing"),
    _mk("newline_in_layer_name", "inject", "inspect {d}/net.yaml",
        r"\S*/net\.yaml: layer act1\\nbnnc: ok: field name: name must be an identifier \(letters, digits and _, "
        r"not starting with a digit\), not 'act1\\nbnnc: ok'",
        doc_edit(lambda doc: layer(doc, "fc1").__setitem__("name", "act1\nbnnc: ok"))),
    _mk("control_char_in_field_value", "inject", "inspect {d}/net.yaml",
        r"\S*/net\.yaml: layer fc1: field units: units must be an integer, not '4\\x07'",
        doc_edit(lambda doc: layer(doc, "fc1").__setitem__("units", "4\x07"))),
    _mk("newline_in_network_name", "inject", "compile {d}/net.yaml -o {d}/out",
        r"\S*/net\.yaml: field name: name must be an identifier .*, not 'n\\nmodule evil;'",
        doc_edit(lambda doc: doc.__setitem__("name", "n\nmodule evil;"))),
    _mk("newline_in_weights_path", "inject", "inspect {d}/net.yaml",
        r"\S*/net\.yaml: field weights: weights must name an existing \.npz file, not 'w\\n\.npz' \(not found\)",
        doc_edit(lambda doc: doc.__setitem__("weights", "w\n.npz"))),

    # ------------------------------------------------------------------ numbers: every number fits where it goes
    _mk("uint32_threshold_beyond_int32", "numbers", "compile {d}/net.yaml -o {d}/out",
        r"net\.yaml: layer in_sign: field THRESHOLD: parameter THRESHOLD of bnnc_threshold must fit a 32-bit Verilog "
        r"integer \[-2147483648, 2147483647\], not 3500000000; narrow the input dtype or the value that sets it",
        doc_edit(lambda doc: (doc["input"].__setitem__("dtype", "uint32"),
                              layer(doc, "in_sign").__setitem__("threshold", 3.5e9)))),
    _mk("int1_input", "numbers", "inspect {d}/net.yaml",
        Y + r": field input\.dtype: dtype must be one of bipolar, uint8, int8, uintN \(N = 1\.\.32\), intN "
        r"\(N = 2\.\.32\), not 'int1'", doc_edit(lambda doc: doc["input"].__setitem__("dtype", "int1"))),
    _mk("clock_infinite", "numbers", "inspect {d}/net.yaml",
        Y + r": field hardware\.clock_mhz: clock_mhz must be a finite number, not inf",
        doc_edit(lambda doc: doc.__setitem__("hardware", {"clock_mhz": float("inf")}))),
    _mk("target_unknown", "numbers", "inspect {d}/net.yaml",
        Y + r": field hardware\.target: target must be one of xilinx, ice40-up5k, ecp5-25k, ecp5-85k, not 'altera'",
        doc_edit(lambda doc: doc.__setitem__("hardware", {"target": "altera"}))),
    # 8,192 words of 16 bits (PE 1, SIMD 16): 32 EBR where the UP5K has 30 (more if the scores' affine
    # ROM goes to block RAM too)
    _mk("roms_beyond_the_ice40_ebr", "numbers", "compile {d}/net.yaml -o {d}/out --target ice40-up5k",
        Y + r": field hardware\.target: the ROMs planned for block RAM must fit ice40-up5k's 30 EBR x 4 kbit, not "
        r"need 3\d EBR \(\d EBR too many; the ROMs hold [\d,]+ bits over its 122,880 initialisable bits\); pick a larger target",
        yaml_text(BIG_ROM), weights_edit(lambda a: (a.clear(), a.update({"fc.weight": np.ones((256, 512))})))),
    # 192 words of 2,048 bits: 57 columns of 512x36 where the 25k has 56 EBR, though the bits would fit
    _mk("roms_beyond_the_ecp5_ebr_by_aspect", "numbers", "compile {d}/net.yaml -o {d}/out",
        Y + r": field hardware\.target: the ROMs planned for block RAM must fit ecp5-25k's 56 EBR x 18 kbit, not "
        r"need 57 EBR \(1 EBR too many; the ROMs hold 393,216 bits, within its 1,032,192 initialisable bits but "
        r"not in whole blocks of their aspect ratios\); fold with another PE x SIMD, or pick a larger target",
        yaml_text(BIG_ROM.replace("units: 256", "units: 768").replace("pe: 1, simd: 16", "pe: 16, simd: 128")
                  .replace("{folding:", "{target: ecp5-25k, folding:")),
        weights_edit(lambda a: (a.clear(), a.update({"fc.weight": np.ones((768, 512))})))),
    _mk("eps_nan", "numbers", "inspect {d}/net.yaml",
        Y + r": layer bn1: field eps: eps must be a finite number, not nan",
        doc_edit(lambda doc: layer(doc, "bn1").__setitem__("eps", float("nan")))),
    _mk("sign_threshold_nan", "numbers", "inspect {d}/net.yaml",
        Y + r": layer in_sign: field threshold: threshold must be a finite number, not nan",
        doc_edit(lambda doc: layer(doc, "in_sign").__setitem__("threshold", float("nan")))),
    _mk("pe_beyond_the_layer", "numbers", "compile {d}/net.yaml -o {d}/out",
        Y + r": layer fc1: field hardware\.folding\.pe: pe must be at most the layer's 4 output rows \(more lanes "
        r"would only compute padding, no faster\), not 100000",
        doc_edit(lambda doc: doc.__setitem__("hardware", {"folding": {"fc1": {"pe": 100000, "simd": 1}}}))),
    _mk("target_fps_beyond_the_fastest_folding", "numbers", "compile {d}/net.yaml -o {d}/out",
        Y + r": field hardware\.target_fps: hardware\.target_fps must be at most 100,000,000 \(the fastest folding "
        r"at 100 MHz\), not 1000000000",
        doc_edit(lambda doc: doc.__setitem__("hardware", {"target_fps": 1e9}))),
    _mk("target_fps_cli_beyond_the_fastest_folding", "numbers", "compile {d}/net.yaml -o {d}/out --target-fps 5e8",
        r"field --target-fps: --target-fps must be at most 100,000,000 \(the fastest folding "
        r"at 100 MHz\), not 500000000"),
    _mk("budget_below_any_folding", "numbers", "compile {d}/net.yaml -o {d}/out",
        Y + r": field hardware\.budget\.lut: hardware\.budget\.lut must be at least \d[\d,]* for 1,000 frames/s at "
        r"100 MHz \(the cheapest modelled folding; no folding fits it\), not 1",
        doc_edit(lambda doc: doc.__setitem__("hardware", {"target_fps": 1000, "budget": {"lut": 1}}))),
    _mk("units_beyond_any_array", "numbers", "inspect {d}/net.yaml",
        W + r": layer fc1: field weight: array fc1\.weight must be present with shape \[1099511627776, 6\], not "
        r"missing", doc_edit(lambda doc: layer(doc, "fc1").__setitem__("units", 1 << 40)),
        weights_edit(lambda a: a.pop("fc1.weight"))),
    _mk("max_bytes_zero", "numbers", "inspect {d}/net.yaml --max-bytes 0",
        r"argument --max-bytes: must be a positive number of bytes, not '0'; see 'bnnc inspect --help'"),

    # ------------------------------------------------------------------ alloc: refuse before allocating
    _mk("yaml_alias_bomb", "alloc", "inspect {d}/net.yaml",
        Y + r": line 7: the YAML must have at most 1000000 values once aliases are expanded, not \d+ or more",
        yaml_text(BOMB)),
    _mk("yaml_many_aliases", "alloc", "inspect {d}/net.yaml",
        Y + r": line \d+: the YAML must have at most 256 alias uses \(\*name\), not more",
        yaml_text("a: &a 1\nb: [" + ", ".join(["*a"] * 300) + "]\n")),
    _mk("yaml_deep_nesting", "alloc", "inspect {d}/net.yaml",
        Y + r": line 1: the YAML must have nesting at most 64 deep, not deeper", yaml_text("a: " + "[" * 100 + "]" * 100)),
    _mk("yaml_recursive_alias", "alloc", "inspect {d}/net.yaml",
        Y + r": line 1: the YAML must have no alias inside the node it names, not a recursive alias",
        yaml_text("a: &a [1, *a]\n")),
    _mk("yaml_huge_file", "alloc", "inspect {d}/net.yaml",
        Y + r": the net\.yaml must be at most 16777216 bytes \(16\.0 MiB\), not 17825792 bytes \(17\.0 MiB\)",
        yaml_text("#" * (17 << 20))),
    _mk("npz_member_declares_3gib", "alloc", "inspect {d}/net.yaml",
        W + r": array fc1\.weight must be at most 2147483648 bytes \(2\.0 GiB\) \(--max-bytes\), not 3221225472 bytes "
        r"\(3\.0 GiB\) as its header declares \(shape \[402653184\], float64\)",
        npz_member_header("fc1.weight", (THREE_GIB,))),
    _mk("npz_member_over_max_bytes", "alloc", "inspect {d}/net.yaml --max-bytes 100",
        W + r": array \w+\.\w+ must be at most 100 bytes \(--max-bytes\), not \d+ bytes as the archive declares"),
    _mk("input_npy_declares_3gib", "alloc", "run {d}/net.yaml --input {d}/big.npy",
        r"\S*/big\.npy: --input must declare at most 2147483648 bytes \(2\.0 GiB\) \(--max-bytes\), not 3221225472 "
        r"bytes \(3\.0 GiB\) \(shape \[402653184\], float64\)", file("big.npy", npy_bytes((THREE_GIB,), "<f8"))),
    _mk("calibration_npy_declares_3gib", "alloc", "compile {d}/net.yaml -o {d}/out --calibration {d}/big.npy",
        r"\S*/big\.npy: --calibration must declare at most .*", file("big.npy", npy_bytes((THREE_GIB,), "<f8"))),
    _mk("labels_npy_declares_3gib", "alloc", "run {d}/net.yaml --input {d}/x.npy --labels {d}/big.npy",
        r"\S*/big\.npy: --labels must declare at most .*", file("big.npy", npy_bytes((THREE_GIB,), "<i8"))),
    _mk("input_shape_giant", "alloc", "inspect {d}/net.yaml",
        Y + r": layer pool: field op: the layer must need at most 2147483648 bytes \(2\.0 GiB\) per image in the "
        r"reference \(--max-bytes\), not 36000000000 bytes \(33\.5 GiB\) \(input u8\[0,255\]\[60000, 60000, 1\], "
        r"output u8\[0,255\]\[30000, 30000, 1\]\)",
        yaml_text("name: g\ninput: {shape: [60000, 60000, 1], dtype: uint8}\nlayers:\n"
                  "  - {name: pool, op: maxpool2d, kernel: 2}\n  - {name: f, op: flatten}\n"
                  "  - {name: fc, op: dense, units: 2}\n")),
    _mk("conv_padding_giant", "alloc", "inspect {d}/net.yaml",
        Y + r": layer c: field op: the layer must need at most .* per image in the reference \(--max-bytes\), not .*",
        yaml_text("name: g\ninput: {shape: [4, 4, 1], dtype: bipolar}\nlayers:\n"
                  "  - {name: c, op: conv2d, filters: 1, kernel: 2, padding: 20000}\n"),
        weights_edit(lambda a: (a.clear(), a.__setitem__("c.weight", np.ones((1, 1, 2, 2)))))),
    _mk("truncated_npy_input", "alloc", "run {d}/net.yaml --input {d}/t.npy",
        r"\S*/t\.npy: --input must hold the 240 data bytes its header declares, not fewer \(the file is truncated\)",
        file("t.npy", npy_bytes((5, 6), "<i8", b"\0" * 16))),

    # ------------------------------------------------------------------ os: paths the OS refuses
    _mk("yaml_missing", "os", "inspect {d}/none.yaml", r"\S*/none\.yaml: the net\.yaml must be an existing file, not "
        "missing"),
    _mk("yaml_is_a_folder", "os", "inspect {d}/dir.yaml", r"\S*/dir\.yaml: the net\.yaml must be a regular file, not a "
        "folder", folder("dir.yaml")),
    _mk("yaml_is_a_fifo", "os", "inspect {d}/f.yaml", r"\S*/f\.yaml: the net\.yaml must be a regular file, not a FIFO",
        fifo("f.yaml")),
    _mk("yaml_is_a_device", "os", "inspect /dev/null", r"/dev/null: the net\.yaml must be a regular file, not a device"),
    _mk("yaml_name_too_long", "os", "inspect {d}/" + "n" * 300 + ".yaml",
        r"\S+\.yaml: the net\.yaml must be a readable file, not fail with File name too long"),
    _mk("yaml_nul_byte", "os", "inspect {d}/a\0b.yaml",
        r"argument net: must be a path without NUL bytes, not '\S+a\\x00b\.yaml'; see 'bnnc inspect --help'"),
    _mk("yaml_not_utf8", "os", "inspect {d}/net.yaml",
        Y + r": the net\.yaml must be a readable text file, not unreadable \(UnicodeDecodeError\)",
        file("net.yaml", b"\xff\xfe\x00bad")),
    _mk("weights_missing", "os", "inspect {d}/net.yaml",
        Y + r": field weights: weights must name an existing \.npz file, not 'weights\.npz' \(not found\)",
        lambda d: (d / "weights.npz").unlink()),
    _mk("weights_is_a_folder", "os", "inspect {d}/net.yaml",
        Y + r": field weights: weights must name an existing \.npz file, not 'wdir' \(not found\)",
        folder("wdir"), doc_edit(lambda doc: doc.__setitem__("weights", "wdir"))),
    _mk("weights_outside_the_folder", "os", "inspect {d}/net.yaml",
        Y + r": field weights: weights must be a path inside \S+, not '/etc/passwd'",
        doc_edit(lambda doc: doc.__setitem__("weights", "/etc/passwd"))),
    _mk("input_missing", "os", "run {d}/net.yaml --input {d}/none.npy",
        r"\S*/none\.npy: --input must be an existing \.npy file, not missing"),
    _mk("input_is_a_folder", "os", "run {d}/net.yaml --input {d}/xd",
        r"\S*/xd: --input must be a regular \.npy file, not a folder", folder("xd")),
    _mk("input_is_a_fifo", "os", "run {d}/net.yaml --input {d}/xf",
        r"\S*/xf: --input must be a regular \.npy file, not a FIFO", fifo("xf")),
    _mk("input_nul_byte", "os", "run {d}/net.yaml --input {d}/x\0.npy",
        r"argument --input: must be a path without NUL bytes, not .*; see 'bnnc run --help'"),
    _mk("labels_missing", "os", "run {d}/net.yaml --input {d}/x.npy --labels {d}/none.npy",
        r"\S*/none\.npy: --labels must be an existing \.npy file, not missing"),
    _mk("calibration_missing", "os", "compile {d}/net.yaml -o {d}/out --calibration {d}/none.npy",
        r"\S*/none\.npy: --calibration must be an existing \.npy file, not missing"),
    _mk("output_nul_byte", "os", "compile {d}/net.yaml -o {d}/o\0ut",
        r"argument -o/--output: must be a path without NUL bytes, not .*; see 'bnnc compile --help'"),

    # ------------------------------------------------------------------ kind: inputs of the wrong kind
    _mk("input_is_an_npz", "kind", "run {d}/net.yaml --input {d}/x.npz",
        r"\S*/x\.npz: --input must be a NumPy \.npy array, not an \.npz archive",
        lambda d: np.savez(d / "x.npz", x=np.zeros((2, 6)))),
    _mk("input_is_text", "kind", "run {d}/net.yaml --input {d}/x.txt",
        r"\S*/x\.txt: --input must be a NumPy \.npy array, not an unreadable file \(.+\)", file("x.txt", "1 2 3\n")),
    _mk("input_strings", "kind", "run {d}/net.yaml --input {d}/s.npy",
        r"\S*/s\.npy: --input must hold real numbers \(integers or floats\), not dtype <U1",
        array("s.npy", np.array([["a"] * 6]))),
    _mk("input_complex", "kind", "run {d}/net.yaml --input {d}/c.npy",
        r"\S*/c\.npy: --input must hold real numbers \(integers or floats\), not dtype complex128",
        array("c.npy", np.ones((2, 6), dtype=complex))),
    _mk("input_objects", "kind", "run {d}/net.yaml --input {d}/o.npy",
        r"\S*/o\.npy: --input must hold real numbers \(integers or floats\), not dtype object",
        array("o.npy", np.array([[object()] * 6]), pickle=True)),
    _mk("input_empty", "kind", "run {d}/net.yaml --input {d}/e.npy",
        r"\S*/e\.npy: field --input: --input must hold at least one image, not 0", array("e.npy", np.zeros((0, 6)))),
    _mk("input_scalar", "kind", "run {d}/net.yaml --input {d}/s.npy",
        r"\S*/s\.npy: field --input: --input must hold at least one image, not a scalar", array("s.npy", np.int64(3))),
    _mk("input_wrong_shape", "kind", "run {d}/net.yaml --input {d}/w.npy",
        r"\S*/w\.npy: field --input: input must have shape \(N, 6\), not \(2, 7\)", array("w.npy", np.zeros((2, 7)))),
    _mk("input_fractions", "kind", "run {d}/net.yaml --input {d}/f.npy",
        r"\S*/f\.npy: field --input: input must hold integers for dtype u8\[0,255\], not float64 values with "
        "fractions", array("f.npy", np.full((2, 6), 0.5))),
    _mk("input_nan", "kind", "run {d}/net.yaml --input {d}/n.npy",
        r"\S*/n\.npy: field --input: input must hold finite numbers for dtype u8\[0,255\], not float64 values "
        "such as nan", array("n.npy", np.full((2, 6), np.nan))),
    _mk("input_out_of_range", "kind", "run {d}/net.yaml --input {d}/r.npy",
        r"\S*/r\.npy: field --input: input values must lie in \[0, 255\] for dtype u8\[0,255\], not \[-3, 300\]",
        array("r.npy", np.array([[-3, 300, 0, 0, 0, 0]]))),
    _mk("labels_wrong_shape", "kind", "run {d}/net.yaml --input {d}/x.npy --labels {d}/l.npy",
        r"\S*/l\.npy: labels must have shape \(5,\), not \[5, 1\]", array("l.npy", np.zeros((5, 1)))),
    _mk("labels_strings", "kind", "run {d}/net.yaml --input {d}/x.npy --labels {d}/l.npy",
        r"\S*/l\.npy: --labels must hold real numbers \(integers or floats\), not dtype <U1",
        array("l.npy", np.array(list("abcde")))),
    _mk("calibration_empty", "kind", "compile {d}/net.yaml -o {d}/out --calibration {d}/c.npy",
        r"\S*/c\.npy: field --calibration: --calibration must hold at least one input, not 0",
        array("c.npy", np.zeros((0, 6)))),
    _mk("calibration_wrong_shape", "kind", "inspect {d}/net.yaml --calibration {d}/c.npy",
        r"\S*/c\.npy: field --calibration: input must have shape \(N, 6\), not \(3, 5\)",
        array("c.npy", np.zeros((3, 5)))),
    _mk("weights_is_an_npy", "kind", "inspect {d}/net.yaml",
        W + r": the weights must be a NumPy \.npz archive of arrays, not an unreadable file \(File is not a zip file\)",
        array("weights.npz", np.zeros(3)), lambda d: os.replace(d / "weights.npz.npy", d / "weights.npz")),
    _mk("weights_is_text", "kind", "inspect {d}/net.yaml",
        W + r": the weights must be a NumPy \.npz archive of arrays, not an unreadable file \(File is not a zip file\)",
        file("weights.npz", "fc1: [1, 2]\n")),
    _mk("weights_complex", "kind", "inspect {d}/net.yaml",
        W + r": layer fc1: field weight: fc1\.weight must be a numeric array, not dtype complex128",
        weights_edit(lambda a: a.__setitem__("fc1.weight", a["fc1.weight"].astype(complex)))),
    _mk("weights_timedelta", "kind", "inspect {d}/net.yaml",
        W + r": layer fc1: field weight: fc1\.weight must be a numeric array, not dtype timedelta64\[s\]",
        weights_edit(lambda a: a.__setitem__("fc1.weight", a["fc1.weight"].astype("m8[s]")))),
    _mk("weights_bool", "kind", "inspect {d}/net.yaml",
        W + r": layer bn1: field gamma: bn1\.gamma must be a numeric array, not dtype bool",
        weights_edit(lambda a: a.__setitem__("bn1.gamma", a["bn1.gamma"] > 0))),
    _mk("weights_strings", "kind", "inspect {d}/net.yaml",
        W + r": layer fc2: field weight: fc2\.weight must be a numeric array, not dtype <U1",
        weights_edit(lambda a: a.__setitem__("fc2.weight", np.full(a["fc2.weight"].shape, "1")))),
    _mk("weights_objects", "kind", "inspect {d}/net.yaml",
        W + r": the weights must be a NumPy \.npz archive of arrays, not an unreadable file \(Object arrays cannot be "
        r"loaded when allow_pickle=False\)",
        weights_edit(lambda a: a.__setitem__("fc2.weight", np.array([object()] * a["fc2.weight"].size)))),
    _mk("weights_wrong_shape", "kind", "inspect {d}/net.yaml",
        W + r": layer fc1: field weight: fc1\.weight must have shape \[4, 6\], not \[6, 4\]",
        weights_edit(lambda a: a.__setitem__("fc1.weight", a["fc1.weight"].T))),

    # ------------------------------------------------------------------ silent: probably wrong, so refused
    _mk("duplicate_top_level_key", "silent", "inspect {d}/net.yaml",
        Y + r": line 2: the YAML must have each key once per mapping, not 'name' twice \(first on line 1\)",
        lambda d: (d / "net.yaml").write_text("name: a\nname: b\n" + (d / "net.yaml").read_text().split("\n", 1)[1])),
    _mk("duplicate_layer_key", "silent", "inspect {d}/net.yaml",
        Y + r": line \d+: the YAML must have each key once per mapping, not 'units' twice \(first on line \d+\)",
        lambda d: (d / "net.yaml").write_text((d / "net.yaml").read_text().replace("units: 4", "units: 4, units: 5"))),
    _mk("duplicate_folding_key", "silent", "inspect {d}/net.yaml",
        Y + r": line \d+: the YAML must have each key once per mapping, not 'fc1' twice \(first on line \d+\)",
        lambda d: (d / "net.yaml").write_text((d / "net.yaml").read_text() + "hardware:\n  folding:\n"
                                              "    fc1: {pe: 1, simd: 1}\n    fc1: {pe: 2, simd: 2}\n")),
    _mk("list_as_mapping_key", "silent", "inspect {d}/net.yaml",
        Y + r": line 1: the YAML must have mapping keys that are plain values, not lists or mappings",
        yaml_text("? [a, b]\n: 1\n")),
    _mk("yaml_syntax_error", "silent", "inspect {d}/net.yaml",
        Y + r": line 2: the file must be valid YAML, not \(.+\)", yaml_text("name: a\n  - bad: [\n")),
    _mk("unknown_top_level_field", "silent", "inspect {d}/net.yaml",
        Y + r": field hardwre: field names of the network must be name, input, layers, output, hardware, weights, "
        r"not 'hardwre'", doc_edit(lambda doc: doc.__setitem__("hardwre", {"clock_mhz": 50}))),
    _mk("string_where_number_expected", "silent", "inspect {d}/net.yaml",
        Y + r": layer bn1: field eps: eps must be a number, not '1e-5x'",
        doc_edit(lambda doc: layer(doc, "bn1").__setitem__("eps", "1e-5x"))),

    # ------------------------------------------------------------------ usage: command-line mistakes
    _mk("no_command", "usage", "", r"the following arguments are required: COMMAND; see 'bnnc --help'"),
    _mk("unknown_command", "usage", "compil {d}/net.yaml",
        r"argument COMMAND: invalid choice: 'compil' \(choose from .*\); see 'bnnc --help'"),
    _mk("compile_without_output", "usage", "compile {d}/net.yaml",
        r"the following arguments are required: -o/--output; see 'bnnc compile --help'"),
    _mk("unknown_option", "usage", "inspect {d}/net.yaml --verbose",
        r"unrecognized arguments: --verbose; see 'bnnc --help'"),
    _mk("bad_max_bytes", "usage", "run {d}/net.yaml --input {d}/x.npy --max-bytes lots",
        r"argument --max-bytes: must be a positive number of bytes, not 'lots'; see 'bnnc run --help'"),
    _mk("bad_stage", "usage", "run {d}/net.yaml --input {d}/x.npy --stage int",
        r"argument --stage: invalid choice: 'int' \(choose from '?float'?, '?folded'?\); see 'bnnc run --help'"),
    _mk("bad_dump_after", "usage", "compile {d}/net.yaml -o {d}/out --dump-after fold",
        r"argument --dump-after: invalid choice: 'fold' \(choose from .*\); see 'bnnc compile --help'"),
    _mk("train_without_config", "usage", "train", r"the following arguments are required: config; "
        r"see 'bnnc train --help'"),
    _mk("train_config_missing", "usage", "train {d}/none.yaml", r"\S*/none\.yaml: .+"),
    _mk("train_config_not_a_mapping", "usage", "train {d}/t.yaml", r"\S*/t\.yaml: .+", yaml_text("- 1\n", "t.yaml")),
    # ------------------------------------------------------------------ simulate: a damaged compile folder, bad inputs
    _mk("sim_not_a_compile_folder", "os", "simulate {d} --inputs {d}/x.npy",
        r"\S+: rtl must be a folder written by bnnc compile \(with manifest\.json, filelist\.f and folded_ir\.npz\), "
        r"not one without manifest\.json"),
    _mk("sim_manifest_damaged", "kind", "simulate {d}/rtl --inputs {d}/x.npy",
        r"\S+/rtl/manifest\.json: the manifest must be bnnc's JSON, not damaged \(JSONDecodeError: .+\); run bnnc "
        "compile again", compiled("rtl"), file("rtl/manifest.json", "{bad")),
    _mk("sim_manifest_without_rtl", "kind", "simulate {d}/rtl --inputs {d}/x.npy",
        r"\S+/rtl/manifest\.json: field rtl: rtl must be a JSON object, not missing; run bnnc compile again",
        compiled("rtl"), lambda d: (d / "rtl" / "manifest.json").write_text(json.dumps(
            {k: v for k, v in json.loads((d / "rtl" / "manifest.json").read_text()).items() if k != "rtl"}))),
    _mk("sim_rom_missing", "kind", "simulate {d}/rtl --inputs {d}/x.npy",
        r"\S+/rtl: the compile folder must hold every file its manifest lists, each a regular file, not "
        r"'fc1_weights\.mem' \(missing\); run bnnc compile again", compiled("rtl"),
        lambda d: (d / "rtl" / "fc1_weights.mem").unlink()),
    _mk("sim_ir_damaged", "kind", "simulate {d}/rtl --inputs {d}/x.npy",
        r"\S+/rtl/folded_ir\.npz: the file must be the one bnnc compile wrote \(sha256 recorded in manifest\.json\), "
        r"not changed since; run bnnc compile again", compiled("rtl"), file("rtl/folded_ir.npz", "junk")),
    _mk("sim_inputs_missing", "os", "simulate {d}/rtl --inputs {d}/none.npy",
        r"\S*/none\.npy: --inputs must be an existing \.npy file, not missing", compiled("rtl")),
    _mk("sim_inputs_npz", "kind", "simulate {d}/rtl --inputs {d}/rtl/folded_ir.npz",
        r"\S+/folded_ir\.npz: --inputs must be a NumPy \.npy array, not an \.npz archive", compiled("rtl")),
    _mk("sim_inputs_wrong_shape", "kind", "simulate {d}/rtl --inputs {d}/w.npy",
        r"\S*/w\.npy: field --inputs: input must have shape \(N, 6\), not \(3, 5\)", compiled("rtl"),
        array("w.npy", np.zeros((3, 5)))),
    _mk("sim_inputs_empty", "kind", "simulate {d}/rtl --inputs {d}/e.npy",
        r"\S*/e\.npy: field --inputs: --inputs must hold at least one image, not 0", compiled("rtl"),
        array("e.npy", np.zeros((0, 6)))),
    _mk("sim_labels_wrong_shape", "kind", "simulate {d}/rtl --inputs {d}/x.npy --labels {d}/l.npy",
        r"\S*/l\.npy: --labels must have shape \(5,\), not \[2\]", compiled("rtl"), array("l.npy", np.zeros(2))),
    _mk("sim_limit_negative", "usage", "simulate {d}/rtl --inputs {d}/x.npy --limit -3",
        r"argument --limit: must be a positive whole number, not '-3'; see 'bnnc simulate --help'", compiled("rtl")),
    _mk("sim_gaps_out_of_range", "usage", "simulate {d}/rtl --inputs {d}/x.npy --gaps 2",
        r"--gaps must be a probability in \[0, 1\), not 2\.0", compiled("rtl")),
    # ------------------------------------------------------------------ convolutional layers that cannot be
    _mk("conv_kernel_beyond_padded_map", "numbers", "inspect {d}/net.yaml",
        Y + r": layer c1: field kernel: kernel must fit the 6x6 input \(with padding 1\), not 9x9",
        yaml_text(CONV.replace("kernel: 3", "kernel: 9, padding: 1")),
        weights_edit(lambda a: (a.clear(), a.update(conv_arrays(kernel=9))))),
    _mk("conv_stride_zero", "numbers", "inspect {d}/net.yaml",
        Y + r": layer c1: field stride: stride must be greater than 0, not 0",
        yaml_text(CONV.replace("kernel: 3", "kernel: 3, stride: 0")),
        weights_edit(lambda a: (a.clear(), a.update(conv_arrays())))),
    _mk("pool_window_beyond_map", "numbers", "inspect {d}/net.yaml",
        Y + r": layer p: field kernel: kernel must fit the 4x4 input, not 7",
        yaml_text(CONV.replace("  - {name: f, op: flatten}", "  - {name: p, op: maxpool2d, kernel: 7}\n"
                                                              "  - {name: f, op: flatten}")),
        weights_edit(lambda a: (a.clear(), a.update(conv_arrays())))),
    _mk("conv_after_dense", "silent", "inspect {d}/net.yaml",
        Y + r": layer c1: field op: the input of conv2d must be an \(H, W, C\) image, not shape \[36\]",
        yaml_text("name: c\ninput: {shape: [36], dtype: bipolar}\nlayers:\n"
                  "  - {name: fc0, op: dense, units: 36}\n  - {name: bn0, op: batchnorm}\n  - {name: s0, op: sign}\n"
                  + CONV.split("layers:\n", 1)[1]),
        weights_edit(lambda a: (a.clear(), a.update(conv_arrays()), a.update({
            "fc0.weight": np.ones((36, 36)), "bn0.gamma": np.ones(36), "bn0.beta": np.zeros(36),
            "bn0.mean": np.zeros(36), "bn0.var": np.ones(36)})))),
]
