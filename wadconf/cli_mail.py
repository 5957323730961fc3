"""``wadconf mail ...``: run the outbox worker, send a test message, show the outbox's state."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import OutboxStatus
from wadconf.services import mail as mail_service


@click.group("mail")
def mail_group():
    """The mail outbox and its delivery worker."""


def _stop_on_signals(stop: threading.Event) -> dict[int, object]:
    """Set ``stop`` on SIGTERM and SIGINT (finish the message in hand, then exit)."""
    previous = {}
    if threading.current_thread() is not threading.main_thread():
        return previous  # signal handlers can only be installed from the main thread
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous


@mail_group.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option(
    "--interval",
    type=float,
    default=None,
    help="Seconds between looks at an empty outbox (default MAIL_POLL_SECONDS, 5).",
)
@click.option(
    "--exit-with-parent",
    is_flag=True,
    hidden=True,
    help="Stop when the process that started this one is gone (used by serve).",
)
@with_appcontext
def mail_run(once: bool, interval: float | None, exit_with_parent: bool):
    """Deliver queued messages with retries; runs until stopped (Ctrl-C, SIGTERM)."""
    from wadconf.mail_worker import run_worker

    if not logging.getLogger("wadconf").handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s mail %(levelname)s %(message)s")
    stop = threading.Event()
    previous = _stop_on_signals(stop)
    backend = current_app.config["MAIL_BACKEND"]
    if not once:
        click.echo(f"mail worker running (backend {backend}, pid {os.getpid()})")
    try:
        result = run_worker(
            once=once,
            interval=interval,
            stop=stop,
            parent_pid=os.getppid() if exit_with_parent else None,
        )
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo(f"sent {result.sent}, to retry {result.retrying}, failed {result.failed}")


@mail_group.command("send-test")
@click.argument("address")
@click.option(
    "--locale", type=click.Choice(["zh_Hans", "en", "both"]), default="both", show_default=True
)
@with_appcontext
def mail_send_test(address: str, locale: str):
    """Queue a test message to ADDRESS and deliver it now, showing the result."""
    from wadconf.mail_worker import run_worker
    from wadconf.services import DomainError
    from wadconf.services.accounts import normalise_email

    try:
        address = normalise_email(address)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    with write_intent():
        message = mail_service.queue_mail(
            address,
            template="test_message",
            locale=locale,
            kind="test",
            context={"backend": current_app.config["MAIL_BACKEND"]},
        )
        db.session.commit()
        message_id = message.id
    run_worker(once=True)
    message = mail_service.get_message(message_id)
    click.echo(
        f"message #{message.id}: {message.status.value}"
        + (f" ({message.last_error})" if message.last_error else "")
    )
    if message.status == OutboxStatus.FAILED:
        sys.exit(1)


@mail_group.command("status")
@with_appcontext
def mail_status():
    """Count the outbox's messages by status."""
    for status, count in mail_service.status_counts().items():
        click.echo(f"{status:8} {count}")


def start_worker_process() -> subprocess.Popen:
    """Start ``mail run`` beside the web server, as a child that dies with this process."""
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wadconf",
        "mail",
        "run",
        "--exit-with-parent",
    ]
    process = subprocess.Popen(command, env=dict(os.environ))
    process.owner_pid = os.getpid()  # type: ignore[attr-defined]
    return process


def stop_worker_process(process: subprocess.Popen, *, timeout: float = 15) -> None:
    """Ask the worker to finish its message and stop; kill it if it does not."""
    # gunicorn's forked web workers unwind through serve's ``finally`` when they exit; only
    # the process that started the mail worker may stop it.
    if getattr(process, "owner_pid", os.getpid()) != os.getpid():
        return
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
