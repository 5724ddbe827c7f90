# One command to run the demo server, one to run every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export ACCORD_DATA_DIR ?= data

.PHONY: run test setup lint typecheck pytest bench clean

run: setup  ## Set up, seed the demo and serve http://127.0.0.1:8000 (SQLite)
	ACCORD_DEMO_MODE=1 $(BIN)/accord demo
	ACCORD_DEMO_MODE=1 $(BIN)/accord serve

test: setup lint typecheck pytest  ## Set up and run every check and test

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check app tests bench

typecheck:
	$(BIN)/mypy app tests bench migrations

pytest:
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/bench_parse.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
