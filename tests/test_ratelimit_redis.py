"""Login limits kept in Redis hold across workers (two app instances stand in for two workers)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from tests.conftest import build_app

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _redis_reachable() -> bool:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not _redis_reachable() and not os.environ.get("WADCONF_REQUIRE_REDIS"),
    reason="no Redis on 127.0.0.1:6379",
)


def test_login_limit_is_shared_by_workers_through_redis(database_urls, tmp_path):
    from wadconf.extensions import limiter

    # A fresh key prefix keeps this run's counters apart from any earlier run.
    config = {
        "RATELIMIT_STORAGE_URI": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
        "RATELIMIT_KEY_PREFIX": f"wadconf-test-{uuid.uuid4().hex}",
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
        "LOGIN_LIMIT_PER_CLIENT": "100 per minute",
    }
    worker_a = build_app(database_urls["sqlite"], tmp_path / "a", **config)
    worker_b = build_app(database_urls["sqlite"], tmp_path / "b", **config)
    form = {"email": "someone@example.org", "password": "wrong password"}
    statuses = []
    for app in (worker_a, worker_b, worker_a, worker_b):
        # Flask-Limiter keeps one storage per extension instance; re-binding it to each app's
        # config the way a separate worker process would start makes the storage Redis.
        limiter.init_app(app)
        statuses.append(app.test_client().post("/login", data=form).status_code)
    assert statuses == [200, 200, 200, 429]
