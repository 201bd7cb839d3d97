"""pytest driver: bnnc_rom (a ROM in the compiler's planned style) under random shapes, both read kinds, lint, illegal parameters."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from cocotb_tests.cores._common import CORES, Unit, build_dir_for, core, param_id, param_rng
from compiler.runtime.sim.toolchain import lint, run_lint

ROM = core("bnnc_rom")


def _sets() -> list[dict[str, int]]:
    """One-word and power-of-two depths, a random odd depth and width; every style; both read kinds."""
    rng = param_rng("rom")
    odd_depth = rng.randrange(3, 200, 2)
    odd_width = rng.randrange(1, 130)
    return [
        {"WIDTH": 1, "DEPTH": 1, "ADDR_BITS": 1, "STYLE": 0, "REGISTERED": 1},
        {"WIDTH": 7, "DEPTH": 1, "ADDR_BITS": 1, "STYLE": 3, "REGISTERED": 0},
        {"WIDTH": 64, "DEPTH": 16, "ADDR_BITS": 4, "STYLE": 3, "REGISTERED": 1},
        {"WIDTH": odd_width, "DEPTH": odd_depth, "ADDR_BITS": odd_depth.bit_length(), "STYLE": 1, "REGISTERED": 1},
        {"WIDTH": odd_width, "DEPTH": odd_depth, "ADDR_BITS": odd_depth.bit_length(), "STYLE": 2, "REGISTERED": 0},
    ]


def _image(folder: Path, width: int, depth: int, seed: int) -> Path:
    """A random ROM image (one hex word per line) in ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rom.mem"
    digits = max(1, -(-width // 4))
    path.write_text("".join(f"{rng.getrandbits(width):0{digits}x}\n" for _ in range(depth)))
    return path


def _unit(params: dict[str, int]) -> Unit:
    image = _image(build_dir_for("bnnc_rom", params), params["WIDTH"], params["DEPTH"],
                   params["WIDTH"] * 1000 + params["DEPTH"])
    return Unit({**params, "FILE": str(image)}, {"BNNC_TB_DATA": str(image)})


# Every set is an instance in the one build of all core tests (CORES: _common.Batch), checked as its own build would check it.
ROM_BATCH = CORES.part("bnnc_rom", ROM, "tb_rom", _unit)


@pytest.mark.parametrize("params", _sets(), ids=param_id)
@ROM_BATCH.runs
def test_rom(params: dict[str, int], request: pytest.FixtureRequest) -> None:
    """q is the image's word at the address, every cycle (combinational or registered on en)."""
    ROM_BATCH.check(request)


@pytest.mark.parametrize("params", _sets(), ids=param_id)
def test_rom_lint_clean(params: dict[str, int]) -> None:
    """verilator --lint-only -Wall reports nothing."""
    assert lint(ROM, "bnnc_rom", {**params, "FILE": "rom.mem"}) == []


@pytest.mark.parametrize(
    "params, error",
    [
        ({"WIDTH": 0}, "bnnc_param_error_rom_width_must_be_positive"),
        ({"DEPTH": 0}, "bnnc_param_error_rom_depth_must_be_positive"),
        ({"DEPTH": 17, "ADDR_BITS": 4}, "bnnc_param_error_rom_addr_bits_must_reach_depth"),
        ({"ADDR_BITS": 0}, "bnnc_param_error_rom_addr_bits_must_reach_depth"),
        ({"STYLE": 4}, "bnnc_param_error_rom_style_must_be_0_to_3"),
        ({"REGISTERED": 2}, "bnnc_param_error_rom_registered_must_be_0_or_1"),
        ({"STYLE": 1, "REGISTERED": 0}, "bnnc_param_error_rom_block_style_needs_registered_read"),
    ],
    ids=["width0", "depth0", "addr_too_narrow", "addr0", "style4", "registered2", "block_comb"],
)
def test_rom_rejects_illegal_parameters(params: dict[str, int], error: str) -> None:
    """Illegal parameters fail elaboration with a named error module."""
    proc = run_lint(ROM, "bnnc_rom", {"FILE": "rom.mem", **params})
    assert proc.returncode != 0
    assert error in proc.stdout + proc.stderr, proc.stdout + proc.stderr
