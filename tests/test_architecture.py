"""The floor plan of docs/architecture.md, enforced: imports run one way, and no module-level cycles.

Every module of ``compiler/`` and ``compiler/runtime/`` belongs to one floor (the longest
matching prefix below). A module may import from its own floor or the floors
below it, never from one above; this holds for imports inside functions too.

The repository's top-level folders stand in one order too (TOP_FOLDERS): compiler/, then
designs/ (the networks that tests and benchmarks both compile), formal/ (the cores' proofs), bench/, tests/
and cocotb_tests/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest floor first. Keep docs/architecture.md in step with this table.
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("compiler.errors", "compiler.version", "compiler.bits", "compiler.arith", "compiler.kernels",
              "compiler.names", "compiler.limits", "compiler.targets", "compiler.config")),
    ("graphs", ("compiler.ir", "compiler.cores", "compiler.hw")),
    ("ops", ("compiler.ops",)),
    ("flow", ("compiler.frontend", "compiler.passes", "compiler.reference", "compiler.lower", "compiler.manifest",
              "compiler.tables", "compiler.outdir", "compiler.codegen", "compiler.templates")),
    ("runtime", ("compiler.runtime",)),
    ("interface", ("compiler", "compiler.__main__", "compiler.api", "compiler.cli", "compiler.train")),
]

# Third-party packages that only some floors may use, and which floors those are.
RESTRICTED = {"cocotb": ("runtime",), "cocotb_tools": ("runtime",), "torch": ("interface",),
              "pytorch_lightning": ("interface",), "jinja2": ("flow",), "pydantic": ("ops", "flow")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for top in ("compiler",) for p in sorted((ROOT / top).rglob("*.py"))}


def floor_of(module: str) -> int:
    """Index of the floor holding ``module`` (longest prefix wins)."""
    best, best_len = -1, -1
    for k, (_, prefixes) in enumerate(FLOORS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best_len:
                best, best_len = k, len(p)
    assert best >= 0, f"module {module} is on no floor: add it to FLOORS and docs/architecture.md"
    return best


def _imports(module: str, path: Path, top_level_only: bool) -> list[tuple[str, int]]:
    """(imported module, line) of every import in the file; relative imports resolved."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    body = tree.body if top_level_only else list(ast.walk(tree))
    out: list[tuple[str, int]] = []
    for node in body:
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # "from pkg import sub" imports the submodule pkg.sub when there is one
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
            out += [(s, node.lineno) for s in subs] or [(target, node.lineno)]
    return out


MODULES = _modules()


def test_every_module_is_on_a_floor() -> None:
    for module in MODULES:
        floor_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_downward(module: str) -> None:
    """No module imports from a floor above its own (function-level imports included)."""
    mine = floor_of(module)
    for target, line in _imports(module, MODULES[module], top_level_only=False):
        root = target.split(".")[0]
        if root == "compiler":
            theirs = floor_of(target)
            assert theirs <= mine, (f"{MODULES[module].relative_to(ROOT)}:{line}: {module} ({FLOORS[mine][0]}) "
                                    f"imports {target} from the floor above ({FLOORS[theirs][0]})")
        elif root in RESTRICTED:
            assert FLOORS[mine][0] in RESTRICTED[root], (f"{module}:{line}: {root} belongs to floors "
                                                         f"{RESTRICTED[root]}, not {FLOORS[mine][0]}")


def _cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """One cycle of the import graph ``edges`` (module -> modules it imports), or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for t in edges.get(m, ()):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state and (found := visit(t)) is not None:
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (found := visit(m)) is not None:
            return found
    return None


def _edges(top_level_only: bool) -> dict[str, list[str]]:
    return {m: sorted({t for t, _ in _imports(m, p, top_level_only) if t in MODULES and t != m})
            for m, p in MODULES.items()}


def test_no_import_cycles() -> None:
    """Imports between bnnc's modules form no cycle, function-level imports included."""
    found = _cycle(_edges(top_level_only=False))
    assert found is None, "import cycle: " + " -> ".join(found or [])


def test_the_cycle_check_sees_function_level_imports(tmp_path: Path) -> None:
    """A cycle that only a function-level import closes is found (a module-level scan would miss it)."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("import compiler.ops.b\n")
    b.write_text("def f():\n    import compiler.ops.a\n")
    edges = {"compiler.ops.a": [t for t, _ in _imports("compiler.ops.a", a, False)],
             "compiler.ops.b": [t for t, _ in _imports("compiler.ops.b", b, False)]}
    assert _cycle(edges) is not None
    assert _cycle({m: [t for t in ts if t != "compiler.ops.a"] for m, ts in edges.items()}) is None


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule itself: an ops module importing the simulator would be an upward import, relative or absolute."""
    probe = tmp_path / "probe.py"
    probe.write_text("from compiler.runtime.sim import simulate\ndef f():\n    from ..passes import manager\n")
    found = _imports("compiler.ops.probe", probe, top_level_only=False)
    assert found == [("compiler.runtime.sim.simulate", 1), ("compiler.passes.manager", 3)]
    assert all(floor_of(t) > floor_of("compiler.ops.probe") for t, _ in found)
    assert _imports("compiler.ops.probe", probe, top_level_only=True) == [("compiler.runtime.sim.simulate", 1)]


# The repository's top-level folders of Python code, lowest first: a folder imports only from itself and the
# folders before it. bench/ finds its networks in designs/, never in a test helper; the cocotb tests use the plain
# tests' helpers (tests/pins.py, tests/folders.py, tests/sim_checks.py, tests/fuzz.py), never the other way round.
TOP_FOLDERS = (("compiler",), ("designs",), ("formal",), ("bench",), ("tests",), ("cocotb_tests",))


def _top_level(folder: str) -> int:
    return next(k for k, group in enumerate(TOP_FOLDERS) if folder in group)


def _folder_of_import(name: str, importer: Path) -> str | None:
    """The top-level folder an absolute import comes from: by its first name, or, for a script's bare import of a
    sibling module (bench/ puts its own folder on sys.path), the importer's folder."""
    root = name.split(".")[0]
    if any(root in group for group in TOP_FOLDERS):
        return root
    if (importer.parent / f"{root}.py").is_file() or (importer.parent / root / "__init__.py").is_file():
        return importer.relative_to(ROOT).parts[0]
    return None


@pytest.mark.parametrize("folder", [f for group in TOP_FOLDERS for f in group])
def test_top_level_folders_import_downward(folder: str) -> None:
    """A top-level folder imports nothing of the folders above it in TOP_FOLDERS (bench/: no test helper)."""
    mine = _top_level(folder)
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and not node.level and node.module else [])
            for name in names:
                theirs = _folder_of_import(name, path)
                if theirs is not None and theirs != folder and _top_level(theirs) >= mine:
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports {name} from {theirs}/")
    assert not bad, "imports that run up or across between top-level folders:\n" + "\n".join(bad)
