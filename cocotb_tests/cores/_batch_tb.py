"""cocotb side of a batch (``_common.Batch``): testbench modules' tests on the instances of a wrapper.

The wrapper (``bnnc_batch``) holds one instance ``u<i>`` of a core per parameter set, its
ports left for the testbench to drive (every signal of the core is public). The plan (JSON,
path in env ``BNNC_BATCH``) gives, per instance, its testbench module, the environment its
tests read (e.g. ``BNNC_TB_DATA``) and which of the module's tests to run (all when null).
Each test runs unchanged on the instance's handle ``dut.u<i>``, as cocotb test
``u<i>__<test>``, in the module's order, with its own seeds (they derive from the test's
name, not from the instance).
"""

from __future__ import annotations

import importlib
import json
import os
from typing import Any

import cocotb
from cocotb._decorators import TestGenerator


def _on_instance(tb: Any, i: int, name: str, env: dict[str, str]) -> TestGenerator:
    gen = getattr(tb, name)
    if gen.options or gen.expect_fail or gen.expect_error or gen.skip or gen.timeout is not None:
        raise RuntimeError(f"{tb.__name__}.{name}: a batch runs plain cocotb tests only")

    async def run(dut: Any) -> None:
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            await gen.func(getattr(dut, f"u{i}"))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    run.__name__ = run.__qualname__ = f"u{i}__{name}"
    run.__module__ = __name__
    run.__doc__ = gen.doc
    return cocotb.test(run)


def _register(plan_path: str) -> None:
    with open(plan_path) as f:
        plan: dict[str, Any] = json.load(f)
    for i, unit in enumerate(plan["units"]):
        tb = importlib.import_module(unit["module"])
        every = [name for name, obj in vars(tb).items() if isinstance(obj, TestGenerator)]
        wanted = unit["tests"]
        if wanted is not None and set(wanted) - set(every):
            raise RuntimeError(f"{unit['module']} has no cocotb test(s) {sorted(set(wanted) - set(every))}")
        for name in every:  # the module's order, as cocotb runs a module's own tests
            if wanted is None or name in wanted:
                t = _on_instance(tb, i, name, unit["env"])
                globals()[t.name] = t


if "BNNC_BATCH" in os.environ:  # in the simulator (pytest's doctest collection imports this module too)
    _register(os.environ["BNNC_BATCH"])
