"""Fixtures: ``app`` (once per database backend), ``client``, ``runner``, ``auth`` and factories.

The suite runs on SQLite; when ``WADCONF_TEST_DATABASE_URL`` names a PostgreSQL
database, every test that uses ``app`` runs on it as well.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests import factories
from wadconf import create_app
from wadconf.extensions import db, limiter

PG_URL = os.environ.get("WADCONF_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def normalise_pg_url(url: str) -> str:
    """``postgresql://`` -> ``postgresql+psycopg://`` (psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory) -> dict[str, str]:
    """One database per backend for the whole run."""
    urls = {"sqlite": "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")}
    if PG_URL:
        urls["postgresql"] = normalise_pg_url(PG_URL)
    return urls


_schema_ready: set[str] = set()


def build_app(url: str, instance: Path, **overrides) -> Flask:
    """A test app on ``url`` with its schema created (once per URL per run)."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            **overrides,
        }
    )
    with app.app_context():
        if url not in _schema_ready:
            db.drop_all()
            db.create_all()
            _schema_ready.add(url)
    return app


def wipe(app: Flask) -> None:
    """Empty every table, keeping the schema."""
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            # DELETE, children first, on both backends: on small tables it is many times
            # faster than PostgreSQL's TRUNCATE, which replaces every table's files.
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database backend this test runs on."""
    return request.param


@pytest.fixture
def app(backend, database_urls, tmp_path) -> Iterator[Flask]:
    """The application on an empty database of ``backend``; no app context is left pushed."""
    application = build_app(database_urls[backend], tmp_path / "instance")
    wipe(application)
    limiter.reset()
    yield application
    wipe(application)


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``app``'s commands."""
    return app.test_cli_runner()


class AuthActions:
    """Log the test client in and out."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = factories.PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    """Login helper bound to ``client``."""
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    """``make_user(role="organizer", email=None, password=PASSWORD)`` -> a committed StaffUser."""
    return factories.user_factory(app)


@pytest.fixture
def make_event(app):
    """``make_event(slug=None, **fields)`` -> a committed Event."""
    return factories.event_factory(app)


@pytest.fixture
def make_invitation(app):
    """``make_invitation(event, seats=1, category="government", **fields)`` -> an Invitation."""
    return factories.invitation_factory(app)


@pytest.fixture
def make_registration(app):
    """``make_registration(event, invitation=None, category=..., **fields)`` -> a Registration."""
    return factories.registration_factory(app)
