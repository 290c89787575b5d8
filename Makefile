# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run app test test-python lint bench bench-sweep speed-guard validate studies clean

$(BIN)/python:
	@echo "make: creating the virtual environment $(VENV) (first run only)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the package metadata or the compiled kernel's sources change: the install compiles
# the kernel (the modules with a .pxd: events, engine, stations, draws, thinning, persontime) with Cython, in place (setup.py;
# without a C compiler the kernel runs interpreted; with one, a failed compile fails the install).
# An edited kernel source that was not recompiled runs interpreted, with a warning
# (dorothy_sim/model/_core.py), so a stale build never runs old code. Journeys are never compiled.
KERNEL_TYPES := $(wildcard dorothy_sim/model/*.pxd)
CORE_SOURCES := setup.py $(KERNEL_TYPES) $(KERNEL_TYPES:.pxd=.py)
$(STAMP): $(BIN)/python pyproject.toml $(CORE_SOURCES)
	@echo "make: installing dorothy_sim and its dependencies into $(VENV), then compiling the kernel"
	@echo "      (about two minutes the first time; quicker after a kernel change)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@echo "make: installed"
	touch $(STAMP)

# results/default is this target's own folder: --force remakes it when an earlier version's run is there
# (a different resolved scenario, which `dorothy run` otherwise refuses to write over).
run: $(STAMP)
	@echo "make: running the default scenario (kent_medway, 5 replications) into results/default"
	$(BIN)/dorothy run --out results/default --force

# The what-if page on http://127.0.0.1:8501/ (docs/app.md); Ctrl-C stops it.
app: $(STAMP)
	$(BIN)/dorothy app

# The whole suite on the compiled core, then the tests that pin tables to the bit once more on the
# interpreted source: both cores must give the same tables.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2
	DOROTHY_PURE_PYTHON=1 $(BIN)/python -m pytest -n 2 tests/test_pinned.py tests/test_split.py

# The tests that pin results to the bit, on another Python in a virtual environment of its own:
#   make test-python OTHER_PYTHON=/path/to/python3.13
# Why: Python 3.12 changed sum() of floats, and the tables must be the same on every Python 3.11+.
OTHER_PYTHON ?=
OTHER_VENV := .venv-other
test-python:
	@test -n "$(OTHER_PYTHON)" || { echo "make test-python: give OTHER_PYTHON=/path/to/python (3.11 or later)"; exit 2; }
	$(OTHER_PYTHON) -m venv $(OTHER_VENV)
	$(OTHER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(OTHER_VENV)/bin/python -m pip install --quiet -e ".[dev]"
	$(OTHER_VENV)/bin/python -m pytest -n 2 tests/test_pinned.py tests/test_split.py tests/test_crn.py tests/test_scenario.py

lint: $(STAMP)
	$(BIN)/ruff check dorothy_sim dorothy_cli.py tests experiments benchmarks

# The benchmark suite of benchmarks/RESULTS.md (about 10 minutes here): one default replication,
# the anchors (idiomatic SimPy, ciw), scaling in size and horizon, and parallel executors.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_replication.py --runs 7
	$(BIN)/python benchmarks/anchors.py --customers 200000 --repeats 3
	$(BIN)/python benchmarks/bench_scaling.py --sizes 0.25,0.5,1,2,4 --years 1,2,4 --repeats 1
	$(BIN)/python benchmarks/bench_parallel.py --reps 8 --workers 2

# The speed guard: one default replication against 0.5.0 (c351608), alternating, 5 rounds (about 10
# minutes here); exits 1 if the median paired ratio is over 1.3 (benchmarks/speed_guard.py).
speed-guard: $(STAMP)
	cd benchmarks && ../$(BIN)/python speed_guard.py --rounds 5

# The issue's sweep goal: 20 configurations x 30 replications of the default scenario, 2 workers.
bench-sweep: $(STAMP)
	$(BIN)/python benchmarks/bench_parallel.py --sweep --configs 20 --sweep-reps 30 --workers 2

validate: $(STAMP)
	$(BIN)/dorothy validate --reps 5

# The three studies of experiments/README.md on the default scenario (tens of minutes on 2 cores;
# each resumes from its result store, so an interrupted `make studies` picks up where it stopped).
studies: $(STAMP)
	$(BIN)/python experiments/study_rr_reablement_grid.py
	$(BIN)/python experiments/study_intervention_sensitivity.py
	$(BIN)/python experiments/study_occupancy_target.py

clean:
	rm -rf $(VENV) $(OTHER_VENV) results/default .pytest_cache build
	rm -f dorothy_sim/model/*.so dorothy_sim/model/_compiled.*.json
