# `make demo` and `make test` work on a fresh machine with only Python 3.11 and pip.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
PYTEST_ARGS ?=

.PHONY: demo test test-thorough test-oldest test-core bench bench-catalogue bench-catalogue-peers lint api docs docs-check clean

# One venv with the dev extra at the exact pins of constraints/dev.txt (torch==2.13.0 is the CPU
# build; see that file). Reinstalled when either file changes.
$(STAMP): pyproject.toml constraints/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints/dev.txt -e ".[dev,tensorflow,tf-keras]"
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

# The same table with every peer that installs beside the pinned torch 2.13.0 (CPU): the dev
# set (JAX, optax, MONAI, pytorch-metric-learning) plus torchvision, timm and
# segmentation-models-pytorch, installed with --no-deps at their releases for torch 2.13.0 (with
# their dependencies pip would fetch another torch), their pure-Python dependencies, and the
# JAX ranking peers keras-rs and rax. The dev extra's dependencies keep constraints/dev.txt's
# pins. torchvision's compiled ops do not load beside the CPU torch: catalogue.py then imports
# scripts/references/_torchvision_stub.py first. Only TF Addons and keras-hub (TensorFlow) are
# missing: the report lists what no row times, and why. The venv ignores itself (git status
# stays clean). Options: `make bench-catalogue-peers BENCH_ARGS="--quick --only lovasz"`.
BENCH := .venv-bench
BENCH_STAMP := $(BENCH)/.installed-bench
BENCH_NO_DEPS := torchvision==0.28.0 timm==1.0.31 segmentation-models-pytorch==0.6.0
BENCH_EXTRA := huggingface-hub safetensors pyyaml tqdm pillow keras-rs==0.4.0 rax==0.4.0
BENCH_ARGS ?=

$(BENCH_STAMP): pyproject.toml constraints/dev.txt
	$(PYTHON) -m venv $(BENCH)
	echo '*' > $(BENCH)/.gitignore
	$(BENCH)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints/dev.txt -e ".[dev]"
	$(BENCH)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints/dev.txt --no-deps $(BENCH_NO_DEPS)
	$(BENCH)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints/dev.txt $(BENCH_EXTRA)
	$(BENCH)/bin/python -c "import torch; v = torch.__version__; assert v.startswith('2.13.0') and not torch.version.cuda, v"
	touch $(BENCH_STAMP)

bench-catalogue-peers: $(BENCH_STAMP)
	$(BENCH)/bin/python benchmarks/catalogue.py $(BENCH_ARGS)

# The documentation site: `make docs` builds it into build/site (strict: a broken link, a public
# name without a docstring, a failing example or a loss without a plot fails it; about a minute);
# `make docs-check` opens it in headless Chromium (Debian's package, installed when missing) and
# leaves screenshots in build/docs-screenshots. Its own venv, .venv-docs: the docs extra at the
# pins of constraints/docs.txt, no torch or JAX (the venv ignores itself, so git status stays
# clean).
DOCS := .venv-docs
DOCS_STAMP := $(DOCS)/.installed-docs
CHROMIUM := /usr/bin/chromium

$(DOCS_STAMP): pyproject.toml constraints/dev.txt constraints/docs.txt
	$(PYTHON) -m venv $(DOCS)
	echo '*' > $(DOCS)/.gitignore
	$(DOCS)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints/dev.txt -c constraints/docs.txt -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(DOCS)/bin/python -m mkdocs build --strict

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

docs-check: docs $(CHROMIUM)
	$(DOCS)/bin/python scripts/docs/check_site.py build/site --screenshots build/docs-screenshots

clean:
	rm -rf $(VENV) $(OLDEST) $(CORE) $(DEMO) $(DOCS) .pytest_cache .hypothesis
