# Setup is idempotent: the venv is made once, reinstalled only when pyproject.toml changes,
# and apt runs only when a listed system package is missing.

PYTHON3 ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: setup system-packages demo test lint

setup: system-packages $(INSTALLED)

system-packages:
	@bash scripts/install-system-packages.sh

$(BIN)/python:
	$(PYTHON3) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/govreports es start
	$(BIN)/govreports demo

test: setup
	$(BIN)/govreports es start
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy .
