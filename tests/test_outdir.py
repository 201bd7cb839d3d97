"""Output folders: bnnc never destroys what it did not write, and leaves one complete output or none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from compiler.cli import main
from compiler.outdir import atomic_dir
from designs.netgen import GenNet, mlp

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def net(tmp_path: Path) -> GenNet:
    return mlp(0, sizes=[20, 12, 4]).write(tmp_path / "net")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _compile(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = main(["compile", *argv])
    err = capsys.readouterr().err
    return rc, err


def _debris(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".bnnc-" in p.name]


def test_weights_inside_the_output_folder_survive(tmp_path: Path, net: GenNet, capsys) -> None:
    """-o naming the network's own folder, by path, by '.', and by '../net' from inside it: refused, nothing lost."""
    before = _snapshot(tmp_path)
    folder = net.path.parent
    for out in (str(folder), str(folder / ".." / "net")):
        rc, err = _compile(capsys, str(net.path), "-o", out)
        assert rc == 2 and "output folder must not hold bnnc's inputs, not contain " in err and err.count("\n") == 1
    cwd = os.getcwd()
    try:
        os.chdir(folder)
        for out in (".", "../net"):
            rc, err = _compile(capsys, "net.yaml", "-o", out)
            assert rc == 2 and "must not hold bnnc's inputs" in err
    finally:
        os.chdir(cwd)
    assert _snapshot(tmp_path) == before


def test_calibration_file_inside_the_output_is_refused(tmp_path: Path, net: GenNet, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    np.save(out / "cal.npy", np.ones((4, 20), dtype=np.int8))
    rc, err = _compile(capsys, str(net.path), "-o", str(out), "--calibration", str(out / "cal.npy"))
    assert rc == 2 and "not contain " in err and "cal.npy" in err
    assert (out / "cal.npy").exists()


def test_a_folder_with_other_files_is_refused_whole(tmp_path: Path, net: GenNet, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    rc, err = _compile(capsys, str(net.path), "-o", str(out))
    assert rc == 2 and "output folder must be empty or a previous bnnc output, not " in err
    assert (out / "notes.txt").read_text() == "mine"
    # a bnnc output that gained a user file is refused too, naming the file
    out2 = tmp_path / "out2"
    assert _compile(capsys, str(net.path), "-o", str(out2))[0] == 0
    (out2 / "my_weights.npz").write_bytes(b"precious")
    rc, err = _compile(capsys, str(net.path), "-o", str(out2))
    assert rc == 2 and "output folder must hold only what bnnc wrote, not 'my_weights.npz'" in err
    assert (out2 / "my_weights.npz").read_bytes() == b"precious"
    assert _debris(tmp_path) == []


def test_symlinked_output_is_replaced_where_it_points(tmp_path: Path, net: GenNet, capsys) -> None:
    real = tmp_path / "real"
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert _compile(capsys, str(net.path), "-o", str(link))[0] == 2  # dangling: refused, nothing created
    assert not real.exists()
    real.mkdir()
    assert _compile(capsys, str(net.path), "-o", str(link))[0] == 0
    assert _compile(capsys, str(net.path), "-o", str(link))[0] == 0
    assert link.is_symlink() and (real / "manifest.json").is_file()
    assert _debris(tmp_path) == []


def test_unwritable_parent_gives_one_line_and_no_debris(tmp_path: Path, net: GenNet, capsys,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A rename the OS refuses (a read-only parent; root cannot be refused for real) is one line, nothing left."""
    out = tmp_path / "out"
    assert _compile(capsys, str(net.path), "-o", str(out))[0] == 0
    before = _snapshot(out)

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", refuse)
    rc, err = _compile(capsys, str(net.path), "-o", str(out))
    assert rc == 2 and err == "bnnc: error: field -o: output folder must be writable, not fail with Permission denied\n"
    assert _snapshot(out) == before and _debris(tmp_path) == []


def test_failure_while_writing_removes_the_stage(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), atomic_dir(tmp_path / "o") as stage:
        (stage / "half.v").write_text("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_concurrent_compiles_into_one_folder(tmp_path: Path, net: GenNet) -> None:
    """Four compiles racing into one folder: every one succeeds, one complete output, no staging leftovers."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(2):
        procs = [subprocess.Popen([sys.executable, "-m", "compiler", "compile", str(net.path), "-o", str(out)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for _ in range(4)]
        results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
        for stdout, stderr, rc in results:
            assert rc == 0 and stderr == "", stderr
        manifest = json.loads((out / "manifest.json").read_text())
        assert sorted(p.name for p in out.iterdir()) == sorted(manifest["files"])
        assert _debris(tmp_path) == []
