# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/alignmeter demo -o demo-output

test: $(STAMP)
	.ci/system-deps
	.ci/axe-core
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Every page type of the web survey on a phone, at 200 % zoom and on a desktop, German and
# English, into screenshots/ (ignored by git). Look at them before a release.
screenshots: $(STAMP)
	$(BIN)/python scripts/survey_tour.py screenshots screenshots

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) demo-output .pytest_cache
