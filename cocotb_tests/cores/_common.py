"""Helpers shared by the core testbenches' pytest drivers (not a test module)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import zlib
from collections.abc import Mapping
from pathlib import Path

from compiler.codegen.verilog import core_sources
from runtime.sim.runner import REPO_ROOT, SIM_BUILD, SimResult, build_and_test

CORES_DIR = REPO_ROOT / "templates" / "cores"
"""Folder of the static Verilog cores."""

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


def core(*names: str) -> list[Path]:
    """Paths of core files by module name and of every core they instantiate, e.g. ``core("bnnc_fifo")``
    (the same closure ``bnnc compile`` copies into its output folder)."""
    return [CORES_DIR / f for f in core_sources(names)]


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
