"""Database plumbing: SQLite pragmas, when write transactions take the lock, UTC datetimes.

The multi-process test is the one that matters most: many workers racing to do a
look-up-then-insert on one key must write exactly one row, on SQLite through
``BEGIN IMMEDIATE`` and on PostgreSQL through a row lock.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import statistics
import time
from contextlib import nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from tests.test_migrations import scratch_postgres_database
from wadconf import create_app
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event

PG_URL = os.environ.get("WADCONF_TEST_DATABASE_URL", "").strip()
RACE_ACTION = "test.once"
RACE_WORKERS = 16


# --- helpers -----------------------------------------------------------------------------


def sqlite_app(tmp_path: Path, **config) -> Flask:
    """An app on a fresh SQLite file with the schema created; ``config`` as given to create_app."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "db.sqlite3"),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        **config,
    }
    app = create_app(settings)
    with app.app_context():
        db.create_all()
    return app


def sqlite_path(app: Flask) -> str:
    """The file behind an app's SQLite URL."""
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def pragma(name: str):
    """The value of ``PRAGMA name`` on the current session's connection."""
    return db.session.execute(text(f"PRAGMA {name}")).scalar()


def another_writer_is_locked_out(path: str) -> bool:
    """Whether a second connection that will not wait is refused ``BEGIN IMMEDIATE``."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


def in_transaction() -> bool:
    """Whether the session's SQLite connection has a transaction open."""
    return db.session.connection().connection.dbapi_connection.in_transaction


def add_race_event() -> int:
    """Create the event the racers lock; return its id."""
    with write_intent():
        event = Event(
            slug="race",
            name_zh="竞争",
            name_en="Race",
            starts_on=date(2025, 6, 5),
            ends_on=date(2025, 6, 5),
        )
        db.session.add(event)
        db.session.commit()
        return event.id


def record_once(event_id: int, *, pause: float = 0.0) -> bool:
    """Look up, then insert: add the ``test.once`` entry for ``event_id`` unless it exists.

    Returns whether this call inserted it. ``pause`` widens the window between the
    look-up and the insert, so that without a lock every racer would see "none yet".
    """
    # A row lock on PostgreSQL; SQLite ignores FOR UPDATE (BEGIN IMMEDIATE does that job).
    db.session.execute(select(Event.id).where(Event.id == event_id).with_for_update()).one()
    seen = db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.event_id == event_id, AuditEntry.action == RACE_ACTION
        )
    )
    if pause:
        time.sleep(pause)
    if seen is None:
        db.session.add(
            AuditEntry(
                action=RACE_ACTION,
                event_id=event_id,
                object_type="Event",
                object_id=str(event_id),
                actor_label="race",
            )
        )
    db.session.commit()
    return seen is None


def race_worker(
    url: str,
    instance: str,
    event_id: int,
    barrier,
    results,
    *,
    use_write_intent: bool = True,
    pause: float = 0.0,
) -> None:
    """One racer (module level, so that ``spawn`` can import it): connect, wait, record once.

    Puts ``("ok", inserted, seconds)`` or ``("error", message, seconds)`` on ``results``.
    """
    # A longer busy_timeout than the default 5 s: this test is about correctness, and a
    # loaded CI machine must not turn a slow queue into "database is locked".
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": instance,
            "SQLITE_BUSY_TIMEOUT_MS": 30000,
        }
    )
    with app.app_context():
        db.session.execute(select(1))  # open the connection before the start signal
        db.session.rollback()
        barrier.wait(timeout=120)
        started = time.perf_counter()
        try:
            with write_intent() if use_write_intent else nullcontext():
                inserted = record_once(event_id, pause=pause)
        except Exception as exc:  # the parent reports it
            db.session.rollback()
            results.put(
                (
                    "error",
                    f"{type(exc).__name__}: {exc}".splitlines()[0],
                    time.perf_counter() - started,
                )
            )
        else:
            results.put(("ok", inserted, time.perf_counter() - started))
        db.engine.dispose()


