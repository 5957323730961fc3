"""The Alembic migrations build exactly the schema the models declare, on every backend.

Each test gets an empty database of its own: a fresh SQLite file, or a throwaway
PostgreSQL database created next to ``WADCONF_TEST_DATABASE_URL`` and dropped
afterwards (the shared ``test`` database stays untouched).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from wadconf import create_app
from wadconf.extensions import db

PG_URL = os.environ.get("WADCONF_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

# migrations/env.py is Flask-Migrate's template, which still tries get_engine() first.
pytestmark = pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")


@contextmanager
def scratch_postgres_database(url: str, prefix: str = "wadconf_scratch") -> Iterator[str]:
    """Create an empty database on ``url``'s server; yield its SQLAlchemy URL; drop it after.

    The connecting role must be allowed to ``CREATE DATABASE``.
    """
    import psycopg
    from psycopg import sql

    server = make_url(url).set(drivername="postgresql")
    name = f"{prefix}_{secrets.token_hex(6)}"
    libpq_url = server.render_as_string(hide_password=False)
    with psycopg.connect(libpq_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(libpq_url, autocommit=True) as conn:
            # FORCE: a worker that died mid-test must not leave the database behind.
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def keep_root_logging() -> Iterator[None]:
    """Undo ``fileConfig`` in migrations/env.py, which replaces the root logger's handlers."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(params=BACKENDS)
def empty_app(request, tmp_path: Path, keep_root_logging) -> Iterator[Flask]:
    """An app on an empty database (no tables at all) of each backend."""
    instance = tmp_path / "instance"

    def build(url: str) -> Flask:
        return create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)}
        )

    if request.param == "sqlite":
        app = build("sqlite:///" + str(tmp_path / "migrations.sqlite3"))
        yield app
        with app.app_context():
            db.engine.dispose()
    else:
        with scratch_postgres_database(PG_URL, prefix="wadconf_mig") as url:
            app = build(url)
            yield app
            with app.app_context():
                db.engine.dispose()


def schema_differences() -> list:
    """What autogenerate would write to make the database match the models (empty = equal)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def current_revision() -> str | None:
    """The revision stamped in ``alembic_version``."""
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def script_directory() -> ScriptDirectory:
    """The migration scripts the app ships."""
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def test_upgrade_from_empty_builds_the_declared_schema(empty_app):
    with empty_app.app_context():
        assert inspect(db.engine).get_table_names() == []
        flask_migrate.upgrade()
        assert schema_differences() == []


def test_upgrade_stamps_the_head_revision(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        assert current_revision() == script_directory().get_current_head()


def test_downgrade_to_base_then_upgrade_again(empty_app):
    with empty_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        assert current_revision() is None
        flask_migrate.upgrade()
        assert schema_differences() == []


def test_migrations_have_a_single_head(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "unused.sqlite3"),
        }
    )
    with app.app_context():
        assert len(script_directory().get_heads()) == 1
