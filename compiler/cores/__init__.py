"""One module per Verilog core of ``templates/cores/``: its typed parameters, ROM layouts, timing mirrors and cost.

Each ``compiler/cores/<core>.py`` holds a frozen parameter dataclass (:class:`CoreParams`:
fields and defaults are the core's Verilog parameters, ``tests/test_cores.py`` compares
them with the .v file), the core's ROM-image builders and the Python mirrors of its
Verilog constants where it has them, and its resource terms (``features`` weighed by the
fitted coefficients of ``coefficients.json``, written by ``bench/resource_model.py``, and
its planned ``memories``). The lowering builds instances from these parameters and the
folding search prices the same parameters with :func:`cost`, so a core is sized once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .affine_serial import AffineSerialParams
from .argmax import ArgmaxParams
from .board import BoardBridgeParams, UartRxParams, UartTxParams
from .base import BRAM_LUTS, BRAM_UNIT, COEFFS, HAND_FITTED, TARGETS, Bits, CoreParams, Resources, cost, family
from .fifo import FifoParams
from .multithreshold import MultiThresholdParams
from .mvtu import DotLaneParams, MvtuParams, PopcountParams, XnorPopcountParams
from .pool_reduce import PoolReduceParams
from .rom import RomParams
from .swu import SwuParams
from .threshold import ThresholdParams
from .threshold_rom import ThresholdRomParams
from .width_converter import WidthConverterParams

# Every core's parameter class by Verilog module name.
CORES: dict[str, type[CoreParams]] = {p.CORE: p for p in (
    MvtuParams, XnorPopcountParams, PopcountParams, DotLaneParams, RomParams, SwuParams, FifoParams,
    WidthConverterParams, ThresholdParams, ThresholdRomParams, MultiThresholdParams, PoolReduceParams, ArgmaxParams, AffineSerialParams,
    UartRxParams, UartTxParams, BoardBridgeParams)}


def params_of(core: str, params: Mapping[str, Any]) -> CoreParams:
    """The typed parameters of an instance of ``core`` from a parameter mapping (a manifest's record)."""
    if core not in CORES:
        raise ValueError(f"core must be one of {', '.join(sorted(CORES))}, not {core!r}")
    return CORES[core].of(params)


__all__ = ["BRAM_LUTS", "BRAM_UNIT", "COEFFS", "CORES", "HAND_FITTED", "TARGETS", "Bits", "CoreParams", "Resources",
           "cost", "family", "params_of"]
