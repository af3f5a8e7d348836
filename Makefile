# `make demo` and `make test` work on a fresh machine with only Python 3.10+ and pip.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
PYTEST_ARGS ?=

.PHONY: demo test test-thorough bench lint api clean

# One venv with the dev extra at the exact pins of constraints/dev.txt (torch==2.13.0 is the CPU
# build; see that file). Reinstalled when either file changes.
$(STAMP): pyproject.toml constraints/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints/dev.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	KERAS_BACKEND=numpy $(PY) examples/demo.py
	KERAS_BACKEND=numpy $(PY) examples/loss_table.py

test: $(STAMP)
	HYPOTHESIS_PROFILE=ci $(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

test-thorough: $(STAMP)
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

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

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
