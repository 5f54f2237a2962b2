# `make test` works on a fresh machine: it creates .venv with python3 when missing and installs the
# project with its test tools, then runs the linters and the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test lint typecheck pytest bench docs demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests benchmarks examples tools

typecheck: $(STAMP)
	$(BIN)/mypy --strict src/

pytest: $(STAMP)
	$(BIN)/pytest -n auto --dist worksteal $(PYTEST_ARGS)

bench: $(STAMP)
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The demo: a working portal on SQLite with demo data (only what the demo needs is installed).
DEMO_STAMP := $(VENV)/.demo-installed
$(DEMO_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[cli]'
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/clientportal demo $(DEMO_ARGS)

# The documentation site (Sphinx + MyST), warnings are errors.
DOCS_STAMP := $(VENV)/.docs-installed
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -q -W --keep-going -b html docs docs/_build/html
	@echo "docs built: docs/_build/html/index.html"

# Mutation testing of the pure rules (visibility, workflow, access): slow, so not part of `make test`
# nor of CI. Survivors are listed; the equivalent ones are explained in tools/mutants-equivalent.toml.
.PHONY: mutants
mutants: $(STAMP)
	$(BIN)/python tools/mutants.py --jobs 2 $(MUTANTS_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build dist

# Translations. The .mo catalogs are build output: the hatch build hook (hatch_build.py) compiles
# them on every install, and the rule below recompiles one before the tests whenever its .po is
# newer. `make messages` re-extracts the .pot from the sources and merges it into every .po (pybabel
# reads its settings from [tool.babel.*] in pyproject.toml); then translate what is new or fuzzy.
PO_FILES := $(wildcard src/clientportal/locale/*/LC_MESSAGES/clientportal.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: messages

$(STAMP): hatch_build.py

pytest: $(MO_FILES)

%.mo: %.po | $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

messages: $(STAMP)
	$(BIN)/pybabel extract
	$(BIN)/pybabel update
