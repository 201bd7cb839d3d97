"""A ``bnnc compile`` folder read back: untrusted input for every command that reads it.

``bnnc simulate``, ``bnnc synth`` (``--board`` too) and ``bnnc board run`` read a folder
that anyone may have edited since ``bnnc compile`` wrote it. Each calls
:func:`validate_folder` first and from then on uses only the :class:`CompiledFolder` it
returns, never the manifest's raw JSON:

* the manifest: strict JSON (no NaN, no key twice, a bounded size), and every field a
  consumer reads with its type and range: a clock that is a positive finite frequency,
  counts and widths positive and bounded, names that are plain identifiers
  (:func:`compiler.names.is_identifier`);
* the files: every name plain (:func:`compiler.names.is_plain_file_name`: no ``/``, no
  ``..``, no ``;`` or space), each a regular file; ``filelist.f`` exactly the listed
  Verilog files, the top's last;
* the hashes: the sha256 ``bnnc compile`` recorded of every file but the manifest itself
  (``sha256``); a file whose content changed is named in one line;
* where cheap, agreement with the hashed files, since the manifest can be edited with its
  hashes left alone: the top's file declares the top module with each stream's width on its
  ports and wires, and every ROM image a plan describes holds that many words of that width.
  :meth:`CompiledFolder.load_graph` checks the streams against the folded IR they carry.

Every refusal is one line (:class:`FolderError`, a :class:`~compiler.errors.BnncError`)
naming the file and, in the manifest, the field, and ends in "run bnnc compile again".
Tool scripts and command lines (Yosys, nextpnr, the packers, Verilator and its config, the
simulators' run files) are built from this object only; ``tests/test_tool_commands.py``
keeps it so.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from compiler.cores.mvtu import OutMode
from compiler.errors import BnncError, describe
from compiler.hw.stream import Stream
from compiler.hw.uart import UartProtocol
from compiler.ir import Graph, TensorType
from compiler.kernels import conv_out_hw
from compiler.limits import MAX_CLOCK_MHZ
from compiler.names import MAX_FILE_NAME, is_identifier, is_plain_file_name, printable
from compiler.outdir import MANIFEST
from compiler.targets import TARGETS

from .irfile import IR_FILE, load_graph

HASHES = "sha256"
"""The manifest's record of each written file's sha256 (hex), by name; the manifest itself is not in it."""

FILELIST = "filelist.f"
"""The Verilog files in compile order, one per line, the top's last."""

FILE_SUFFIXES = (".v", ".mem", ".f", ".json", ".npz")
"""The suffixes of the files a compile folder holds."""

REDO = "; run bnnc compile again"

MANIFEST_MAX_BYTES = 64 << 20
FILELIST_MAX_BYTES = 1 << 20
INT32_MAX = (1 << 31) - 1
MAX_LANES = 1 << 20
MAX_ELEM_BITS = 64
MAX_WINDOW = 1 << 16
MAX_ROM_WIDTH = 1 << 24
MVTU_OUT_MODES = tuple(int(m) for m in OutMode)

_MISSING = object()
_HEX_LINE = re.compile(r"[0-9a-fA-F]+")
_ID_RULE = "a Verilog identifier (letters, digits and _, not starting with a digit, not a keyword)"
_NAME_RULE = "an identifier (letters, digits and _, not starting with a digit)"
_FILE_RULE = ("a plain file name (an identifier and one of " + ", ".join(FILE_SUFFIXES) +
              "; no folder, no space or ;)")


class FolderError(BnncError):
    """A compile folder that is not as ``bnnc compile`` wrote it: one line, exit 2."""


def _show(value: object) -> str:
    return "missing" if value is _MISSING else printable(describe(value))


def _name(value: object) -> str:
    return printable(repr(value)) if isinstance(value, str) else _show(value)


@dataclass(frozen=True)
class RomPlan:
    """A ROM image's shape as its memory plan records it: words and bits per word."""

    depth: int
    width: int


@dataclass(frozen=True)
class ModuleRecord:
    """One core instance of the top: its name, its core (a Verilog module of the folder), its integer
    parameters, and the shapes of the ROM images its memory plans describe (by kind)."""

    name: str
    core: str
    params: Mapping[str, int]
    rom_plans: Mapping[str, RomPlan]


