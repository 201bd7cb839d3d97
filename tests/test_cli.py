"""The bnnc command line, in-process through compiler.cli.main and once as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.cli import main
from compiler.errors import BnncError
from compiler.outdir import atomic_dir
from designs.netgen import mlp, random_inputs
from tests.pins import whole

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def net(tmp_path: Path):
    return mlp(7, sizes=[20, 12, 4], input_dtype="uint8", input_sign=127.5,
               folding={"fc1": {"pe": 3, "simd": 5}}).write(tmp_path / "net")


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_version_and_help(capsys) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"bnnc {compiler.__version__}"
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("compile", "inspect", "run", "simulate", "train"):
        assert cmd in out
    with pytest.raises(SystemExit) as e:
        main(["compile", "--help"])
    assert "--dump-after" in capsys.readouterr().out


def test_compile_writes_manifest(tmp_path: Path, net, capsys) -> None:
    out = tmp_path / "rtl"
    rc, stdout, err = _run(capsys, "compile", str(net.path), "-o", str(out))
    assert rc == 0 and err == ""
    assert stdout.startswith(f"bnnc: wrote {out} (")
    m = json.loads((out / "manifest.json").read_text())
    assert m["bnnc_version"] == compiler.__version__ and m["network"] == "mlp" and m["stage"] == "folded"
    assert m["input"] == {"shape": [20], "dtype": "u8[0,255]", "bits": 8, "signed": False}
    assert [r["name"] for r in m["layers"]] == ["in_sign", "fc1", "act1", "fc2", "bn2", "argmax"]
    assert [r["op"] for r in m["layers"]] == ["threshold", "xnor_dense", "threshold", "xnor_dense", "affine",
                                             "argmax"]
    fc1 = m["layers"][1]
    assert (fc1["mh"], fc1["mw"], fc1["pe"], fc1["simd"], fc1["cycles"]) == (12, 20, 3, 5, 16)
    assert fc1["weight_count"] == 240 and fc1["weight_bytes_float32"] == 960
    assert fc1["output_range"] == [0, 20] and fc1["output_bits"] == 5
    fc2 = m["layers"][3]
    assert fc2["cycles"] <= 16
    assert m["interval_cycles"] == 16 and m["bottleneck"] == "fc1"
    assert m["throughput_images_per_s"] == pytest.approx(100e6 / 16)
    wm = m["weight_memory"]
    assert wm["weights"] == 240 + 48 and wm["ratio"] == 32 and wm["packed_bytes"] == 36
    assert wm["float32_bytes"] == 4 * 288
    assert m["scores"]["disagreements"] == 0 and m["scores"]["calibration"] == "random"
    assert "manifest.json" in m["files"]
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == sorted(m["files"])


def test_compile_deterministic_and_replaces_its_own_output(tmp_path: Path, net, capsys) -> None:
    out = tmp_path / "rtl"
    out.mkdir()  # an empty folder may be written
    assert _run(capsys, "compile", str(net.path), "-o", str(out))[0] == 0
    first = {p.name: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert _run(capsys, "compile", str(net.path), "-o", str(out))[0] == 0
    second = {p.name: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert first == second
    # a previous bnnc output is replaced, with no .tmp / .old leftovers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net", "rtl"]  # no .tmp / .old leftovers


def test_failed_compile_leaves_no_folder(tmp_path: Path, capsys) -> None:
    bad = mlp(0, sizes=[6, 4, 3], folding={"fc2": {"pe": 9, "simd": 1}}).write(tmp_path / "n")
    out = tmp_path / "rtl"
    rc, stdout, err = _run(capsys, "compile", str(bad.path), "-o", str(out))
    assert rc == 2 and stdout == ""
    assert err.count("\n") == 1 and err.startswith("bnnc: error: ") and "Traceback" not in err
    assert "pe must be at most the layer's 3 output rows (more lanes would only compute padding, no faster), not 9" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n"]


def test_failed_compile_keeps_existing_output(tmp_path: Path, capsys) -> None:
    bad = mlp(0, sizes=[6, 4, 3]).write(tmp_path / "n")
    bad.path.write_text(bad.path.read_text().replace("units: 4", "units: four"))
    out = tmp_path / "rtl"
    out.mkdir()
    (out / "keep.v").write_text("x")
    assert _run(capsys, "compile", str(bad.path), "-o", str(out))[0] == 2
    assert (out / "keep.v").read_text() == "x"


def test_atomic_dir_failure_inside_staging(tmp_path: Path) -> None:
    out = tmp_path / "o"
    with pytest.raises(RuntimeError), atomic_dir(out) as stage:
        (stage / "half.v").write_text("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(BnncError, match=whole(r"field -o: output must be a folder, not an existing file '\S+/file'")), \
            atomic_dir(tmp_path / "file"):
        pass


def test_output_folder_must_not_hold_the_net(tmp_path: Path, net, capsys) -> None:
    rc, _, err = _run(capsys, "compile", str(net.path), "-o", str(net.path.parent))
    assert rc == 2 and "field -o: output folder must not hold bnnc's inputs, not contain " in err
    assert net.path.exists() and (net.path.parent / "weights.npz").exists()
    assert _run(capsys, "compile", str(net.path), "-o", str(tmp_path))[0] == 2
    assert net.path.exists()


def test_inspect_prints_tables(net, capsys) -> None:
    rc, out, err = _run(capsys, "inspect", str(net.path))
    assert rc == 0 and err == ""
    assert out.startswith("mlp  (")
    assert "imported (float stage):" in out and "folded (integer stage):" in out
    assert "xnor_dense" in out and "12x20" in out
    assert "interval: 16 cycles/image (bottleneck fc1)" in out
    assert "weights: 288 -> 36 bytes packed (float32: 1152 bytes, 32x)" in out
    assert "argmax disagreements with float64 on 1024 random calibration inputs" in out
    lines = out.splitlines()
    hdr = lines.index("folded (integer stage):") + 1
    assert lines[hdr].split() == ["#", "layer", "op", "output", "MHxMW", "PE", "SIMD", "cycles"]


@pytest.mark.parametrize("stage", ["float", "folded"])
def test_run_with_labels_and_output(tmp_path: Path, net, capsys, stage: str) -> None:
    g = compiler.load(net.path)
    x = random_inputs(g, 50, 3)
    y = compiler.predict(g, x, stage="float")
    y[:5] = (y[:5] + 1) % 4  # 45/50 right
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    rc, out, err = _run(capsys, "run", str(net.path), "--input", str(tmp_path / "x.npy"), "--labels",
                        str(tmp_path / "y.npy"), "--output", str(tmp_path / "p.npy"), "--stage", stage)
    assert rc == 0 and err == ""
    assert f"50 images, stage {stage}; predicted class counts:" in out
    assert "accuracy: 90.00% (45/50)" in out
    pred = np.load(tmp_path / "p.npy")
    assert np.array_equal(pred, compiler.predict(g, x, stage=stage))


def test_run_scores_network(tmp_path: Path, capsys) -> None:
    n = mlp(2, sizes=[8, 3], final_bn=False, output="scores").write(tmp_path / "n")
    x = random_inputs(compiler.load(n.path), 7, 0)
    np.save(tmp_path / "x.npy", x)
    rc, out, _ = _run(capsys, "run", str(n.path), "--input", str(tmp_path / "x.npy"), "--output",
                      str(tmp_path / "s.npy"))
    assert rc == 0 and "7 images, stage folded; scores shape [7, 3]" in out
    assert np.load(tmp_path / "s.npy").shape == (7, 3)
    np.save(tmp_path / "y.npy", np.zeros(6))
    rc, _, err = _run(capsys, "run", str(n.path), "--input", str(tmp_path / "x.npy"), "--labels",
                      str(tmp_path / "y.npy"))
    assert rc == 2 and "labels must have shape (7,), not [6]" in err


def test_dump_ir_and_dump_after(tmp_path: Path, capsys) -> None:
    n = mlp(4, sizes=[9, 5, 3]).write(tmp_path / "n")
    rc, out, _ = _run(capsys, "compile", str(n.path), "-o", str(tmp_path / "o"), "--dump-ir")
    assert rc == 0
    assert out.count("graph mlp stage=float") == 1 and out.count("graph mlp stage=folded") == 1
    assert "%fc1 = dense(%input)" in out and "%fc1 = xnor_dense(%input)" in out
    rc, out, _ = _run(capsys, "compile", str(n.path), "-o", str(tmp_path / "o"), "--dump-after",
                      "fold_threshold", "--dump-after", "choose_folding")
    assert rc == 0
    assert out.index("// after fold_threshold\n") < out.index("// after choose_folding\n")
    assert "%act1 = threshold(%bn1)" not in out and "threshold(%fc1)" in out and "cycles=" in out
    assert main(["compile", str(n.path), "-o", str(tmp_path / "o"), "--dump-after", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bnnc: error: argument --dump-after: invalid choice: 'nope'") and err.count("\n") == 1
    assert err.endswith("; see 'bnnc compile --help'\n")


def test_calibration_option(tmp_path: Path, net, capsys) -> None:
    x = random_inputs(compiler.load(net.path), 64, 9)
    np.save(tmp_path / "c.npy", x)
    rc, _, _ = _run(capsys, "compile", str(net.path), "-o", str(tmp_path / "o"), "--calibration",
                    str(tmp_path / "c.npy"))
    assert rc == 0
    m = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert m["scores"]["calibration"] == "user" and m["scores"]["calibration_images"] == 64


def test_usage_errors_exit_2(capsys) -> None:
    """argparse errors are one line with a hint, exit 2."""
    assert main([]) == 2
    assert capsys.readouterr().err == ("bnnc: error: the following arguments are required: COMMAND; "
                                       "see 'bnnc --help'\n")
    rc, _, err = _run(capsys, "inspect", "/nonexistent/net.yaml")
    assert rc == 2 and err == "bnnc: error: /nonexistent/net.yaml: the net.yaml must be an existing file, not missing\n"


def test_subprocess_entry_point(tmp_path: Path, net) -> None:
    r = subprocess.run([sys.executable, "-m", "compiler", "--version"], cwd=ROOT, capture_output=True, text=True,
                       check=False)
    assert r.returncode == 0 and r.stdout.strip() == f"bnnc {compiler.__version__}"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    r = subprocess.run([sys.executable, "-m", "compiler", "compile", str(bad), "-o", str(tmp_path / "o")],
                       cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"bnnc: error: {bad}: line ")
    assert not (tmp_path / "o").exists()
    r = subprocess.run([sys.executable, "-m", "compiler", "compile", str(net.path), "-o", str(tmp_path / "o")],
                       cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "manifest.json").exists()


def test_compile_conv_net_writes_rtl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A convolutional net compiles: sliding windows, matrix units over every pixel, bit pools."""
    from designs.netgen import cnn

    net = cnn(3).write(tmp_path / "n")
    assert main(["compile", str(net.path), "-o", str(tmp_path / "rtl")]) == 0
    manifest = json.loads((tmp_path / "rtl" / "manifest.json").read_text())
    cores = [m["core"] for m in manifest["rtl"]["modules"]]
    assert {"bnnc_swu", "bnnc_pool_reduce", "bnnc_mvtu"} <= set(cores)
    assert manifest["interval_cycles"] == max(m["cycles_per_image"] for m in manifest["rtl"]["modules"])


