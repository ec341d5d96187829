# Everyday targets. `make demo` and `make test` each set up the virtualenv first, so both work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

PHONY_EXTRA := matrix-demo
.PHONY: setup demo matrix-demo test check lint format typecheck bench bench-all lock clean help

help:  ## list the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, by exact version: pip takes the CPU build from local disk where there is one; the lock leaves it
	# out because that file's hash differs from the one PyPI serves.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)  ## create .venv from the lock (exact versions, hashes checked)

demo: setup  ## the main job: API + helpdesk sidebar on the embedded defaults (demo knowledge base on first run)
	$(BIN)/assist serve --host 127.0.0.1 --port $(or $(PORT),8000)

matrix-demo: setup  ## lint, show and decide two example tickets with the shipped matrix
	$(BIN)/assist matrix lint
	COLUMNS=160 $(BIN)/assist matrix show
	$(BIN)/assist matrix evaluate --facts examples/facts_enterprise_outage.json --now 2026-03-02T09:20:00Z
	$(BIN)/assist matrix evaluate --facts examples/facts_smb_data_loss.json --now 2026-03-09T14:00:00Z

test: setup  ## run the whole test suite
	$(BIN)/python -m pytest -q

lint: setup  ## ruff lint + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup  ## apply ruff formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: setup  ## mypy on the packages
	$(BIN)/mypy

check: lint typecheck test  ## everything CI cares about

bench: setup  ## the quick benchmark: matrix decisions/s next to zen-engine (see docs/benchmarks.md)
	$(BIN)/python benchmarks/matrix_bench.py

bench-all: setup  ## every benchmark in docs/benchmarks.md (the assist and ingest ones take ~10 minutes each)
	$(BIN)/python benchmarks/matrix_bench.py
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/assist_bench.py
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/ingest_bench.py
	$(BIN)/python benchmarks/clock_bench.py
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/helpdesk_bench.py

lock:  ## re-resolve requirements.lock from pyproject.toml (installs pip-tools into .venv first)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --extra dev --extra evals --strip-extras --no-emit-index-url --unsafe-package torch -c constraints.txt -o requirements.lock pyproject.toml

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
