"""`bnnc report` (issue 25): the report of every example, drawn from its compile folder, checked as a page and
against the manifest; a damaged side file is one line. The report after `bnnc synth` and `bnnc simulate` is
checked in tests/test_synth.py (its ice40 flow), where the synthesis already runs."""

from __future__ import annotations

import html.parser
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import compiler
from compiler.cli import main as bnnc
from compiler.codegen.report import build_report, render_html
from compiler.frontend.onnxfile import ImportOptions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/net.yaml"))


class _Page(html.parser.HTMLParser):
    """Parses the page strictly enough: every element closed in order (void elements excepted), the SVGs cut out."""

    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID and not tag.endswith("/"):
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def check_page(page: str) -> list[ET.Element]:
    """The page parses as HTML with balanced elements, each inline SVG parses as XML; no address outside it.
    Returns the SVGs."""
    p = _Page()
    p.feed(page)
    p.close()
    assert not p.errors and not p.stack, (p.errors, p.stack)
    svgs = [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", page, flags=re.S)]
    assert len(svgs) >= 3
    # self-contained: no scripts, no external stylesheet, font or image; the only URL is SVG's namespace
    assert "<script" not in page and "<link" not in page and "@import" not in page and "url(http" not in page
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>)]*", page))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    return svgs


def _compile(example: str, out: Path) -> Path:
    cal = ROOT / "examples" / example / "calibration.npy"
    compiler.compile(str(ROOT / "examples" / example / "net.yaml"), out,
                     calibration=np.load(cal) if cal.exists() else None)
    return out


def check_against_manifest(rtl: Path, page: str) -> None:
    """The report's numbers are the manifest's, and every layer appears with its figures."""
    m = json.loads((rtl / "manifest.json").read_text())
    r = compiler.report(rtl)
    assert (r.network, r.interval, r.bottleneck) == (m["network"], m["interval_cycles"], m["bottleneck"])
    assert r.model_total == {k: v for k, v in m["resources"]["total"].items() if k in r.model_total}
    assert [(u.name, u.core, u.cycles) for u in r.units] == [(d["name"], d["core"], d["cycles_per_image"])
                                                             for d in m["rtl"]["modules"]]
    assert f"{m['interval_cycles']:,} cycles" in page
    # the folding trade-off: the search's answers over the intervals and this design, priced alike
    chosen = [p for p in r.tradeoff if p["chosen"]]
    assert len(chosen) == 1 and chosen[0]["interval"] == m["interval_cycles"]
    assert any(p["pareto"] for p in r.tradeoff) and len(r.tradeoff) >= 2
    fastest = min(r.tradeoff, key=lambda p: p["interval"])
    assert fastest["pareto"] and all(p["cost"] > 0 for p in r.tradeoff)
    for layer in m["layers"]:
        row = re.search(rf"<tr id=\"layer-{re.escape(layer['name'])}\"[^>]*>(.*?)</tr>", page)
        assert row, layer["name"]
        assert layer["op"] in row.group(1) and layer["output"] in row.group(1)
        if "cycles" in layer:
            assert f"{layer['pe']} × {layer['simd']}" in row.group(1) and f"{layer['cycles']:,}" in row.group(1)
    for name, res in m["resources"]["modules"].items():
        row = re.search(rf"<tr id=\"unit-{re.escape(name)}\"[^>]*>(.*?)</tr>", page)
        assert row and f"<td>{res['lut']:,}</td>" in row.group(1), name


@pytest.mark.parametrize("example", EXAMPLES)
def test_report_of_every_example(example: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rtl = _compile(example, tmp_path / "rtl")
    assert bnnc(["report", str(rtl)]) == 0
    page = (rtl / "report.html").read_text()
    check_page(page)
    check_against_manifest(rtl, page)
    assert json.loads((rtl / "report.json").read_text()) == json.loads(json.dumps(compiler.report(rtl).to_json()))
    assert "Not simulated yet" in page and "Not synthesized yet" in page
    # the folder is still a compile folder simulate and synth read (the report's files are bnnc's own extras)
    from compiler.codegen.folder import validate_folder

    validate_folder(rtl)
    if example == "mlp_small":  # (once: a compile costs up to 3 s) a new compile replaces the folder, report included
        assert bnnc(["compile", str(ROOT / "examples" / example / "net.yaml"), "-o", str(rtl)]) == 0
        assert not (rtl / "report.html").exists()


def test_report_of_the_imported_onnx_example(tmp_path: Path) -> None:
    ex = ROOT / "examples" / "brevitas_tfc_w1a2"
    g = compiler.load(ex / "model.onnx", onnx=ImportOptions(input_dtype="uint8", input_scale=1 / 255))
    compiler.compile(g, tmp_path / "rtl")
    page = render_html(build_report(tmp_path / "rtl"))
    check_page(page)
    check_against_manifest(tmp_path / "rtl", page)


def test_compile_report_flag_and_a_damaged_simulate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = ROOT / "examples" / "mlp_small" / "net.yaml"
    rtl = tmp_path / "rtl"
    assert bnnc(["compile", str(net), "-o", str(rtl), "--report"]) == 0
    assert (rtl / "report.html").is_file() and (rtl / "report.json").is_file()
    capsys.readouterr()
    doc = {"images": 4, "matches": 5, "interval_predicted": 208, "streams_checked": 1, "beats_checked": 9,
           "gaps": 0.0, "backpressure": 0.0, "engine": "verilator", "seconds": 1.0, "inputs": "x.npy"}
    (rtl / "simulate.json").write_text(json.dumps(doc))
    assert bnnc(["report", str(rtl)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "simulate.json" in err and "field matches" in err
    assert "matches must be at most images (4), not 5" in err
    (rtl / "simulate.json").write_text('{"images": 1e999}')
    assert bnnc(["report", str(rtl)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "simulate.json" in err


def test_report_float_against_folded_accuracy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --net, --inputs and --labels the Network section holds both accuracies, equal to compiler.predict's."""
    rtl = _compile("mlp_small", tmp_path / "rtl")
    d = np.load(ROOT / "tests" / "data" / "mnist_subset.npz")
    x, y = d["x_test"][:60].reshape(60, -1), d["y_test"][:60]
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    net = ROOT / "examples" / "mlp_small" / "net.yaml"
    assert bnnc(["report", str(rtl), "--net", str(net), "--inputs", str(tmp_path / "x.npy"),
                 "--labels", str(tmp_path / "y.npy")]) == 0
    acc = json.loads((rtl / "report.json").read_text())["accuracy"]
    pf = compiler.predict(str(net), x, stage="float")
    pq = compiler.predict(str(net), x, stage="folded")  # as _compile folded it (mlp_small ships no calibration)
    assert acc == {"images": 60, "float": float(np.mean(pf == y)), "folded": float(np.mean(pq == y)),
                   "differ": int(np.sum(pf != pq)), "inputs": "x.npy"}
    page = (rtl / "report.html").read_text()
    assert f"float network {acc['float'] * 100:.2f} %" in page and f"{acc['folded'] * 100:.2f} %" in page
    capsys.readouterr()
    assert bnnc(["report", str(rtl), "--net", str(net)]) == 2  # the accuracy needs all three
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--inputs, --labels must be given too" in err
