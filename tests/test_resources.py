"""The resource model (compiler/cores: each core's cost): its figures in the manifest and inspect, its agreement with
the memory plan, and its error against Yosys on small generated designs.

The model predicts Yosys 0.70 ``synth_xilinx`` / ``synth_ecp5 -noflatten`` / ``synth_ice40
-noflatten`` with the hierarchy kept (what ``bnnc synth`` reports per core instance;
bench/resource_model.py fits one table per family so), LUT-RAM and shift registers counted as the
LUTs they occupy. Tolerance: total LUTs and FFs within :data:`LUT_TOL` / :data:`FF_TOL` of Yosys's,
block RAM within one block, DSPs equal, on designs none of the fits saw: two on xilinx, one on
each Lattice family. (``-flatten`` lets Yosys optimise across core boundaries: on these small
designs it maps up to ~25 % fewer LUTs.)
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

import compiler
from bench.resource_model import fit, measure, synth_instances, write_table
from bench.unit_fit import write_unit_fit
from compiler.cores.rom import plan_rom
from compiler.cores.mvtu import xnor_popcount_stages
from compiler.codegen.paths import cores_dir
from compiler.config import HardwareConfig
from compiler.cores import COEFFS, CORES, HAND_FITTED, TARGETS, CoreParams, Resources, cost, family
from compiler.cores.base import COEFFICIENTS_FILE, dsp_count, load_coefficients, ram_cost
from compiler.cores.mvtu import MvtuParams
from compiler.cores.rom import rom_resources
from compiler.cores.swu import SwuParams
from compiler.lower import lower_to_hw
from compiler.manifest import resource_manifest
from compiler.runtime.synth import yosys_command
from designs.netgen import cnn, mlp

LUT_TOL = 0.25
FF_TOL = 0.25


def test_every_core_has_coefficients_on_every_target() -> None:
    """Every core with fitted features (more than ``base``) has a table on every target."""
    fitted = {core for core, p in CORES.items() if set(p().features()) != {"base"}}
    assert fitted == {"bnnc_mvtu", "bnnc_fifo", "bnnc_width_converter", "bnnc_swu", "bnnc_threshold",
                      "bnnc_threshold_rom", "bnnc_multithreshold", "bnnc_pool_reduce", "bnnc_argmax",
                      "bnnc_affine_serial"}
    for target in TARGETS:
        assert fitted <= set(COEFFS[target]), target


def test_hand_fitted_coefficients_exist() -> None:
    """Every HAND_FITTED name is a coefficient of its core on every target of its family."""
    for target, table in COEFFS.items():
        for core, kinds in HAND_FITTED[family(target)].items():
            for kind, names in kinds.items():
                assert set(names) <= set(table[core][kind]), (target, core, kind)


def test_fit_keeps_hand_fitted_coefficients() -> None:
    """bench/resource_model.py --fit holds HAND_FITTED coefficients and fits only the rest."""
    rows = []
    for h, ch, lanes, pad in ((30, 64, 64, 0), (14, 64, 32, 1), (8, 2, 1, 0), (10, 16, 16, 1), (28, 64, 8, 0)):
        p = {"IFM_H": h, "IFM_W": h, "CH": ch, "K_H": 3, "K_W": 3, "STRIDE": 1, "PAD": pad, "EW": 1, "LANES": lanes}
        swu: CoreParams = SwuParams(**p)
        f, mem = swu.features(), swu.memories("xilinx")
        # FFs made of a base, the counters and the row pipeline's registers (one FF each)
        ff = 30 * f["base"] + 8 * f["counters"] + f["row_pipe_bits"] + mem.ff
        rows.append({"core": "bnnc_swu", "params": p, "yosys": {"lut": 10_000, "ff": ff}})
    table = fit(rows, "xilinx")["bnnc_swu"]
    held = COEFFS["xilinx"]["bnnc_swu"]
    assert set(HAND_FITTED["xilinx"]["bnnc_swu"]["lut"]) == set(held["lut"])
    # the held LUT terms come back as they were, whatever Yosys's LUTs (absurd here) made of the rest
    assert {k: table["lut"][k] for k in held["lut"]} == held["lut"]
    assert table["ff"]["row_pipe_bits"] == held["ff"]["row_pipe_bits"] == 1.0
    assert table["ff"]["base"] == pytest.approx(30, abs=0.01)
    assert table["ff"]["counters"] == pytest.approx(8, abs=0.01)


def test_fit_writes_the_coefficient_file_with_its_provenance(tmp_path: Path) -> None:
    """bench/resource_model.py --fit --write: the family's table replaced (other cores and families kept), with the
    commit, date, tool versions and designs it was fitted on; the hand-fitted terms stay."""
    path = tmp_path / "coefficients.json"
    shutil.copy(COEFFICIENTS_FILE, path)
    table = {"bnnc_fifo": {"lut": {"base": 1.5}, "ff": {"width": 1.0}}}
    write_table(table, "ecp5-85k", ["d1", "d2"], path)
    doc, before = load_coefficients(path), load_coefficients()
    ecp5 = doc["families"]["ecp5"]
    assert ecp5["coefficients"] == {**before["families"]["ecp5"]["coefficients"], **table}
    assert ecp5["hand_fitted"] == before["families"]["ecp5"]["hand_fitted"]
    assert ecp5["provenance"]["designs"] == ["d1", "d2"] and ecp5["provenance"]["target"] == "ecp5-85k"
    assert {"commit", "date", "tools", "fit", "synthesis"} <= set(ecp5["provenance"])
    assert doc["families"]["xilinx"] == before["families"]["xilinx"]


def test_unit_fits_are_held_and_recorded(tmp_path: Path) -> None:
    """Every unit-fitted term has its provenance (``unit_fits``) and a design-level refit holds it (``hand_fitted``);
    bench/unit_fit.py --fit --write records both."""
    for fam, f in load_coefficients()["families"].items():
        for core, record in f["unit_fits"].items():
            assert set(record["terms"]["lut"]) <= set(HAND_FITTED[fam][core]["lut"]), (fam, core)
            assert {"fit", "commit", "date", "units"} <= set(record), (fam, core)
    path = tmp_path / "coefficients.json"
    shutil.copy(COEFFICIENTS_FILE, path)
    write_unit_fit("bnnc_argmax", {"cmp_bits": 2.5}, "ice40-up5k", "bench/unit_fit.py ...", 3, path)
    ice40 = load_coefficients(path)["families"]["ice40"]
    assert ice40["coefficients"]["bnnc_argmax"]["lut"]["cmp_bits"] == 2.5
    assert "cmp_bits" in ice40["hand_fitted"]["bnnc_argmax"]["lut"]
    assert ice40["unit_fits"]["bnnc_argmax"]["units"] == 3 and ice40["unit_fits"]["bnnc_argmax"]["commit"]


def test_rom_resources_are_plan_rom() -> None:
    """The model's shortcut for very wide ROMs never disagrees with compiler.cores.rom.plan_rom."""
    rng = random.Random(3)
    for _ in range(150):
        depth = rng.choice([rng.randint(1, 64), rng.randint(1, 5000)])
        width = rng.randint(1, 1200)
        for target in TARGETS:
            plan, r = plan_rom(depth, width, target), rom_resources(depth, width, target)
            assert (r.lut, r.bram) == (plan.luts, plan.blocks), (depth, width, target)