def test_python_api_matches_the_cli(tmp_path: Path) -> None:
    """compiler.compile / compiler.inspect give what bnnc compile / bnnc inspect give."""
    net = mlp(8, sizes=[20, 8, 4], input_dtype="uint8", input_sign=127.5).write(tmp_path / "n")
    manifest = compiler.compile(net.path, tmp_path / "api")
    assert main(["compile", str(net.path), "-o", str(tmp_path / "cli")]) == 0
    for name in manifest["files"]:
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    text = compiler.inspect(net.path)
    assert "folded (integer stage):" in text and "interval:" in text


def test_constant_output_is_warned(tmp_path: Path, capsys) -> None:
    """An input threshold no uint8 pixel can reach makes every output the same: compile and inspect say so."""
    n = mlp(0, sizes=[6, 4, 3], input_dtype="uint8", input_sign=300.0).write(tmp_path / "n")
    rc, _, err = _run(capsys, "compile", str(n.path), "-o", str(tmp_path / "o"))
    assert rc == 0
    assert err.endswith(": the network's output is the same for every input (layer in_sign: every channel compares "
                        "against a value its input range [0, 255] never or always reaches)\n")
    rc, _, err = _run(capsys, "inspect", str(n.path))
    assert rc == 0 and "the network's output is the same for every input" in err
    ok = mlp(0, sizes=[6, 4, 3], input_dtype="uint8", input_sign=100.0).write(tmp_path / "ok")
    rc, _, err = _run(capsys, "compile", str(ok.path), "-o", str(tmp_path / "o2"))
    assert rc == 0 and "same for every input" not in err
