"""Renders the hardware graph to Verilog: the generated top level plus the static cores it uses."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import jinja2

from compiler.errors import BnncError
from compiler.cores import Bits
from compiler.hw import HwGraph, Module
from compiler.names import comment_text
from compiler.version import __version__

from .paths import cores_dir, templates_dir

def rom_file(module: Module, suffix: str) -> str:
    """File name of one ROM image of a module."""
    return f"{module.name}_{suffix}.mem"


# Core parameters are declared ``integer``: 32-bit signed in Verilog.
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def _param_value(m: Module, name: str, v: Any, source: str) -> str:
    """A core parameter's literal, refused when it would wrap in a 32-bit ``integer`` parameter."""
    if isinstance(v, Bits):
        return v.verilog()
    value = int(v)
    if not INT32_MIN <= value <= INT32_MAX:
        raise BnncError(f"parameter {name} of {m.core} must fit a 32-bit Verilog integer [{INT32_MIN}, {INT32_MAX}], "
                        f"not {value}; narrow the input dtype or the value that sets it",
                        file=source, layer=m.layers[0] if m.layers else m.name, field=name)
    return str(value)


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              autoescape=False)


def render_top(hw: HwGraph, top: str, source: str, output_kind: str) -> str:
    """The top-level module's text (``hw`` already named by :func:`compiler.codegen.naming.name_design`)."""
    modules = []
    for m in hw.modules:
        params = [(k, _param_value(m, k, v, source)) for k, v in m.params.items()]
        for suffix, rom in m.roms.items():
            params.append((rom.parameter, f'{{MEM_DIR, "{rom_file(m, suffix)}"}}'))
        modules.append({"name": m.name, "core": m.core, "params": params,
                        "s_axis": m.s_axis.name, "m_axis": m.m_axis.name,
                        "comment": comment_text(f"{m.core} for {', '.join(m.layers) or 'glue'}: "
                                                f"{m.cycles} cycles/image")})
    streams = [{"name": s.name, "tap": comment_text(s.tap), "lanes": s.lanes, "elem_bits": s.elem_bits,
                "width": s.width} for s in hw.streams]
    inp, outp = hw.input, hw.output
    ctx = {
        "top": top, "network": comment_text(hw.name), "version": __version__, "source": comment_text(source),
        "inp": {"name": inp.name, "lanes": inp.lanes, "elem_bits": inp.elem_bits, "signed": inp.signed,
                "width": inp.width, "beats_per_image": inp.beats_per_image},
        "outp": {"name": outp.name, "lanes": outp.lanes, "elem_bits": outp.elem_bits,
                 "signed": outp.signed, "width": outp.width, "beats_per_image": outp.beats_per_image},
        "output_kind": output_kind, "interval": hw.interval, "bottleneck": comment_text(hw.bottleneck),
        "streams": streams, "modules": modules,
    }
    return _env().get_template("top.v.j2").render(**ctx)


# A core instantiating another: the module name, then a parameter list or an instance name.
_INSTANCE = re.compile(r"^\s*(bnnc_\w+)\s*(?:#\s*\(|[A-Za-z_]\w*\s*\()", re.MULTILINE)


def core_sources(used: Iterable[str]) -> dict[str, str]:
    """The cores ``used`` and every core they instantiate (file name -> text), so the folder is self-contained."""
    available = {path.stem: path for path in cores_dir().glob("*.v")}
    todo, seen = list(used), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        assert name in available, f"core {name} has no file in templates/cores"
        seen.add(name)
        todo += [m for m in _INSTANCE.findall(available[name].read_text()) if m in available]
    return {f"{name}.v": available[name].read_text() for name in sorted(seen)}
