"""Real services the many-hosts tests need (Redis, PostgreSQL, nginx, gunicorn): find them, or skip
with a clear message, or fail under REQUIRE_SERVICES=1 (as .ci/run sets)."""
from __future__ import annotations

import os
import shutil
import socket

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NGINX = os.environ.get("NGINX_PATH") or shutil.which("nginx") or "/usr/sbin/nginx"


def missing(message: str):
    """Skip, or fail when REQUIRE_SERVICES=1 says the service must be there."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message + " — REQUIRE_SERVICES=1 says it must run")
    pytest.skip(message)


def require_redis() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        missing(f"this test needs Redis at {REDIS_URL} (apt-get install redis-server; or set "
                f"TEST_REDIS_URL): {exc}")
    return REDIS_URL


def require_nginx() -> str:
    if not os.path.isfile(NGINX) or not os.access(NGINX, os.X_OK):
        missing("this test needs Debian's nginx (apt-get install nginx, or set NGINX_PATH)")
    return NGINX


def require_postgresql() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        missing("this test needs PostgreSQL: set TEST_DATABASE_URL "
                "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
