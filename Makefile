# Install / Run / Test. Every target creates .venv when it is missing. One venv, two levels:
# `make run` installs requirements.txt only; `make test` (and bench, screenshots) add
# requirements-dev.txt. Each level has its own stamp, redone when its requirements file changes.
#   PORT=8060 make run        HOST=0.0.0.0 make run        make run RUN_ARGS=--no-demo
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8050
RUN_ARGS ?=

.PHONY: run test bench screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed-run
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed-run
	$(PY) app.py --host $(HOST) --port $(PORT) $(RUN_ARGS)

test: $(VENV)/.installed-dev
	$(PY) -m pytest

bench: $(VENV)/.installed-dev
	$(PY) bench/ingest.py
	$(PY) bench/pages.py

screenshots: $(VENV)/.installed-dev
	$(PY) docs/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache
