# One entry point for people and CI. Every target installs what it needs first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint test-slow test-all bench install docs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/edgesync demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP)
	$(BIN)/python -m pytest
	$(MAKE) lint

# Slow suites: crash, fault injection, schemathesis, and the browser tests (Playwright driving
# Debian's Chromium; they skip, saying why, without it). `make test` never needs Chromium.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

test-all: $(STAMP)
	$(BIN)/python -m pytest -m 'not bench'

bench: $(STAMP)
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.sync
	$(BIN)/python -m bench.alerts
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.dynamo
	$(BIN)/python -m bench.lambda_cost

# The settings reference is generated from the settings models (tests check it is current).
docs: $(STAMP)
	$(BIN)/python -m edgesync.settings_doc > docs/settings.md.tmp
	mv docs/settings.md.tmp docs/settings.md
