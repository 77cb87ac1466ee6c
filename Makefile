# The two commands: `make run` and `make test`. Both set up everything they need on first use.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3,11) <= sys.version_info[:2] < (3,14))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test fuzz lint format install clean web client web-test web-e2e

# The web app (web/): npm ci when the lockfile changed, vite build when anything under web/ changed.
NODE := scripts/with-node
WEB_DEPS := web/node_modules/.installed
WEB_SRC := $(shell find web/src web/public web/index.html web/package.json web/vite.config.ts web/tsconfig*.json \
	-type f ! -name routeTree.gen.ts 2>/dev/null)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11-3.13 is required (set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		echo "venv failed: on Debian install it with: apt-get install -y python3-venv"; exit 1; }
	@# uv (a wheel on every supported target) fetches and installs in parallel: seconds where pip takes
	@# minutes; plain pip when uv cannot be installed or fails (e.g. an index configured only for pip)
	$(BIN)/python -m pip install --quiet uv && $(BIN)/python -m uv pip install --quiet --python $(BIN)/python -e '.[local,dev]' \
		|| { $(BIN)/python -m pip install --quiet --upgrade pip && $(BIN)/python -m pip install --quiet -e '.[local,dev]'; }
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP) web
	$(BIN)/oms dev $(if $(filter 1 true yes,$(DEMO)),--demo,)

# Every suite runs even when an earlier one failed; the platform check (mostly waiting on the package index)
# runs beside them, once per version of the dependency files (PLATFORMS_STAMP).
PLATFORMS_KEY = $(shell cat pyproject.toml web/package-lock.json scripts/check_platforms*.py 2>/dev/null | sha256sum | cut -c1-16)
PLATFORMS_STAMP = $(VENV)/.platforms-$(PLATFORMS_KEY)
test: $(STAMP) $(WEB_DEPS)
	@mkdir -p build; echo 0 > build/check-platforms.status; \
	if [ -f $(PLATFORMS_STAMP) ]; then echo "platform check: passed before for these dependency files" > build/check-platforms.log; \
	else (scripts/check-platforms --if-online > build/check-platforms.log 2>&1; echo $$? > build/check-platforms.status; \
		grep -q "targets install from wheels only" build/check-platforms.log && [ "$$(cat build/check-platforms.status)" = 0 ] \
		&& touch $(PLATFORMS_STAMP)) & fi; \
	status=0; \
	$(BIN)/pytest $(PYTEST_ARGS) || status=1; \
	$(MAKE) --no-print-directory web-test || status=1; \
	$(MAKE) --no-print-directory web-e2e || status=1; \
	wait; cat build/check-platforms.log; \
	[ "$$(cat build/check-platforms.status)" = 0 ] || status=1; \
	exit $$status

$(WEB_DEPS): web/package-lock.json
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 ../$(NODE) npm ci --no-audit --no-fund
	@touch $@

web/dist/index.html: $(WEB_DEPS) $(WEB_SRC)
	cd web && ../$(NODE) npm run build

web: web/dist/index.html

# Regenerate web/src/client from the API's OpenAPI document (no server needed).
client: $(STAMP) $(WEB_DEPS)
	@mkdir -p build
	$(BIN)/python -c "import json; from oms.main import create_app; print(json.dumps(create_app().openapi()))" \
		> build/openapi.json
	cd web && OMS_OPENAPI_FILE=../build/openapi.json ../$(NODE) npx openapi-ts

# Web unit tests (Vitest + Testing Library, jsdom).
web-test: $(WEB_DEPS)
	cd web && ../$(NODE) npx vitest run

# Web end-to-end tests: Playwright in Debian's Chromium against the real stack (scripts/web-e2e starts it).
web-e2e: $(STAMP) web
	scripts/web-e2e

# Every supported target (CPython 3.11-3.13 x Linux x86_64/aarch64, macOS arm64) installs from wheels only.
.PHONY: check-platforms
check-platforms: $(STAMP)
	scripts/check-platforms

# Production-like stack on loopback: Nginx :8080 -> WORKERS uvicorn workers (default 2), SecantusDB, Redis.
.PHONY: stack
stack: $(STAMP) web
	scripts/stack

fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/pytest tests/edge/test_fuzz.py

# ruff over all Python (src, tests, scripts); mypy: src and tests, strict (pyproject.toml); tsc --strict over web/
lint: $(STAMP) $(WEB_DEPS)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	cd web && ../$(NODE) npx tsc -b && ../$(NODE) npx eslint .

format: $(STAMP)
	$(BIN)/ruff check --fix src tests scripts
	$(BIN)/ruff format src tests scripts

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
