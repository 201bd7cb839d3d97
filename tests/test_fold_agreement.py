"""What the docs promise about folding and showing user input (issue 20, item 7 and the inject rules).

* ``bnnc run --calibration`` folds a network exactly as ``bnnc compile --calibration`` does, so its
  predictions are those of the compile folder's folded IR (the graph ``bnnc simulate`` checks the RTL
  against);
* ``eps: 0`` is legal (docs/net-yaml.md: only ``var > 0``);
* extreme but finite final batchnorms fold without a numpy warning or a math error;
* the random calibration stays within ``--max-bytes``;
* Unicode bidirectional and format characters in a path never reach the terminal or a Verilog comment raw.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.cli import main
from compiler.codegen.irfile import IR_FILE, load_graph
from compiler.ir import dump
from compiler.names import comment_text, printable
from compiler.passes.scores import CALIBRATION_IMAGES, MIN_CALIBRATION_IMAGES
from compiler.reference import execute
from designs.netgen import mlp, random_inputs


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_run_calibration_folds_as_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """run --calibration predicts what the compiled folder's folded IR predicts; without it, the fold differs."""
    net = mlp(1, sizes=[30, 16, 10], input_dtype="uint8", input_sign=127.5)
    k = np.arange(10)  # nearly equal scales: the argmax needs many fraction bits on most inputs
    net.arrays.update({"bn2.gamma": 1 + k * 1e-5, "bn2.beta": (k % 3) * 1e-4, "bn2.mean": np.zeros(10),
                       "bn2.var": np.ones(10)})
    net.write(tmp_path / "net")
    graph = compiler.load(net.path)
    cal = random_inputs(graph, 5, seed=11).astype(np.uint8)  # few images: a narrower score width than random's
    x = random_inputs(graph, 2000, seed=12).astype(np.uint8)
    np.save(tmp_path / "cal.npy", cal)
    np.save(tmp_path / "x.npy", x)
    rc, _, err = _run(capsys, "compile", net.path, "-o", tmp_path / "rtl", "--calibration", tmp_path / "cal.npy")
    assert rc == 0, err
    compiled = load_graph(tmp_path / "rtl" / IR_FILE)
    # the premise: this calibration folds differently from bnnc's random one
    randomly = compiler.fold(graph)
    assert dump(randomly) != dump(compiled)
    assert not np.array_equal(execute(randomly, x), execute(compiled, x))
    assert dump(compiler.fold(graph, calibration=cal)) == dump(compiled)
    rc, out, err = _run(capsys, "run", net.path, "--input", tmp_path / "x.npy", "--calibration", tmp_path / "cal.npy",
                        "--output", tmp_path / "p.npy")
    assert rc == 0 and err == "", err
    assert np.array_equal(np.load(tmp_path / "p.npy"), execute(compiled, x)[:, 0])
    assert np.array_equal(compiler.predict(graph, x, calibration=cal), execute(compiled, x)[:, 0])


def test_eps_zero_is_legal_and_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """eps: 0 loads and folds; the folded integer network agrees with the float stage on every input."""
    net = mlp(5, sizes=[12, 8, 4], input_dtype="bipolar", eps=0.0).write(tmp_path / "net")
    graph = compiler.load(net.path)
    assert {n.attrs["eps"] for n in graph.nodes if n.op == "batchnorm"} == {0.0}
    x = random_inputs(graph, 300, seed=1)
    float_scores = execute(graph.prefix(len(graph.nodes) - 1), x)
    folded = compiler.fold(graph)
    # the hidden layers fold exactly: the argmax differs only where float scores tie (none here)
    top2 = np.sort(float_scores, axis=1)[:, -2:]
    assert np.all(top2[:, 1] > top2[:, 0])
    assert np.array_equal(compiler.predict(graph, x, stage="float"), compiler.predict(folded, x))
    rc, _, err = _run(capsys, "compile", net.path, "-o", tmp_path / "rtl")
    assert rc == 0 and err == "", err


@pytest.mark.parametrize("gamma,beta", [(5e-324, 0.0), (1e300, 0.0), (1.0, 1e300), (1e-300, 1e-300)])
def test_extreme_final_batchnorm_folds_quietly(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               gamma: float, beta: float) -> None:
    """A final batchnorm with scales near float64's ends compiles: no math error, no numpy warning."""
    net = mlp(0, sizes=[6, 4, 3], input_dtype="bipolar")
    net.arrays.update({"bn2.gamma": np.full(3, gamma), "bn2.beta": np.array([beta, 0.0, -beta]),
                       "bn2.mean": np.zeros(3), "bn2.var": np.ones(3)})
    net.write(tmp_path / "net")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        rc, _, err = _run(capsys, "compile", net.path, "-o", tmp_path / "rtl")
    assert rc == 0 and "warning" not in err.replace("bnnc: warning: ", ""), err
    scores = json.loads((tmp_path / "rtl" / "manifest.json").read_text())["scores"]
    assert isinstance(scores["frac_bits"], int)


def test_random_calibration_within_max_bytes(tmp_path: Path) -> None:
    """A budget too small for 1024 random images calibrates on as many as fit (64 at least)."""
    net = mlp(1, sizes=[100, 8, 4], input_dtype="uint8", input_sign=127.5).write(tmp_path / "net")
    graph = compiler.load(net.path)
    per_image = 100 * 8  # int64 values
    fit = 300
    folded = compiler.fold(graph, max_bytes=fit * per_image + 7)
    assert folded.scores is not None and folded.scores.calibration_images == fit
    assert compiler.fold(graph).scores.calibration_images == CALIBRATION_IMAGES  # type: ignore[union-attr]
    folded = compiler.fold(graph, max_bytes=MIN_CALIBRATION_IMAGES * per_image)
    assert folded.scores.calibration_images == MIN_CALIBRATION_IMAGES  # type: ignore[union-attr]


BIDI = "\u202e\u2066\u2069\u200f\u061c\u2028"


def test_printable_escapes_bidi_and_format_characters() -> None:
    for c in BIDI + "\x00\x1b\x7f\x85\u200b\ufeff\udcff":
        assert printable(f"a{c}b") == "a" + c.encode("unicode_escape", "backslashreplace").decode() + "b"
        assert comment_text(f"a{c}b").isascii()
    assert printable("café 漢字 ok") == "café 漢字 ok"  # letters of any script stay as they are


def test_bidi_path_never_raw_in_terminal_or_verilog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A net.yaml whose folder and file name hold U+202E and kin compiles; the report line and the Verilog
    comments escape them."""
    folder = tmp_path / f"ev{BIDI}il"
    net = mlp(0, sizes=[6, 4, 3], input_dtype="bipolar").write(folder, yaml_name=f"n{BIDI}et.yaml")
    out = tmp_path / "rtl\u202e"
    rc, stdout, err = _run(capsys, "compile", net.path, "-o", out)
    assert rc == 0, err
    assert not any(c in stdout + err for c in BIDI)
    assert "rtl\\u202e" in stdout
    verilog = "".join(p.read_text() for p in out.glob("*.v"))
    assert not any(c in verilog for c in BIDI)
    assert "from n\\u202e\\u2066\\u2069\\u200f\\u061c\\u2028et.yaml;" in verilog  # the source, in a comment
