"""The few statements of a scan, run straight on the session's DBAPI connection.

Measured on this machine (cProfile, Flask test client): building each Core statement,
computing its cache key and processing its result cost SQLAlchemy about 0.4 ms per
statement, so a scan of five statements spent three times a whole bare Flask request
inside SQLAlchemy before SQLite did any work. The scan path is the one place where
that matters (a gate, 50 lanes, a morning), so its statements are plain SQL written
once, parameters converted once per dialect, run on the session's own connection:
same transaction (``BEGIN IMMEDIATE`` on SQLite), same commit. Everything else
stays ORM and Core.

Only what both SQLite and PostgreSQL understand is used (``ON CONFLICT ... DO
NOTHING``, ``RETURNING``); the differences are confined to parameters and datetimes.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from wadconf.extensions import db

#: A Connection to use instead of the session's (the scan API's fast path manages its own).
connection_in_use: ContextVar[Any] = ContextVar("wadconf_scan_connection", default=None)
_NAMED = re.compile(r"(?<!:):(\w+)")
_converted: dict[tuple[str, str], str] = {}


class Statements:
    """The session's DBAPI connection for one unit of work: one cursor, many statements.

    Open it inside the transaction that will be committed; do not keep it past the
    commit (the connection goes back to the pool).
    """

    def __init__(self) -> None:
        # The session's connection begins the transaction (BEGIN IMMEDIATE on a write).
        connection = connection_in_use.get()
        if connection is None:
            connection = db.session.connection()
        elif not connection.in_transaction():
            # Through SQLAlchemy, so that its "begin" event runs (BEGIN IMMEDIATE and
            # the writers' queue on SQLite) and commit() has something to commit.
            connection.begin()
        self.dialect = connection.dialect.name
        self._cursor = connection.connection.dbapi_connection.cursor()

    def _run(self, sql: str, params: dict[str, Any]):
        key = (self.dialect, sql)
        text = _converted.get(key)
        if text is None:
            # sqlite3 takes ``:name``; psycopg takes ``%(name)s``.
            if self.dialect == "sqlite":
                text = sql
            else:
                text = _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))
            _converted[key] = text
        if self.dialect == "sqlite":
            # SQLite keeps naive UTC text in SQLAlchemy's format (see UTCDateTime).
            params = {
                k: (
                    v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                    if isinstance(v, datetime)
                    else v
                )
                for k, v in params.items()
            }
        self._cursor.execute(text, params)
        return self._cursor

    def fetch_one(self, sql: str, params: dict[str, Any]) -> tuple | None:
        """The first row of ``sql`` (or None)."""
        rows = self._run(sql, params).fetchall()
        return rows[0] if rows else None

    def execute(self, sql: str, params: dict[str, Any]) -> int:
        """Run ``sql``; the number of rows it changed."""
        return self._run(sql, params).rowcount


def run_core(statement):
    """Execute a Core statement where the scan's statements run (the session, or the fast path's
    own connection): the rare look-ups of a scan must not open a second connection, which
    would wait for the first one's write lock."""
    connection = connection_in_use.get()
    if connection is None:
        return db.session.execute(statement)
    if not connection.in_transaction():
        connection.begin()
    return connection.execute(statement)


def fetch_one(sql: str, params: dict[str, Any]) -> tuple | None:
    """The first row of ``sql`` on the session's connection (one-off statements)."""
    return Statements().fetch_one(sql, params)


def execute(sql: str, params: dict[str, Any]) -> int:
    """Run ``sql`` on the session's connection; the number of rows it changed."""
    return Statements().execute(sql, params)


def as_datetime(value: Any) -> datetime | None:
    """A stored datetime as an aware UTC datetime (SQLite gives text, PostgreSQL aware values)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
