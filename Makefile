# One command to run the demo server, one to run every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := frontend/node_modules/.installed
WEB    := app/static/index.html
export ACCORD_DATA_DIR ?= data

.PHONY: run test setup web browser lint typecheck webtest pytest bench clean

run: setup web  ## Set up, build the browser client, seed the demo, serve http://127.0.0.1:8000
	ACCORD_DEMO_MODE=1 $(BIN)/accord demo
	ACCORD_DEMO_MODE=1 $(BIN)/accord serve

test: setup web browser lint typecheck webtest pytest  ## Set up and run every check and test

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

$(NODE_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

web: $(NODE_STAMP)  ## Build the browser client into app/static
	cd frontend && npm run build

# Chromium for the browser tests (they skip, saying why, without it); Pango and the Noto
# fonts for PDF exports, which must shape Arabic and Chinese.
browser:  ## Debian's Chromium, Pango and the Noto fonts (Latin, Arabic, CJK, emoji)
	@{ command -v chromium && fc-list | grep -qi "Noto Sans CJK" \
	   && fc-list | grep -qi "Noto Naskh Arabic" && ldconfig -p | grep -q libpangoft2; \
	 } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium libpango-1.0-0 libpangoft2-1.0-0 \
	      fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji; \
	  else echo "chromium or its fonts are missing: browser tests may be skipped"; fi; }

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check app tests bench

typecheck:
	$(BIN)/mypy app tests bench migrations

webtest: $(NODE_STAMP)
	cd frontend && npm test && npm run typecheck

pytest:
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/bench_parse.py
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_fanout.py --quick

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache frontend/node_modules app/static
