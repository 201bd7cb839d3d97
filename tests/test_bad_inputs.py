"""The bad-input corpus (tests/bad_inputs/): one line, the pinned message, the exit code, nothing else touched."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from compiler.cli import main
from tests.bad_inputs.cases import Case
from tests.bad_inputs.corpus import CASES, CLASSES, readme_table


def _snapshot(root: Path, outputs: tuple[str, ...]) -> dict[str, tuple[str, bytes | str]]:
    """Every entry under ``root`` (links not followed) except bnnc's own output folders: kind and content."""
    out: dict[str, tuple[str, bytes | str]] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if any(rel == o or rel.startswith(o + "/") for o in outputs):
            continue
        if p.is_symlink():
            out[rel] = ("link", str(p.readlink()))
        elif p.is_file():
            out[rel] = ("file", p.read_bytes())
        elif p.is_dir():
            out[rel] = ("dir", "")
        else:
            out[rel] = ("special", "")
    return out


def test_corpus_size_and_classes() -> None:
    """At least 80 cases, every class represented, names unique."""
    assert len(CASES) >= 80
    assert len({c.name for c in CASES}) == len(CASES)
    counts = Counter(c.cls for c in CASES)
    assert set(counts) == set(CLASSES), counts


def test_readme_states_the_counts() -> None:
    """tests/bad_inputs/README.md holds the table of cases per class that the corpus has now."""
    readme = (Path(__file__).parent / "bad_inputs" / "README.md").read_text()
    assert readme_table() in readme, "regenerate the table: python -m tests.bad_inputs.corpus"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(tmp_path: Path, case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "w"
    work.mkdir()
    for step in case.setup:
        step(work)
    argv = [a.replace("{d}", str(work)) for a in case.argv]
    before = _snapshot(tmp_path, case.outputs)
    capsys.readouterr()
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == case.code, err
    assert err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err, err
    assert re.fullmatch(r"bnnc: error: " + case.expect + r"\n", err), err
    assert _snapshot(tmp_path, case.outputs) == before, "a file outside bnnc's output changed"
