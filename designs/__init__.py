"""Networks that tests and benchmarks both compile: random generators (netgen), FINN's CNV and its foldings (cnv).

A top-level folder of its own, above ``compiler/`` and below ``bench/`` and the tests
(tests/test_architecture.py's TOP_FOLDERS), so a benchmark never imports a test helper.
Not installed with bnnc (setup.cfg lists its packages).
"""
