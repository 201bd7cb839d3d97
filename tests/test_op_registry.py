"""The op registry is complete: every op executes with its type rule, and lowers to RTL or says why not.

Each registered op defines an example (``OpDef.example``: a small node and its input
type) as part of its definition, so adding an op without one fails
:func:`test_every_op_has_an_example`. The net.yaml
documentation's op table is checked against the ops' schemas and parameters.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from compiler.codegen.paths import cores_dir
from compiler.frontend.schema import LAYER_OPS
from compiler.cores.mvtu import OutMode
from compiler.hw.stream import Stream
from compiler.ir import Graph, Node, TensorType
from compiler.lower import plan_context
from compiler.ops import OPS, MatrixOp, PlanContext, Stage, infer_types, verify

ROOT = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(7)


def _batch(t: TensorType, n: int = 7) -> np.ndarray:
    if t.dtype.is_bipolar:
        return RNG.choice(np.array([-1, 1], dtype=np.int8), size=(n, *t.shape))
    assert t.dtype.lo is not None and t.dtype.hi is not None
    return RNG.integers(t.dtype.lo, t.dtype.hi + 1, size=(n, *t.shape))


def _typed(op: str) -> tuple[Graph, Node]:
    t, node = OPS[op].example()
    g = infer_types(Graph("g", t, (node,)))
    return g, g.nodes[0]


def _context(g: Graph) -> PlanContext:
    """What the lowering gives the plan of ``g``'s first stage."""
    return plan_context(g, Stage(g.nodes[0]))


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_op_has_an_example(op: str) -> None:
    t, node = OPS[op].example()
    assert node.op == op and isinstance(t, TensorType)


@pytest.mark.parametrize("op", sorted(OPS))
def test_op_definition_is_complete(op: str) -> None:
    d = OPS[op]
    assert d.name == op and d.doc and "\n" not in d.doc
    g, node = _typed(op)
    verify(g)
    assert set(node.params) == set(d.params) and set(d.attrs) <= set(node.attrs)
    if d.spec is not None:
        assert d.spec.model_fields["op"].annotation.__args__ == (op,)  # type: ignore[union-attr]


@pytest.mark.parametrize("op", sorted(OPS))
def test_op_executes_within_its_type(op: str) -> None:
    """Execution gives the inferred shape, and integer results lie in the inferred exact range."""
    g, node = _typed(op)
    y = OPS[op].execute(node, _batch(g.input).astype(np.int8 if g.input.dtype.is_bipolar else np.int64))
    assert y.shape == (7, *node.out.shape)
    dt = node.out.dtype
    if dt.is_float:
        assert y.dtype == np.float64
    elif dt.is_bipolar:
        assert y.dtype == np.int8 and set(np.unique(y)) <= {-1, 1}
    else:
        assert np.issubdtype(y.dtype, np.integer) and dt.lo <= y.min() and y.max() <= dt.hi


@pytest.mark.parametrize("op", sorted(OPS))
def test_op_lowers_or_says_why(op: str) -> None:
    """An op with RTL lowers to cores that exist; one without gives a one-line reason for bnnc compile."""
    d = OPS[op]
    g, node = _typed(op)
    if d.rtl is not None:
        assert d.rtl.reason and "\n" not in d.rtl.reason
        return
    src = Stream.of_tensor("src", "input", TensorType((g.input.size,), g.input.dtype), d.in_lanes(node) or 1)
    units = d.plan(Stage(node), src, _context(g))
    if not units:  # free in hardware (flatten): the stream passes through
        return
    out = units[-1].m_axis
    assert out.tap == node.name and out.elems * out.vectors == node.out.size
    for m in units:
        assert (cores_dir() / f"{m.core}.v").is_file(), m.core


