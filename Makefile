# consult — the two commands a fresh machine with Python 3.11+ needs: `make demo`, `make test`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
TRANSLATIONS := consult/translations

.PHONY: help demo test browser-deps bench lint translations clean

help:
	@echo "make demo          migrate, seed the demo district once, print the logins, serve on http://127.0.0.1:5000"
	@echo "make test          the test suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set"
	@echo "make bench         benchmark the matter pages on 20,000 matters; writes bench/results.md"
	@echo "make lint          ruff check"
	@echo "make translations  extract, update and compile the message catalogs"
	@echo "make clean         remove caches and build leftovers (keeps .venv and instance/)"

# The virtual environment, made once with the Python found on the machine.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "consult needs Python 3.11 or newer ($(PYTHON) is older)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) \
		|| { echo "Could not create $(VENV); on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/flask demo

# Debian's Chromium drives the browser tests (Playwright); installed when missing and root.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium and chromium-driver for the browser tests..."; \
		if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }; then \
			echo "!!!!!!!! Could not install chromium: the browser tests will be SKIPPED (they fail when CI is set). !!!!!!!!"; \
		fi; \
	else \
		echo "!!!!!!!! /usr/bin/chromium is missing and we are not root with apt-get:"; \
		echo "!!!!!!!! the browser tests will be SKIPPED (they fail when CI is set)."; \
		echo "!!!!!!!! Install Debian's chromium and chromium-driver to run them."; \
	fi

# Any pytest failure, including exit code 5 (no tests collected), fails the target.
test: $(VENV)/.installed-test browser-deps
	@echo "== Tests on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$${TEST_DATABASE_URL:-}" ]; then \
		echo "== Tests on PostgreSQL (TEST_DATABASE_URL) =="; \
		$(BIN)/python -m pytest $(PYTEST_ARGS); \
	else \
		echo "TEST_DATABASE_URL is not set: the PostgreSQL run is skipped."; \
	fi

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

translations: $(VENV)/.installed
	@mkdir -p $(TRANSLATIONS)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* __pycache__ node_modules" -o $(TRANSLATIONS)/messages.pot .
	@if [ ! -f $(TRANSLATIONS)/zh_Hans_CN/LC_MESSAGES/messages.po ]; then \
		$(BIN)/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l zh_Hans_CN; \
	fi
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(BIN)/pybabel compile -d $(TRANSLATIONS)

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache build dist *.egg-info tests/artifacts bench/*.db bench/*.db-*
