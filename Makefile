# One entry point for people and CI. Every target installs what it needs first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint test-slow test-all bench bench-search install docs lambda-asset synth

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

# Searches over 30 days of reads (node) and 3 cloud sizes; the first run builds and caches the
# databases (minutes), later runs reuse them. PostgreSQL too when EDGESYNC_TEST_POSTGRES_URL is set.
bench-search: $(STAMP)
	$(BIN)/python -m bench.search

# The settings and metrics references are generated from the code (tests check they are current).
docs: $(STAMP)
	$(BIN)/python -m edgesync.settings_doc > docs/settings.md.tmp
	mv docs/settings.md.tmp docs/settings.md
	$(BIN)/python -m edgesync.metrics_doc > docs/operations/metrics.md.tmp
	mv docs/operations/metrics.md.tmp docs/operations/metrics.md

# The Lambda code asset (project wheel + the Lambdas' dependencies for Lambda's platform, built
# by pip, no Docker), in a folder to inspect; `make synth` builds the same asset into cdk.out.
LAMBDA_ASSET := build/lambda-asset
lambda-asset: $(STAMP)
	rm -rf $(LAMBDA_ASSET)
	PYTHONPATH=cdk $(BIN)/python -m edgesync_cdk.asset_build --out $(LAMBDA_ASSET)
	@echo "Lambda asset: $(LAMBDA_ASSET)"

# Both stacks' CloudFormation templates and the asset into cdk.out/, without an AWS account or
# the CDK CLI (Node.js runs aws-cdk-lib; pip fetches the asset's wheels), then cfn-lint.
CDK_OUTDIR := cdk.out
synth: $(STAMP)
	rm -rf $(CDK_OUTDIR)
	JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 CDK_OUTDIR=$(CDK_OUTDIR) $(BIN)/python cdk/app.py
	@echo "templates: $$(ls $(CDK_OUTDIR)/*.template.json | tr '\n' ' ')"
	$(BIN)/cfn-lint --non-zero-exit-code error $(CDK_OUTDIR)/*.template.json