@dataclass(frozen=True)
class CompiledFolder:
    """A validated ``bnnc compile`` folder (see the module docstring): every value here was checked."""

    path: Path
    network: str
    output: str  # "argmax" or "scores"
    clock_mhz: float
    top: str  # a Verilog identifier: the module declared by ``<top>.v``
    verilog: tuple[str, ...]  # filelist.f: plain .v file names, the top's last
    files: tuple[str, ...]  # every file the manifest lists (plain names)
    interval: int
    interval_overhead: int
    streams: tuple[Stream, ...]  # in stream order: the input stream first, the output stream last
    modules: tuple[ModuleRecord, ...]
    target: str | None  # the FPGA the ROMs were planned for (manifest ``resources.target``)

    @property
    def input_stream(self) -> Stream:
        return self.streams[0]

    @property
    def output_stream(self) -> Stream:
        return self.streams[-1]

    @property
    def internal_streams(self) -> tuple[Stream, ...]:
        """The layer-to-layer streams (all but the input and the output)."""
        return self.streams[1:-1]

    def file(self, name: str) -> Path:
        """The path of a file the manifest lists (validated); KeyError for any other name."""
        if name not in self.files:
            raise KeyError(name)
        return self.path / name

    def verilog_paths(self) -> list[Path]:
        """The Verilog files in filelist.f's order."""
        return [self.path / name for name in self.verilog]

    def rom(self, module: ModuleRecord, kind: str) -> Path | None:
        """The ROM image ``<module>_<kind>.mem`` when the folder lists it."""
        name = f"{module.name}_{kind}.mem"
        return self.path / name if name in self.files else None

    def uart_protocol(self) -> UartProtocol:
        """The board wrapper's UART protocol for this design (ValueError, one line, when its output cannot be sent)."""
        return UartProtocol(self.input_stream, self.output_stream, self.output)

    def load_graph(self) -> Graph:
        """The folded IR the RTL came from (its hash was checked), checked against the manifest's streams."""
        path = self.path / IR_FILE
        try:
            graph = load_graph(path)
        except Exception as e:  # noqa: BLE001 - any failure to read the IR file means a damaged folder
            raise FolderError(f"the folded IR must be bnnc's, not damaged ({type(e).__name__}: "
                              f"{printable(' '.join(str(e).split())[:120])}){REDO}", file=str(path)) from None
        _check_graph(self, graph)
        return graph


# ----------------------------------------------------------------------------- the manifest's fields

