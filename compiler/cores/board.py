"""The board wrapper's cores: ``bnnc_uart_rx``, ``bnnc_uart_tx`` and ``bnnc_board_bridge`` (their parameters).

The UART protocol they implement (bytes per image, bit timing, the resync rule) is
:mod:`compiler.hw.uart`'s; the wrapper generator (:mod:`compiler.codegen.board`) instantiates
them around the accelerator. They are not in the resource model (the wrapper is not priced).
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import CoreParams


@dataclass(frozen=True)
class UartRxParams(CoreParams):
    """bnnc_uart_rx's parameters."""

    CORE = "bnnc_uart_rx"

    CLKS_PER_BIT: int = 104


@dataclass(frozen=True)
class UartTxParams(CoreParams):
    """bnnc_uart_tx's parameters."""

    CORE = "bnnc_uart_tx"

    CLKS_PER_BIT: int = 104


@dataclass(frozen=True)
class BoardBridgeParams(CoreParams):
    """bnnc_board_bridge's parameters."""

    CORE = "bnnc_board_bridge"

    IN_WIDTH: int = 8
    IN_BYTES: int = 1
    IN_BEATS: int = 1
    OUT_LANES: int = 1
    OUT_EW: int = 8
    OUT_VBEATS: int = 1
    LAST_LANES: int = 1
    OUT_BEATS: int = 1
    ELEM_BYTES: int = 1
    OUT_SIGNED: int = 0
    IDLE_CLKS: int = 1000
