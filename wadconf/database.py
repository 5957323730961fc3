"""Database plumbing: SQLite settings, write transactions, UTC datetimes.

SQLite serialises writers. Python's ``sqlite3`` opens transactions lazily as
``BEGIN DEFERRED``, which takes the write lock only at the first write: two
workers can both read "no entry yet" and both insert (measured on this kind of
machine: 50 concurrent look-up-then-insert scans of one badge wrote 25-34 rows).
We therefore issue ``BEGIN`` ourselves and make it ``BEGIN IMMEDIATE`` whenever
the unit of work may write (any non-GET request, any CLI command, or code
wrapped in :func:`write_intent`), so the lock is taken before the first read.
Read-only requests keep ``BEGIN DEFERRED`` and run beside a writer thanks to WAL.

On PostgreSQL the same rules are kept with row locks
(``select(...).with_for_update()``) and unique constraints.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, current_app, has_app_context
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

_begin_immediate: ContextVar[bool] = ContextVar("wadconf_begin_immediate", default=False)
_VALID_SYNCHRONOUS = {"OFF", "NORMAL", "FULL", "EXTRA"}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC.

    PostgreSQL keeps ``timestamptz``; SQLite has no zone, so values are stored as
    naive UTC and given back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def set_begin_immediate(flag: bool) -> None:
    """Make transactions begun from now on in this context write transactions (or not)."""
    _begin_immediate.set(flag)


@contextmanager
def write_intent() -> Iterator[None]:
    """Within this block, new SQLite transactions start with ``BEGIN IMMEDIATE``."""
    token = _begin_immediate.set(True)
    try:
        yield
    finally:
        _begin_immediate.reset(token)


def _sqlite_settings() -> tuple[str, int]:
    if has_app_context():
        sync = str(current_app.config.get("SQLITE_SYNCHRONOUS", "FULL")).upper()
        timeout = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))
    else:
        sync, timeout = "FULL", 5000
    if sync not in _VALID_SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {sorted(_VALID_SYNCHRONOUS)}")
    return sync, timeout


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    sync, timeout = _sqlite_settings()
    # Hand transaction control to SQLAlchemy's "begin" event below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {timeout}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute(f"PRAGMA synchronous = {sync}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    if _begin_immediate.get():
        _queue_for_write(conn)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


# Writers queue on a kernel file lock before BEGIN IMMEDIATE (issue 4, scan speed).
# SQLite's busy handler makes a waiting writer sleep 1, 2, 5, 10 ... 100 ms between
# attempts, so with two gunicorn workers scanning, each write waited milliseconds for a
# lock held for a fraction of one: 137 scans/s with 2 workers against 323 with one
# (tests/perf/bench_scan.py). A blocked flock() wakes as soon as the holder lets go.
# The SQLite lock still decides; this only orders the queue in front of it. The lock
# is held from BEGIN IMMEDIATE until the connection goes back to the pool (just after
# COMMIT or ROLLBACK). One descriptor per process, counted, so nested write
# transactions do not wait for themselves. A holder that hangs makes the others wait
# (as SQLite's lock would, without the 5 s busy_timeout) until gunicorn's worker
# timeout ends it.
_write_queue: dict[tuple[int, int, str], list[int]] = {}


def _queue_for_write(conn) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: the busy handler alone
        return
    import os
    import threading

    path = conn.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    # Only processes that serve one request at a time (gunicorn sync workers, the CLI):
    # a blocked flock has no timeout, and a threaded server (the dev server, the tests'
    # live servers) could wait for another thread of its own that waits for it.
    if threading.current_thread() is not threading.main_thread():
        return
    record = conn.connection._connection_record
    if record is None or "wadconf_write_queue" in record.info:
        return
    key = (os.getpid(), threading.get_ident(), path)
    entry = _write_queue.get(key)
    if entry is None:
        fd = os.open(path + "-writers", os.O_RDWR | os.O_CREAT, 0o600)
        entry = _write_queue[key] = [fd, 0]
    if entry[1] == 0:
        fcntl.flock(entry[0], fcntl.LOCK_EX)
    entry[1] += 1
    record.info["wadconf_write_queue"] = key


@event.listens_for(Pool, "checkin")
def _leave_write_queue(dbapi_connection, connection_record) -> None:
    key = connection_record.info.pop("wadconf_write_queue", None) if connection_record else None
    entry = _write_queue.get(key) if key else None
    if entry is None:
        return
    entry[1] -= 1
    if entry[1] == 0:
        import fcntl

        fcntl.flock(entry[0], fcntl.LOCK_UN)


def init_app(app: Flask) -> None:
    """Mark unsafe requests as write transactions, for the length of the request only."""

    @app.before_request
    def _mark_write_requests() -> None:
        from flask import g, request

        g._wadconf_write_token = _begin_immediate.set(
            request.method not in {"GET", "HEAD", "OPTIONS"}
        )

    # Without this the flag outlives the request in its thread: the next unit of work
    # there (a test's app context, an error page whose before_request chain stopped
    # early) would start with the previous request's mode.
    @app.teardown_request
    def _unmark_write_requests(exc: BaseException | None) -> None:
        from flask import g

        token = g.pop("_wadconf_write_token", None)
        if token is not None:
            _begin_immediate.reset(token)