@pytest.mark.parametrize("op", sorted(n for n, d in OPS.items() if d.absorbs))
@pytest.mark.parametrize("consumer", ["threshold", "affine"])
def test_absorbed_consumers_lower_into_one_unit(op: str, consumer: str) -> None:
    """A matrix op and the threshold or affine it absorbs are one bnnc_mvtu with the matching output mode."""
    d = OPS[op]
    assert consumer in d.absorbs and isinstance(d, MatrixOp)
    t, node = OPS[op].example()
    units = node.params["weight"].shape[0]
    cons = (Node("t", "threshold", {}, {"thresholds": np.full(units, 2), "negate": np.zeros(units, dtype=bool)})
            if consumer == "threshold" else
            Node("a", "affine", {"frac_bits": 0}, {"scale": np.full(units, 3), "offset": np.full(units, -1)}))
    g = infer_types(Graph("g", t, (node, cons)))
    units = d.plan(Stage(*g.nodes), Stream.of_tensor("src", "input", t, d.in_lanes(node) or 1), _context(g))
    m = units[-1]  # a convolution's window unit and glue come first
    assert [x.core for x in units].count("bnnc_mvtu") == 1
    assert m.core == "bnnc_mvtu" and m.layers == (node.name, cons.name)
    want = OutMode.THRESHOLD if consumer == "threshold" else OutMode.AFFINE
    assert m.params["OUT_MODE"] == want and set(m.roms) == {"weights", "params"}


def test_an_op_without_rtl_is_one_line_from_compile(tmp_path: Path) -> None:
    """bnnc compile names the layer and the reason when an op has no hardware (a max-pool on integers)."""
    from compiler.errors import BnncError
    from compiler.lower import lower_to_hw

    t, pool = OPS["maxpool2d"].example()
    g = infer_types(Graph("g", t, (pool,), stage="folded", source="net.yaml"))
    with pytest.raises(BnncError) as e:
        lower_to_hw(g)
    assert str(e.value) == f"net.yaml: layer p: field op: {OPS['maxpool2d'].rtl.reason}"  # type: ignore[union-attr]


def _doc_table() -> dict[str, tuple[set[str], set[str]]]:
    """op -> (fields, arrays) from the ops table of docs/net-yaml.md."""
    text = (ROOT / "docs" / "net-yaml.md").read_text()
    section = text.split("## Ops and their arrays", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[set[str], set[str]]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = re.fullmatch(r"`(\w+)`", cells[0]) if len(cells) >= 4 else None
        if m:
            rows[m.group(1)] = (set(re.findall(r"`(\w+)`", cells[1])), set(re.findall(r"`(\w+)`", cells[2])))
    return rows


def test_net_yaml_doc_lists_every_op_with_its_fields_and_arrays() -> None:
    rows = _doc_table()
    assert list(rows) == list(LAYER_OPS)
    for op, (fields, arrays) in rows.items():
        d = OPS[op]
        assert d.spec is not None
        assert fields == set(d.spec.model_fields) - {"name", "op"}, op
        assert arrays == set(d.params) | set(d.optional_arrays), op


def test_units_state_their_memory_bits() -> None:
    """The manifest's memory figures: a matrix unit's ROMs (padding included) and a window unit's line buffer."""
    g, node = _typed("xnor_conv2d")
    d = OPS["xnor_conv2d"]
    units = d.plan(Stage(node), Stream.of_tensor("src", "input", TensorType((g.input.size,), g.input.dtype),
                                                 d.in_lanes(node) or 1), _context(g))
    swu = next(m for m in units if m.core == "bnnc_swu")
    mvtu = next(m for m in units if m.core == "bnnc_mvtu")
    assert swu.memory["line_buffer_bits"] > 0 and swu.describe()["memory"] == dict(swu.memory)
    f = d.folding(node)
    assert mvtu.memory["rom_bits"] == f.rom_bits  # no threshold absorbed here: weights only
    glue = [m for m in units if m.core in ("bnnc_fifo", "bnnc_width_converter")]
    assert glue and all("memory" not in m.describe() for m in glue)