def test_more_lanes_cost_more_logic() -> None:
    for target in TARGETS:
        def lut(pe: int, simd: int) -> int:
            return cost(MvtuParams(MW=256, MH=256, PE=pe, SIMD=simd, BINARY_IN=1, IN_BITS=1, ACC_BITS=10, OUT_MODE=0,
                                   OUT_BITS=1), target).lut
        assert lut(4, 16) < lut(8, 16) < lut(16, 32) < lut(32, 64), target


def test_xpc_stages_is_the_cores(tmp_path: Path) -> None:
    """The model's copy of bnnc_mvtu's xpc_stages (the depth of its output queue) equals the Verilog
    function as Yosys evaluates it."""
    src = (cores_dir() / "bnnc_mvtu.v").read_text()
    start = src.index("    function automatic integer xpc_small")
    end = src.index("endfunction", src.index("function automatic integer xpc_stages")) + len("endfunction")
    widths = [1, 3, 5, 7, 13, 24, 50, 64, 100, 128, 256, 1024, 2048]
    (tmp_path / "t.v").write_text("".join(
        f"module t{w}(output wire [7:0] o);\n{src[start:end]}\nassign o = xpc_stages({w});\nendmodule\n" for w in widths))
    subprocess.run([*yosys_command(), "-q", "-p", "read_verilog t.v; proc; opt; write_json o.json"], cwd=tmp_path,
                   check=True, capture_output=True)
    ports = json.loads((tmp_path / "o.json").read_text())["modules"]
    for w in widths:
        bits = ports[f"t{w}"]["ports"]["o"]["bits"]
        assert sum(1 << i for i, b in enumerate(bits) if b == "1") == xnor_popcount_stages(w), w


def test_dot_lane_adders_stay_on_carry_chains(tmp_path: Path) -> None:
    """bnnc_dot_lane's integer adder tree maps to carry chains, one chain per adder (int8, SIMD 9: eight
    adders of 9..12 bits, at least two CARRY4 each). Without the tree's keep attributes Yosys's alumacc
    merges the tree into one $macc and maps it to LUT full adders on three CARRY4 (170 LUT instead of
    111), which the model's int_tree_bits coefficients no longer describe."""
    cores = cores_dir()
    for name in ("bnnc_dot_lane", "bnnc_xnor_popcount"):
        (tmp_path / f"{name}.v").write_text((cores / f"{name}.v").read_text())
    params = {"SIMD": 9, "BINARY_IN": 0, "IN_BITS": 8, "IN_SIGNED": 1, "DOT_BITS": 13, "ONES": 1}
    chparams = " ".join(f"-chparam {k} {v}" for k, v in params.items())
    script = (f"read_verilog bnnc_dot_lane.v bnnc_xnor_popcount.v; hierarchy -top bnnc_dot_lane {chparams}; "
              "synth_xilinx -flatten -top bnnc_dot_lane; tee -q -o stat.json stat -json")
    subprocess.run([*yosys_command(), "-q", "-p", script], cwd=tmp_path, check=True, capture_output=True)
    cells = json.loads((tmp_path / "stat.json").read_text())["modules"]["\\bnnc_dot_lane"]["num_cells_by_type"]
    assert cells.get("CARRY4", 0) >= 2 * (params["SIMD"] - 1), cells


