# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The browser test (tests/api/http/test_phone_page_browser.py) drives Debian's Chromium, not a
# browser Playwright downloads: `make browser` installs it (and an emoji font) where it is missing,
# and poppler-utils, whose pdftoppm draws the exception report's PDF pages as PNG in its test.
CHROMIUM ?= /usr/bin/chromium
BROWSER_PACKAGES := chromium fonts-noto-color-emoji poppler-utils

.PHONY: install browser run test lint typecheck schema openapi migrate seed token worker api \
	clean graphiql-assets faults

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,embedded]'
	touch $(STAMP)

install: $(STAMP)

browser:
	@if [ -x "$(CHROMIUM)" ] && dpkg -s fonts-noto-color-emoji poppler-utils >/dev/null 2>&1; then \
		echo "browser: $(CHROMIUM)"; \
	elif ! command -v apt-get >/dev/null; then \
		echo "browser: no $(CHROMIUM) and no apt-get: the browser test will be skipped"; \
	else \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		echo "browser: installing $(BROWSER_PACKAGES) (about 30 s)"; \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			$(BROWSER_PACKAGES) >/dev/null; \
	fi

run: install
	$(BIN)/qaf dev

test: install browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(BIN)/pytest

# The fault tests alone (real workers on private PostgreSQL and Redis, a real SMTP server), both
# cadences; prints the fault table at the end. About 10 minutes.
faults: install
	$(BIN)/pytest tests/workers/test_faults.py tests/workers/test_survey_dispatch_faults.py -q

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .
	$(BIN)/lint-imports

schema: install
	$(BIN)/qaf export-schema

# GraphiQL's browser files, re-fetched with `npm pack` and checked against the SHA-256 sums in
# api/static/graphiql/vendor/MANIFEST.json (npm is needed only for this, not to run or test).
graphiql-assets: install
	$(BIN)/python -m cli.graphiql_assets

# The respondents' JSON API's contract (OpenAPI 3.1), api/openapi/respond-v1.json.
openapi: install
	$(BIN)/qaf export-openapi

migrate: install
	$(BIN)/qaf migrate

seed: install
	$(BIN)/qaf seed-demo

token: install
	@$(BIN)/qaf token $(EMAIL)

api: install
	$(BIN)/qaf serve

worker: install
	$(BIN)/qaf worker

clean:
	rm -rf $(VENV) .data .mypy_cache .ruff_cache .pytest_cache

# The settings reference in docs/operations.md, regenerated from domain/core/settings.py
# (tests/test_docs.py fails when it is stale).
.PHONY: docs
docs: install
	$(BIN)/python -m tools.settings_reference
