# zhenwu — the two commands a new user needs are `make run` and `make test`.
# Everything is installed from this repository's own files into .venv; see README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UVPIP  := $(UV) pip install --quiet --python $(BIN)/python
MANAGE := $(BIN)/python manage.py
UV_VERSION := 0.13.9

.PHONY: run test lint format messages demo bench clean help

help:
	@echo "make run    install into .venv, migrate var/db.sqlite3, load the demo once, start web + worker"
	@echo "make test   install test tools, run lint, then the whole suite (SQLite, then PostgreSQL)"
	@echo "make bench  benchmark on synthetic township/county/province data, SQLite and PostgreSQL (JSON lines)"
	@echo "make lint   ruff, ruff format --check, mypy, manage.py check, makemigrations --check, translations"

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.base-installed: requirements/base.txt pyproject.toml | $(UV)
	$(UVPIP) -r requirements/base.txt
	$(UVPIP) --no-deps -e .
	@touch $@

$(VENV)/.dev-installed: requirements/dev.txt $(VENV)/.base-installed
	$(UVPIP) -r requirements/dev.txt
	@touch $@

run: $(VENV)/.base-installed
	@scripts/run.sh

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	DJANGO_DEBUG=0 $(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	scripts/check-messages.sh

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	@scripts/test.sh

# Not part of `make test`: generates large synthetic datasets under var/bench/ (docs/performance.md).
bench: $(VENV)/.base-installed
	@scripts/bench.sh

# Re-extract user-facing strings after changing them, then translate the new zh_Hans entries.
messages: $(VENV)/.dev-installed
	cd src/zhenwu && ../../$(BIN)/python ../../manage.py makemessages -l zh_Hans --no-location --no-obsolete
	msgfmt --check -o src/zhenwu/locale/zh_Hans/LC_MESSAGES/django.mo src/zhenwu/locale/zh_Hans/LC_MESSAGES/django.po

demo: $(VENV)/.base-installed
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