class _Fields:
    """Reads typed, range-checked fields out of the manifest's JSON; each refusal names the field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, where: str, rule: str, value: object) -> FolderError:
        return FolderError(f"{where} must be {rule}, not {_show(value)}{REDO}", file=str(self.path), field=where)

    def get(self, d: Any, key: str, where: str) -> Any:
        return d.get(key, _MISSING) if isinstance(d, dict) else _MISSING

    def mapping(self, d: Any, key: str, where: str) -> dict[str, Any]:
        v = self.get(d, key, where)
        if not isinstance(v, dict):
            raise self.error(where, "a JSON object", v)
        return v

    def array(self, d: Any, key: str, where: str, min_len: int = 0) -> list[Any]:
        v = self.get(d, key, where)
        if not isinstance(v, list) or len(v) < min_len:
            raise self.error(where, "a JSON list" + (f" of at least {min_len} item(s)" if min_len else ""), v)
        return v

    def integer(self, d: Any, key: str, where: str, lo: int, hi: int) -> int:
        v = self.get(d, key, where)
        if type(v) is not int or not lo <= v <= hi:
            raise self.error(where, f"an integer in [{lo}, {hi}]", v)
        return v

    def boolean(self, d: Any, key: str, where: str) -> bool:
        v = self.get(d, key, where)
        if type(v) is not bool:
            raise self.error(where, "true or false", v)
        return v

    def text(self, d: Any, key: str, where: str) -> str:
        v = self.get(d, key, where)
        if not isinstance(v, str):
            raise self.error(where, "a string", v)
        return v

    def identifier(self, d: Any, key: str, where: str, keywords: bool = False) -> str:
        v = self.get(d, key, where)
        if not is_identifier(v, keywords=keywords) or len(v) > MAX_FILE_NAME:
            raise self.error(where, _NAME_RULE if keywords else _ID_RULE, v)
        return v

    def choice(self, d: Any, key: str, where: str, options: tuple[str, ...]) -> str:
        v = self.get(d, key, where)
        if v not in options or not isinstance(v, str):
            raise self.error(where, "one of " + ", ".join(options), v)
        return v


def _strict_json(text: str) -> Any:
    """JSON without NaN or Infinity and with each key once per object (a second copy could hide the first)."""
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise ValueError(f"key {k!r} twice in one object")
            out[k] = v
        return out

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


def _stream(f: _Fields, d: Any, where: str) -> Stream:
    if not isinstance(d, dict):
        raise f.error(where, "a JSON object", d)
    name = f.identifier(d, "name", f"{where}.name")
    tap = f.identifier(d, "tap", f"{where}.tap", keywords=True)
    lanes = f.integer(d, "lanes", f"{where}.lanes", 1, MAX_LANES)
    elem_bits = f.integer(d, "elem_bits", f"{where}.elem_bits", 1, MAX_ELEM_BITS)
    signed = f.boolean(d, "signed", f"{where}.signed")
    bipolar = f.boolean(d, "bipolar", f"{where}.bipolar")
    elems = f.integer(d, "elems_per_vector", f"{where}.elems_per_vector", 1, INT32_MAX)
    vectors = f.integer(d, "vectors_per_image", f"{where}.vectors_per_image", 1, INT32_MAX)
    window = None
    raw = d.get("window")
    if raw is not None:
        if not isinstance(raw, list) or len(raw) != 5:
            raise f.error(f"{where}.window", "a list [kh, kw, stride, padding, pad value]", raw)
        w = {k: raw[i] for i, k in enumerate(("kh", "kw", "stride", "padding", "pad_value"))}
        window = (f.integer(w, "kh", f"{where}.window[0]", 1, MAX_WINDOW),
                  f.integer(w, "kw", f"{where}.window[1]", 1, MAX_WINDOW),
                  f.integer(w, "stride", f"{where}.window[2]", 1, MAX_WINDOW),
                  f.integer(w, "padding", f"{where}.window[3]", 0, MAX_WINDOW),
                  f.integer(w, "pad_value", f"{where}.window[4]", -INT32_MAX - 1, INT32_MAX))
    s = Stream(name, tap, lanes, elem_bits, signed, bipolar, elems, vectors, window)
    if bipolar and (elem_bits != 1 or signed):
        raise f.error(f"{where}.elem_bits", "1 (unsigned) on a bipolar stream", elem_bits)
    if s.width > MAX_LANES:
        raise f.error(f"{where}.lanes", f"at most {MAX_LANES} bits wide with elem_bits {elem_bits}", lanes)
    if f.get(d, "width", "") != s.width:
        raise f.error(f"{where}.width", f"lanes x elem_bits = {s.width}", f.get(d, "width", ""))
    if f.get(d, "beats_per_image", "") != s.beats_per_image:
        raise f.error(f"{where}.beats_per_image", f"ceil(elems_per_vector / lanes) x vectors_per_image = "
                      f"{s.beats_per_image}", f.get(d, "beats_per_image", ""))
    if s.beats_per_image > INT32_MAX:
        raise f.error(f"{where}.vectors_per_image", f"at most {INT32_MAX} beats per image in all", vectors)
    return s


def _module(f: _Fields, d: Any, where: str, cores: set[str], files: set[str]) -> ModuleRecord:
    if not isinstance(d, dict):
        raise f.error(where, "a JSON object", d)
    name = f.identifier(d, "name", f"{where}.name")
    core = f.identifier(d, "core", f"{where}.core")
    if core not in cores:
        raise f.error(f"{where}.core", "a core of the folder's Verilog files", core)
    raw = f.mapping(d, "params", f"{where}.params")
    params = {k: v for k, v in raw.items() if type(v) is int and is_identifier(k)}
    if core == "bnnc_mvtu":  # what the ROM bit count reads
        for key, lo, hi in (("PE", 1, MAX_LANES), ("SIMD", 1, MAX_LANES), ("ACC_BITS", 1, MAX_ELEM_BITS),
                            ("AFF_BITS", 1, MAX_ELEM_BITS)):
            f.integer(raw, key, f"{where}.params.{key}", lo, hi)
        f.integer(raw, "OUT_MODE", f"{where}.params.OUT_MODE", 0, max(MVTU_OUT_MODES))
    plans: dict[str, RomPlan] = {}
    raw_plans = d.get("rom_plans", {})
    if not isinstance(raw_plans, dict):
        raise f.error(f"{where}.rom_plans", "a JSON object", raw_plans)
    for kind, p in raw_plans.items():
        w = f"{where}.rom_plans.{printable(kind)}"
        if not is_identifier(kind, keywords=True) or f"{name}_{kind}.mem" not in files:
            raise f.error(f"{where}.rom_plans", "keyed by the kinds of the module's listed ROM images",
                          kind)
        plans[kind] = RomPlan(f.integer(p, "depth", f"{w}.depth", 1, INT32_MAX),
                              f.integer(p, "width", f"{w}.width", 1, MAX_ROM_WIDTH))
    return ModuleRecord(name, core, MappingProxyType(params), MappingProxyType(plans))


# ----------------------------------------------------------------------------- the folder

def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _read(path: Path, limit: int, what: str) -> str:
    """A text file of the folder, at most ``limit`` bytes (refused before reading more)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as e:
        raise FolderError(f"{what} must be readable, not fail with {e.strerror or e}{REDO}", file=str(path)) from None
    if len(data) > limit:
        raise FolderError(f"{what} must be at most {limit} bytes, not more{REDO}", file=str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FolderError(f"{what} must be UTF-8 text, not undecodable bytes{REDO}", file=str(path)) from None


def _twice(names: list[str]) -> str | None:
    """The first name that appears a second time, or None."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def validate_folder(rtl: str | Path) -> CompiledFolder:
    """Check a ``bnnc compile`` folder (see the module docstring) and return what its manifest says, typed.

    Raises:
        FolderError: one line naming the file (and the manifest's field) that is not as bnnc compile
            wrote it, ending in "run bnnc compile again".
    """
    rtl = Path(rtl)
    mpath = rtl / MANIFEST
    if not rtl.is_dir() or not _regular(mpath):
        what = ("missing" if not rtl.exists() else "a file" if not rtl.is_dir() else f"one without {MANIFEST}"
                if not os.path.lexists(mpath) else f"one whose {MANIFEST} is not a regular file")
        raise FolderError(f"rtl must be a folder written by bnnc compile (with {MANIFEST}, {FILELIST} and "
                          f"{IR_FILE}), not {what}", file=str(rtl))
    text = _read(mpath, MANIFEST_MAX_BYTES, "the manifest")
    try:
        doc = _strict_json(text)
    except (ValueError, RecursionError) as e:  # RecursionError: nested deeper than the parser goes
        raise FolderError(f"the manifest must be bnnc's JSON, not damaged ({type(e).__name__}: "
                          f"{printable(' '.join(str(e).split())[:120])}){REDO}", file=str(mpath)) from None
    f = _Fields(mpath)
    if not isinstance(doc, dict) or not isinstance(doc.get("bnnc_version"), str):
        raise f.error("bnnc_version", "the version of the bnnc that wrote the folder",
                      doc.get("bnnc_version", _MISSING) if isinstance(doc, dict) else doc)

    # the files: plain names, the ones every folder has, each a regular file
    files = f.array(doc, "files", "files", min_len=1)
    for name in files:
        if not is_plain_file_name(name, FILE_SUFFIXES):
            raise f.error("files", f"a list of file names, each {_FILE_RULE}", name)
    twice = _twice(files)
    if twice is not None:
        raise f.error("files", "a list of distinct file names", twice)
    rtl_d = f.mapping(doc, "rtl", "rtl")
    top = f.identifier(rtl_d, "top", "rtl.top")
    for need in (MANIFEST, FILELIST, IR_FILE, f"{top}.v"):
        if need not in files:
            raise f.error("files", f"a list that holds {need}", _MISSING)
    for name in files:
        if not _regular(rtl / name):
            what = ("missing" if not os.path.lexists(rtl / name) else "a link" if (rtl / name).is_symlink() else
                    "a folder" if (rtl / name).is_dir() else "not a regular file")
            raise FolderError(f"the compile folder must hold every file its manifest lists, each a regular file, "
                              f"not {_name(name)} ({what}){REDO}", file=str(rtl))

    # filelist.f: exactly the listed Verilog files, the top's last
    lines = _read(rtl / FILELIST, FILELIST_MAX_BYTES, "the file list").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    listed_v = sorted(n for n in files if n.endswith(".v"))
    for k, line in enumerate(lines, 1):
        if line not in listed_v:
            raise FolderError(f"line {k}: each line must name one of the folder's listed Verilog files, not "
                              f"{_name(line)}{REDO}", file=str(rtl / FILELIST))
    if sorted(lines) != listed_v or lines[-1:] != [f"{top}.v"]:
        raise FolderError(f"the file list must name each of the manifest's {len(listed_v)} Verilog files once, the "
                          f"top's ({top}.v) last, not {len(lines)} line(s) ending in "
                          f"{_name(lines[-1] if lines else '')}{REDO}", file=str(rtl / FILELIST))

    # the hashes: every file but the manifest, as bnnc compile wrote it
    hashes = f.mapping(doc, HASHES, HASHES)
    for name in files:
        want = hashes.get(name, _MISSING) if name != MANIFEST else None
        if name != MANIFEST and (not isinstance(want, str) or not re.fullmatch(r"[0-9a-f]{64}", want)):
            raise f.error(f"{HASHES}.{name}", "the file's sha256 as 64 hex digits", want)
    extra = sorted(set(hashes) - set(files) | ({MANIFEST} & set(hashes)))
    if extra:
        raise f.error(HASHES, "keyed by the listed files but the manifest", extra[0])
    for name in files:
        if name != MANIFEST and _sha256(rtl / name) != hashes[name]:
            raise FolderError(f"the file must be the one bnnc compile wrote (sha256 recorded in {MANIFEST}), not "
                              f"changed since{REDO}", file=str(rtl / name))

    # the fields the commands read
    output = f.choice(doc, "output", "output", ("argmax", "scores"))
    clock = f.get(doc, "clock_mhz", "clock_mhz")
    if type(clock) not in (int, float) or not math.isfinite(clock) or not 0 < clock <= MAX_CLOCK_MHZ:
        raise f.error("clock_mhz", f"a frequency in MHz in (0, {MAX_CLOCK_MHZ:g}]", clock)
    network = f.text(doc, "network", "network")
    resources = doc.get("resources", {})
    target = None
    if resources:
        if not isinstance(resources, dict):
            raise f.error("resources", "a JSON object", resources)
        target = f.choice(resources, "target", "resources.target", tuple(TARGETS))
    interval = f.integer(rtl_d, "interval_cycles", "rtl.interval_cycles", 1, INT32_MAX)
    overhead = f.integer(rtl_d, "interval_overhead_cycles", "rtl.interval_overhead_cycles", 0, INT32_MAX)
    streams = tuple(_stream(f, d, f"rtl.streams[{k}]")
                    for k, d in enumerate(f.array(rtl_d, "streams", "rtl.streams", min_len=1)))
    first = _stream(f, f.get(rtl_d, "input_stream", "rtl.input_stream"), "rtl.input_stream")
    last = _stream(f, f.get(rtl_d, "output_stream", "rtl.output_stream"), "rtl.output_stream")
    if first != streams[0]:
        raise f.error("rtl.streams[0]", f"the input stream (rtl.input_stream, {first.name!r})", streams[0].name)
    if last != streams[-1]:
        raise f.error(f"rtl.streams[{len(streams) - 1}]", f"the output stream (rtl.output_stream, {last.name!r})",
                      streams[-1].name)
    if first.tap != "input":
        raise f.error("rtl.input_stream.tap", "'input'", first.tap)
    twice = _twice([s.name for s in streams])
    if twice is not None:
        raise f.error("rtl.streams", "streams of distinct names", twice)
    cores = {n[:-2] for n in listed_v}
    modules = tuple(_module(f, d, f"rtl.modules[{k}]", cores, set(files))
                    for k, d in enumerate(f.array(rtl_d, "modules", "rtl.modules", min_len=1)))
    twice = _twice([m.name for m in modules])
    if twice is not None:
        raise f.error("rtl.modules", "modules of distinct names", twice)

    folder = CompiledFolder(rtl, network, output, float(clock), top, tuple(lines), tuple(files), interval, overhead,
                            streams, modules, target)
    _check_top(folder)
    _check_roms(folder)
    return folder


# ----------------------------------------------------------------------------- agreement with the hashed files

def _check_top(folder: CompiledFolder) -> None:
    """The top's file declares the top module, its ports and every stream's wires at the manifest's widths."""
    path = folder.path / f"{folder.top}.v"
    text = path.read_text(encoding="utf-8", errors="replace")
    mpath = folder.path / MANIFEST
    if not re.search(rf"^module\s+{folder.top}\b", text, re.M):
        raise FolderError(f"rtl.top must be the module that {folder.top}.v declares, not {folder.top!r}{REDO}",
                          file=str(mpath), field="rtl.top")
    decl = [(r"input\s+wire\s+\[(\d+):0\]\s+s_axis_tdata\b", folder.input_stream, "rtl.input_stream.width"),
            (r"output\s+wire\s+\[(\d+):0\]\s+m_axis_tdata\b", folder.output_stream, "rtl.output_stream.width")]
    decl += [(rf"wire\s+\[(\d+):0\]\s+{s.name}_tdata\s*;", s, f"rtl.streams[{k}].width")
             for k, s in enumerate(folder.streams)]
    for pattern, s, where in decl:
        m = re.search(pattern, text)
        width = int(m.group(1)) + 1 if m else None
        if width != s.width:
            raise FolderError(f"{where} must be the width {folder.top}.v declares"
                              + (f" ({width})" if width else f" (it has no {s.name}_tdata)") + f", not {s.width}{REDO}",
                              file=str(mpath), field=where)


def _check_roms(folder: CompiledFolder) -> None:
    """Each ROM image holds hexadecimal words of one width; a planned one its depth of words of its width."""
    plans = {f"{m.name}_{kind}.mem": p for m in folder.modules for kind, p in m.rom_plans.items()}
    for name in folder.files:
        if not name.endswith(".mem"):
            continue
        path = folder.path / name
        words = path.read_text(encoding="utf-8", errors="replace").split()
        digits = {len(w) for w in words}
        if not words or len(digits) != 1 or not all(_HEX_LINE.fullmatch(w) for w in words):
            raise FolderError("a ROM image must hold hexadecimal words of one width, not "
                              + ("nothing" if not words else "other text") + REDO, file=str(path))
        p = plans.get(name)
        if p is not None and (len(words) != p.depth or digits != {-(-p.width // 4)}):
            raise FolderError(f"the ROM image must hold {p.depth} words of {-(-p.width // 4)} hex digit(s) (its memory "
                              f"plan in {MANIFEST}: {p.depth} x {p.width} bits), not {len(words)} words of "
                              f"{digits.pop()}{REDO}", file=str(path))


def _carried_size(s: Stream, t: TensorType) -> int | None:
    """Elements per image that ``s`` carries of a tensor of type ``t``, or None when it cannot carry it."""
    if s.window is None:
        return t.size
    if len(t.shape) != 3:
        return None
    kh, kw, stride, pad, _ = s.window
    h, w, c = t.shape
    oh, ow = conv_out_hw(h, w, kh, kw, stride, pad)
    return oh * ow * kh * kw * c if oh > 0 and ow > 0 else None


def _check_graph(folder: CompiledFolder, graph: Graph) -> None:
    """The manifest's streams carry tensors of the folded IR, at their sizes; the output kind and interval agree."""
    mpath = folder.path / MANIFEST
    types: dict[str, TensorType] = {"input": graph.input}
    types.update({n.name: n.type for n in graph.nodes if n.type is not None})
    if folder.output != graph.output:
        raise FolderError(f"output must be the folded IR's {graph.output!r}, not {folder.output!r}{REDO}",
                          file=str(mpath), field="output")
    if graph.timing is not None and folder.interval != graph.timing[0]:
        raise FolderError(f"rtl.interval_cycles must be the folded IR's {graph.timing[0]}, not {folder.interval}{REDO}",
                          file=str(mpath), field="rtl.interval_cycles")
    for k, s in enumerate(folder.streams):
        t = types.get(s.tap)
        if t is None:
            raise FolderError(f"rtl.streams[{k}].tap must name a tensor of the folded IR, not {s.tap!r}{REDO}",
                              file=str(mpath), field=f"rtl.streams[{k}].tap")
        size = _carried_size(s, t)
        if size != s.elems * s.vectors or s.bipolar != t.dtype.is_bipolar:
            raise FolderError(f"rtl.streams[{k}] must carry {s.tap}'s {t} as the folded IR has it, not "
                              f"{s.vectors} x {s.elems} {'bipolar ' if s.bipolar else ''}element(s){REDO}",
                              file=str(mpath), field=f"rtl.streams[{k}]")
