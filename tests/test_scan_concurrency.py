"""50 gates scan one badge at the same instant, through gunicorn with 4 workers.

Exactly one scan is ``ok``, the other 49 ``already_checked_in``; one accepted entry and
50 logged scans; no 5xx. Runs on SQLite and, when ``WADCONF_TEST_DATABASE_URL`` names
PostgreSQL, on a scratch database next to it (``<name>_serve``, dropped afterwards).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tests.conftest import BACKENDS, PG_URL, normalise_pg_url
from tests.serving import read_until, serve, wait_for
from wadconf import create_app
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import CheckIn, Checkpoint, Registration, Scan, StaffUser
from wadconf.services import accounts, api_tokens, events

PARALLEL = 50


@contextmanager
def scratch_postgres():
    """A new PostgreSQL database beside the test one; its URL, dropped afterwards."""
    import psycopg

    url = make_url(normalise_pg_url(PG_URL))
    name = f"{url.database}_serve"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def served(request, tmp_path):
    """``wadconf serve --workers 4`` on an empty database; yields (port, database URL)."""
    instance = tmp_path / "instance"
    with scratch_postgres() if request.param == "postgresql" else _sqlite(instance) as url:
        env = {"DATABASE_URL": url} if request.param == "postgresql" else {}
        with serve(instance, "--workers", "4", "--no-demo", **env) as (proc, port):
            read_until(proc, r"wadconf is starting")
            wait_for(f"http://127.0.0.1:{port}/healthz")
            yield port, url, instance


@contextmanager
def _sqlite(instance):
    yield "sqlite:///" + str(instance / "wadconf.sqlite3")


def seed(url: str, instance) -> tuple[int, str, str, object]:
    """An event, a checkpoint, one confirmed delegate and a gate token in the served database."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)})
    with app.app_context(), write_intent():
        event = events.create_event(
            events.EventData(
                slug="race",
                name_zh="并发",
                name_en="Race",
                starts_on=date(2025, 6, 5),
                ends_on=date(2025, 6, 5),
            )
        )
        checkpoint = Checkpoint(event_id=event.id, code="main", name_en="Main")
        registration = Registration(event_id=event.id, name_en="One Badge")
        user = accounts.create_user("gate@example.org", role="checkin", password="x" * 16)
        db.session.add_all([checkpoint, registration])
        db.session.flush()
        _row, token = api_tokens.create_token(db.session.get(StaffUser, user.id), name="race")
        db.session.commit()
        return checkpoint.id, registration.badge_code, token, app


def scan_all(port: int, body: dict, token: str) -> list:
    barrier = threading.Barrier(PARALLEL)
    results: list = [None] * PARALLEL

    def send(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            payload = json.dumps({**body, "device": f"gate {index}"})
            barrier.wait(timeout=30)
            conn.request(
                "POST",
                "/api/v1/scans",
                body=payload,
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            response = conn.getresponse()
            results[index] = (response.status, json.loads(response.read() or b"{}"))
        except BaseException as exc:  # reported below, not lost in the thread
            results[index] = exc
        finally:
            conn.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def test_fifty_parallel_scans_of_one_badge_admit_once(served):
    port, url, instance = served
    checkpoint_id, code, token, app = seed(url, instance)
    results = scan_all(port, {"checkpoint": checkpoint_id, "code": code}, token)
    statuses = Counter(status for status, _body in results)
    verdicts = Counter(body.get("result") for _status, body in results)
    assert not [s for s in statuses if s >= 500], statuses
    assert verdicts == {"ok": 1, "already_checked_in": PARALLEL - 1}, (verdicts, statuses)
    assert statuses == {201: 1, 409: PARALLEL - 1}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
        assert db.session.scalar(select(func.count()).select_from(Scan)) == PARALLEL
        db.session.remove()
        db.engine.dispose()
