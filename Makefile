# Install / Run / Test. Every target creates .venv when it is missing and installs a lock into it,
# exact versions checked against their hashes: `make run` requirements.txt (the runtime only),
# `make test` (and bench, screenshots) requirements-dev.txt (the runtime and the test tools). Each
# level has its own stamp, redone when its lock changes. `make lock` compiles both locks from
# pyproject.toml with uv, keeping the versions they hold; `make lock UPGRADE=1` moves to the newest
# the ranges in pyproject.toml allow.
#   PORT=8060 make run        HOST=0.0.0.0 make run        make run RUN_ARGS=--no-demo
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8050
RUN_ARGS ?=
# uv compiles the locks: the one on the PATH, else a copy of the version that wrote them in .venv-tools.
UV_VERSION := 0.13.9
UV ?= $(or $(shell command -v uv 2>/dev/null),$(VENV)-tools/bin/uv)
UPGRADE ?=
# The locks are for CPython 3.11 on Linux x86-64, the platform the project runs and is tested on.
LOCK_FLAGS := --quiet --generate-hashes --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	--annotation-style line --custom-compile-command "make lock"

.PHONY: run test bench screenshots lock clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed-run
	$(PY) app.py --host $(HOST) --port $(PORT) $(RUN_ARGS)

test: $(VENV)/.installed-test
	$(PY) -m pytest

bench: $(VENV)/.installed-test
	$(PY) bench/ingest.py
	$(PY) bench/pages.py

screenshots: $(VENV)/.installed-test
	$(PY) docs/screenshots.py

# The test lock first (runtime + the test extra), then the runtime lock held to the same versions.
lock: | $(filter $(VENV)-tools/bin/uv,$(UV))
	$(UV) pip compile pyproject.toml --extra test $(LOCK_FLAGS) $(if $(UPGRADE),--upgrade) -o requirements-dev.txt
	$(UV) pip compile pyproject.toml -c requirements-dev.txt $(LOCK_FLAGS) -o requirements.txt

$(VENV)-tools/bin/uv:
	$(PYTHON) -m venv $(VENV)-tools
	$(VENV)-tools/bin/python -m pip install --quiet uv==$(UV_VERSION)

clean:
	rm -rf $(VENV) $(VENV)-tools .pytest_cache
