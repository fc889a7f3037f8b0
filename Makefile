# Suyuan: two commands on a fresh machine — `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export SUYUAN_INSTANCE_DIR ?= $(CURDIR)/instance

.PHONY: run test lint bench install system-deps browser-deps bench-deps clean i18n fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## system-deps: Debian packages the tests use (poppler's pdftoppm to print-proof label PDFs,
## librsvg's rsvg-convert to rasterise SVG labels).
system-deps:
	@{ command -v pdftoppm && command -v rsvg-convert; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils librsvg2-bin >/dev/null; \
	  else echo "note: install poppler-utils and librsvg2-bin for the label proof tests"; fi; }

## browser-deps: Debian's chromium for the Playwright browser tests, and a CJK font for its screenshots.
browser-deps:
	@{ command -v chromium && [ -d /usr/share/fonts/truetype/wqy ]; } >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; }

## run: set up, migrate the embedded SQLite database, load the demo and serve on http://127.0.0.1:8000
run: install
	$(BIN)/suyuan db upgrade
	$(BIN)/suyuan demo
	$(BIN)/suyuan serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check suyuan tests bench tools
	$(BIN)/ruff format --check suyuan tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: lint, type-check and run the tests (PostgreSQL when SUYUAN_TEST_DATABASE_URL is set)
test: install system-deps lint
	$(BIN)/pytest -q

## fuzz: schemathesis over the whole OpenAPI document with the regulator's and a merchant's token, many
## more examples than `make test` (FUZZ_EXAMPLES, default 100) and at most FUZZ_SECONDS per token;
## PostgreSQL when SUYUAN_TEST_DATABASE_URL is set. Prints operations, cases and responses >= 500.
FUZZ_EXAMPLES ?= 100
FUZZ_SECONDS ?= 600
fuzz: install
	SUYUAN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) SUYUAN_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  $(BIN)/pytest -q -s -p no:cacheprovider tests/web/test_api_fuzz.py

## bench-deps: wrk, the load generator of the scan-endpoint benchmark (bench/scan_server_bench.py).
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "note: install wrk for the scan-endpoint benchmark"; fi; }

bench: install system-deps bench-deps
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

## i18n: refresh the zh-CN catalogue after changing user-visible strings
i18n: install
	$(BIN)/python tools/i18n.py
