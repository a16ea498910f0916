# Two commands for a fresh machine with Python 3.11 and make:
#   make plan   offline plan of the example stack (resources, monthly cost, policy findings)
#   make test   the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STACK ?= stacks/prod-eu.yaml

.PHONY: plan test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

plan: $(VENV)/.installed
	$(BIN)/skyweave plan $(STACK)

test: $(VENV)/.installed
	$(BIN)/python -m pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/plan_speed.py
	$(BIN)/python bench/selector.py
	$(BIN)/python bench/policy_speed.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
