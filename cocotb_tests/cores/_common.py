"""Helpers shared by the core testbenches' pytest drivers (not a test module)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from compiler.codegen.verilog import core_sources
from compiler.runtime.sim.runner import (REPO_ROOT, SIM_BUILD, BuildFailure, SimResult, SimulationFailure, build_and_test,
                                failure_messages, parse_results)

CORES_DIR = Path(os.environ.get("BNNC_CORES_DIR") or REPO_ROOT / "templates" / "cores")
"""Folder of the static Verilog cores; env ``BNNC_CORES_DIR`` points the core tests at a mutated copy (bench/mutate.py)."""

DEFAULT_SEED = 20260516
"""Seed of the randomised parameter sets when env ``BNNC_SEED`` is unset (fixed, so builds are reused)."""


def base_seed() -> int:
    """The suite's base seed: env ``BNNC_SEED`` or :data:`DEFAULT_SEED`."""
    env = os.environ.get("BNNC_SEED", "").strip()
    return int(env, 0) if env else DEFAULT_SEED


def param_rng(name: str) -> random.Random:
    """Reproducible generator for one test's parameter choices (printed seed)."""
    seed = (base_seed() * 1_000_003 + zlib.crc32(name.encode())) & 0xFFFFFFFF
    print(f"[bnnc] parameter seed for {name}: {seed} (base {base_seed()}, set BNNC_SEED to change)")
    return random.Random(seed)


def uart_bit_times(name: str) -> list[dict[str, int]]:
    """bnnc_uart_rx's and bnnc_uart_tx's parameter sets: fixed bit times and one drawn for test ``name``."""
    rng = param_rng(name)
    # 4 and 5: the smallest bit times (odd and even halves); 12: 1,000,000 baud from a board's 12 MHz
    return [{"CLKS_PER_BIT": 4}, {"CLKS_PER_BIT": 5}, {"CLKS_PER_BIT": 12}, {"CLKS_PER_BIT": rng.randint(13, 110)}]


def core(*names: str) -> list[Path]:
    """Paths of core files by module name and of every core they instantiate, e.g. ``core("bnnc_fifo")``
    (the same closure ``bnnc compile`` copies into its output folder)."""
    return [CORES_DIR / f for f in core_sources(names)]


@dataclass(frozen=True)
class Sized:
    """A sized Verilog literal (``W'hX``) for a vector parameter: passed to -G unquoted and unclipped."""

    width: int
    value: int

    def __str__(self) -> str:
        return f"{self.width}'h{self.value:x}"


def param_id(params: Mapping[str, object]) -> str:
    """A parameter set as a pytest id, e.g. ``WIDTH8_DEPTH3`` (a :class:`Sized` value in hex)."""
    return "_".join(f"{k}{v.value:#x}" if isinstance(v, Sized) else f"{k}{v}" for k, v in params.items())


def build_dir_for(toplevel: str, params: Mapping[str, object], extra: str = "") -> Path:
    """A build folder unique to (toplevel, parameters): ``sim_build/cores/<top>_<hash>``."""
    key = json.dumps({k: params[k] for k in sorted(params)}, default=str) + extra
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    return SIM_BUILD / "cores" / f"{toplevel}_{digest}"


def run_core(
    toplevel: str,
    sources: list[Path],
    tb_module: str,
    params: Mapping[str, object],
    extra_env: Mapping[str, str] | None = None,
    build_dir: Path | None = None,
    testcase: str | list[str] | None = None,
) -> SimResult:
    """Build ``toplevel`` with ``params`` in its own folder and run the cocotb module ``tb_module``."""
    bdir = build_dir or build_dir_for(toplevel, params)
    print(f"[bnnc] {toplevel} params {dict(params)} -> {bdir}")
    env = dict(extra_env or {})
    return build_and_test(
        sources=sources,
        toplevel=toplevel,
        test_module=f"cocotb_tests.cores.{tb_module}",
        parameters=params,
        build_dir=bdir,
        extra_env=env,
        testcase=testcase,
        seed=base_seed(),  # COCOTB_RANDOM_SEED: the testbenches' stimulus derives from it
    )


# ---------------------------------------------------------------- batches: many parameter sets, one build


@dataclass(frozen=True)
class Unit:
    """One parameter set of a core in a :class:`Batch`: the instance's Verilog parameters, the environment its
    testbench reads (e.g. ``BNNC_TB_DATA``) and the cocotb tests to run on it (None: all of the module's)."""

    params: Mapping[str, object]
    env: Mapping[str, str] = field(default_factory=dict)
    tests: Sequence[str] | None = None


def verilog_value(v: object) -> str:
    """A parameter value as Verilog text, as ``-G`` passes it: ints and sized literals as they are, str quoted."""
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, str):
        if any(c in v for c in '"\\\n'):
            raise ValueError(f"a string parameter must hold no quote, backslash or newline, not {v!r}")
        return f'"{v}"'
    return str(v)


def batch_wrapper(instances: Sequence[tuple[str, Mapping[str, object]]]) -> str:
    """Verilog of ``bnnc_batch``: instance ``u<i>`` of module ``instances[i][0]`` with parameters
    ``instances[i][1]``, ports unconnected (the testbench drives and reads them on the instance, made
    public by the build)."""
    lines = [f"// generated by cocotb_tests/cores/_common.py: {len(instances)} core instance(s)", "module bnnc_batch;"]
    for i, (module, p) in enumerate(instances):
        ps = ", ".join(f".{k}({verilog_value(v)})" for k, v in p.items())
        lines.append(f"    {module} #({ps}) u{i} ();" if ps else f"    {module} u{i} ();")
    return "\n".join(lines + ["endmodule", ""])


@dataclass(frozen=True)
class Part:
    """The parameter sets of one parametrized test in a :class:`Batch`: the core, its sources, its cocotb
    testbench module, and ``unit``, which makes a :class:`Unit` from one test's parametrize arguments (by name)."""

    batch: Batch
    toplevel: str
    sources: tuple[Path, ...]
    tb_module: str
    unit: Callable[..., Unit]

    def runs(self, test: Callable[..., None]) -> Callable[..., None]:
        """Decorator of the pytest test whose parameter sets this part simulates (it calls :meth:`check`)."""
        self.batch.tests[test] = self
        return pytest.mark.xdist_group(self.batch.name)(test)

    def check(self, request: pytest.FixtureRequest) -> None:
        """Fail when this test's parameter set failed (running the batch first if it has not run yet)."""
        self.batch.check(request)


class Batch:
    """The parameter sets of many parametrized core tests, simulated as instances of one Verilator build.

    A core test's cost was its C++ build and the simulator's start (~4 s a set), not its
    simulation. A batch writes a wrapper (``bnnc_batch``) holding one instance of the core per
    selected parameter set of every test registered with :meth:`Part.runs`, builds it once and runs
    each testbench module's tests unchanged on each instance (``_batch_tb``: the module's order, the
    set's own parameters, environment and seeds), so every set is checked as a build of its own would
    check it. The pytest tests stay one per set: the first one to run builds and simulates all the
    sets collected in this session; each then fails only on its own instance's failures.

    The registered tests are one xdist group (:attr:`name`), so one worker builds the batch (another
    would build it again, under a lock).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.tests: dict[Callable[..., None], Part] = {}
        self._done: set[str] = set()
        self._failures: dict[str, str] = {}

    def part(self, toplevel: str, sources: Sequence[Path], tb_module: str, unit: Callable[..., Unit]) -> Part:
        """A :class:`Part` of this batch; decorate its test with ``@part.runs``."""
        return Part(self, toplevel, tuple(sources), tb_module, unit)

    def check(self, request: pytest.FixtureRequest) -> None:
        node = request.node
        if node.nodeid not in self._done:
            items = [it for it in request.session.items if getattr(it, "obj", None) in self.tests
                     and hasattr(it, "callspec")]
            if node not in items:  # not collected the usual way: run this set alone
                items = [node]
            self._run({it.nodeid: (self.tests[it.obj], it.callspec.params) for it in items})
        if node.nodeid in self._failures:
            raise SimulationFailure(self._failures[node.nodeid])

    def _run(self, sets: dict[str, tuple[Part, dict[str, object]]]) -> None:
        keys = list(sets)
        parts = [sets[k][0] for k in keys]
        units = [part.unit(**args) for part, args in sets.values()]
        sources = list(dict.fromkeys(s for part in parts for s in part.sources))
        bdir = SIM_BUILD / "cores" / f"batch_{self.name}"
        bdir.mkdir(parents=True, exist_ok=True)
        wrapper = bdir / "bnnc_batch.v"
        text = batch_wrapper([(part.toplevel, unit.params) for part, unit in zip(parts, units)])
        plan = {"units": [{"module": f"cocotb_tests.cores.{part.tb_module}", "env": dict(unit.env),
                           "tests": list(unit.tests) if unit.tests is not None else None}
                          for part, unit in zip(parts, units)]}
        for i, (k, part, unit) in enumerate(zip(keys, parts, units)):
            print(f"[bnnc] u{i} = {part.toplevel} for {k}: params {dict(unit.params)}")
        with open(bdir / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one batch folder, however many workers run it
            if not wrapper.is_file() or wrapper.read_text() != text:
                wrapper.write_text(text)
            (bdir / "plan.json").write_text(json.dumps(plan))
            failures: dict[str, str] = {}
            try:
                build_and_test([*sources, wrapper], "bnnc_batch", "cocotb_tests.cores._batch_tb",
                               build_dir=bdir, extra_env={"BNNC_BATCH": str(bdir / "plan.json")},
                               seed=base_seed(), build_args=["-Wno-PINMISSING"],
                               public_modules=["bnnc_batch", *dict.fromkeys(part.toplevel for part in parts)])
            except BuildFailure as e:
                failures = {k: f"the build of batch {self.name} ({len(keys)} core instances) failed: {e}" for k in keys}
            except SimulationFailure as e:
                failures = self._failures_by_unit(keys, parts, bdir / "results.xml", str(e))
        self._done = set(keys)
        self._failures = failures

    def _failures_by_unit(self, keys: list[str], parts: list[Part], results_xml: Path, whole: str) -> dict[str, str]:
        """Failure text per parameter set: its instance's failing tests, then the whole run's message."""
        try:
            _, failed = parse_results(results_xml)
        except SimulationFailure:
            return {k: f"the simulation of batch {self.name} ended abnormally:\n{whole}" for k in keys}
        reasons = failure_messages(results_xml)
        out: dict[str, str] = {}
        for i, (k, part) in enumerate(zip(keys, parts)):
            mine = [f.removesuffix(" (skipped)") for f in failed if f.startswith(f"u{i}__")]
            if mine:
                why = "\n".join(f"  {n.split('__', 1)[1]}: {reasons.get(n, '(see log)')}" for n in mine)
                out[k] = (f"{part.toplevel} instance u{i} ({k}) of batch {self.name}: cocotb test(s) failed:\n{why}\n"
                          f"--- the batch's report ---\n{whole}")
        return out


CORES = Batch("cores")
"""The batch of every core test's parameter sets (one build, one simulator run; xdist group ``cores``)."""
