# Coalition: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run setup install install-dev migrate demo editor serve worker test test-fast lint format bench check-migrations check-deploy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed-runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed-runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed-runtime ## Create .venv and install the pinned runtime packages

install-dev: $(VENV)/.installed-dev ## Also install the test and lint tools

migrate: install ## Apply database migrations
	$(MANAGE) migrate --noinput

editor: migrate ## Create the local editor account and print its credentials
	$(MANAGE) create_editor

demo: editor ## Load the five demo letters (idempotent)
	$(MANAGE) load_demo

setup: demo ## Everything `run` does except serving

run: setup ## Install, migrate, load the demo, print the editor login, serve on http://127.0.0.1:8000
	@echo "Serving Coalition on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/). Ctrl+C stops it."
	$(MANAGE) runserver $(HOST):$(PORT)

worker: install ## Run a Celery worker with the beat scheduler (needs REDIS_URL)
	$(BIN)/celery -A coalition worker -B --loglevel=INFO

test: install-dev ## Run the whole test suite (SQLite and in-process Celery unless DATABASE_URL/REDIS_URL are set)
	$(BIN)/pytest --create-db

lint: install-dev ## Ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install-dev ## Run the benchmarks in benchmarks/ and print their figures (all but page_latency need PostgreSQL; sign_load and letter_page_1m Redis too)
	@status=0; for bench in page_latency sign_load letter_page_1m pdf_build; do \
		$(PY) benchmarks/$$bench.py; code=$$?; \
		[ $$code -ne 130 ] || exit 130; [ $$code -eq 0 ] || status=$$code; \
	done; exit $$status

check-migrations: install ## Fail when a model change has no migration
	$(MANAGE) makemigrations --check --dry-run

check-deploy: install ## Django's deployment checklist on the production settings
	DJANGO_SETTINGS_MODULE=coalition.settings.production \
	SECRET_KEY=$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-coalition.example.org} \
	SITE_URL=$${SITE_URL:-https://coalition.example.org} \
	$(MANAGE) check --deploy --fail-level WARNING

clean: ## Remove the virtualenv, local database, media and caches
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media static_collected .pytest_cache .ruff_cache .editor-credentials
