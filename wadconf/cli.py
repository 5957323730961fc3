"""Command line: ``wadconf ...`` is the same as ``flask --app wadconf ...``."""

from __future__ import annotations

import contextvars
import functools
import secrets
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from sqlalchemy import func, select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Event, Role, StaffUser
from wadconf.services import DomainError, accounts
from wadconf.services import events as event_service

DEMO_ADMIN_EMAIL = "admin@example.org"


def writes(command):
    """Run the command as one write transaction (``BEGIN IMMEDIATE`` on SQLite), then commit."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        with write_intent():
            try:
                result = command(*args, **kwargs)
            except DomainError as exc:
                db.session.rollback()
                raise click.ClickException(str(exc.message)) from exc
            db.session.commit()
            return result

    return wrapped


def read_password(prompt: str = "Password") -> str:
    """From a hidden prompt on a terminal, else one line of standard input; never an argument."""
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line.strip():
        raise click.ClickException("no password on standard input")
    return line.rstrip("\r\n")


@click.group("users")
def users_group():
    """Staff accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", default="", help="Display name.")
@with_appcontext
@writes
def users_create(email: str, role: str, display_name: str):
    """Create a staff account; the password is prompted for or read from standard input."""
    user = accounts.create_user(
        email, role=role, password=read_password(), display_name=display_name
    )
    click.echo(f"created {user.email} ({user.role.value})")


