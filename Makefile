# Crossdock — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
E2E_STAMP := $(VENV)/.e2e-installed-stamp
BENCH_STAMP := $(VENV)/.bench-installed-stamp
BENCH_ARGS ?=
PYTEST_ARGS ?=

.PHONY: install run test e2e bench lint format migrate seed clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Crossdock needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Web server on http://127.0.0.1:8000 + Celery worker + Celery beat; Ctrl-C stops them all.
## First 14 days of simulated history (once: a second run adds nothing; none with CROSSDOCK_SIMULATOR=0).
run: seed
	@if [ "$${CROSSDOCK_SIMULATOR:-1}" != "0" ]; then $(BIN)/python manage.py backfill_history --days 14; fi
	@echo ""
	@echo "Crossdock on http://127.0.0.1:8000 — log in as shenzhen.owner (merchant) or operator (admin),"
	@echo "password crossdock-demo. Starting web, worker and beat; Ctrl-C stops all three."
	PYTHONUNBUFFERED=1 $(BIN)/honcho --procfile Procfile.dev --app-root . start

## The whole suite. Tests that need PostgreSQL or Redis skip unless DATABASE_URL / REDIS_URL are set.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Browser tests: migrate + seed a fresh database, start web, worker and beat on an accelerated clock,
## and drive the system's Chromium through a merchant's journey (docs/testing.md). Screenshots: var/e2e/.
$(E2E_STAMP): $(STAMP) requirements-e2e.txt
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-e2e.txt
	@touch $(E2E_STAMP)

e2e: $(E2E_STAMP)
	$(BIN)/python -m pytest e2e $(PYTEST_ARGS)

## Benchmarks on PostgreSQL and Redis (a database of their own, crossdock_bench): builds a million
## orders, measures each scenario beside its floor, writes docs/benchmarks.md. Not part of make test.
## BENCH_ARGS="--only b --fresh" and the like; BENCH_DATABASE_URL / BENCH_REDIS_URL to point elsewhere.
$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-bench.txt
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crossdock_bench} \
	REDIS_URL=$${BENCH_REDIS_URL:-redis://127.0.0.1:6379/15} \
	DJANGO_SETTINGS_MODULE=config.settings.bench \
		$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis
