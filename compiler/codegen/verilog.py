"""Renders the hardware graph to Verilog: the generated top level plus the static cores it uses."""

from __future__ import annotations

from typing import Any

import jinja2

from compiler.errors import BnncError
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


def core_sources() -> dict[str, str]:
    """Every static core (file name -> text); all are copied so the folder is self-contained."""
    return {path.name: path.read_text() for path in sorted(cores_dir().glob("*.v"))}