@users_group.command("reset-password")
@click.argument("email")
@with_appcontext
@writes
def users_reset_password(email: str):
    """Set a new password (prompted for or read from standard input)."""
    user = accounts.get_by_email(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    accounts.set_password(user, read_password("New password"))
    click.echo(f"password changed for {user.email}")


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@with_appcontext
@writes
def users_set_role(email: str, role: str):
    """Change an account's role."""
    user = accounts.get_by_email(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    accounts.change_role(user, role)
    click.echo(f"{user.email} is now {role}")


@users_group.command("disable")
@click.argument("email")
@with_appcontext
@writes
def users_disable(email: str):
    """Stop an account from logging in and end its sessions."""
    user = accounts.get_by_email(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    accounts.set_active(user, False)
    click.echo(f"{user.email} disabled")


@users_group.command("list")
@with_appcontext
def users_list():
    """List staff accounts."""
    for user in accounts.list_users():
        state = "" if user.is_active_account else "  (disabled)"
        click.echo(f"{user.email:40} {user.role.value:10} {user.display_name}{state}")


@users_group.command("token")
@click.argument("email")
@click.option("--name", default="", help='What the token is for ("Gate 2 handheld").')
@with_appcontext
@writes
def users_token(email: str, name: str):
    """Create an API token for scanning devices; it is printed once, only its hash is kept."""
    from wadconf.services import api_tokens

    user = accounts.get_by_email(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    _row, token = api_tokens.create_token(user, name=name)
    click.echo(token)
    click.echo(f"(API token for {user.email}; shown once, store it now)", err=True)


@users_group.command("revoke-token")
@click.argument("email")
@click.argument("prefix", required=False)
@with_appcontext
@writes
def users_revoke_token(email: str, prefix: str | None):
    """Revoke the account's API token starting with PREFIX, or all of them without PREFIX."""
    from wadconf.services import api_tokens

    user = accounts.get_by_email(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    tokens = [
        t
        for t in api_tokens.tokens_of(user)
        if not t.is_revoked and (not prefix or t.token_prefix.startswith(prefix[:12]))
    ]
    if prefix and not tokens:
        raise click.ClickException(f"no active token of {user.email} starts with {prefix}")
    for token in tokens:
        api_tokens.revoke_token(token)
    click.echo(f"revoked {len(tokens)} token(s) of {user.email}")


@click.group("events")
def events_group():
    """Conference editions."""


@events_group.command("list")
@with_appcontext
def events_list():
    """List events; the current one is marked with *."""
    for event in event_service.list_events():
        mark = "*" if event.is_current else " "
        click.echo(f"{mark} {event.slug:16} {event.starts_on} {event.name_en or event.name_zh}")


@events_group.command("show")
@click.option("--event", "slug", help="Short name; default: the only or current event.")
@with_appcontext
def events_show(slug: str | None):
    """Show one event."""
    try:
        event = event_service.resolve_event(slug)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"{event.slug}: {event.name_zh} / {event.name_en}")
    click.echo(f"  {event.starts_on} - {event.ends_on} {event.timezone}  {event.venue_en}")
    click.echo(f"  rooms: {len(event.rooms)}, programme parts: {len(event.programme_parts)}")


@events_group.command("make-current")
@click.option("--event", "slug", required=True, help="Short name of the event.")
@with_appcontext
@writes
def events_make_current(slug: str):
    """Make an event the one used when none is named."""
    event_service.make_current(event_service.resolve_event(slug))
    click.echo(f"{slug} is now the current event")


@click.command("demo")
@with_appcontext
@writes
def demo_command():
    """Load the demo conference (idempotent)."""
    from wadconf.services.demo import load_demo

    event, added = load_demo()
    click.echo(f"demo event {event.slug}: {'loaded' if added else 'already present'}")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(target: str):
    """Copy the SQLite database to TARGET while wadconf keeps running (PostgreSQL: use pg_dump)."""
    import sqlite3

    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("backup copies SQLite databases; for PostgreSQL use pg_dump")
    source = sqlite3.connect(url.database)
    try:
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)  # consistent snapshot, safe beside running workers
        destination.close()
    finally:
        source.close()
    click.echo(f"backed up {url.database} to {target}")


def ensure_admin() -> tuple[str, str | None]:
    """Create the first administrator if there is none; returns its e-mail and new password."""
    count = db.session.scalar(
        select(func.count()).select_from(StaffUser).where(StaffUser.role == Role.ADMIN)
    )
    if count:
        return "", None
    password = secrets.token_urlsafe(12)
    user = accounts.create_user(
        DEMO_ADMIN_EMAIL, role=Role.ADMIN, password=password, display_name="Administrator"
    )
    return user.email, password


def prepare(*, demo: bool) -> tuple[str, str | None]:
    """Migrate, load the demo into an empty database, make sure an administrator exists."""
    from flask_migrate import upgrade

    upgrade()
    with write_intent():
        if demo and db.session.scalar(select(func.count()).select_from(Event)) == 0:
            from wadconf.services.demo import load_demo

            load_demo()
        email, password = ensure_admin()
        db.session.commit()
    return email, password


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option(
    "--demo/--no-demo",
    default=True,
    show_default=True,
    help="Load the demo conference into an empty database.",
)
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of gunicorn.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, workers: int, demo: bool, dev: bool):
    """Migrate, load the demo if empty, create an administrator, and serve."""
    app = ctx.ensure_object(ScriptInfo).load_app()
    # Prepare inside an app context, then serve outside it: a context left pushed here
    # would be shared by every request a worker handles.
    with app.app_context():
        email, password = prepare(demo=demo)
        database = db.engine.url.render_as_string(hide_password=True)
        db.session.remove()
        db.engine.dispose()  # workers open their own connections
    url = f"http://{host}:{port}/"
    click.echo("")
    click.echo(f"  wadconf is starting at {url}")
    click.echo(f"  database: {database}")
    if password:
        click.echo(f"  log in at {url}login as {email} with password: {password}")
        click.echo("  (shown once; change it with `wadconf users reset-password EMAIL`)")
    else:
        click.echo(
            "  log in with an existing account"
            " (`wadconf users list`, `wadconf users reset-password`)"
        )
    # The mail worker runs as its own process: an SMTP call must not tie up a web worker.
    from wadconf.cli_mail import start_worker_process, stop_worker_process

    mail_worker = start_worker_process()
    backend = app.config["MAIL_BACKEND"]
    click.echo(f"  mail worker started (pid {mail_worker.pid}, backend {backend})")
    click.echo("", nl=True)
    # FlaskGroup has pushed an app context around this command. Serve from an empty
    # contextvars context so that the workers forked from here do not inherit it: if they
    # did, every request would share one ``g`` (and Flask-Login's cached user in it).
    try:
        if dev or sys.platform == "win32":
            contextvars.Context().run(app.run, host=host, port=port, use_reloader=False)
        else:
            contextvars.Context().run(_run_gunicorn, app, host=host, port=port, workers=workers)
    finally:
        stop_worker_process(mail_worker)


def _run_gunicorn(app: Flask, *, host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "sync")
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)

        def load(self):
            return app

    Server().run()


def register_commands(app: Flask) -> None:
    """Attach the commands to ``app.cli`` (``flask --app wadconf`` sees the same)."""
    for command in (users_group, events_group, demo_command, serve_command, backup_command):
        app.cli.add_command(command)
    from wadconf.cli_invitations import invitations_group

    app.cli.add_command(invitations_group)
    from wadconf.cli_mail import mail_group

    app.cli.add_command(mail_group)
    from wadconf.cli_badges import badges_group

    app.cli.add_command(badges_group)
    from wadconf.cli_series_board import series_group

    app.cli.add_command(series_group)
    from wadconf.cli_lists import lists_group

    app.cli.add_command(lists_group)


def main() -> None:
    """Entry point of the ``wadconf`` console script."""
    from wadconf import create_app

    FlaskGroup(create_app=create_app, help="wadconf: run and operate the conference system.")()
