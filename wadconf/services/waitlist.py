"""The waiting list: who holds a place of the event's capacity, and promotion when one frees up.

A registration is waitlisted when the event's capacity (confirmed + pending) is reached.
Whenever a place frees up (a cancellation, a rejection, an erasure, a higher capacity) the
change calls :func:`promote_waitlisted` in its own transaction, with the event row already
locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises
writers anyway): two places freed at once then promote two different people, never the same
one twice, and never more than the capacity allows.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from wadconf.extensions import db
from wadconf.models import (
    Event,
    Invitation,
    InvitationState,
    Registration,
    RegistrationStatus,
    StaffUser,
)
from wadconf.services import audit
from wadconf.services.badges import badge_attachments
from wadconf.services.mail import queue_mail
from wadconf.urls import public_url

#: Statuses that count against the event's capacity (waitlisted ones wait outside it).
HOLDING_CAPACITY = (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)

#: Languages the mail templates speak; anything else falls back to the event's default.
_MAIL_LOCALES = {"zh_Hans", "en"}


def places_taken(event: Event) -> int:
    """Registrations counted against ``event``'s capacity."""
    return db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status.in_(HOLDING_CAPACITY))
    )


def free_places(event: Event) -> int | None:
    """Places left under the capacity (never negative); ``None`` when the event has no limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - places_taken(event), 0)


def _next_in_line(event: Event, limit: int | None) -> list[Registration]:
    """The oldest waitlisted registrations of ``event``, locked, at most ``limit``.

    Registrations on a revoked invitation stay where they are: the organisers decide about
    them (the issue says so), a free place must not decide for them.
    """
    stmt = (
        select(Registration)
        .outerjoin(Invitation, Registration.invitation_id == Invitation.id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED,
            or_(Registration.invitation_id.is_(None), Invitation.state != InvitationState.REVOKED),
        )
        .order_by(Registration.created_at, Registration.id)
        # Only the registrations: PostgreSQL refuses FOR UPDATE on the outer join's null side.
        .with_for_update(of=Registration)
        .execution_options(populate_existing=True)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def _status_after_promotion(registration: Registration, event: Event) -> RegistrationStatus:
    """Pending when the event or the registration's category requires approval, else confirmed."""
    category = registration.category
    if event.requires_approval or (category is not None and category.requires_approval):
        return RegistrationStatus.PENDING
    return RegistrationStatus.CONFIRMED


def promote_waitlisted(event: Event, *, by: StaffUser | None = None) -> list[Registration]:
    """Move the oldest waitlisted registrations into the places now free; returns them.

    The caller has locked ``event``'s row (``registration.lock_event``) and made the change
    that freed the places in the same transaction. Each promoted delegate is audited
    (``registration.promote``) and gets an e-mail in their language with their manage link.
    Flushes, never commits.
    """
    room = free_places(event)
    if room == 0:
        return []
    promoted = _next_in_line(event, room)
    for registration in promoted:
        registration.status = _status_after_promotion(registration, event)
    if not promoted:
        return []
    db.session.flush()
    for registration in promoted:
        audit.record(
            "registration.promote",
            obj=registration,
            actor=by,
            actor_label=None if by else "waitlist",
            details={"status": registration.status.value},
        )
        _notify(registration, event)
    return promoted


def _notify(registration: Registration, event: Event) -> None:
    """Tell the promoted delegate, in their language (nothing without an address)."""
    if not registration.email:
        return
    locale = registration.locale if registration.locale in _MAIL_LOCALES else event.default_locale
    queue_mail(
        registration.email,
        template="registration_promoted",
        locale=locale,
        context={
            "registration": registration,
            "event": event,
            "status": registration.status.value,
            "manage_url": public_url("registration.manage", token=registration.manage_token),
        },
        to_name=registration.display_name,
        event_id=event.id,
        kind=f"registration_promoted_{registration.status.value}",
        subject_ref=f"Registration:{registration.id}",
        attachments=badge_attachments(registration),
    )
