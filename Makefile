# SmartTouch: the two commands that work on a fresh machine are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

export SDL_VIDEODRIVER ?= dummy
export SDL_AUDIODRIVER ?= dummy
export PYGAME_HIDE_SUPPORT_PROMPT := 1

.PHONY: setup demo test bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m smarttouch.platform.i18n.catalogues
	touch $(STAMP)

setup: $(STAMP)

## Seed demo data and serve the hub; prints where to click and how to play.
demo: setup
	$(VENV)/bin/smarttouch demo

## Run the whole test suite: 3 xdist workers on 2 cores (the browser, BLE and multi-process tests spend much of their time waiting).
test: setup
	$(PY) -m pytest -n 3 --dist loadfile -q $(PYTEST_ARGS)

## Benchmarks: figures printed against the named references.
bench: setup
	$(PY) -m bench

## Style and types: ruff lint, ruff format check, mypy.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache test-artifacts
