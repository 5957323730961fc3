"""The command line: ``flask --app wadconf ...`` and the ``wadconf`` console script."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from flask import Flask
from flask.cli import FlaskGroup
from flask_babel import gettext
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, normalise_pg_url
from tests.factories import PASSWORD
from wadconf import cli, create_app
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Event, ProgrammePart, Role, Room, StaffUser
from wadconf.services import DomainError, accounts
from wadconf.services.events import EventData, create_event

NEW_PASSWORD = "longpassword123"


def _user(app: Flask, email: str) -> StaffUser | None:
    with app.app_context():
        user = accounts.get_by_email(email)
        if user is not None:
            db.session.expunge(user)
        return user


def _authenticates(app: Flask, email: str, password: str) -> bool:
    with app.app_context(), write_intent():
        try:
            accounts.authenticate(email, password)
        except DomainError:
            return False
        finally:
            db.session.rollback()
        return True


def _message(app: Flask, text: str, **params) -> str:
    """``text`` as the commands print it (in the configured default language)."""
    with app.app_context():
        return gettext(text, **params)


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Event, Room, ProgrammePart)
        }


# users ---------------------------------------------------------------------------------


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["users", "create", "X@example.org", "--role", "organizer", "--name", "Xu Ming"],
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "created x@example.org (organizer)" in result.output
    user = _user(app, "x@example.org")
    assert user.role == Role.ORGANIZER
    assert user.display_name == "Xu Ming"
    assert _authenticates(app, "x@example.org", NEW_PASSWORD)


def test_users_create_refuses_a_missing_password(app, runner):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "organizer"], input=""
    )
    assert result.exit_code != 0
    assert "no password on standard input" in result.output
    assert _user(app, "x@example.org") is None


def test_users_create_refuses_an_empty_password_line(app, runner):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "organizer"], input="\n"
    )
    assert result.exit_code != 0
    assert _user(app, "x@example.org") is None


def test_users_create_has_no_password_option(app, runner):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "organizer", "--password", NEW_PASSWORD]
    )
    assert result.exit_code == 2
    assert "No such option" in result.output
    assert _user(app, "x@example.org") is None


def test_users_create_reports_a_rule_and_saves_nothing(app, runner):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "organizer"], input="short\n"
    )
    assert result.exit_code == 1
    assert _message(app, "The password must have at least %(n)d characters.", n=10) in result.output
    assert _user(app, "x@example.org") is None


def test_users_create_refuses_a_taken_email(app, runner, make_user):
    make_user(email="x@example.org")
    result = runner.invoke(
        args=["users", "create", "X@example.org", "--role", "admin"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 1
    assert _message(app, "An account with this e-mail address already exists.") in result.output
    assert _user(app, "x@example.org").role == Role.ORGANIZER


def test_users_create_refuses_an_unknown_role(runner):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "root"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 2


def test_users_list_shows_accounts(runner, make_user):
    make_user(role="admin", email="chief@example.org")
    make_user(role="checkin", email="gate@example.org")
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any("chief@example.org" in line and "admin" in line for line in lines)
    assert any("gate@example.org" in line and "checkin" in line for line in lines)


def test_users_list_marks_disabled_accounts(app, runner, make_user):
    user = make_user(email="gone@example.org")
    with app.app_context(), write_intent():
        accounts.set_active(db.session.get(StaffUser, user.id), False)
        db.session.commit()
    assert "(disabled)" in runner.invoke(args=["users", "list"]).output


def test_users_reset_password_sets_the_new_password(app, runner, make_user):
    make_user(email="forgetful@example.org")
    result = runner.invoke(
        args=["users", "reset-password", "forgetful@example.org"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert _authenticates(app, "forgetful@example.org", NEW_PASSWORD)
    assert not _authenticates(app, "forgetful@example.org", PASSWORD)


def test_users_reset_password_of_an_unknown_account_fails(runner):
    result = runner.invoke(
        args=["users", "reset-password", "nobody@example.org"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 1
    assert "no account nobody@example.org" in result.output


def test_users_set_role_changes_the_role(app, runner, make_user):
    make_user(role="checkin", email="gate@example.org")
    result = runner.invoke(args=["users", "set-role", "gate@example.org", "organizer"])
    assert result.exit_code == 0, result.output
    assert _user(app, "gate@example.org").role == Role.ORGANIZER


def test_users_set_role_keeps_the_last_admin(app, runner, make_user):
    make_user(role="admin", email="chief@example.org")
    result = runner.invoke(args=["users", "set-role", "chief@example.org", "checkin"])
    assert result.exit_code == 1
    assert _message(app, "The last administrator cannot lose that role.") in result.output
    assert _user(app, "chief@example.org").role == Role.ADMIN


def test_users_disable_ends_the_account(app, runner, make_user):
    made = make_user(email="gone@example.org")
    result = runner.invoke(args=["users", "disable", "gone@example.org"])
    assert result.exit_code == 0, result.output
    user = _user(app, "gone@example.org")
    assert user.is_active_account is False
    assert user.session_token != made.session_token


# demo and events -----------------------------------------------------------------------


def test_demo_is_idempotent(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "demo event wad2024: loaded" in first.output
    counts = _counts(app)
    assert counts["Event"] == 1 and counts["Room"] == 5
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "already present" in second.output
    assert _counts(app) == counts


def test_events_list_marks_the_current_one(runner, make_event):
    make_event(slug="first", name_en="First edition")
    make_event(slug="second", name_en="Second edition")
    lines = runner.invoke(args=["events", "list"]).output.splitlines()
    assert any(line.startswith("* first") for line in lines)
    assert any(line.startswith("  second") for line in lines)


def test_events_make_current_switches(app, runner, make_event):
    make_event(slug="first")
    make_event(slug="second")
    result = runner.invoke(args=["events", "make-current", "--event", "second"])
    assert result.exit_code == 0, result.output
    lines = runner.invoke(args=["events", "list"]).output.splitlines()
    assert any(line.startswith("* second") for line in lines)
    assert any(line.startswith("  first") for line in lines)


def test_events_make_current_of_an_unknown_event_fails(app, runner, make_event):
    make_event(slug="first")
    result = runner.invoke(args=["events", "make-current", "--event", "nothing"])
    assert result.exit_code == 1
    assert _message(app, "No event has the short name %(slug)s.", slug="nothing") in result.output


def test_events_show_describes_the_current_event(runner):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["events", "show"])
    assert result.exit_code == 0
    assert result.output.startswith("wad2024: ")
    assert "rooms: 5, programme parts: 12" in result.output


def test_events_show_of_an_unknown_event_fails_with_the_message(app, runner, make_event):
    make_event(slug="wad2025")
    result = runner.invoke(args=["events", "show", "--event", "unknown"])
    assert result.exit_code == 1
    assert _message(app, "No event has the short name %(slug)s.", slug="unknown") in result.output


def test_events_show_without_any_event_fails(app, runner):
    result = runner.invoke(args=["events", "show"])
    assert result.exit_code == 1
    assert _message(app, "There is no current event; name one with --event.") in result.output


# the console script --------------------------------------------------------------------


def test_console_script_points_at_cli_main():
    (script,) = entry_points(group="console_scripts", name="wadconf")
    assert script.value == "wadconf.cli:main"


def test_main_runs_a_flask_group_with_the_app_factory(monkeypatch):
    seen = {}

    def fake_call(self, *args, **kwargs):
        seen["group"] = self

    monkeypatch.setattr(FlaskGroup, "__call__", fake_call)
    cli.main()
    assert isinstance(seen["group"], FlaskGroup)
    assert seen["group"].create_app is create_app


def _script_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WADCONF_", "FLASK_")) and k not in {"DATABASE_URL", "SECRET_KEY"}
    }
    env["WADCONF_INSTANCE_PATH"] = str(tmp_path / "instance")
    return env


def _wadconf_script() -> str:
    return str(Path(sys.executable).with_name("wadconf"))


def test_console_script_lists_the_commands(tmp_path):
    result = subprocess.run(
        [_wadconf_script(), "--help"],
        env=_script_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    commands = {
        line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()
    }
    assert {"users", "events", "demo", "serve", "db"} <= commands


def test_console_script_users_group_has_its_subcommands(tmp_path):
    result = subprocess.run(
        [_wadconf_script(), "users", "--help"],
        env=_script_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in ("create", "list", "reset-password", "set-role", "disable"):
        assert name in result.stdout


# serve preparation -----------------------------------------------------------------------


@contextmanager
def _empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a new SQLite file, or a throwaway PostgreSQL database."""
    if backend == "sqlite":
        yield "sqlite:///" + str(tmp_path / "prepare.sqlite3")
        return
    import psycopg
    from psycopg import sql

    url = make_url(normalise_pg_url(PG_URL))
    name = "wadconf_prepare_" + secrets.token_hex(4)
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def fresh_app(request, tmp_path) -> Iterator[Flask]:
    """An app on an empty database with no tables: ``prepare()`` must build them."""
    with _empty_database(request.param, tmp_path) as url:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": str(tmp_path / "instance"),
            }
        )
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_prepare_builds_the_schema_loads_the_demo_and_creates_an_admin(fresh_app):
    with fresh_app.app_context():
        assert inspect(db.engine).get_table_names() == []
        email, password = cli.prepare(demo=True)
        assert "alembic_version" in inspect(db.engine).get_table_names()
        assert db.session.scalar(select(Event.slug)) == "wad2024"
        admin = accounts.get_by_email(email)
        assert admin.role == Role.ADMIN
    assert email == "admin@example.org"
    assert password and len(password) >= 10
    assert _authenticates(fresh_app, email, password)


def test_second_prepare_creates_no_second_admin_and_returns_no_password(fresh_app):
    with fresh_app.app_context():
        cli.prepare(demo=True)
    with fresh_app.app_context():
        assert cli.prepare(demo=True) == ("", None)
        # The demo's reporting bodies have reporter accounts; administrators: one.
        admins = select(func.count()).select_from(StaffUser).where(StaffUser.role == "admin")
        assert db.session.scalar(admins) == 1
        assert db.session.scalar(select(func.count()).select_from(Event)) == 1


def test_prepare_without_demo_leaves_the_database_without_events(fresh_app):
    with fresh_app.app_context():
        email, password = cli.prepare(demo=False)
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0
    assert email == "admin@example.org" and password


def test_prepare_does_not_load_the_demo_beside_existing_events(fresh_app):
    with fresh_app.app_context():
        cli.prepare(demo=False)
    with fresh_app.app_context(), write_intent():
        create_event(
            EventData(
                slug="wad2025",
                name_zh="大会",
                name_en="Conference",
                starts_on=date(2025, 6, 5),
                ends_on=date(2025, 6, 5),
            )
        )
        db.session.commit()
    with fresh_app.app_context():
        cli.prepare(demo=True)
        assert db.session.scalars(select(Event.slug)).all() == ["wad2025"]


def test_serve_prints_the_admin_password_once_and_starts_the_server(fresh_app, monkeypatch):
    started = []
    monkeypatch.setattr(cli, "_run_gunicorn", lambda app, **kw: started.append(("gunicorn", kw)))
    monkeypatch.setattr(Flask, "run", lambda self, **kw: started.append(("dev", kw)))
    runner = fresh_app.test_cli_runner()
    first = runner.invoke(args=["serve", "--port", "8123"])
    assert first.exit_code == 0, first.output
    assert "admin@example.org with password:" in first.output
    assert "http://127.0.0.1:8123/" in first.output
    second = runner.invoke(args=["serve", "--dev", "--no-demo"])
    assert second.exit_code == 0, second.output
    assert "with password" not in second.output
    assert "log in with an existing account" in second.output
    expected_first = "dev" if sys.platform == "win32" else "gunicorn"
    assert [kind for kind, _ in started] == [expected_first, "dev"]
