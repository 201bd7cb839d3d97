"""Hostile names: they can neither inject Verilog nor collide with what the top level generates.

Each network here compiles, lints clean under ``verilator --lint-only -Wall`` and
matches the reference beat for beat on Verilator.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.runtime.sim.simulate import simulate
from compiler.runtime.sim.toolchain import lint
from designs.netgen import GenNet, mlp, random_inputs


def _rename(net: GenNet, old: str, new: str) -> GenNet:
    """Rename layer ``old`` to ``new`` in the yaml and the npz."""
    for layer in net.doc["layers"]:
        if layer["name"] == old:
            layer["name"] = new
    for key in [k for k in net.arrays if k.startswith(old + ".")]:
        net.arrays[new + key[len(old):]] = net.arrays.pop(key)
    return net


def _compile_lint_simulate(net: GenNet, folder: Path, yaml_name: str = "net.yaml") -> tuple[dict, str]:
    net.write(folder / "net", yaml_name=yaml_name)
    out = folder / "rtl"
    manifest = compiler.compile(net.path, out)
    top = manifest["rtl"]["top"]
    files = [out / f for f in (out / "filelist.f").read_text().split()]
    assert lint(files, top) == []
    x = random_inputs(compiler.load(net.path), 12, seed=4)
    rep = simulate(out, x)
    assert rep.matches == rep.images == 12
    return manifest, (out / f"{top}.v").read_text()


@pytest.mark.parametrize("network", ["module", "BNNC_mvtu", "wire"])
def test_keyword_and_core_network_names(tmp_path: Path, network: str) -> None:
    net = mlp(2, sizes=[9, 5, 3], input_dtype="uint8", input_sign=100.0, name=network)
    manifest, top_text = _compile_lint_simulate(net, tmp_path)
    top = manifest["rtl"]["top"]
    assert top != network and top.lower() not in ("module", "wire", "bnnc_mvtu")
    assert manifest["rtl"]["renamed"]["top"] == {network: top}
    assert f"module {top} #(" in top_text
    assert (tmp_path / "rtl" / f"{top}.v").is_file()


def test_layer_names_that_collide_with_generated_names(tmp_path: Path) -> None:
    """Layers named like the input stream, a FIFO, the ports and each other's case twin."""
    net = mlp(3, sizes=[8, 6, 5, 3], input_dtype="uint8", input_sign=127.5)
    for old, new in [("in_sign", "src"), ("fc1", "s_axis"), ("fc2", "fc1_q"), ("act2", "FC1_Q"), ("fc3", "m_axis")]:
        _rename(net, old, new)
    manifest, top_text = _compile_lint_simulate(net, tmp_path)
    renamed = manifest["rtl"]["renamed"]
    streams = [s["name"] for s in manifest["rtl"]["streams"]]
    assert len({s.lower() for s in streams}) == len(streams)
    assert renamed["streams"]["s_axis"] != "s_axis" and renamed["streams"]["m_axis"] != "m_axis"
    assert "src" in renamed["streams"]
    roms = [f for f in manifest["files"] if f.endswith(".mem")]
    assert len({f.lower() for f in roms}) == len(roms)  # no clash on a case-insensitive file system
    # modules and taps still name the IR layers, so every stream is checked against the right tensor
    layers = {layer for m in manifest["rtl"]["modules"] for layer in m["layers"]}
    assert layers >= {"src", "s_axis", "fc1_q", "FC1_Q", "m_axis"}
    assert {s["tap"] for s in manifest["rtl"]["streams"]} <= {layer["name"] for layer in net.doc["layers"]} | {
        "input", "argmax"}


def test_newline_in_the_yaml_file_name_cannot_start_a_verilog_line(tmp_path: Path) -> None:
    net = mlp(4, sizes=[7, 4, 3], input_dtype="uint8", input_sign=127.5)
    manifest, top_text = _compile_lint_simulate(net, tmp_path, yaml_name="n\nmodule evil;\n.yaml")
    assert not any(line.startswith("module evil") for line in top_text.splitlines())
    assert "n\\nmodule evil;\\n.yaml" in top_text.splitlines()[1]
    assert json.loads((tmp_path / "rtl" / "manifest.json").read_text())["source"].endswith("n\nmodule evil;\n.yaml")


def test_manifest_json_is_strict(tmp_path: Path) -> None:
    """No NaN or Infinity: the manifest parses with a JSON reader that refuses them."""
    net = mlp(5, sizes=[6, 4, 3]).write(tmp_path / "n")
    compiler.compile(net.path, tmp_path / "rtl")

    def refuse(token: str) -> float:
        raise ValueError(f"non-standard JSON number {token}")

    json.loads((tmp_path / "rtl" / "manifest.json").read_text(), parse_constant=refuse)
    assert np.isfinite(json.loads((tmp_path / "rtl" / "manifest.json").read_text())["throughput_images_per_s"])