def test_memory_rules_as_measured() -> None:
    """The RAM and DSP mapping rules on the shapes their comments cite (Yosys 0.70)."""
    assert ram_cost(2, 64, "xilinx").lutram == 44  # a FIFO of DEPTH 3 is RAM32M, not registers
    assert ram_cost(9, 1, "xilinx").lutram == 0 and ram_cost(17, 1, "xilinx").lutram > 0
    assert ram_cost(3, 120, "ecp5-85k").lutram == 6 * 30  # 30 TRELLIS_DPR16X4, 6 LUT4 each
    assert ram_cost(19, 4, "ice40-up5k").bram == 1 and ram_cost(18, 4, "ice40-up5k").bram == 0
    assert ram_cost(5, 75, "ice40-up5k").bram == 5 and ram_cost(5, 24, "ice40-up5k").bram == 0
    assert ram_cost(112, 32, "xilinx").bram == 1 and ram_cost(56, 32, "xilinx").bram == 0  # 22 vs 11 RAM64M
    assert ram_cost(121, 26, "xilinx", async_read=True).bram == 0 and ram_cost(122, 26, "xilinx").bram == 1
    assert ram_cost(56, 32, "ecp5-85k").bram == 1 and ram_cost(2, 270, "ecp5-85k").bram == 0
    assert dsp_count(9, 19, "ecp5-85k") == 1 and dsp_count(36, 9, "ecp5-85k") == 2
    assert dsp_count(9, 19, "ice40-up5k") == 0


def test_manifest_and_inspect(tmp_path: Path) -> None:
    net = cnn(5, input_shape=(8, 8, 2), filters=(4,), hidden=(8,), classes=3).write(tmp_path / "n")
    manifest = compiler.compile(net.path, tmp_path / "rtl")
    res = manifest["resources"]
    assert res["target"] == "xilinx" and res["bram_unit"] == "RAMB18"
    mods = res["modules"]
    assert set(mods) == {m["name"] for m in manifest["rtl"]["modules"]}
    total = sum((Resources(**v) for v in mods.values()), Resources())
    assert total.describe() == res["total"]
    assert sum((Resources(**v) for v in res["layers"].values()), Resources()) == total
    assert json.loads((tmp_path / "rtl" / "manifest.json").read_text())["resources"] == res
    text = compiler.inspect(net.path)
    assert "modelled resources on xilinx" in text and f"{res['total']['lut']:,}" in text
    for target in TARGETS:  # every target models every core of the design
        folded = compiler.fold(compiler.load(net.path).with_nodes(
            compiler.load(net.path).nodes, config=HardwareConfig(target=target)))
        assert resource_manifest(lower_to_hw(folded), target)["total"]["lut"] > 0


def _designs() -> dict[str, object]:
    return {
        "mlp_u8_sign": mlp(41, sizes=[48, 24, 6], input_dtype="uint8", input_sign=127.5,
                           folding={"fc1": {"pe": 6, "simd": 12}, "fc2": {"pe": 3, "simd": 8}}),
        "cnn_bipolar": cnn(42, input_shape=(6, 6, 2), filters=(4,), classes=3),
    }


# (design, target): both held-out designs on xilinx, one on each Lattice family (about 20 s of
# Yosys each on ECP5 and iCE40, so make test stays short)
HELD_OUT = [("cnn_bipolar", "xilinx"), ("mlp_u8_sign", "xilinx"), ("mlp_u8_sign", "ecp5-85k"),
            ("cnn_bipolar", "ice40-up5k")]


@pytest.mark.parametrize(("name", "target"), HELD_OUT)
def test_model_against_yosys(tmp_path: Path, name: str, target: str) -> None:
    """Small designs synthesized by Yosys: the model's totals within the stated tolerance."""
    gen = _designs()[name]
    gen.doc.setdefault("hardware", {})["target"] = target  # type: ignore[attr-defined]
    net = gen.write(tmp_path / "n")  # type: ignore[attr-defined]
    manifest = compiler.compile(net.path, tmp_path / "rtl")
    assert manifest["resources"]["target"] == target
    per, _ = synth_instances(tmp_path / "rtl", target)
    cells: dict[str, int] = {}
    for c in per.values():
        for k, n in c.items():
            cells[k] = cells.get(k, 0) + n
    real = measure(cells, target)
    model = manifest["resources"]["total"]
    print(f"{name} on {target}: model {model} yosys {real}")
    assert abs(model["lut"] - real["lut"]) <= LUT_TOL * real["lut"], (model, real)
    assert abs(model["ff"] - real["ff"]) <= FF_TOL * real["ff"], (model, real)
    assert abs(model["bram"] - real["bram"]) <= 1, (model, real)
    assert model["dsp"] == real["dsp"], (model, real)
