# Yiwang developer commands. `make run` and `make test` are all a newcomer needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test run test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $(STAMP)

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install -q -e '.[test]'
	touch $(TEST_STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

run: install
	$(BIN)/yiwang db upgrade
	$(BIN)/yiwang demo seed
	YIWANG_API_DOCS=$${YIWANG_API_DOCS:-true} $(BIN)/yiwang serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check yiwang tests bench scripts
	$(BIN)/mypy yiwang

# pytest exits 5 when nothing was collected; that is reported, not treated as a broken build.
test: install-test lint
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

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
