# Salesflow: `make run` serves the demo, `make test` runs the whole suite.
# Every step installs what is missing, so both work on a fresh machine.

SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
VENDOR := salesflow/static/vendor

.PHONY: run test lint format install assets demo clean bench-analytics

# uv itself lives in a small private virtualenv, pinned, so nothing global is required.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

install: $(VENV)/.synced assets

# Front-end libraries come from the npm registry (versions pinned in package-lock.json)
# and are copied next to our own static files.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

$(VENDOR)/.copied: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/sortablejs/Sortable.min.js $(VENDOR)/Sortable.min.js
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.umd.min.js
	cp node_modules/tom-select/dist/js/tom-select.complete.min.js $(VENDOR)/tom-select.complete.min.js
	cp node_modules/tom-select/dist/css/tom-select.min.css $(VENDOR)/tom-select.min.css
	@touch $@

assets: $(VENDOR)/.copied

# `salesflow demo` loads the demo data once (later runs only print the logins);
# `salesflow serve` collects static files itself, then starts gunicorn.
run: demo
	$(BIN)/salesflow serve --host $(HOST) --port $(PORT)

demo: install
	$(BIN)/salesflow migrate --no-input
	$(BIN)/salesflow demo

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# Slow, run by hand: every deal report on 1,000,000 deals (DEALS=20000 for a quick look).
DEALS ?= 1000000
bench-analytics: install
	$(BIN)/python bench/analytics_at_scale.py --deals $(DEALS)

# Every benchmark at one scale, beside its floor measured in the same run (docs/benchmarks.md):
# SCALE=0.01 is a smoke run, SCALE=1 the full size (100,000 leads, contacts and deals,
# 1,000,000 activities). A fresh SQLite file under /tmp, or the empty DATABASE_URL database.
.PHONY: bench load
SCALE ?= 0.01
RUNS ?= 5
bench: install
	$(BIN)/python bench/run.py --scale $(SCALE) --runs $(RUNS)

# A bounded locust run against `salesflow serve` (demo data at scale 0.1, loopback only) while
# 20,000 leads are imported; prints requests/s and p50/p95/p99 per request and the errors.
load: install
	$(BIN)/python bench/load.py

# Mutation testing of the modules that hold the rules (docs/testing.md); slow, by hand, not in
# CI. Configured under [tool.mutmut] in pyproject.toml. A full run starts from a fresh mutants/;
# MUTANTS='salesflow.leads.dedup.*' runs (or re-runs) one module and keeps the other results
# (templates and other copied files are refreshed; mutmut copies them only once).
# Each mutant's tests run on a private copy of one migrated SQLite file (tests/mutation_isolation.py),
# so mutants run side by side: MUTATION_CHILDREN=1 on a busy machine.
.PHONY: mutation
MUTANTS ?=
MUTATION_CHILDREN ?= 2
mutation: install
	@if [ -z "$(MUTANTS)" ]; then rm -rf mutants; \
	elif [ -d mutants/salesflow ]; then \
		find mutants/salesflow -type f ! -name '*.py' ! -name '*.meta' ! -name '*.spans' -delete; fi
	SQLITE_TEST_NAME=$(CURDIR)/mutants/test-db.sqlite3 nice -n 15 \
		$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS)
	$(BIN)/python scripts/mutation_table.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(TOOLS) node_modules $(VENDOR) staticfiles
