# Yiwang developer commands. `make run` and `make test` are all a newcomer needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test run test lint bench clean browser-deps screenshots

# Each step prints one line; pip and the build backend stay quiet unless something fails (setuptools'
# editable-install notice is a UserWarning printed by the build backend; errors still show).
PIP_QUIET := PYTHONWARNINGS=ignore::UserWarning
$(BIN)/python:
	@echo "creating $(VENV)"
	@$(PY) -m venv $(VENV)
	@$(BIN)/pip install -qq --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "installing yiwang into $(VENV)"
	@$(PIP_QUIET) $(BIN)/pip install -qq -e .
	@touch $(STAMP)

$(TEST_STAMP): pyproject.toml $(STAMP)
	@echo "installing the test tools"
	@$(PIP_QUIET) $(BIN)/pip install -qq -e '.[test]'
	@touch $(TEST_STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

run: install
	@$(BIN)/yiwang db upgrade
	@$(BIN)/yiwang demo seed
	@echo "serving http://$(HOST):$(PORT) (Ctrl+C stops)"
	@YIWANG_API_DOCS=$${YIWANG_API_DOCS:-true} $(BIN)/yiwang serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check yiwang tests bench scripts
	$(BIN)/mypy yiwang

# Debian's chromium, CJK fonts and poppler-utils (apt-get, only when chromium is missing) and axe-core from the
# npm registry (vendored into var/vendor/axe.min.js) for the browser suite in tests/browser.
browser-deps:
	@sh scripts/browser_deps.sh

# The suite runs as two pytest processes side by side (PostgreSQL; SQLite and the rest): scripts/test_suite.sh.
# PYTEST_ARGS runs one ordinary pytest of those instead. pytest's exit 5 (nothing collected) is reported, not
# treated as a broken build.
test: install-test lint browser-deps
	PY=$(BIN)/python bash scripts/test_suite.sh $(PYTEST_ARGS)

# Screenshots of the main pages at 1280 px and 390 px into docs/screenshots/ (a served demo deployment).
screenshots: install-test browser-deps
	YIWANG_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -p no:cacheprovider -q tests/browser/test_screenshots.py

bench: install-test
	$(BIN)/python -m bench.run

# Load test: locust drives `yiwang serve --workers 4` on a scratch PostgreSQL database with guide reads,
# searches, submissions and staff actions (about 4 minutes with seeding); writes docs/load.md.
.PHONY: load
load: install-test
	$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/pip install -q -e '.[load]'
	$(BIN)/python -m bench.load $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var/yiwang.db var/files
