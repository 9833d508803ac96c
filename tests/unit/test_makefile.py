"""`make run` serves on HOST/PORT and installs only the runtime lock; `make test` installs the test
lock (the runtime and the test tools); both check hashes; `make lock` compiles both. Checked with `make -n` (print, don't run) against an empty venv path, so every
install step it would take is printed."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def dry_run(target: str, tmp_path, **env) -> list[str]:
    # Under `make test` the environment carries the outer make's MAKEFLAGS/MAKELEVEL, and a nested
    # make would print "Entering directory" lines: run it as a make of its own.
    outer = ("PORT", "HOST", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")
    done = subprocess.run(["make", "--no-print-directory", "-n", target, f"VENV={tmp_path / 'venv'}"],
                          cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**{k: v for k, v in os.environ.items() if k not in outer}, **env})
    return [line.strip() for line in done.stdout.splitlines()]


def test_mk001_run_takes_port_and_host_from_the_environment(tmp_path):
    assert dry_run("run", tmp_path)[-1].endswith("app.py --host 127.0.0.1 --port 8050")
    assert dry_run("run", tmp_path, PORT="8060")[-1].endswith("app.py --host 127.0.0.1 --port 8060")
    assert dry_run("run", tmp_path, PORT="8061", HOST="0.0.0.0")[-1].endswith(
        "app.py --host 0.0.0.0 --port 8061")


def test_mk002_run_installs_the_runtime_lock_only_and_test_the_test_lock(tmp_path):
    venv = tmp_path / "venv"
    run = [line for line in dry_run("run", tmp_path) if "pip install" in line]
    assert run == [f"{venv}/bin/python -m pip install --quiet --require-hashes -r requirements.txt"]
    test = dry_run("test", tmp_path)
    assert sum("-m venv" in line for line in test) == 1  # one venv for both levels
    assert [line for line in test if "pip install" in line] == [
        f"{venv}/bin/python -m pip install --quiet --require-hashes -r requirements-dev.txt"]
    assert test[-1].endswith("-m pytest")


def test_mk003_each_level_has_its_own_stamp(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    (venv / ".installed-run").touch()  # the runtime is installed: run installs nothing more
    assert not [line for line in dry_run("run", tmp_path) if "pip install" in line]
    assert [line for line in dry_run("test", tmp_path) if "pip install" in line] == [
        f"{venv}/bin/python -m pip install --quiet --require-hashes -r requirements-dev.txt"]
    (venv / ".installed-test").touch()  # a second make test installs nothing
    assert not [line for line in dry_run("test", tmp_path) if "pip install" in line]
    assert dry_run("test", tmp_path)[-1].endswith("-m pytest")


def test_mk004_lock_compiles_the_test_lock_then_the_runtime_lock_held_to_it(tmp_path):
    lock = dry_run("lock", tmp_path, UV="uv")
    assert len(lock) == 2
    test, runtime = lock
    for line in lock:
        assert line.startswith("uv pip compile pyproject.toml ")
        for flag in ("--generate-hashes", "--python-version 3.11", "--python-platform x86_64-unknown-linux-gnu"):
            assert flag in line, (flag, line)
    assert "--extra test" in test and test.endswith("-o requirements-dev.txt")
    assert "--extra" not in runtime and "-c requirements-dev.txt" in runtime
    assert runtime.endswith("-o requirements.txt")
    assert "--upgrade" not in test + runtime  # a refresh keeps the versions the locks hold
    upgrade = dry_run("lock", tmp_path, UV="uv", UPGRADE="1")
    assert "--upgrade" in upgrade[0] and "--upgrade" not in upgrade[1]
