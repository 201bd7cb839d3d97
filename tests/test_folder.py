"""compiler/codegen/folder.py: every compile folder bnnc writes validates, and reads back as its manifest says.

The refusals (tampered manifests, files, hashes) are pinned whole in tests/bad_inputs/cases_folder.py.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.codegen.folder import HASHES, CompiledFolder, validate_folder
from compiler.hw.stream import Stream

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("example", ["mlp_small", "mlp_small_u8", "lfc", "mnist_up5k", "conv_mnist_u8"])
def test_every_example_validates(tmp_path: Path, example: str) -> None:
    ex = ROOT / "examples" / example
    cal = ex / "calibration.npy"
    manifest = compiler.compile(ex / "net.yaml", tmp_path / "rtl", calibration=np.load(cal) if cal.is_file() else None)
    folder = validate_folder(tmp_path / "rtl")
    assert isinstance(folder, CompiledFolder)
    r = manifest["rtl"]
    assert folder.top == r["top"] and folder.interval == r["interval_cycles"] and folder.output == manifest["output"]
    assert [s.describe() for s in folder.streams] == r["streams"]
    assert folder.input_stream == Stream.from_manifest(r["input_stream"])
    assert folder.output_stream == Stream.from_manifest(r["output_stream"])
    assert list(folder.verilog) == (tmp_path / "rtl" / "filelist.f").read_text().split()
    assert [m.name for m in folder.modules] == [m["name"] for m in r["modules"]]
    assert folder.clock_mhz == manifest["clock_mhz"] and folder.target == manifest["resources"]["target"]
    # every file but the manifest is hashed, as written
    assert set(manifest[HASHES]) == set(manifest["files"]) - {"manifest.json"}
    for name, digest in manifest[HASHES].items():
        assert hashlib.sha256((tmp_path / "rtl" / name).read_bytes()).hexdigest() == digest
    graph = folder.load_graph()
    assert graph.output == folder.output and graph.timing is not None and graph.timing[0] == folder.interval


def test_the_folder_is_frozen(tmp_path: Path) -> None:
    net = ROOT / "examples" / "mlp_small" / "net.yaml"
    compiler.compile(net, tmp_path / "rtl")
    folder = validate_folder(tmp_path / "rtl")
    with pytest.raises(AttributeError):
        folder.top = "evil"  # type: ignore[misc]
    with pytest.raises(TypeError):
        folder.modules[0].params["PE"] = 3  # type: ignore[index]
    with pytest.raises(KeyError):
        folder.file("../net.yaml")
    assert folder.file("filelist.f") == tmp_path / "rtl" / "filelist.f"


def test_validation_reads_but_never_writes(tmp_path: Path) -> None:
    compiler.compile(ROOT / "examples" / "mlp_small" / "net.yaml", tmp_path / "rtl")
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "rtl").iterdir()}
    validate_folder(tmp_path / "rtl").load_graph()
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "rtl").iterdir()} == before
    assert json.loads((tmp_path / "rtl" / "manifest.json").read_text())[HASHES]
