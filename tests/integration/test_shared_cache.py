"""The shared cache (REDIS_URL): thirty members opening one link after an upload compute it once in
the whole cluster; real Redis, two real gunicorn processes, both databases. And RedisCache itself:
single flight across two cache objects, a failure is not cached, a forged entry is refused,
Redis down means computed here, not an error."""
from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

from dashboard.state.shared_cache import RedisCache
from metrics.accounts import users as accounts
from tests.integration.hosts import start_host
from tests.integration.services import free_port, require_redis

OTA = "month,csp_region,attempted,succeeded\n2020-01,North,100,87\n2020-01,South,100,99\n"
FEB = "month,csp_region,attempted,succeeded\n2020-02,North,100,91\n2020-02,South,100,98\n"


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the shared Redis, deleted after."""
    client = redis.Redis.from_url(require_redis())
    prefix = f"opsg-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    for name in client.scan_iter(match=f"{prefix}*"):
        client.delete(name)


def computed(prefix: str) -> int:
    return int(redis.Redis.from_url(require_redis()).get(f"{prefix}stats:computed") or 0)


def steady(read, quiet: float = 1.5, limit: float = 30.0) -> int:
    """``read()`` once it has stopped changing for ``quiet`` seconds (other processes at work)."""
    deadline, value = time.monotonic() + limit, read()
    changed = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)  # waiting for other processes, not moving a clock
        now = read()
        if now != value:
            value, changed = now, time.monotonic()
        elif time.monotonic() - changed >= quiet:
            return value
    raise AssertionError(f"still computing after {limit} s")


def test_shc001_thirty_requests_over_two_processes_after_an_upload_compute_once(store, tmp_path, redis_prefix):
    with store.write() as conn:
        accounts.add_user(conn, "dcc", "uploader", "correct horse battery")
        token = accounts.new_token(conn, "dcc")
    env = {"DATABASE_URL": store.url, "REDIS_URL": require_redis(), "REDIS_PREFIX": redis_prefix,
           "SECRET_KEY": "test-only-secret", "PUBLIC_READ": "true"}
    hosts = [start_host(name, tmp_path, env) for name in ("a", "b")]
    try:
        auth = {"Authorization": f"Bearer {token}"}
        assert requests.post(f"{hosts[0].url}/api/v1/uploads", headers=auth, timeout=60,
                             files={"file": ("ota.csv", OTA.encode())}).status_code == 201
        first = requests.get(f"{hosts[1].url}/api/v1/summary?month=2020-01", timeout=60)
        assert first.status_code == 200
        before = computed(redis_prefix)
        assert before >= 1
        # new figures through host B; then thirty members open the same link, spread over A and B
        assert requests.post(f"{hosts[1].url}/api/v1/uploads", headers=auth, timeout=60,
                             files={"file": ("feb.csv", FEB.encode())}).status_code == 201
        feb = requests.get(f"{hosts[0].url}/api/v1/summary?month=2020-02", timeout=60).json()
        ota = [m for m in feb["metrics"] if m["metric"] == "ota_success_rate"]
        assert ota and all(m["value"] is not None for m in ota)  # the February figures, at once, on A
        # Both hosts warm their default views after new figures (dashboard/state/warm.py), each view
        # once in the cluster; wait until that has settled, then ask for a view nobody warmed.
        settled = steady(lambda: computed(redis_prefix))
        start = threading.Barrier(30)

        def member(i):
            start.wait()
            return requests.get(f"{hosts[i % 2].url}/api/v1/summary?month=2020-01", timeout=60)

        with ThreadPoolExecutor(30) as pool:
            answers = list(pool.map(member, range(30)))
        assert [a.status_code for a in answers] == [200] * 30
        assert len({a.content for a in answers}) == 1  # every member saw the same answer
        assert computed(redis_prefix) - settled == 1  # once in the whole cluster
    finally:
        for host in hosts:
            host.stop()


def test_shc002_single_flight_between_two_caches_and_failures_not_cached(redis_prefix):
    client = redis.Redis.from_url(require_redis())
    first, second = RedisCache(client, redis_prefix, "s"), RedisCache(client, redis_prefix, "s")
    calls, gate = [], threading.Event()

    def slow():
        calls.append(1)
        gate.wait(10)
        return {"page": [1, 2, 3]}

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit((first if i % 2 else second).get_or_compute, ("k", 1), slow) for i in range(8)]
        while not calls:  # the leader is computing; release it once the others are waiting on it
            pass
        gate.set()
        assert [f.result(20) for f in futures] == [{"page": [1, 2, 3]}] * 8
    assert len(calls) == 1 and computed(redis_prefix) == 1

    def broken():
        raise ValueError("no figures")

    with pytest.raises(ValueError):
        first.get_or_compute(("k", 2), broken)
    assert second.get_or_compute(("k", 2), lambda: "second try") == "second try"


def test_shc003_a_forged_entry_is_refused_and_redis_down_is_computed_here(redis_prefix):
    client = redis.Redis.from_url(require_redis())
    ours, theirs = RedisCache(client, redis_prefix, "our secret"), RedisCache(client, redis_prefix, "another")
    assert theirs.get_or_compute(("k",), lambda: "forged") == "forged"
    assert ours.get_or_compute(("k",), lambda: "real") == "real"  # the other key's entry is not trusted
    down = RedisCache(redis.Redis(port=free_port(), socket_connect_timeout=0.5), redis_prefix, "s")
    assert down.get_or_compute(("k",), lambda: "computed here") == "computed here"
