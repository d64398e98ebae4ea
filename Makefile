# The README names two targets: `make run` (the demo) and `make test` (everything).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup venv deps static system-deps lint format clean

run: setup ## Set up, load the Staffordshire demo and run web, worker and beat
	DEBUG=true HOST=$(HOST) PORT=$(PORT) bash scripts/run_local.sh

test: setup system-deps ## Set up and run the whole test suite
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=false SECRET_KEY=make-test-check-only $(PY) manage.py check
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

setup: deps static

venv: $(PY)
$(PY):
	$(PYTHON) -m venv $(VENV)

deps: $(VENV)/.deps-installed
$(VENV)/.deps-installed: $(PY) requirements.txt requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

static: node_modules/.package-lock.json
	npm run --silent build
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# chromium for the browser tests, Pango for WeasyPrint (scripts/system_deps.sh).
system-deps:
	bash scripts/system_deps.sh

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format:
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) node_modules static/build staticfiles var
