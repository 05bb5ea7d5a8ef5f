# Two entry points on a fresh machine (see README.md): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv

.PHONY: run test

# Install into .venv and serve the API in embedded mode (SQLite under JIANDU_DATA_DIR).
run: $(VENV)/bin/python
	$(VENV)/bin/pip install -q --disable-pip-version-check -e .
	$(VENV)/bin/jiandu serve

# Lint, types, import contracts, unit, integration (real servers from deploy/local/) and e2e.
test: $(VENV)/bin/python
	bash deploy/local/test.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
