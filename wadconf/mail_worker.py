"""The mail worker: ``wadconf mail run`` claims due outbox messages, sends them, records outcomes.

Delivery is **at-least-once**. A pass claims due messages in a short write transaction (a
lease: ``attempts + 1``, ``next_attempt_at`` = end of the lease, a lease token), commits,
sends with no transaction open, and records each outcome in another short transaction. Two
workers never hold the same message. If a worker dies after the server accepted a message and
before recording it, the lease runs out and the message is sent once more; its ``Message-ID``
is stable (:func:`wadconf.mailer.message_id_for`) so the repeat is recognisable downstream.

Why no transaction around the SMTP call: SQLite has one write lock for the whole database and
check-in scans need it; a slow or hanging mail server must never hold it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.mailer import Backend, DeliveryError, build_email, get_backend
from wadconf.models import OutboxMessage, OutboxStatus
from wadconf.services import mail as mail_service

log = logging.getLogger("wadconf.mail_worker")

#: Settings read with these defaults (set them in instance/config.py or as WADCONF_...):
#: how long a claim keeps other workers away, how many messages one claim takes, the first
#: retry delay (doubled after each failure, at most 6 hours), and the idle polling interval.
WORKER_DEFAULTS = {
    "MAIL_LEASE_SECONDS": 300,
    "MAIL_BATCH_SIZE": 20,
    "MAIL_RETRY_SECONDS": 60,
    "MAIL_POLL_SECONDS": 5,
}


def setting(name: str) -> float:
    """A worker setting from the app config, else its default in :data:`WORKER_DEFAULTS`."""
    value = current_app.config.get(name)
    return float(value if value not in (None, "") else WORKER_DEFAULTS[name])


@dataclass
class RunResult:
    """What one or more passes did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: Claimed but given back untried (stopping, or the lease running short).
    released: int = 0
    #: Outcomes not recorded because another worker had taken the lease over.
    lost: int = 0

    def add(self, other: RunResult) -> None:
        """Add ``other``'s counts to these."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _short_write(fn, /, *args, **kwargs):
    """Run ``fn`` as its own write transaction (``BEGIN IMMEDIATE`` on SQLite) and commit."""
    db.session.rollback()  # a read transaction left open would make this one a deferred BEGIN
    with write_intent():
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return result


Job = tuple[int, EmailMessage | None, DeliveryError | None]


def _load_emails(ids: list[int], now: datetime) -> list[Job]:
    """Build the MIME messages of the claimed rows (a read, outside any write transaction)."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .options(selectinload(OutboxMessage.attachments))
        .order_by(OutboxMessage.id)
    ).all()
    jobs = []
    for row in rows:
        try:
            jobs.append((row.id, build_email(row, now=now), None))
        except DeliveryError as exc:
            jobs.append((row.id, None, exc))
    db.session.rollback()  # end the read before the network: WAL checkpoints wait for readers
    return jobs


def run_once(
    *, now: datetime | None = None, backend: Backend | None = None, should_stop=lambda: False
) -> RunResult:
    """Claim one batch of due messages, send them, record each outcome. Needs an app context.

    ``now`` fixes the clock (tests use it to step past a backoff); ``should_stop`` is asked
    before each message, and what is left is released for the next pass or worker.
    """
    clock = (lambda: now) if now is not None else utcnow
    lease = timedelta(seconds=setting("MAIL_LEASE_SECONDS"))
    token, ids = _short_write(
        mail_service.claim_due, now=clock(), limit=int(setting("MAIL_BATCH_SIZE")), lease=lease
    )
    result = RunResult(claimed=len(ids))
    if not ids:
        return result
    # Stop starting new sends well before the lease ends, so another worker never takes over
    # a message this one may still be sending.
    timeout = float(current_app.config["MAIL_TIMEOUT"])
    deadline = time.monotonic() + lease.total_seconds() - 3 * timeout
    jobs = _load_emails(ids, clock())
    backend = backend or get_backend()
    max_attempts = int(current_app.config["MAIL_MAX_ATTEMPTS"])
    try:
        for index, (message_id, email, error) in enumerate(jobs):
            # The first message always goes, so a lease set too short cannot stall the outbox.
            if should_stop() or (index and time.monotonic() > deadline):
                for rest_id, _email, _error in jobs[index:]:
                    result.released += bool(
                        _short_write(mail_service.release, rest_id, token, now=clock())
                    )
                break
            if error is None:
                try:
                    backend.send(email)
                except DeliveryError as exc:
                    error = exc
                except Exception as exc:  # a bug must not leave the message leased forever
                    log.exception("unexpected error sending outbox message %s", message_id)
                    error = DeliveryError(repr(exc), permanent=False)
            if error is None:
                if _short_write(mail_service.record_sent, message_id, token, now=clock()):
                    result.sent += 1
                    log.info("sent outbox message %s", message_id)
                else:
                    result.lost += 1
                continue
            row = _short_write(
                mail_service.record_error,
                message_id,
                token,
                now=clock(),
                error=str(error),
                permanent=error.permanent,
                max_attempts=max_attempts,
                backoff_base_seconds=setting("MAIL_RETRY_SECONDS"),
            )
            if row is None:
                result.lost += 1
            elif row.status == OutboxStatus.FAILED:
                result.failed += 1
                log.warning("outbox message %s failed: %s", message_id, error)
            else:
                result.retrying += 1
                log.info("outbox message %s will be retried: %s", message_id, error)
    finally:
        backend.close()
    return result


def run_worker(
    *, once: bool = False, interval: float | None = None, stop=None, parent_pid: int | None = None
) -> RunResult:
    """Deliver due messages until ``stop`` is set (or, with ``once``, until none is due).

    ``stop`` is a :class:`threading.Event` (set by signal handlers). With ``parent_pid`` the
    loop also ends when that process is gone, so a worker started by ``serve`` never outlives
    it even if ``serve`` is killed without a chance to stop it.
    """
    stop = stop if stop is not None else threading.Event()
    interval = setting("MAIL_POLL_SECONDS") if interval is None else interval
    total = RunResult()
    while not stop.is_set():
        try:
            result = run_once(should_stop=stop.is_set)
        except Exception:
            if once:
                raise
            # The database may be restarting or locked for long: log, wait, try again.
            log.exception("mail worker pass failed")
            result = RunResult()
        finally:
            db.session.remove()
        total.add(result)
        if result.claimed:
            continue  # more may be due (a full batch, released messages): drain before waiting
        if once:
            break
        if parent_pid is not None and os.getppid() != parent_pid:
            break
        stop.wait(interval)
    return total
