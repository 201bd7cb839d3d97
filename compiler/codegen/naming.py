"""Verilog names of a design: the top module, every net and instance unique, safe and recorded when changed.

Layer names are identifiers, but they can still collide with what the top level
generates from them (a layer ``src`` and the input stream ``src``; a layer
``fc1_q`` and the FIFO after ``fc1``; a layer ``s_axis`` whose nets would shadow
the ports), and a network name can be a Verilog keyword. One
:class:`compiler.names.NameTable` per top level settles them all.
"""

from __future__ import annotations

from dataclasses import replace

from compiler.hw import HwGraph, Stream
from compiler.names import NameTable

# The top's ports and parameter, and the nets each stream ``s`` declares (s_tdata, ...).
PORTS = ("clk", "rst_n", "MEM_DIR", *(f"{p}_{s}" for p in ("s_axis", "m_axis") for s in ("tdata", "tvalid", "tready")))
NET_SUFFIXES = ("_tdata", "_tvalid", "_tready")
INSTANCE_PREFIX = "u_"


def name_design(hw: HwGraph, network: str, cores: list[str]) -> tuple[str, HwGraph, dict[str, dict[str, str]]]:
    """(top module name, ``hw`` with unique Verilog stream and module names, the renames made).

    ``cores`` are the core module names, reserved. The renames map original names to
    new ones, by kind (``top``, ``streams``, ``modules``); kinds without a rename are left out.
    """
    table = NameTable(reserved=[*PORTS, *cores])
    wanted_top = f"{network}_top" if network.lower().startswith("bnnc_") else network
    top = table.claim(wanted_top)
    # by object, not by name: two streams may arrive with one name (a layer called "src")
    streams = {id(s): (s.name, table.claim(s.name, NET_SUFFIXES)) for s in hw.streams}
    modules = [(m.name, table.claim(INSTANCE_PREFIX + m.name)[len(INSTANCE_PREFIX):]) for m in hw.modules]

    def stream(s: Stream) -> Stream:
        return replace(s, name=streams[id(s)][1])

    named = tuple(replace(m, name=new, s_axis=stream(m.s_axis), m_axis=stream(m.m_axis))
                  for m, (_, new) in zip(hw.modules, modules))
    renamed = {"top": {network: top} if top != network else {},
               "streams": {old: new for old, new in streams.values() if old != new},
               "modules": {old: new for old, new in modules if old != new}}
    return top, replace(hw, modules=named), {k: v for k, v in renamed.items() if v}
