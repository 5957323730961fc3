"""Sending invitations: the e-mail in the invitee's language, with their link and its QR code.

Messages go to the outbox (:func:`wadconf.services.mail.queue_mail`) in the caller's
transaction; ``wadconf mail run`` delivers them.
"""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import Event, Invitation, InvitationState, OutboxMessage, StaffUser
from wadconf.services import DomainError, audit
from wadconf.services.mail import Attachment, queue_mail, render_mail
from wadconf.services.qr import qr_png
from wadconf.urls import public_url

TEMPLATE = "invitation"
QR_CID = "invitation-qr"
#: A second send of the same invitation within this time is taken for a double click.
RESEND_GUARD = timedelta(seconds=60)
#: Most messages queued by one "send" request: each costs a QR code and two renderings,
#: and on SQLite the request holds the write lock meanwhile. The rest wait for the next click.
DEFAULT_BATCH = 100


@dataclass
class SendReport:
    """What a bulk send did: how many were queued, and why the others were skipped."""

    sent: int = 0
    skipped: Counter = field(default_factory=Counter)
    #: Unsent invitations still waiting (bulk "all unsent" only).
    remaining: int = 0


def invitation_link(invitation: Invitation) -> str:
    """The invitee's personal registration link (absolute)."""
    return public_url("registration.invitation", token=invitation.token)


def mail_context(invitation: Invitation, *, link: str | None = None) -> dict:
    """What the invitation templates are rendered with."""
    return {
        "invitation": invitation,
        "event": db.session.get(Event, invitation.event_id),
        "link": link or invitation_link(invitation),
        "qr_cid": QR_CID,
    }


def check_sendable(invitation: Invitation, *, now: datetime) -> None:
    """Raise ``invitation_revoked``, ``invitation_declined``, ``invitation_expired`` or
    ``no_email`` when ``invitation`` cannot be sent."""
    if invitation.state == InvitationState.REVOKED:
        raise DomainError("invitation_revoked", _l("This invitation was revoked."))
    if invitation.state == InvitationState.DECLINED:
        raise DomainError("invitation_declined", _l("The invitee declined this invitation."))
    if invitation.status(now) == "expired":
        raise DomainError("invitation_expired", _l("This invitation has expired."))
    if not invitation.email:
        raise DomainError("no_email", _l("This invitation has no e-mail address."))


def send_invitation(
    invitation: Invitation, *, by: StaffUser | None = None, now: datetime | None = None
) -> OutboxMessage:
    """Queue the invitation e-mail; a draft becomes sent. Sending again is allowed.

    Raises the codes of :func:`check_sendable`, and ``recently_sent`` when the same
    invitation was queued less than a minute ago (a double click, or two organisers at once).
    """
    now = now or utcnow()
    # The row lock makes a concurrent second send wait, then see ``sent_at`` (PostgreSQL).
    invitation = db.session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    check_sendable(invitation, now=now)
    if invitation.sent_at is not None and now - invitation.sent_at < RESEND_GUARD:
        raise DomainError("recently_sent", _l("This invitation was sent less than a minute ago."))
    link = invitation_link(invitation)
    message = queue_mail(
        invitation.email,
        template=TEMPLATE,
        locale=invitation.locale.value,
        context=mail_context(invitation, link=link),
        to_name=invitation.name_en
        if invitation.locale.value == "en" and invitation.name_en
        else (invitation.name_zh or invitation.name_en),
        event_id=invitation.event_id,
        kind="invitation",
        subject_ref=f"Invitation:{invitation.id}",
        attachments=[Attachment("invitation-qr.png", "image/png", qr_png(link), QR_CID)],
    )
    resend = invitation.sent_at is not None
    if invitation.state == InvitationState.DRAFT:
        invitation.state = InvitationState.SENT
    invitation.sent_at = now
    db.session.flush()
    audit.record(
        "invitation.resend" if resend else "invitation.send",
        obj=invitation,
        actor=by,
        event_id=invitation.event_id,
        details={"message_id": message.id, "locale": invitation.locale.value},
    )
    return message


def send_selected(
    event: Event,
    ids: list[int],
    *,
    by: StaffUser | None = None,
    now: datetime | None = None,
    limit: int | None = None,
) -> SendReport:
    """Send ``event``'s invitations among ``ids``; the others (another event's) are ignored."""
    now = now or utcnow()
    limit = limit or current_app.config.get("INVITATION_SEND_BATCH", DEFAULT_BATCH)
    report = SendReport()
    wanted = sorted(set(ids))
    chosen = list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.event_id == event.id, Invitation.id.in_(wanted))
            .order_by(Invitation.id)
        )
    )
    for invitation in chosen[:limit]:
        _send_counting(invitation, report, by=by, now=now)
    if len(chosen) > limit:
        report.skipped["batch_limit"] += len(chosen) - limit
    return report


def _unsent_query(event: Event, now: datetime):
    """Draft invitations of ``event`` with an e-mail address that have not expired."""
    return select(Invitation).where(
        Invitation.event_id == event.id,
        Invitation.state == InvitationState.DRAFT,
        Invitation.email != "",
        or_(Invitation.expires_at.is_(None), Invitation.expires_at > now),
    )


def send_all_unsent(
    event: Event,
    *,
    by: StaffUser | None = None,
    now: datetime | None = None,
    limit: int | None = None,
) -> SendReport:
    """Send up to ``limit`` draft invitations of ``event`` that can be sent, oldest first."""
    now = now or utcnow()
    limit = limit or current_app.config.get("INVITATION_SEND_BATCH", DEFAULT_BATCH)
    report = SendReport()
    # SKIP LOCKED: two organisers pressing "send all" at once take different rows (PostgreSQL);
    # SQLite runs the two requests one after the other.
    batch = list(
        db.session.scalars(
            _unsent_query(event, now)
            .order_by(Invitation.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for invitation in batch:
        _send_counting(invitation, report, by=by, now=now)
    report.remaining = db.session.scalar(
        select(func.count()).select_from(_unsent_query(event, now).subquery())
    )
    return report


def count_unsent(event: Event, *, now: datetime | None = None) -> int:
    """Draft invitations of ``event`` that "send all unsent" would send."""
    return db.session.scalar(
        select(func.count()).select_from(_unsent_query(event, now or utcnow()).subquery())
    )


def _send_counting(invitation: Invitation, report: SendReport, **kwargs) -> None:
    """Send ``invitation``, counting success or the refusal's code in ``report``."""
    try:
        send_invitation(invitation, **kwargs)
    except DomainError as exc:
        report.skipped[exc.code] += 1
    else:
        report.sent += 1


def preview(invitation: Invitation) -> dict[str, tuple[str, str, str]]:
    """Subject, text and HTML of the invitation e-mail in Chinese and in English; nothing queued.

    The QR image is inlined as a ``data:`` URL in place of its ``cid:`` reference, so that a
    browser can show it.
    """
    link = invitation_link(invitation)
    png = base64.b64encode(qr_png(link)).decode("ascii")
    context = mail_context(invitation, link=link)
    result = {}
    for locale in ("zh_Hans", "en"):
        subject, text, html = render_mail(TEMPLATE, locale=locale, context=context)
        result[locale] = (
            subject,
            text,
            html.replace(f"cid:{QR_CID}", f"data:image/png;base64,{png}"),
        )
    return result
