# skyborder: `make demo` and `make test` each do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench world web clean system-deps

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

test: $(STAMP) system-deps lint
	$(PY) -m pytest -n 2 -q

bench: $(STAMP)
	$(PY) benchmarks/bench_detect.py
	$(PY) benchmarks/bench_readers.py
	$(PY) benchmarks/bench_readers_modes.py
	$(PY) benchmarks/bench_watch.py
	$(PY) benchmarks/bench_web.py
	$(PY) benchmarks/bench_analysis.py

web:
	bash scripts/vendor_web.sh

world: $(STAMP)
	$(PY) scripts/build_world.py

clean:
	rm -rf $(VENV) skyborder-demo .pytest_cache
