# Two entry points do all the setup: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: dist serve test lint typecheck pytest install install-test clean bench bench-api bench-delivery bench-callbacks-http bench-fixtures bench-load docs fixtures screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

serve: install
	$(BIN)/catapult-sim serve $(ARGS)

lint: install-test
	$(BIN)/ruff format --check catapult_sim tests benchmarks examples
	$(BIN)/ruff check catapult_sim tests benchmarks examples

typecheck: install-test
	$(BIN)/mypy

pytest: install-test
	$(BIN)/pytest -n 2 $(ARGS)

test: lint typecheck pytest

# The wheel and sdist under dist/ (pip install dist/catapult_sim-*.whl): catapult-sim is not on PyPI.
dist: install-test
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .

# Benchmarks print ratios against a baseline measured in the same run; not part of `make test`.
# `make bench` runs them all and ends with one table (ARGS=--quick: a smaller scale, sooner done).
# bench-api needs wrk (apt-get install wrk).
bench: install-test
	$(BIN)/python benchmarks/run_all.py $(ARGS)

bench-api: install
	$(BIN)/python benchmarks/bench_api.py $(ARGS)

bench-delivery: install
	$(BIN)/python benchmarks/bench_delivery.py $(ARGS)

bench-callbacks-http: install-test
	$(BIN)/python benchmarks/bench_callbacks_http.py $(ARGS)

bench-fixtures: install
	$(BIN)/python benchmarks/bench_fixtures.py $(ARGS)

bench-load: install-test
	$(BIN)/python benchmarks/bench_load.py $(ARGS)

# Regenerate docs/endpoints.md from the routing table (tests/test_docs_endpoints.py checks it).
docs: install
	$(BIN)/python -m catapult_sim.docs_endpoints

# Regenerate the inspector's screenshots in docs/images (the browser tests take them; needs chromium).
screenshots: install-test
	CATAPULT_SIM_SCREENSHOTS=docs/images $(BIN)/pytest -q -p no:xdist tests/ui

# Regenerate the checked-in sample payloads (tests/test_fixtures.py checks they match).
fixtures: install
	rm -rf fixtures
	$(BIN)/catapult-sim fixtures sample --out fixtures

clean:
	rm -rf $(VENV) dist .pytest_cache .mypy_cache .ruff_cache
