# Two entry points on a fresh machine (see README.md): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv

.PHONY: run test

# Install into .venv, load the demo county once, print an inspector token and an example curl,
# and serve the API in embedded mode (SQLite under JIANDU_DATA_DIR); see deploy/local/run.sh.
run: $(VENV)/bin/python
	$(VENV)/bin/pip install -q --disable-pip-version-check -e .
	bash deploy/local/run.sh

# Lint, types, import contracts, unit, integration (real servers from deploy/local/) and e2e.
test: $(VENV)/bin/python
	bash deploy/local/test.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
