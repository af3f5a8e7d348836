# `make demo` and `make test` work on a fresh machine with only Python 3.11 and pip.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
PYTEST_ARGS ?=

.PHONY: demo test test-thorough test-oldest test-core bench bench-catalogue lint api clean

# One venv with the dev extra at the exact pins of constraints/dev.txt (torch==2.13.0 is the CPU
# build; see that file). Reinstalled when either file changes.
$(STAMP): pyproject.toml constraints/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints/dev.txt -e ".[dev]"
	touch $(STAMP)

# The demo's own venv: only what examples/demo.py and examples/loss_table.py import (anyloss
# with numpy, array-api-compat, rich, and torch), at the pins of constraints/dev.txt.
DEMO := .venv-demo
DEMO_STAMP := $(DEMO)/.installed-demo

$(DEMO_STAMP): pyproject.toml constraints/dev.txt
	$(PYTHON) -m venv $(DEMO)
	$(DEMO)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints/dev.txt -e ".[torch]"
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(DEMO)/bin/python examples/demo.py
	$(DEMO)/bin/python examples/loss_table.py

test: $(STAMP)
	HYPOTHESIS_PROFILE=ci $(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

test-thorough: $(STAMP)
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

# The declared floors (constraints/oldest.txt: numpy 1.26, array-api-compat 1.11.2, rich 13,
# jax 0.4.33, ml_dtypes 0.4, optax 0.2.0, keras 3.15.0; torch stays at the pinned CPU build).
# CI runs the parity, smoke, ops and version tests there (OLDEST_TESTS); `make test-oldest
# OLDEST_TESTS=tests` runs the whole suite.
OLDEST := .venv-oldest
OLDEST_STAMP := $(OLDEST)/.installed-oldest
OLDEST_TESTS ?= tests/parity tests/test_smoke_backends.py tests/test_ops.py tests/test_versions.py

$(OLDEST_STAMP): pyproject.toml constraints/oldest.txt
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints/oldest.txt -e ".[dev]"
	touch $(OLDEST_STAMP)

test-oldest: $(OLDEST_STAMP)
	HYPOTHESIS_PROFILE=ci $(OLDEST)/bin/python -m pytest -n 2 -q $(OLDEST_TESTS) $(PYTEST_ARGS)

# The core install: `pip install -e .` (numpy, array-api-compat, rich) and the test runner, no
# torch, JAX, Keras or matplotlib. What needs them is skipped (tests/conftest.py, needs()).
CORE := .venv-core
CORE_STAMP := $(CORE)/.installed-core

$(CORE_STAMP): pyproject.toml constraints/dev.txt
	$(PYTHON) -m venv $(CORE)
	$(CORE)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints/dev.txt -e . pytest pytest-xdist hypothesis
	touch $(CORE_STAMP)

test-core: $(CORE_STAMP)
	HYPOTHESIS_PROFILE=ci $(CORE)/bin/python -m pytest -n 2 -q $(PYTEST_ARGS)

# Lint, format check and type check; CI runs it before the tests.
lint: $(STAMP)
	$(PY) -m ruff check src scripts tests benchmarks examples
	$(PY) -m ruff format --check src scripts
	$(PY) -m mypy src/anyloss
	$(PY) scripts/generate_exports.py --check

# The package's exports (imports and __all__), written from the loss declarations.
api: $(STAMP)
	$(PY) scripts/generate_exports.py

bench: $(STAMP)
	$(PY) benchmarks/run.py

# The catalogue's losses against the peer implementation that defines each one.
bench-catalogue: $(STAMP)
	$(PY) benchmarks/catalogue.py

clean:
	rm -rf $(VENV) $(OLDEST) $(CORE) $(DEMO) .pytest_cache .hypothesis
