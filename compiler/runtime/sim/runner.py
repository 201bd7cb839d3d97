"""Build a Verilog design with Verilator and run cocotb tests on it, from pytest or plain Python.

Uses cocotb's Python runner (``cocotb_tools.runner``), never cocotb's
Makefiles. One call = one build folder = one parameter set.

Waveforms
---------
A build has tracing support (``--trace``, VCD) only when waves are asked for:
the trace code is about half of the C++ of a whole network (issue 21).

* ``BNNC_WAVES=1`` in the environment (or ``waves=True``) builds with tracing
  and records ``dump.vcd`` in the test folder on every run.
* Otherwise (``waves=None``, the default) the tests run on a build without
  tracing, and when any cocotb test fails the design is **rebuilt with tracing
  and the failing tests rerun once** (same seed, same inputs), so a failing test
  leaves ``<test_dir>/dump.vcd`` behind. The raised :class:`SimulationFailure`
  names the file.
* ``waves=False``: no waves, not even of a failure (for runs that are meant to
  fail, such as the tests of the failure reports).

VPI access: cocotb's runner makes every signal of every module public
(``--public-flat-rw``), whose symbol tables were the other half of a network's
C++. Here only the modules a testbench reads are public (``public_modules``,
default the top level: its ports, parameters and wires), through a Verilator
configuration file ``bnnc_public.vlt`` in the build folder.

Build time: Verilator's run-time library objects (``verilated*.o``, ~25 s of
C++ on this kind of machine) do not depend on the design; they are compiled
once into ``sim_build/_objcache/`` (make's ``OBJCACHE`` hook, see
:mod:`compiler.runtime.sim.objcache`) and copied into later builds.

Logs: the build log is ``<build_dir>/build.log``, the simulation log
``<test_dir>/sim.log`` (the tail of both is put into the exception message).
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from compiler.runtime.sim.toolchain import ToolchainError, setup_environment, verilator_path

PathLike = str | os.PathLike[str]

REPO_ROOT = Path(__file__).resolve().parents[3]
"""Root of the bnnc repository (holds ``templates/``, ``compiler/runtime/``)."""

SIM_BUILD = Path(os.environ.get("BNNC_SIM_BUILD") or REPO_ROOT / "sim_build")
"""Default parent folder of build folders (git-ignored); env ``BNNC_SIM_BUILD`` moves it (bench/mutate.py gives each
mutant run its own)."""


class SimulationFailure(AssertionError):
    """A cocotb test failed, or the simulator died; the message says which and where the logs and waves are."""


class BuildFailure(RuntimeError):
    """Verilator (or the C++ compile) rejected the design; the message holds the tail of the build log."""


@dataclass
class SimResult:
    """Outcome of :func:`build_and_test` (only returned when every test passed)."""

    results_xml: Path
    passed: list[str] = field(default_factory=list)
    build_dir: Path | None = None
    test_dir: Path | None = None
    waves: Path | None = None


def waves_requested(waves: bool | None = None) -> bool:
    """True when ``waves`` is True, or it is None and env ``BNNC_WAVES`` is set to a true value."""
    if waves is not None:
        return waves
    return os.environ.get("BNNC_WAVES", "0").strip().lower() in ("1", "true", "yes", "on")


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text[-lines:])


def failure_messages(results_xml: Path) -> dict[str, str]:
    """``{test name: first line of its failure message}`` from a cocotb results XML file."""
    out: dict[str, str] = {}
    if not results_xml.is_file():
        return out
    for case in ET.parse(results_xml).getroot().iter("testcase"):
        for tag in ("failure", "error"):
            node = case.find(tag)
            if node is not None:
                msg = node.get("message") or (node.text or "").strip().splitlines()[-1:] or [""]
                out[case.get("name", "?")] = msg if isinstance(msg, str) else msg[0]
                break
    return out


def parse_results(results_xml: Path) -> tuple[list[str], list[str]]:
    """Return (passed, failed) test names from a cocotb results XML file.

    Raises:
        SimulationFailure: when the file is missing (the simulator died) or holds no test.
    """
    if not results_xml.is_file():
        raise SimulationFailure(f"simulation ended abnormally: no results file {results_xml}")
    root = ET.parse(results_xml).getroot()
    passed: list[str] = []
    failed: list[str] = []
    for case in root.iter("testcase"):
        name = case.get("name", "?")
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(name)
        elif case.find("skipped") is not None:
            failed.append(name + " (skipped)")
        else:
            passed.append(name)
    if not passed and not failed:
        raise SimulationFailure(f"no cocotb test ran (results file {results_xml} is empty)")
    return passed, failed


@contextmanager
def _extra_sys_path(paths: Sequence[PathLike]) -> Iterator[None]:
    """Temporarily prepend ``paths`` to sys.path (cocotb's runner exports sys.path as PYTHONPATH)."""
    added = [str(Path(p).resolve()) for p in paths]
    old = list(sys.path)
    for p in reversed(added):
        if p not in sys.path:
            sys.path.insert(0, p)
    try:
        yield
    finally:
        sys.path[:] = old


def default_build_dir(name: str) -> Path:
    """``sim_build/<name>`` under the repository root (one folder per design/parameter set)."""
    return SIM_BUILD / name


OBJCACHE_DIR = SIM_BUILD / "_objcache"
"""Cache of Verilator's design-independent run-time objects (see :mod:`compiler.runtime.sim.objcache`)."""


@contextmanager
def _objcache_env() -> Iterator[None]:
    """Route make's compiles through :mod:`compiler.runtime.sim.objcache` unless the user set OBJCACHE (e.g. ccache)."""
    if os.environ.get("OBJCACHE"):
        yield
        return
    script = Path(__file__).with_name("objcache.py")
    os.environ["OBJCACHE"] = f"{sys.executable} {script}"
    os.environ["BNNC_OBJCACHE_DIR"] = str(OBJCACHE_DIR)
    try:
        yield
    finally:
        os.environ.pop("OBJCACHE", None)
        os.environ.pop("BNNC_OBJCACHE_DIR", None)


objcache_env = _objcache_env

COCOTB_OPT_FAST = "-O1"
"""The C++ optimisation of the cocotb engine's model (make's OPT_FAST; Verilator's default is -Os). Measured on the
batch of every core test (one build, then cocotb drives it): -Os 52 s build + 64 s simulation, -O1 36 s + 61 s,
-O0 25 s + 159 s (docs/performance.md, "The cocotb engine's C++ optimisation")."""


@contextmanager
def _opt_fast_env() -> Iterator[None]:
    """Build the cocotb engine's model at :data:`COCOTB_OPT_FAST`, unless the user's MAKEFLAGS set OPT_FAST.

    Verilator's makefile assigns OPT_FAST itself, so only a command-line variable overrides it; make reads
    those from MAKEFLAGS in its environment as well."""
    old = os.environ.get("MAKEFLAGS")
    if old is not None and "OPT_FAST=" in old:
        yield
        return
    os.environ["MAKEFLAGS"] = f"{old} OPT_FAST={COCOTB_OPT_FAST}" if old else f"OPT_FAST={COCOTB_OPT_FAST}"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MAKEFLAGS", None)
        else:
            os.environ["MAKEFLAGS"] = old
"""Public name of the OBJCACHE set-up, for builds that run Verilator directly (the compiled engine)."""


def _public_config(modules: Sequence[str]) -> str:
    """A Verilator configuration file making every signal and parameter of ``modules`` public (read and write)."""
    lines = ["`verilator_config", "// bnnc: the modules the cocotb testbench reads and drives"]
    for m in modules:
        if not m or any(c in m for c in '"\\\n'):
            raise ValueError(f"bad module name for the VPI configuration: {m!r}")
        lines.append(f'public_flat_rw -module "{m}" -var "*"')
    return "\n".join(lines) + "\n"


def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless the file holds it already (an unchanged time stamp lets Verilator skip the build)."""
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def _verilator_runner():  # type: ignore[no-untyped-def]
    """cocotb's Verilator runner without ``--public-flat-rw`` (see the module docstring, "VPI access")."""
    from cocotb_tools import runner as cocotb_runner

    class _Verilator(cocotb_runner.Verilator):
        def _build_command(self):  # type: ignore[no-untyped-def]
            cmds = super()._build_command()
            cmds[0] = [a for a in cmds[0] if a != "--public-flat-rw"]
            return cmds

    return _Verilator()


def _run_cocotb(runner, kwargs: dict) -> None:  # type: ignore[no-untyped-def]
    """Run ``runner.test`` and swallow its pytest-mode exits; the caller reads the results XML."""
    try:
        runner.test(**kwargs)
    except SystemExit:
        pass
    except RuntimeError:
        # The simulator process exited non-zero; results (if any) are in the XML.
        pass


def build_and_test(
    sources: Sequence[PathLike],
    toplevel: str,
    test_module: str,
    parameters: Mapping[str, object] | None = None,
    build_dir: PathLike | None = None,
    test_dir: PathLike | None = None,
    python_path: Sequence[PathLike] = (),
    extra_env: Mapping[str, str] | None = None,
    waves: bool | None = None,
    testcase: str | Sequence[str] | None = None,
    seed: int | None = None,
    build_args: Sequence[str] = (),
    public_modules: Sequence[str] | None = None,
) -> SimResult:
    """Build ``toplevel`` from ``sources`` with Verilator and run the cocotb tests of ``test_module``.

    Args:
        sources: Verilog files (the top level last is customary, order is free).
        toplevel: name of the top-level module.
        test_module: importable name of the cocotb test module (``tb_fifo`` with
            its folder in ``python_path``, or a dotted name importable from the repository root).
        parameters: top-level Verilog parameters; ``str`` values are passed as Verilog strings.
        build_dir: build folder, default ``sim_build/<toplevel>``. Use one per parameter set.
        test_dir: folder the simulation runs in (results, logs, ``dump.vcd``); default ``build_dir``.
        python_path: extra folders the simulator's Python must import from.
        extra_env: environment for the simulation (``os.environ`` wins on equal names,
            so a user can override e.g. a seed from the shell).
        waves: record ``dump.vcd``; None = use env ``BNNC_WAVES``, and rerun failing tests with
            waves (see module docstring); False = no waves at all.
        testcase: run only these cocotb tests (names), default all.
        seed: cocotb's random seed (``COCOTB_RANDOM_SEED``).
        build_args: extra Verilator arguments.
        public_modules: modules whose signals and parameters the testbench reads or drives
            through VPI (default: ``toplevel`` only).

    Returns:
        :class:`SimResult` when all tests passed.

    Raises:
        BuildFailure: Verilator or the C++ build failed.
        SimulationFailure: any cocotb test failed or the simulation crashed.
        ToolchainError: Verilator is not installed.
    """
    setup_environment()
    verilator_path()  # raises ToolchainError with a clear message when missing
    from cocotb_tools import runner as cocotb_runner

    if os.environ.get("PYTEST_XDIST_WORKER"):
        # pytest-xdist already runs one build per core: keep make serial.
        cocotb_runner.MAX_PARALLEL_BUILD_JOBS = 1

    bdir = Path(build_dir) if build_dir is not None else default_build_dir(toplevel)
    bdir = bdir.resolve()
    tdir = Path(test_dir).resolve() if test_dir is not None else bdir
    bdir.mkdir(parents=True, exist_ok=True)
    tdir.mkdir(parents=True, exist_ok=True)
    params = {}
    for k, v in (parameters or {}).items():
        if isinstance(v, bool):
            v = int(v)
        params[k] = f'"{v}"' if isinstance(v, str) else v

    runner = _verilator_runner()
    build_log = bdir / "build.log"
    vlt = bdir / "bnnc_public.vlt"
    _write_if_changed(vlt, _public_config(list(public_modules) if public_modules is not None else [toplevel]))

    def build(trace: bool) -> None:
        try:
            with _objcache_env(), _opt_fast_env():
                runner.build(
                    sources=[vlt, *(Path(s).resolve() for s in sources)],
                    hdl_toplevel=toplevel,
                    parameters=params,
                    build_dir=bdir,
                    build_args=list(build_args),
                    waves=trace,
                    timescale=("1ns", "1ps"),
                    log_file=build_log,
                )
        except (RuntimeError, SystemExit) as exc:
            raise BuildFailure(f"build of {toplevel} failed ({exc}); log {build_log}:\n{_tail(build_log)}") from None

    want_waves = waves_requested(waves)
    build(want_waves)
    for stale in ("results.xml", "dump.vcd", "results_waves.xml", "sim_waves.log"):
        (tdir / stale).unlink(missing_ok=True)  # never read results, or leave waves, of an older run
    results_xml = tdir / "results.xml"
    sim_log = tdir / "sim.log"
    kwargs = dict(
        test_module=test_module,
        hdl_toplevel=toplevel,
        hdl_toplevel_lang="verilog",
        build_dir=bdir,
        test_dir=tdir,
        results_xml=str(results_xml),
        extra_env=dict(extra_env or {}),
        waves=want_waves,
        testcase=testcase,
        seed=seed,
        log_file=sim_log,
    )
    with _extra_sys_path(python_path):
        _run_cocotb(runner, kwargs)
        try:
            passed, failed = parse_results(results_xml)
        except SimulationFailure as exc:
            raise SimulationFailure(f"{exc}; log {sim_log}:\n{_tail(sim_log)}") from None
        if not failed:
            return SimResult(
                results_xml=results_xml,
                passed=passed,
                build_dir=bdir,
                test_dir=tdir,
                waves=(tdir / "dump.vcd") if want_waves else None,
            )
        first_log = _tail(sim_log, 80)
        reasons = failure_messages(results_xml)
        vcd = tdir / "dump.vcd"
        if not want_waves and waves is None:
            # Rebuild with tracing and rerun only the failing tests so their waves are kept.
            try:
                build(True)
            except BuildFailure:
                pass  # the failure below is the news; the message then says no waves were recorded
            else:
                rerun = dict(kwargs)
                rerun.update(
                    waves=True,
                    testcase=[f.removesuffix(" (skipped)") for f in failed],
                    results_xml=str(tdir / "results_waves.xml"),
                    log_file=tdir / "sim_waves.log",
                )
                _run_cocotb(runner, rerun)
    why = "\n".join(f"  {name}: {reasons.get(name, '(see log)')}" for name in failed)
    raise SimulationFailure(
        f"{toplevel}: cocotb test(s) failed: {', '.join(failed)} (passed: {', '.join(passed) or 'none'}).\n"
        f"{why}\nseed: COCOTB_RANDOM_SEED={seed if seed is not None else '(random, see log)'}; "
        f"waves: {vcd if vcd.exists() else '(none recorded)'}; log: {sim_log}\n--- log tail ---\n{first_log}"
    )


__all__ = [
    "REPO_ROOT",
    "SIM_BUILD",
    "BuildFailure",
    "SimResult",
    "SimulationFailure",
    "ToolchainError",
    "build_and_test",
    "default_build_dir",
    "failure_messages",
    "objcache_env",
    "parse_results",
    "waves_requested",
]
