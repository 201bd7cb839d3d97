"""compiler/cores/rom.py's plan_rom and compiler/targets.py: the memory model's invariants.

The Yosys check that each planned style maps as planned lives in tests/test_memory_yosys.py.
"""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import compiler.cores.rom as memory
from compiler.cores.rom import (MemoryPlan, RomStyle, block_split, cascade_mux_luts, distinct_columns, logic_luts, mux_luts,
                                 plan_rom,
                                register_bits)
from compiler.targets import DEFAULT_TARGET, TARGETS, target

NAMES = sorted(TARGETS)


def test_doctests() -> None:
    assert doctest.testmod(memory).failed == 0


@settings(max_examples=200, deadline=None)
@given(depth=st.integers(1, 20_000), width=st.integers(1, 3_000), name=st.sampled_from(NAMES))
def test_block_split_holds_the_rom(depth: int, width: int, name: str) -> None:
    """Every cut holds the whole ROM: each group's columns cover the depth, together the width."""
    t = target(name)
    split = block_split(depth, width, name)
    blocks = sum(n for n, _, _ in split)
    assert blocks * t.bram.bits >= depth * width
    covered = 0
    for n, d, w in split:
        assert (d, w) in t.bram.aspects
        per_col = -(-depth // d)
        assert n % per_col == 0
        covered += (n // per_col) * w
    assert covered >= width
    # no single aspect does better than the cut (the cut is the fewest blocks)
    assert blocks <= min(-(-depth // d) * -(-width // w) for d, w in t.bram.aspects)


@settings(max_examples=200, deadline=None)
@given(depth=st.integers(1, 20_000), width=st.integers(1, 3_000), name=st.sampled_from(NAMES),
       sync=st.booleans())
def test_plan_is_the_cheaper(depth: int, width: int, name: str, sync: bool) -> None:
    """The plan keeps the cheaper of block and logic at the target's exchange rate; never distributed."""
    t = target(name)
    p = plan_rom(depth, width, name, sync_read=sync)
    assert isinstance(p, MemoryPlan) and p.bits == depth * width
    assert p.style in ("block", "logic")
    luts = logic_luts(depth, width, t)
    split = block_split(depth, width, name)
    # a block plan's LUTs: the selects of its columns deeper than one block, none when every column is one block
    selects = cascade_mux_luts(depth, width, split, t)
    if p.style == "block":
        assert sync and p.luts == selects and p.blocks * t.bram.bits >= p.bits
        assert p.blocks * t.lut_per_block + p.luts <= luts
        assert p.rom_style == RomStyle.BLOCK
    else:
        assert p.blocks == 0 and p.luts == luts and p.split == ()
        assert not sync or sum(n for n, _, _ in split) * t.lut_per_block + selects > luts
        assert p.rom_style == RomStyle.LOGIC


@settings(max_examples=100, deadline=None)
@given(depth=st.integers(1, 5_000), width=st.integers(1, 500), name=st.sampled_from(NAMES))
def test_logic_luts_grow_with_the_rom(depth: int, width: int, name: str) -> None:
    t = target(name)
    assert logic_luts(depth + 1, width, t) >= logic_luts(depth, width, t)
    assert logic_luts(depth, width + 1, t) >= logic_luts(depth, width, t)
    if 1 < depth <= 16:
        # one LUT per distinct output column while the address fits a LUT4: never more than one
        # per bit, none at 2 words (every column is a constant or the address bit), and at 16
        # words all but the expected repeats among 2**16 patterns
        luts = logic_luts(depth, width, t)
        assert luts <= width
        assert depth > 2 or luts == 0
        assert depth < 16 or luts >= width - width * width / 2**16 - 10


def test_logic_luts_count_distinct_columns() -> None:
    """Yosys merges equal columns: with random bits a shallow ROM has few distinct ones (the figures
    measured with one bnnc_rom in Yosys 0.70 are in compiler/cores/rom.py)."""
    xilinx = target("xilinx")
    assert logic_luts(2, 256, xilinx) == 0 and register_bits(2, 256) == 2
    assert logic_luts(4, 256, xilinx) <= 10 and register_bits(4, 256) == 14
    assert abs(register_bits(8, 512) - 217) <= 4 and abs(register_bits(12, 512) - 481) <= 4
    assert logic_luts(64, 256, xilinx) == 256 and logic_luts(128, 80, target("ecp5-85k")) == 640
    assert distinct_columns(20, 1000) > 999


def test_wide_shallow_is_logic_deep_is_block() -> None:
    """The LFC's shapes at BNN-PYNQ folding: 416/512-deep 2,048-bit weights in 57 RAMB18 (512x36), shallow ones in LUTs."""
    assert plan_rom(416, 2048, "xilinx").split == ((57, 512, 36),)
    assert plan_rom(13, 2048, "xilinx").style == "logic"
    assert plan_rom(32, 352, "xilinx").style == "logic"  # a threshold ROM, 32 folds of 32 x 11 bits
    assert plan_rom(416, 72, "ice40-up5k").split == ((8, 256, 16), (1, 512, 8))
    assert plan_rom(4096, 4, "ecp5-25k").blocks == 1
    assert plan_rom(100, 100, "xilinx", sync_read=False).style == "logic"


def test_targets() -> None:
    assert DEFAULT_TARGET in TARGETS
    assert target("ice40-up5k").capacity_bits == 30 * 4096
    assert target("ecp5-85k").capacity_bits == 208 * 18 * 1024
    assert not target("xilinx").enforce_capacity and target("ecp5-25k").enforce_capacity
    with pytest.raises(ValueError, match="target must be one of xilinx, ice40-up5k, ecp5-25k, ecp5-85k, not 'x'"):
        target("x")
    with pytest.raises(ValueError, match="depth and width must be >= 1"):
        plan_rom(0, 4, "xilinx")


def _tiny(tmp_path, target: str | None = None):  # type: ignore[no-untyped-def]
    from designs.netgen import mlp

    gen = mlp(3, sizes=[64, 512, 10], folding={"fc1": {"pe": 2, "simd": 4}, "fc2": {"pe": 1, "simd": 128}})
    if target:
        gen.doc["hardware"]["target"] = target
    return gen.write(tmp_path / "net").path


@pytest.mark.parametrize("name", NAMES)
def test_manifest_lists_each_plan_and_the_cores_get_it(tmp_path, name: str) -> None:  # type: ignore[no-untyped-def]
    """Every ROM of every core has its plan in the manifest, and the core's style parameter is the plan's."""
    import compiler

    m = compiler.compile(_tiny(tmp_path, name), tmp_path / "rtl")
    seen = 0
    for mod in m["rtl"]["modules"]:
        for kind, plan in mod.get("rom_plans", {}).items():
            assert plan == plan_rom(plan["depth"], plan["width"], name,
                                    sync_read=mod["core"] == "bnnc_mvtu").describe()
            param = {"weights": "ROM_STYLE", "params": "PARAM_STYLE", "thresholds": "ROM_STYLE"}[kind]
            assert mod["params"][param] == {"block": 1, "logic": 3}[plan["style"]]
            seen += 1
    assert seen == 3  # fc1 weights and thresholds, fc2 weights


def test_cli_target_overrides_net_yaml(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """bnnc compile --target beats hardware.target; bnnc inspect shows the plans on the net.yaml's target."""
    import json

    from compiler.cli import main

    net = _tiny(tmp_path, "ecp5-85k")
    assert main(["compile", str(net), "-o", str(tmp_path / "rtl"), "--target", "ice40-up5k"]) == 0
    m = json.loads((tmp_path / "rtl" / "manifest.json").read_text())
    fc1 = next(x for x in m["rtl"]["modules"] if x["name"] == "fc1")
    assert fc1["rom_plans"]["params"]["style"] == "block"  # ice40's plan (logic on ECP5)
    assert fc1["rom_plans"]["weights"]["block"] == "EBR" and fc1["rom_plans"]["weights"]["blocks"] == 8
    capsys.readouterr()
    assert main(["inspect", str(net)]) == 0
    out = capsys.readouterr().out
    assert "plan on ecp5-85k" in out and "weights 4096x8 block 2 EBR (2x 2048x9)" in out
    assert "weights 40x128 logic ~512 LUT" in out  # 4 LUT4 per bit: 40 words take a 64-word tree (Yosys: 511)


def _plans(manifest) -> dict:  # type: ignore[no-untyped-def]
    return {(m["name"], kind): (p, m) for m in manifest["rtl"]["modules"] for kind, p in m.get("rom_plans", {}).items()}


@pytest.mark.parametrize("budget", [1, 6, 40, 1000])
def test_a_block_budget_fills_idle_blocks_with_logic_roms(tmp_path, budget: int) -> None:  # type: ignore[no-untyped-def]
    """hardware.budget.bram: logic ROMs move to block RAM, most LUTs per block first, within the budget."""
    import compiler
    from compiler.cores.rom import block_plan
    from designs.netgen import mlp

    sizes, folding = [64, 96, 64, 10], {"fc1": {"pe": 16, "simd": 16}, "fc2": {"pe": 8, "simd": 24},
                                        "fc3": {"pe": 2, "simd": 16}}
    base = compiler.compile(mlp(5, sizes=sizes, folding=folding).write(tmp_path / "a").path, tmp_path / "ra")
    gen = mlp(5, sizes=sizes, folding=folding)
    gen.doc["hardware"]["budget"] = {"bram": budget}
    filled = compiler.compile(gen.write(tmp_path / "b").path, tmp_path / "rb")
    before, after = _plans(base), _plans(filled)
    assert before.keys() == after.keys()
    moved = [k for k in before if before[k][0]["style"] == "logic" and after[k][0]["style"] == "block"]
    assert all(after[k][0] == before[k][0] for k in before if k not in moved)  # nothing else changes
    for k in moved:  # each moved ROM is its block plan, and its core is told so
        p, mod = after[k]
        assert p == block_plan(p["depth"], p["width"], "xilinx").describe()
        assert mod["params"]["ROM_STYLE" if k[1] == "weights" else "PARAM_STYLE"] == 1
    used = filled["resources"]["total"]["bram"]
    assert used <= max(budget, base["resources"]["total"]["bram"])
    assert filled["resources"]["total"]["lut"] <= base["resources"]["total"]["lut"]
    # greedy: a logic ROM left behind would not have fitted, or saves fewer LUTs per block than every moved one
    left = [k for k in before if after[k][0]["style"] == "logic" and k[1] in ("weights", "params")
            and after[k][1]["core"] == "bnnc_mvtu" and after[k][0]["luts"]]
    rate = lambda k: before[k][0]["luts"] / block_plan(before[k][0]["depth"], before[k][0]["width"], "xilinx").blocks  # noqa: E731
    for k in left:
        need = block_plan(before[k][0]["depth"], before[k][0]["width"], "xilinx").blocks
        assert used + need > budget or all(rate(k) <= rate(m) for m in moved), (k, moved)
    if budget == 1000:
        assert not left and moved


def test_deep_block_columns_take_output_selects() -> None:
    """A block ROM whose columns fit one block (a RAMB36: two RAMB18 deep) needs no LUTs; deeper columns
    select among their blocks per bit (xilinx: 1152 x 256 is 21 columns of three 512x36 blocks, two
    RAMB36, one LUT per bit as Yosys builds it, 256 LUT measured)."""
    assert plan_rom(1024, 144, "xilinx").luts == 0
    p = plan_rom(1152, 256, "xilinx")
    assert p.style == "block" and p.split == ((21, 512, 36), (1, 2048, 9)) and p.luts == 252
    assert [mux_luts(k, target("xilinx")) for k in (1, 2, 4, 5, 16, 18)] == [0, 1, 1, 2, 4, 6]
