"""The cache shared by every web process when ``REDIS_URL`` is set (SPEC §8).

``install(server, settings)`` gives the app a Redis client (``client_of_app()``, also used by
/readyz); the shared page cache itself joins in ``dashboard.state.cache.remember``.
"""
from __future__ import annotations

import redis
from flask import current_app

EXTENSION = "opsg-redis"


def install(server, settings: dict) -> None:
    """A Redis client for this app when REDIS_URL is set (it connects on first use)."""
    url = str(settings.get("REDIS_URL") or "")
    if url:
        server.extensions[EXTENSION] = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)


def client_of_app():
    """This app's Redis client, or None without REDIS_URL."""
    return current_app.extensions.get(EXTENSION)
