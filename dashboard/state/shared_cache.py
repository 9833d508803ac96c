"""The page cache shared by every web process when ``REDIS_URL`` is set (SPEC §8).

``RedisCache`` has the per-app cache's interface (``get_or_compute(key, compute)``, ``clear()``;
house-core's ``PageCache``). Keys already include the data version, so an entry never goes stale;
it is looked up in three places, nearest first:

1. this process's LRU (a repeat read costs no network);
2. Redis, under ``REDIS_PREFIX`` + a fingerprint of the code (so a rolling upgrade never serves a
   page drawn by the old code) + the key's SHA-256;
3. ``compute()``, single flight across the cluster: within a process the first caller computes and
   the others wait for it; across processes the one that takes a Redis lock (``SET NX PX`` with a
   random token, released only by its holder) computes, the others poll Redis for its value, and
   take over if the holder dies without one. Each computation adds 1 to ``<prefix>stats:computed``.

Values are pickled and signed (HMAC-SHA256 with SECRET_KEY), so a value written to Redis by anything
else is refused rather than unpickled. When Redis is unreachable, pages are computed here (and a
warning logged once a minute): slower, never down. Without REDIS_URL, ``remember`` keeps using the
per-process cache.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import secrets
import time
from pathlib import Path
from typing import Any, Callable, Hashable

import redis
from flask import current_app

from metrics.settings import Settings

from dashboard.state.cache import MemoryCache

log = logging.getLogger(__name__)

EXTENSION = "opsg-redis"  # the Redis client (also /readyz's)
LOCAL_ENTRIES = 128
LOCK_MS = 60_000  # a computation longer than this may be repeated by another process
TTL_SECONDS = 7 * 24 * 3600  # entries of old data versions age out (and Redis may evict LRU first)
POLL_SECONDS = 0.01  # how often a waiting process looks for the holder's value
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def code_fingerprint() -> str:
    """A hash of this release's source (the same on every host running it)."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for package in ("dashboard", "metrics", "report"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class RedisCache:
    """Rendered pages and answers shared through Redis, with single flight across processes."""

    def __init__(self, client: redis.Redis, prefix: str, secret: str, *, local_entries: int = LOCAL_ENTRIES,
                 lock_ms: int = LOCK_MS):
        self.client, self.lock_ms = client, lock_ms
        self.prefix = prefix
        self.namespace = f"{prefix}{code_fingerprint()}:"
        self._secret = hashlib.sha256(b"opsg-shared-cache:" + secret.encode()).digest()
        self._local = MemoryCache(local_entries)  # this process's copies, single flight within it
        self._release = client.register_script(_RELEASE)
        self._warned_at = 0.0

    # -- the interface ---------------------------------------------------------------------------

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """From this process's copies; else from Redis, or computed once in the whole cluster."""
        return self._local.get_or_compute(key, lambda: self._shared(key, compute))

    def __len__(self) -> int:
        return len(self._local)

    def clear(self) -> None:
        """Forget every entry of this deployment (here and in Redis)."""
        self._local.clear()
        try:
            for name in self.client.scan_iter(match=f"{self.prefix}*:page:*", count=500):
                self.client.delete(name)
        except redis.RedisError as exc:
            self._warn(exc)

    # -- Redis -----------------------------------------------------------------------------------

    def _names(self, key: Hashable) -> tuple[str, str]:
        digest = hashlib.sha256(repr(key).encode()).hexdigest()
        return f"{self.namespace}page:{digest}", f"{self.namespace}lock:{digest}"

    def _dump(self, value) -> bytes:
        body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return hmac.new(self._secret, body, hashlib.sha256).digest() + body

    def _load(self, raw: bytes | None):
        """(found, value): a signed value from Redis, or (False, None) if absent or not ours."""
        if raw is None or len(raw) < 32:
            return False, None
        mac, body = raw[:32], raw[32:]
        if not hmac.compare_digest(mac, hmac.new(self._secret, body, hashlib.sha256).digest()):
            log.warning("shared cache: an entry with a bad signature was ignored")
            return False, None
        return True, pickle.loads(body)

    def _computed(self, compute):
        value = compute()
        try:
            self.client.incr(f"{self.prefix}stats:computed")
        except redis.RedisError:
            pass
        return value

    def _shared(self, key: Hashable, compute):
        page, lock = self._names(key)
        try:
            while True:
                found, value = self._load(self.client.get(page))
                if found:
                    return value
                token = secrets.token_hex(16)
                if self.client.set(lock, token, nx=True, px=self.lock_ms):
                    try:
                        found, value = self._load(self.client.get(page))  # finished just before we locked
                        if found:
                            return value
                        value = self._computed(compute)
                        self.client.set(page, self._dump(value), ex=TTL_SECONDS)
                        return value
                    finally:
                        self._release(keys=[lock], args=[token])
                # Another process computes it: wait for its value, or for its lock to go (it failed
                # or died), then look again (and perhaps compute it ourselves).
                while True:
                    with self.client.pipeline(transaction=False) as pipe:
                        raw, holder = pipe.get(page).exists(lock).execute()
                    found, value = self._load(raw)
                    if found:
                        return value
                    if not holder:
                        break
                    time.sleep(POLL_SECONDS)  # waiting for another process, not moving a clock
        except (redis.ConnectionError, redis.TimeoutError) as exc:  # Redis down: slower, never broken
            self._warn(exc)
            return compute()

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:
            log.warning("shared cache: Redis unavailable, computing pages in this process: %s", exc)
            self._warned_at = now


def install(server, settings: Settings) -> RedisCache | None:
    """This app's shared cache when REDIS_URL is set (connects on first use), else None; the Redis
    client is kept for /readyz."""
    if not settings.redis_url:
        return None
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2,
                                  health_check_interval=30)
    server.extensions[EXTENSION] = client
    return RedisCache(client, settings.redis_prefix, settings.secret_key)


def client_of_app():
    """This app's Redis client, or None without REDIS_URL."""
    return current_app.extensions.get(EXTENSION)