def run_race(
    url: str,
    instance: str,
    event_id: int,
    *,
    workers: int,
    use_write_intent: bool = True,
    pause: float = 0.0,
) -> list[tuple]:
    """Start ``workers`` spawned processes released together; return their results."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=race_worker,
            args=(url, instance, event_id, barrier, results),
            kwargs={"use_write_intent": use_write_intent, "pause": pause},
        )
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    try:
        collected = [results.get(timeout=180) for _ in procs]
    except Exception:
        for proc in procs:
            proc.kill()
        raise
    finally:
        for proc in procs:
            proc.join(timeout=30)
    return collected


def count_race_rows(event_id: int) -> int:
    """How many ``test.once`` entries exist for ``event_id``."""
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.event_id == event_id, AuditEntry.action == RACE_ACTION
        )
    )


# --- SQLite connection settings ----------------------------------------------------------


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    app = sqlite_app(tmp_path)
    with app.app_context():
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 5000


def test_sqlite_busy_timeout_follows_config(tmp_path):
    app = sqlite_app(tmp_path, SQLITE_BUSY_TIMEOUT_MS=1234)
    with app.app_context():
        assert pragma("busy_timeout") == 1234


def test_sqlite_synchronous_defaults_to_full(tmp_path):
    app = sqlite_app(tmp_path)
    assert app.config["SQLITE_SYNCHRONOUS"] == "FULL"
    with app.app_context():
        assert pragma("synchronous") == 2


def test_sqlite_synchronous_is_normal_under_test_config(tmp_path):
    app = sqlite_app(tmp_path, TESTING=True)
    with app.app_context():
        assert pragma("synchronous") == 1


@pytest.mark.parametrize(("setting", "expected"), [("full", 2), ("NORMAL", 1), ("OFF", 0)])
def test_sqlite_synchronous_follows_config(tmp_path, setting, expected):
    app = sqlite_app(tmp_path, SQLITE_SYNCHRONOUS=setting)
    with app.app_context():
        assert pragma("synchronous") == expected


def test_unknown_sqlite_synchronous_is_refused(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "db.sqlite3"),
            "INSTANCE_PATH": str(tmp_path),
            "SQLITE_SYNCHRONOUS": "SOMETIMES",
        }
    )
    with app.app_context(), pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        db.session.execute(select(1))


def test_foreign_keys_are_enforced_on_sqlite(tmp_path):
    app = sqlite_app(tmp_path, TESTING=True)
    with app.app_context(), write_intent():
        db.session.add(AuditEntry(action="x", event_id=999))
        with pytest.raises(Exception, match="FOREIGN KEY"):
            db.session.commit()


# --- when the write lock is taken --------------------------------------------------------


def test_a_read_outside_write_intent_leaves_the_write_lock_free(tmp_path):
    app = sqlite_app(tmp_path, TESTING=True)
    with app.app_context():
        db.session.scalar(select(Event.id))
        assert in_transaction()  # a deferred transaction is open...
        assert not another_writer_is_locked_out(sqlite_path(app))  # ...and holds no write lock
        db.session.rollback()


def test_write_intent_takes_the_write_lock_before_the_first_read(tmp_path):
    app = sqlite_app(tmp_path, TESTING=True)
    with app.app_context(), write_intent():
        db.session.scalar(select(Event.id))
        assert another_writer_is_locked_out(sqlite_path(app))
        db.session.rollback()
        assert not another_writer_is_locked_out(sqlite_path(app))


def _probe_app(tmp_path: Path) -> Flask:
    """An app with a route that reads once, then reports whether other writers are locked out."""
    app = sqlite_app(tmp_path, TESTING=True)
    path = sqlite_path(app)

    def probe():
        db.session.scalar(select(Event.id))
        return {"locked_out": another_writer_is_locked_out(path)}

    app.add_url_rule("/_probe", "probe", probe, methods=["GET", "POST", "DELETE"])
    return app


def test_get_request_starts_a_deferred_transaction(tmp_path):
    client = _probe_app(tmp_path).test_client()
    assert client.get("/_probe").get_json() == {"locked_out": False}


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_unsafe_request_starts_with_begin_immediate(tmp_path, method):
    client = _probe_app(tmp_path).test_client()
    assert client.open("/_probe", method=method).get_json() == {"locked_out": True}


def test_get_after_post_is_deferred_again(tmp_path):
    client = _probe_app(tmp_path).test_client()
    client.post("/_probe")
    assert client.get("/_probe").get_json() == {"locked_out": False}


def test_write_mode_of_a_request_does_not_outlive_it(tmp_path):
    app = _probe_app(tmp_path)
    app.test_client().post("/_probe")
    with app.app_context():
        db.session.scalar(select(Event.id))
        assert not another_writer_is_locked_out(sqlite_path(app))
        db.session.rollback()


# --- many processes, one key -------------------------------------------------------------


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def race_database(request, tmp_path):
    """``(url, instance)`` of a fresh database with the schema, for the racers."""
    instance = str(tmp_path / "instance")
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "race.sqlite3"), instance
    else:
        with scratch_postgres_database(PG_URL, prefix="wadconf_race") as url:
            yield url, instance


def test_concurrent_look_up_then_insert_writes_one_row(race_database):
    url, instance = race_database
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
    with app.app_context():
        db.create_all()
        event_id = add_race_event()

    started = time.perf_counter()
    results = run_race(url, instance, event_id, workers=RACE_WORKERS, pause=0.005)
    wall = time.perf_counter() - started

    with app.app_context():
        rows = count_race_rows(event_id)
        db.engine.dispose()
    errors = [r[1] for r in results if r[0] == "error"]
    inserted = [r for r in results if r[0] == "ok" and r[1]]
    seconds = sorted(r[2] for r in results)
    print(
        f"\n{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: {RACE_WORKERS} processes, "
        f"{rows} row(s), {len(errors)} error(s); after the start signal: "
        f"median {statistics.median(seconds) * 1000:.0f} ms, "
        f"slowest {seconds[-1] * 1000:.0f} ms; wall incl. spawning {wall:.1f} s"
    )
    assert errors == []
    assert rows == 1
    assert len(inserted) == 1


# --- UTC datetimes -----------------------------------------------------------------------


def test_naive_datetime_is_refused(app, make_event):
    event = make_event()
    with app.app_context(), write_intent():
        stored = db.session.get(Event, event.id)
        stored.registration_opens_at = datetime(2025, 5, 1, 9, 0)
        with pytest.raises(StatementError, match="naive datetime"):
            db.session.commit()
        db.session.rollback()


def test_aware_datetime_comes_back_equal_in_utc(app, make_event):
    shanghai_nine = datetime(2025, 5, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = make_event(registration_opens_at=shanghai_nine)
    with app.app_context():
        loaded = db.session.scalar(select(Event).where(Event.id == event.id))
        assert loaded.registration_opens_at == shanghai_nine
        assert loaded.registration_opens_at.tzinfo == UTC
        assert loaded.registration_opens_at.hour == 1
        found = db.session.scalar(
            select(Event.id).where(Event.registration_opens_at == shanghai_nine)
        )
        assert found == event.id
