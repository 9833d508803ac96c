"""What the code imports is what pyproject.toml declares, and the locks install exactly that.

Runtime code (the packages, app.py, wsgi.py, gunicorn.conf.py) may import only the standard library,
the project's own packages and the runtime dependencies; each runtime dependency is imported
somewhere or named in NOT_IMPORTED with its reason; the test tools stay in the `test` extra. The
locks (requirements.txt for `make run`, requirements-dev.txt for `make test`) pin every package
with `==` and its hashes, hold every declared dependency at a version its range allows, and agree
with each other."""
from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"metrics", "dashboard", "report", "app", "wsgi", "tests", "bench"}
RUNTIME_CODE = ["metrics", "dashboard", "report", "app.py", "wsgi.py", "gunicorn.conf.py"]
TEST_CODE = ["tests", "bench", "docs"]
# Declared for the runtime but used by name, not by import.
NOT_IMPORTED = {
    "gunicorn": "the production server: gunicorn -c gunicorn.conf.py wsgi:server",
    "psycopg": "SQLAlchemy's PostgreSQL driver, chosen by DATABASE_URL=postgresql+psycopg://...",
}
TEST_ONLY = {"pytest", "selenium", "pypdf", "hypothesis", "aiosmtpd", "import-linter"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def runtime_requirements() -> list[Requirement]:
    return [Requirement(r) for r in pyproject()["project"]["dependencies"]]


def extra_test_tools() -> list[Requirement]:
    return [Requirement(r) for r in pyproject()["project"]["optional-dependencies"]["test"]]


def imported_modules(paths: list[str]) -> dict[str, set[str]]:
    """Top-level module -> the files that import it (absolute imports, anywhere in the file)."""
    found: dict[str, set[str]] = {}
    for name in paths:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(path.rglob("*.py")) if path.is_dir() else []
        for file in files:
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    found.setdefault(module.split(".")[0], set()).add(str(file.relative_to(ROOT)))
    return found


def third_party(found: dict[str, set[str]]) -> dict[str, set[str]]:
    return {m: files for m, files in found.items()
            if m not in sys.stdlib_module_names and m not in FIRST_PARTY}


def distributions_of(module: str) -> set[str]:
    return {canonical(d) for d in importlib.metadata.packages_distributions().get(module, [])}


def modules_of(distribution: str) -> set[str]:
    return {m for m, dists in importlib.metadata.packages_distributions().items()
            if canonical(distribution) in {canonical(d) for d in dists}}


def parse_lock(name: str) -> dict[str, tuple[str, list[str]]]:
    """package -> (the requirement as written, its hashes); fails on anything but `name==version`."""
    text = (ROOT / name).read_text(encoding="utf-8")
    entries = {}
    for entry in re.sub(r"\\\n", " ", text).splitlines():
        entry = entry.split(" #", 1)[0].strip()
        if not entry or entry.startswith("#"):
            continue
        words = entry.split()
        requirement = Requirement(words[0])
        hashes = [w.split("=", 1)[1] for w in words[1:] if w.startswith("--hash=")]
        assert len(requirement.specifier) == 1 and next(iter(requirement.specifier)).operator == "==", \
            f"{name}: {words[0]} is not an exact pin"
        entries[canonical(requirement.name)] = (words[0], hashes)
    return entries


def extra_requirements(distribution: str, extra: str) -> list[Requirement]:
    wanted = [Requirement(r) for r in importlib.metadata.requires(distribution) or []]
    return [r for r in wanted if r.marker is not None and r.marker.evaluate({"extra": extra})
            and not r.marker.evaluate({"extra": ""})]


def version_in(lock: dict, name: str) -> Version:
    return Version(lock[canonical(name)][0].split("==", 1)[1])


def test_dep001_every_third_party_import_of_the_runtime_code_is_a_runtime_dependency():
    declared = {canonical(r.name) for r in runtime_requirements()}
    undeclared = {}
    for module, files in third_party(imported_modules(RUNTIME_CODE)).items():
        dists = distributions_of(module)
        assert dists, f"{module} (imported by {sorted(files)}) is installed by no distribution"
        if not dists & declared:
            undeclared[module] = sorted(files)
    assert undeclared == {}, "imported but not in pyproject.toml [project] dependencies"


def test_dep002_every_runtime_dependency_is_imported_or_says_why_not():
    imported = set(third_party(imported_modules(RUNTIME_CODE)))
    unused = [r.name for r in runtime_requirements()
              if not modules_of(r.name) & imported and canonical(r.name) not in NOT_IMPORTED]
    assert unused == [], "declared but never imported: remove them, or say why in NOT_IMPORTED"
    for name in NOT_IMPORTED:  # the exceptions stay true: declared, and still not imported
        assert name in {canonical(r.name) for r in runtime_requirements()}, name
        assert not modules_of(name) & imported, f"{name} is imported now: take it out of NOT_IMPORTED"


def test_dep003_the_test_tools_are_in_the_test_extra_only():
    runtime = {canonical(r.name) for r in runtime_requirements()}
    assert TEST_ONLY & runtime == set()
    assert all(not r.extras for r in runtime_requirements() if canonical(r.name) == "dash"), \
        "dash[testing] belongs to the test extra"
    assert TEST_ONLY <= {canonical(r.name) for r in extra_test_tools()}


def test_dep004_the_tests_import_only_what_is_declared():
    declared = {canonical(r.name) for r in runtime_requirements() + extra_test_tools()}
    undeclared = {m: sorted(files) for m, files in third_party(imported_modules(TEST_CODE)).items()
                  if not distributions_of(m) & declared}
    assert undeclared == {}


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_dep005_the_locks_pin_every_package_with_its_hashes(lock):
    entries = parse_lock(lock)
    assert len(entries) > 20
    unhashed = [req for req, hashes in entries.values()
                if not hashes or not all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes)]
    assert unhashed == []
    text = (ROOT / lock).read_text(encoding="utf-8")
    assert not re.search(r"^\s*-(e|r|c)\s", text, re.M), "a lock names no other file or editable"


def test_dep006_the_locks_hold_what_pyproject_declares_within_its_ranges():
    runtime_lock, test_lock = parse_lock("requirements.txt"), parse_lock("requirements-dev.txt")
    for requirement in runtime_requirements():
        for lock in (runtime_lock, test_lock):
            assert canonical(requirement.name) in lock, f"{requirement.name} missing from a lock"
            assert requirement.specifier.contains(version_in(lock, requirement.name)), requirement
        for extra in requirement.extras:  # psycopg[binary]: psycopg-binary is locked too
            for needed in extra_requirements(requirement.name, extra):
                assert canonical(needed.name) in runtime_lock, (requirement, needed.name)
    for requirement in extra_test_tools():
        assert canonical(requirement.name) in test_lock, f"{requirement.name} missing from the test lock"
        assert requirement.specifier.contains(version_in(test_lock, requirement.name)), requirement
    assert TEST_ONLY & set(runtime_lock) == set(), "make run installs no test tools"


def test_dep007_the_runtime_lock_is_the_test_locks_runtime_part():
    runtime_lock, test_lock = parse_lock("requirements.txt"), parse_lock("requirements-dev.txt")
    differing = {name: (req, test_lock.get(name, (None,))[0])
                 for name, (req, _) in runtime_lock.items() if test_lock.get(name, (None,))[0] != req}
    assert differing == {}, "make run and make test would install different versions"
