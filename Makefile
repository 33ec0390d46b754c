# skyborder: `make demo` and `make test` each do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench world web clean system-deps fuzz

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

demo: $(STAMP)
	$(VENV)/bin/skyborder demo --out skyborder-demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/mypy

test: $(STAMP) system-deps lint
	$(PY) -m pytest -n 2 -q

# bench_scan.py's baselines (traffic, movingpandas) in their own environment: traffic 2.x needs pandas < 3
BASELINES := .venv-baselines
$(BASELINES)/.installed:
	test -x $(BASELINES)/bin/python || $(PYTHON) -m venv $(BASELINES)
	$(BASELINES)/bin/python -m pip install --quiet "traffic>=2.10" "movingpandas>=0.20" "pandas>=2.1,<3"
	touch $(BASELINES)/.installed

bench: $(STAMP) $(BASELINES)/.installed
	$(PY) benchmarks/bench_detect.py
	$(PY) benchmarks/bench_traffic.py
	$(PY) benchmarks/bench_memory.py
	$(PY) benchmarks/bench_readers.py
	$(PY) benchmarks/bench_readers_modes.py
	$(PY) benchmarks/bench_watch.py
	$(PY) benchmarks/bench_web.py
	$(PY) benchmarks/bench_analysis.py
	prlimit --as=8000000000 -- $(PY) benchmarks/bench_scan.py

web:
	bash scripts/vendor_web.sh

FUZZ_SECONDS ?= 60
FUZZ_TARGETS := beast avr sbs openair

# coverage-guided fuzzing (atheris) of the byte-level parsers; not part of `make test`
fuzz: $(STAMP)
	$(PY) -m pip install --quiet -e '.[fuzz]'
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		../$(PY) run.py $$t corpus/$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=crashes/$$t- || exit 1; \
	done

world: $(STAMP)
	$(PY) scripts/build_world.py

clean:
	rm -rf $(VENV) .venv-traffic $(BASELINES) skyborder-demo .pytest_cache
