"""Queueing e-mail. Messages are rendered now, in the recipient's language, and written to the
outbox in the caller's transaction: if that transaction rolls back, no mail goes out; if it
commits, ``wadconf mail run`` delivers it.

Templates live in ``templates/mail/``: ``NAME.subject.txt``, ``NAME.txt`` and optionally
``NAME.html``. ``locale="both"`` gives a message with the Chinese text first, then the English.

The second half holds the outbox's life cycle (claim, record, retry) for the worker in
:mod:`wadconf.mailer` and the admin pages.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateNotFound
from sqlalchemy import Select, func, select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import OutboxAttachment, OutboxMessage, OutboxStatus
from wadconf.services import DomainError, audit


@dataclass(frozen=True)
class Attachment:
    """A file to send; ``content_id`` shows an image inline in the HTML part (``cid:...``)."""

    filename: str
    content_type: str
    data: bytes
    content_id: str = ""


def _render_one(template: str, locale: str, context: dict) -> tuple[str, str, str]:
    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        text = render_template(f"mail/{template}.txt", **context)
        try:
            html = render_template(f"mail/{template}.html", **context)
        except TemplateNotFound:
            html = ""
    return " ".join(subject.split()), text, html


def render_mail(template: str, *, locale: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of ``template`` in ``locale`` (``zh_Hans``, ``en`` or ``both``)."""
    if locale != "both":
        return _render_one(template, locale, {**context, "mail_locale": locale})
    zh = _render_one(template, "zh_Hans", {**context, "mail_locale": "zh_Hans"})
    en = _render_one(template, "en", {**context, "mail_locale": "en"})
    subject = zh[0] if zh[0] == en[0] else f"{zh[0]} / {en[0]}"
    text = f"{zh[1].rstrip()}\n\n---------- English ----------\n\n{en[1]}"
    html = f'{zh[2]}<hr><div lang="en">{en[2]}</div>' if zh[2] and en[2] else ""
    return subject, text, html


def queue_mail(
    to_address: str,
    *,
    template: str,
    locale: str,
    context: dict,
    to_name: str = "",
    event_id: int | None = None,
    kind: str = "",
    subject_ref: str = "",
    attachments: Iterable[Attachment] = (),
) -> OutboxMessage:
    """Render ``template`` for the recipient and add it to the outbox (flushed, not committed)."""
    subject, text, html = render_mail(template, locale=locale, context=context)
    message = OutboxMessage(
        to_address=to_address,
        to_name=to_name,
        subject=subject,
        body_text=text,
        body_html=html,
        event_id=event_id,
        kind=kind or template,
        subject_ref=subject_ref,
    )
    for item in attachments:
        message.attachments.append(
            OutboxAttachment(
                filename=item.filename,
                content_type=item.content_type,
                data=item.data,
                content_id=item.content_id,
            )
        )
    db.session.add(message)
    db.session.flush()
    return message


# ---------------------------------------------------------------------------------------------
# The outbox's life cycle. The worker (wadconf.mailer) wraps each of these in its own short
# write transaction and commits; here they only change rows and flush, like every service.


def backoff_delay(
    attempts: int, *, base_seconds: float, cap_seconds: float = 6 * 3600
) -> timedelta:
    """Wait before attempt ``attempts + 1``: ``base``, 2x, 4x... (doubling), at most ``cap``."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), cap_seconds))


def claim_due(*, now: datetime, limit: int, lease: timedelta) -> tuple[str, list[int]]:
    """Lease up to ``limit`` due messages to the caller; returns the lease token and their ids.

    A claimed message stays ``queued`` with ``attempts`` counted and ``next_attempt_at`` moved
    to the end of the lease, so no other worker sees it as due until the lease runs out. On
    PostgreSQL ``SKIP LOCKED`` lets two workers claim disjoint sets at once; on SQLite the
    caller's ``BEGIN IMMEDIATE`` serialises claims.
    """
    rows = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    token = secrets.token_hex(16)
    for message in rows:
        message.attempts += 1
        message.next_attempt_at = now + lease
        message.lease_token = token
    db.session.flush()
    return token, [message.id for message in rows]


def _leased(message_id: int, token: str) -> OutboxMessage | None:
    """The message if ``token`` still holds its lease (row locked on PostgreSQL), else ``None``."""
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.lease_token == token)
        .with_for_update()
    )


def record_sent(message_id: int, token: str, *, now: datetime) -> bool:
    """Mark a leased message sent; ``False`` if the lease was lost (another worker took it over)."""
    message = _leased(message_id, token)
    if message is None:
        return False
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.lease_token = ""
    db.session.flush()
    return True


def record_error(
    message_id: int,
    token: str,
    *,
    now: datetime,
    error: str,
    permanent: bool,
    max_attempts: int,
    backoff_base_seconds: float,
) -> OutboxMessage | None:
    """Store a delivery error: retry later with backoff, or give up (``failed``).

    A permanent error, or a temporary one on the last allowed attempt, fails the message.
    Returns ``None`` if the lease was lost.
    """
    message = _leased(message_id, token)
    if message is None:
        return None
    message.last_error = error[:2000]
    message.lease_token = ""
    if permanent or message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
        message.next_attempt_at = now
        audit.record(
            "mail.failed",
            obj=message,
            actor_label="mail worker",
            details={"attempts": message.attempts, "error": message.last_error[:300]},
        )
    else:
        message.next_attempt_at = now + backoff_delay(
            message.attempts, base_seconds=backoff_base_seconds
        )
    db.session.flush()
    return message


def release(message_id: int, token: str, *, now: datetime) -> bool:
    """Give back a leased message that was not tried: due again at once, attempt not counted."""
    message = _leased(message_id, token)
    if message is None:
        return False
    message.attempts = max(message.attempts - 1, 0)
    message.next_attempt_at = now
    message.lease_token = ""
    db.session.flush()
    return True


def retry_now(message: OutboxMessage, *, now: datetime | None = None) -> None:
    """Make a queued or failed message due at once; a failed one gets a fresh set of attempts.

    Refused for a message already sent, and for one a worker is sending right now (making it
    due again would let a second worker send it too).
    """
    now = now or utcnow()
    # Lock the row so that a worker's claim and this change cannot interleave on PostgreSQL.
    db.session.refresh(message, with_for_update=True)
    if message.status == OutboxStatus.SENT:
        raise DomainError("mail_already_sent", _l("This message has already been sent."))
    if message.is_in_flight(now):
        raise DomainError(
            "mail_in_flight",
            _l("This message is being sent right now. Reload the page in a minute."),
        )
    was = message.status
    if was == OutboxStatus.FAILED:
        message.attempts = 0
    message.status = OutboxStatus.QUEUED
    message.next_attempt_at = now
    message.lease_token = ""
    audit.record("mail.retry", obj=message, details={"was": was.value})
    db.session.flush()


def get_message(message_id: int) -> OutboxMessage | None:
    """One outbox message with its attachments, or ``None``."""
    return db.session.get(OutboxMessage, message_id)


def outbox_query(*, status: str | None = None, event_id: int | None = None) -> Select:
    """Outbox messages, newest first, optionally of one status and event."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    if event_id is not None:
        query = query.where(OutboxMessage.event_id == event_id)
    return query


def status_counts(*, event_id: int | None = None) -> dict[str, int]:
    """Number of messages in each status (every status present, zero included)."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if event_id is not None:
        query = query.where(OutboxMessage.event_id == event_id)
    counts = {status.value: 0 for status in OutboxStatus}
    for status, count in db.session.execute(query):
        counts[OutboxStatus(status).value] = count
    return counts
