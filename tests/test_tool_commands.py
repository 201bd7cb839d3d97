"""Tool scripts and command lines are built only from a validated compile folder (compiler/codegen/folder.py).

A compile folder is untrusted input: anyone may have edited it since bnnc compile wrote it.
These tests read the code of compiler/ and compiler/runtime/ and hold it to four rules, so that a new
raw read of the manifest into a command fails here:

1. every place that starts another program (subprocess, os.system/exec/spawn, cocotb's runner)
   is listed in :data:`LAUNCHES`, with where its arguments come from;
2. only the validator reads the folder's files raw: nobody else names manifest.json,
   filelist.f or folded_ir.npz, imports their names or ``load_graph``, subscripts ``["rtl"]``,
   calls ``from_manifest`` on a raw record, or parses JSON outside the places listed in
   :data:`JSON_READERS`;
3. in every function that assembles a tool script, config or command line (:data:`BUILDERS`),
   each value pasted into an f-string passes through :func:`compiler.names.tool_word` /
   ``tool_words`` (or ``int``), or is built from such values and constants;
4. those builders and the commands' entry points take the validated
   :class:`~compiler.codegen.folder.CompiledFolder`, never a raw ``dict``.

And at run time: on a tampered folder no consumer starts any program, and on a valid one
every word of the Yosys scripts and nextpnr command lines is a plain word.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from compiler.names import tool_word

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for top in ("compiler", "runtime") for p in (ROOT / top).rglob("*.py"))

# (file, function) -> where the program and its arguments come from
LAUNCHES: dict[tuple[str, str], str] = {
    ("compiler/runtime/synth.py", "synthesize"): "yosys -p _cells_script(validated folder), cwd the validated folder",
    ("compiler/runtime/synth.py", "_run_step"): "yosys -s synth/yosys.ys (_flow_script), _pnr_command, _pack_command",
    ("compiler/runtime/sim/engine.py", "build"): "verilator: constant flags, tool_word(top), _taps_vlt, the folder's "
                                        "validated Verilog files",
    ("compiler/runtime/sim/engine.py", "_run_harness"): "the simulator just built, on a temporary run folder (_write_run)",
    ("compiler/runtime/sim/engine.py", "model_nodes"): "verilator --stats: build()'s constant flags, tool_word(top), _taps_vlt, "
                                              "the folder's validated Verilog files, a temporary --Mdir",
    ("compiler/runtime/sim/popcount_proof.py", "netlists"): "yosys -p: a copy of the bnnc_xnor_popcount core bnnc ships, "
                                                   "int() widths and pipes, a constant define, a temporary folder",
    ("compiler/runtime/sim/toolchain.py", "run_lint"): "verilator --lint-only on sources and a top its callers (tests, "
                                              "the fuzzer) generated in-process",
    ("compiler/runtime/sim/objcache.py", "main"): "the C++ compiler command make runs for Verilator's runtime objects",
    ("compiler/runtime/sim/runner.py", "_run_cocotb"): "cocotb's runner.test: the test module and toplevel of build_and_test",
    ("compiler/runtime/sim/runner.py", "build_and_test"): "cocotb's runner.build: simulate passes the validated files and "
                                                 "tool_word(top); MEM_DIR refused with a quote or backslash",
}

# files allowed to name the compile folder's own files and read them raw
FOLDER_READERS = {"compiler/codegen/folder.py": "the validator",
                  "compiler/codegen/writer.py": "writes them",
                  "compiler/codegen/irfile.py": "defines IR_FILE and load_graph (called by the validator)",
                  "compiler/outdir.py": "defines MANIFEST; reads only the files list, to judge which entries of an "
                                        "output folder bnnc owns (nothing reaches a tool)",
                  "compiler/codegen/report.py": "after validate_folder, reads the manifest's figures the report shows "
                                                "(layers, resources, weight_memory), each through folder.py's typed "
                                                "_Fields checks; they reach only escaped HTML, never a tool"}
FOLDER_FILES = {"manifest.json", "filelist.f", "folded_ir.npz"}
FOLDER_NAMES = {"MANIFEST", "FILELIST", "HASHES", "IR_FILE", "load_graph"}

# (file, function) -> what JSON it parses
JSON_READERS: dict[tuple[str, str], str] = {
    ("compiler/codegen/folder.py", "_strict_json"): "the manifest, strictly",
    ("compiler/codegen/irfile.py", "load_graph"): "the folded IR's header (its hash checked first)",
    ("compiler/runtime/board.py", "default_baud"): "synth.json's board.baud, range-checked",
    ("compiler/runtime/synth.py", "synthesize"): "Yosys's stat.json",
    ("compiler/runtime/synth.py", "run_flow"): "Yosys's and nextpnr's reports under synth/",
    ("compiler/runtime/sim/simulate.py", "_simulate_cocotb"): "the testbench's result.json",
    ("compiler/runtime/sim/network_tb.py", "*"): "the plan make_plan wrote from the validated folder",
    ("compiler/runtime/sim/runner.py", "*"): "cocotb's results",
    ("compiler/runtime/sim/popcount_proof.py", "netlists"): "Yosys's write_json of the core, in a temporary folder",
}

# (file, function) -> f-string values allowed without tool_word, and why
BUILDERS: dict[tuple[str, str], dict[str, str]] = {
    ("compiler/runtime/synth.py", "_cells_script"): {},
    ("compiler/runtime/synth.py", "_flow_script"): {},
    ("compiler/runtime/synth.py", "_pnr_command"): {},
    ("compiler/runtime/synth.py", "_pack_command"): {},
    ("compiler/runtime/synth.py", "harness_verilog"): {},
    ("compiler/runtime/sim/engine.py", "_taps_vlt"): {"sig": "a constant of the loop: tdata, tvalid, tready"},
    ("compiler/runtime/sim/engine.py", "_write_run"): {"waves[2]": "the VCD path bnnc chose (a temporary folder), read by "
                                                          "the harness to the end of its line"},
}

# functions that take a compile folder's values: they must take the validated CompiledFolder
FOLDER_TAKERS = [("compiler/runtime/synth.py", "run_flow"), ("compiler/runtime/synth.py", "rom_bits"),
                 ("compiler/runtime/synth.py", "_cells_script"), ("compiler/runtime/synth.py", "_flow_script"),
                 ("compiler/runtime/sim/engine.py", "build"), ("compiler/runtime/sim/engine.py", "run"),
                 ("compiler/runtime/sim/engine.py", "_write_run"), ("compiler/runtime/sim/engine.py", "_waves"),
                 ("compiler/runtime/sim/engine.py", "fast_popcount"), ("compiler/runtime/sim/engine.py", "model_nodes"),
                 ("compiler/runtime/sim/simulate.py", "make_plan"), ("compiler/runtime/sim/simulate.py", "_build_dir"),
                 ("compiler/runtime/sim/simulate.py", "_bounds"), ("compiler/runtime/sim/simulate.py", "_simulate_compiled"),
                 ("compiler/runtime/sim/simulate.py", "_simulate_cocotb"), ("compiler/codegen/board.py", "render_board_top"),
                 ("compiler/codegen/board.py", "write_board_files")]

CHECKED_CALLS = {"tool_word", "tool_words", "int"}


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _functions(tree: ast.AST) -> dict[str, ast.FunctionDef]:
    """Top-level functions and methods by name (methods as Class.name)."""
    out: dict[str, ast.FunctionDef] = {}
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[node.name] = node  # type: ignore[assignment]
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out[f"{node.name}.{sub.name}"] = sub  # type: ignore[assignment]
    return out


def _enclosing(tree: ast.AST) -> dict[ast.AST, str]:
    """Every node -> the name of the outermost function (or method) holding it ("<module>" at module level)."""
    owner: dict[ast.AST, str] = {}
    for name, fn in _functions(tree).items():
        for node in ast.walk(fn):
            owner[node] = name
    return owner


def _launch(call: ast.Call) -> bool:
    f = call.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        mod, attr = f.value.id, f.attr
        if mod == "subprocess" and attr in {"run", "Popen", "call", "check_call", "check_output", "getoutput",
                                            "getstatusoutput"}:
            return True
        if mod == "os" and (attr in {"system", "popen"} or attr.startswith(("exec", "spawn", "posix_spawn"))):
            return True
        if mod == "runner" and attr in {"build", "test"}:  # cocotb's runner
            return True
    return False


def _parsed() -> list[tuple[str, ast.AST]]:
    return [(_rel(p), ast.parse(p.read_text(), str(p))) for p in SOURCES]


PARSED = _parsed()


def test_every_program_launch_is_listed() -> None:
    found: set[tuple[str, str]] = set()
    for rel, tree in PARSED:
        owner = _enclosing(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("subprocess", "os", "pty", "asyncio.subprocess"):
                names = {a.name for a in node.names}
                assert not names & {"run", "Popen", "call", "check_call", "check_output", "system", "popen"}, \
                    f"{rel}:{node.lineno}: import the module (subprocess.run), so the launch is found here"
            if isinstance(node, ast.Call) and _launch(node):
                found.add((rel, owner.get(node, "<module>")))
    assert found == set(LAUNCHES), ("programs started outside the reviewed list (add them to LAUNCHES with where "
                                    f"their arguments come from): {sorted(found - set(LAUNCHES))}; listed but gone: "
                                    f"{sorted(set(LAUNCHES) - found)}")


def test_only_the_validator_reads_the_folder_raw() -> None:
    for rel, tree in PARSED:
        owner = _enclosing(tree)
        reader = rel in FOLDER_READERS
        codegen_or_runtime = rel.startswith(("compiler/runtime/", "compiler/codegen/"))
        for node in ast.walk(tree):
            where = f"{rel}:{getattr(node, 'lineno', '?')}"
            if not reader and isinstance(node, ast.Constant) and node.value in FOLDER_FILES:
                raise AssertionError(f"{where}: names {node.value}: read a compile folder through validate_folder")
            if not reader and isinstance(node, ast.ImportFrom):
                bad = {a.name for a in node.names} & FOLDER_NAMES
                assert not bad, f"{where}: imports {sorted(bad)}: read a compile folder through validate_folder"
            if codegen_or_runtime and isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                    and isinstance(node.slice, ast.Constant) and node.slice.value == "rtl":
                raise AssertionError(f"{where}: reads a raw manifest's ['rtl']: use the CompiledFolder")
            if codegen_or_runtime and rel not in ("compiler/codegen/folder.py", "compiler/runtime/sim/network_tb.py") \
                    and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "from_manifest":
                raise AssertionError(f"{where}: builds from a raw manifest record: use the CompiledFolder's")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "json" \
                    and node.func.attr in ("load", "loads") and codegen_or_runtime:
                fn = owner.get(node, "<module>")
                assert (rel, fn) in JSON_READERS or (rel, "*") in JSON_READERS, \
                    f"{where}: {fn} parses JSON: add it to JSON_READERS, or read the folder through validate_folder"


def _ok_value(expr: ast.AST, checked: set[str], exempt: dict[str, str]) -> bool:
    """A pasted value: a tool_word/tool_words/int call, a name bound to one, a constant, or built of those."""
    if ast.unparse(expr) in exempt:
        return True
    if isinstance(expr, ast.Call):
        return isinstance(expr.func, ast.Name) and expr.func.id in CHECKED_CALLS
    if isinstance(expr, ast.Name):
        return expr.id in checked or expr.id.isupper()
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.BinOp):
        return _ok_value(expr.left, checked, exempt) and _ok_value(expr.right, checked, exempt)
    if isinstance(expr, ast.IfExp):
        return _ok_value(expr.body, checked, exempt) and _ok_value(expr.orelse, checked, exempt)
    if isinstance(expr, ast.JoinedStr):
        return all(_ok_value(v.value, checked, exempt) for v in expr.values if isinstance(v, ast.FormattedValue))
    return False


def _assignments(fn: ast.FunctionDef) -> list[tuple[str, ast.expr]]:
    """(name, value) of every plain assignment in ``fn``, tuples unpacked pairwise (``a, b = x, y``)."""
    out: list[tuple[str, ast.expr]] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (zip(target.elts, node.value.elts) if isinstance(target, ast.Tuple)
                         and isinstance(node.value, ast.Tuple) else [(target, node.value)])
                out += [(t.id, v) for t, v in pairs if isinstance(t, ast.Name)]
    return out


def _checked_names(fn: ast.FunctionDef, exempt: dict[str, str]) -> set[str]:
    """Local names bound only to checked values (``top = tool_word(top)``, ``a, b = int(a), int(b)``)."""
    checked: set[str] = set()
    for _ in range(3):  # names built from names built from checked values
        for t, v in _assignments(fn):
            if _ok_value(v, checked, exempt):
                checked.add(t)
    # a name bound anywhere else (a loop, a parameter, another assignment) is not checked
    for t, v in _assignments(fn):
        if not _ok_value(v, checked, exempt):
            checked.discard(t)
    for node in ast.walk(fn):
        if isinstance(node, (ast.For, ast.comprehension)):
            for name in ast.walk(node.target):
                if isinstance(name, ast.Name):
                    checked.discard(name.id)
    return checked


@pytest.mark.parametrize("builder", sorted(BUILDERS), ids=lambda b: f"{b[0]}::{b[1]}")
def test_builders_paste_only_checked_words(builder: tuple[str, str]) -> None:
    rel, name = builder
    fn = _functions(dict(PARSED)[rel]).get(name)
    assert fn is not None, f"{rel} has no function {name}: update BUILDERS"
    exempt = BUILDERS[builder]
    checked = _checked_names(fn, exempt)
    for node in ast.walk(fn):
        if isinstance(node, ast.FormattedValue):
            assert _ok_value(node.value, checked, exempt), (
                f"{rel}:{node.lineno}: {name} pastes {ast.unparse(node.value)!r} into a tool's script or command "
                "line: pass it through compiler.names.tool_word (from the validated CompiledFolder)")


def test_builders_report_a_raw_value() -> None:
    """The rule above can fail: a raw manifest value pasted into a script is caught."""
    fn = ast.parse('def f(manifest):\n    top = manifest["rtl"]["top"]\n    return f"hierarchy -top {top}"\n').body[0]
    checked = _checked_names(fn, {})  # type: ignore[arg-type]
    values = [n.value for n in ast.walk(fn) if isinstance(n, ast.FormattedValue)]
    assert values and not all(_ok_value(v, checked, {}) for v in values)
    fn = ast.parse('def f(folder):\n    top = tool_word(folder.top)\n    return f"hierarchy -top {top}"\n').body[0]
    checked = _checked_names(fn, {})  # type: ignore[arg-type]
    assert all(_ok_value(n.value, checked, {}) for n in ast.walk(fn) if isinstance(n, ast.FormattedValue))


@pytest.mark.parametrize("taker", FOLDER_TAKERS, ids=lambda t: f"{t[0]}::{t[1]}")
def test_folder_values_come_typed(taker: tuple[str, str]) -> None:
    rel, name = taker
    fn = _functions(dict(PARSED)[rel]).get(name)
    assert fn is not None, f"{rel} has no function {name}: update FOLDER_TAKERS"
    args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    notes = {a.arg: ast.unparse(a.annotation) if a.annotation else "" for a in args}
    assert any("CompiledFolder" in n for n in notes.values()), f"{rel}::{name} must take a CompiledFolder: {notes}"
    raw = {a: n for a, n in notes.items() if "dict" in n or "Mapping" in n or "manifest" in a}
    assert not raw, f"{rel}::{name} takes raw records {raw}: take the validated CompiledFolder"


# ----------------------------------------------------------------------------- at run time

@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.bad_inputs.cases import base, compiled as compile_into

    d = tmp_path_factory.mktemp("tool_commands")
    base(d)
    compile_into("rtl")(d)
    return d


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst, symlinks=True)
    return dst


CONSUMERS = {
    "simulate": ["simulate", "{rtl}", "--inputs", "{d}/x.npy"],
    "simulate_cocotb": ["simulate", "{rtl}", "--inputs", "{d}/x.npy", "--engine", "cocotb"],
    "synth": ["synth", "{rtl}"],
    "synth_ice40": ["synth", "{rtl}", "--target", "ice40-up5k"],
    "synth_board": ["synth", "{rtl}", "--board", "icebreaker"],
    "board_run": ["board", "run", "{rtl}", "--port", "/dev/null", "--inputs", "{d}/x.npy"],
}


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
def test_no_program_runs_on_a_tampered_folder(compiled: Path, tmp_path: Path, consumer: str,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A `;` in filelist.f and the hashes recorded again: every consumer refuses, and starts nothing."""
    from compiler.cli import main
    from tests.folders import reseal

    rtl = _copy(compiled / "rtl", tmp_path / "rtl")
    (rtl / "filelist.f").write_text((rtl / "filelist.f").read_text().replace("mlp.v", "mlp.v; !touch pwned"))
    reseal(rtl)
    started: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        started.append(args)
        raise AssertionError(f"a program was started: {args}")

    for name in ("run", "Popen", "call", "check_call", "check_output"):
        monkeypatch.setattr(subprocess, name, refuse)
    monkeypatch.setattr("compiler.runtime.sim.simulate.build_and_test", refuse)
    argv = [a.replace("{rtl}", str(rtl)).replace("{d}", str(compiled)) for a in CONSUMERS[consumer]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "filelist.f: line 8: each line must name one of the folder's listed Verilog files" in err, err
    assert started == [] and not (rtl / "synth").exists() and not (tmp_path / "pwned").exists()


class _Stop(Exception):
    pass


@pytest.mark.parametrize("argv", [[], ["--target", "ice40-up5k"], ["--target", "ecp5-25k"],
                                  ["--board", "icebreaker"], ["--board", "ecp5-evn"]], ids=str)
def test_every_word_of_the_yosys_script_is_plain(compiled: Path, tmp_path: Path, argv: list[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The scripts bnnc synth hands Yosys, and nextpnr's command lines, are plain words (the tools never run)."""
    import compiler.runtime.synth as synth
    from compiler.codegen.folder import validate_folder

    rtl = _copy(compiled / "rtl", tmp_path / "rtl")
    commands: list[list[str]] = []

    def step(name: str, cmd: list[str], *args: object, **kwargs: object) -> float:
        commands.append(cmd)
        raise _Stop

    monkeypatch.setattr(synth, "_run_step", step)
    board = argv[1] if argv[:1] == ["--board"] else None
    target = argv[1] if argv[:1] == ["--target"] else "xilinx"
    with pytest.raises(_Stop):
        synth.run_flow(validate_folder(rtl), target, board=board)
    script = (rtl / "synth" / "yosys.ys").read_text()
    for word in script.split():
        assert tool_word(word) == word
    assert commands and commands[0][-2:] == ["-s", "synth/yosys.ys"]
    tg = synth.FLOW_TARGETS[target if board is None else synth.board_target(board)]
    if tg.family != "xilinx":
        for cmd in (synth._pnr_command(tg, "bnnc_board_top", list(tg.nextpnr_args), 12.0, "r.json"),
                    synth._pack_command(tg, "bnnc_board_top", "b.bit")):
            assert all(tool_word(w) == w for w in cmd[1:]), cmd


@pytest.mark.parametrize("word", ["a;b", "a b", "a#b", "a\nb", "'a'", '"a"', "../a.v", "/etc/passwd", "a$b", "a`b`",
                                  "", "a|b", "a>b", "{a}", ".hidden"])
def test_tool_word_refuses(word: str) -> None:
    with pytest.raises(ValueError, match="must be plain"):
        tool_word(word)
