"""The page cache: one per app, single flight on a miss, failures not cached (real threads)."""
from __future__ import annotations

import shutil
import threading
import time

import pytest

from dashboard import create_app
from dashboard.state.cache import MemoryCache, remember
from tests.integration.conftest import TEST_SECRET

THREADS = 12


def wait_for_waiters(cache: MemoryCache, key, count: int, timeout: float = 10.0) -> int:
    """Poll until ``count`` threads wait on the key's computation (or ``timeout``); how many do.

    Reads the pending Future's condition: the only way to know a thread is blocked in the cache
    rather than on its way there. A poll for a state, not a sleep to move a clock."""
    deadline = time.monotonic() + timeout
    waiting = 0
    while time.monotonic() < deadline:
        pending = cache._pending.get(key)
        waiting = len(pending._condition._waiters) if pending is not None else 0
        if waiting >= count:
            break
        time.sleep(0.001)
    return waiting


def miss_together(cache: MemoryCache, key, compute) -> list:
    """THREADS threads call get_or_compute(key) at once; each one's result or exception, in order."""
    start = threading.Barrier(THREADS)
    outcomes: list = [None] * THREADS

    def run(i):
        start.wait()
        try:
            outcomes[i] = cache.get_or_compute(key, compute)
        except Exception as exc:  # noqa: BLE001 - the test compares what each thread saw
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def test_cache001_simultaneous_misses_compute_once():
    cache, calls, waited = MemoryCache(), [], []

    def compute():
        calls.append(threading.get_ident())
        # hold the computation until every other thread is waiting on it
        waited.append(wait_for_waiters(cache, "k", THREADS - 1))
        return {"page": "rendered"}

    outcomes = miss_together(cache, "k", compute)
    assert len(calls) == 1
    assert waited == [THREADS - 1]  # the other threads really did miss while it ran
    assert all(o == {"page": "rendered"} for o in outcomes)
    assert all(o is outcomes[0] for o in outcomes)  # one value, shared
    assert cache.get_or_compute("k", lambda: pytest.fail("a hit must not compute")) is outcomes[0]


def test_cache002_an_exception_reaches_every_waiter_and_is_not_cached():
    cache, calls = MemoryCache(), []

    def compute():
        calls.append(1)
        wait_for_waiters(cache, "k", THREADS - 1)
        raise RuntimeError("the database went away")

    outcomes = miss_together(cache, "k", compute)
    assert len(calls) == 1
    assert all(isinstance(o, RuntimeError) and str(o) == "the database went away" for o in outcomes)
    assert len(cache) == 0 and cache._pending == {}
    assert cache.get_or_compute("k", lambda: "second try") == "second try"  # tried again, then kept
    assert cache.get_or_compute("k", lambda: "third") == "second try"


def test_cache003_least_recently_used_entries_go():
    cache = MemoryCache(maxsize=2)
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("b", lambda: 2)
    cache.get_or_compute("a", lambda: 0)  # a hit: a is now the most recently used
    cache.get_or_compute("c", lambda: 3)
    assert cache.get_or_compute("a", lambda: "recomputed") == 1
    assert cache.get_or_compute("b", lambda: "recomputed") == "recomputed"


def test_cache004_two_apps_in_one_process_share_nothing(demo_db, tmp_path):
    """Two apps on the same database (so the same keys) each keep their own entries."""
    target = tmp_path / "shared.db"
    shutil.copy(demo_db, target)
    settings = {"DATABASE_URL": f"sqlite:///{target}", "PUBLIC_READ": True, "SECRET_KEY": TEST_SECRET}
    first, second = create_app(settings), create_app(settings)
    caches = [app.server.extensions["opsg"].cache for app in (first, second)]
    assert caches[0] is not caches[1]
    for app in (first, second):
        assert app.server.test_client().get("/api/v1/summary?month=2020-01").status_code == 200
    assert len(caches[0]) == len(caches[1]) == 1  # each computed its own answer
    with first.server.test_request_context("/"):
        assert remember(("k",), lambda: "first") == "first"
    with second.server.test_request_context("/"):
        assert remember(("k",), lambda: "second") == "second"
    with first.server.test_request_context("/"):
        assert remember(("k",), lambda: "again") == "first"
