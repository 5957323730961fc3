"""What organisers do to registrations: approve, reject, cancel, restore, edit, register directly.

Built on :mod:`wadconf.services.registration`, which owns the delegate's rules (validation,
seats, the e-mails delegates get on their own actions); this module adds the organiser's
decisions. Every function flushes and leaves the commit to the caller.

Read-then-write rules lock their rows first, always event -> invitation -> registration (the
order the registration service uses), so two organisers, or an organiser and a delegate,
acting at once cannot both pass a check: ``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite
the write request already holds the database lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    DelegateCategory,
    Event,
    Invitation,
    InvitationState,
    Registration,
    RegistrationStatus,
    StaffUser,
)
from wadconf.services import DomainError, audit, waitlist
from wadconf.services import registration as registration_service
from wadconf.services.badges import badge_attachments
from wadconf.services.mail import queue_mail
from wadconf.services.registration import DelegateData
from wadconf.urls import public_url

MESSAGE_MAX = 2000


def _lock_registration(registration: Registration) -> tuple[Invitation | None, Registration]:
    """Lock the registration's invitation, then the registration itself; fresh values of both."""
    invitation = None
    if registration.invitation_id is not None:
        invitation = registration_service.lock_invitation(registration.invitation)
    locked = db.session.scalars(
        select(Registration)
        .where(Registration.id == registration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return invitation, locked


# --- approve and reject -----------------------------------------------------------------


def _mail_locale(registration: Registration, event: Event) -> str:
    """The delegate's language for mail; the event's default when it is unknown."""
    return registration.locale if registration.locale in {"zh_Hans", "en"} else event.default_locale


def _notify(registration: Registration, template: str) -> None:
    """Queue ``template`` to the delegate in their language (nothing without an address)."""
    if not registration.email:
        return
    event = registration.event
    queue_mail(
        registration.email,
        template=template,
        locale=_mail_locale(registration, event),
        context={
            "registration": registration,
            "event": event,
            "message": registration.review_message,
            "manage_url": public_url("registration.manage", token=registration.manage_token),
        },
        to_name=registration.display_name,
        event_id=event.id,
        kind=template,
        subject_ref=f"Registration:{registration.id}",
        attachments=badge_attachments(registration),
    )


def _review(
    registration: Registration, *, message: str, approve: bool, by: StaffUser | None
) -> Registration:
    """Decide on a pending registration; the delegate is told by e-mail either way."""
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise DomainError(
            "message_too_long", _l("The message may have at most %(n)d characters.", n=MESSAGE_MAX)
        )
    # Event first (the locking order): a rejection frees a place the waiting list may take.
    event = registration_service.lock_event(registration.event)
    invitation, registration = _lock_registration(registration)
    if registration.status != RegistrationStatus.PENDING:
        raise DomainError(
            "not_pending",
            _l("Only a registration waiting for approval can be approved or rejected."),
        )
    if approve:
        # A pending registration already counts against the capacity: no seat to take.
        registration.status = RegistrationStatus.CONFIRMED
    else:
        registration.status = RegistrationStatus.REJECTED
        if invitation is not None:
            registration_service.free_seat(invitation)
    registration.review_message = message
    registration.reviewed_at = utcnow()
    db.session.flush()
    audit.record(
        "registration.approve" if approve else "registration.reject",
        obj=registration,
        actor=by,
        details={"message": message} if message else {},
    )
    _notify(registration, "registration_approved" if approve else "registration_rejected")
    if not approve:
        waitlist.promote_waitlisted(event, by=by)
        # Their places in sessions go to those waiting (issue #5, session enrolment).
        from wadconf.services.enrolments import release_registration

        release_registration(registration, by=by)
    return registration


def approve_registration(
    registration: Registration, *, message: str = "", by: StaffUser | None = None
) -> Registration:
    """Confirm a pending registration and e-mail the delegate; raises ``not_pending``."""
    return _review(registration, message=message, approve=True, by=by)


def reject_registration(
    registration: Registration, *, message: str = "", by: StaffUser | None = None
) -> Registration:
    """Reject a pending registration, free its seat, e-mail the delegate; raises ``not_pending``.

    The place it held in the event's capacity goes to the oldest waitlisted registration.
    """
    return _review(registration, message=message, approve=False, by=by)


# --- cancel and restore -----------------------------------------------------------------


def cancel_registration(registration: Registration, *, by: StaffUser | None = None) -> None:
    """Cancel for the organisers: the seat is freed, the delegate told. Raises ``not_active``.

    A freed place of the event's capacity promotes the oldest waitlisted registration.
    """
    registration_service.cancel_registration(registration, by=by)


def restore_registration(
    registration: Registration, *, by: StaffUser | None = None
) -> Registration:
    """Bring a cancelled registration back as confirmed, if its invitation and the event have room.

    Raises ``personal_data_erased``, ``not_cancelled``, ``invitation_revoked``,
    ``no_seats_left`` or ``event_full``.
    """
    event = registration_service.lock_event(registration.event)
    invitation, registration = _lock_registration(registration)
    registration_service.check_not_erased(registration)
    if registration.status != RegistrationStatus.CANCELLED:
        raise DomainError("not_cancelled", _l("Only a cancelled registration can be restored."))
    if invitation is not None and invitation.state == InvitationState.REVOKED:
        raise DomainError(
            "invitation_revoked", _l("The invitation of this registration was withdrawn.")
        )
    if (
        event.capacity is not None
        and registration_service.initial_status(event, None) == RegistrationStatus.WAITLISTED
    ):
        raise DomainError("event_full", _l("The event is full (%(n)d places).", n=event.capacity))
    if invitation is not None:
        registration_service.take_seat(invitation)  # raises no_seats_left
    registration.status = RegistrationStatus.CONFIRMED
    registration.cancelled_at = None
    db.session.flush()
    audit.record("registration.restore", obj=registration, actor=by)
    return registration


# --- edit and direct registration -------------------------------------------------------


def _category(event: Event, category_id: int | None) -> DelegateCategory | None:
    """``event``'s category ``category_id``; raises ``invalid`` for another event's or none."""
    if category_id is None:
        return None
    category = db.session.scalar(
        select(DelegateCategory).where(
            DelegateCategory.id == category_id, DelegateCategory.event_id == event.id
        )
    )
    if category is None:
        raise registration_service.invalid({"category": str(_l("Choose a category."))})
    return category


def edit_registration(
    registration: Registration,
    data: DelegateData,
    *,
    category_id: int | None,
    by: StaffUser | None = None,
) -> list[str]:
    """An organiser's correction of the delegate's details and category; returns changed fields.

    Validated like the delegate's own edit but without its deadline, and e-mail and mobile
    may be empty (a walk-in may have neither). Raises ``invalid`` (``params["errors"]``).
    """
    category = _category(registration.event, category_id)
    changed = registration_service.update_registration(registration, data, by=by, staff=True)
    if registration.category_id != (category.id if category else None):
        old = registration.category.code if registration.category else None
        registration.category = category
        db.session.flush()
        audit.record(
            "registration.category_change",
            obj=registration,
            actor=by,
            details={"from": old, "to": category.code if category else None},
        )
        changed.append("category")
    return changed


def register_directly(
    event: Event,
    data: DelegateData,
    *,
    invitation: Invitation | None = None,
    category_id: int | None = None,
    by: StaffUser | None = None,
) -> Registration:
    """A walk-in or late addition by an organiser, with or without an invitation.

    Deadlines and approval do not apply (an organiser is the one deciding); the invitation's
    seats and the event's capacity do: when the event is full the registration is waitlisted.
    The delegate gets the usual confirmation e-mail with their manage link.
    """
    category = _category(event, category_id) if invitation is None else None
    if event.capacity is not None:
        event = registration_service.lock_event(event)  # the capacity check below must hold
    full = registration_service.initial_status(event, None) == RegistrationStatus.WAITLISTED
    return registration_service.create_registration(
        event,
        data,
        invitation=invitation,
        category=category,
        registered_by_staff=True,
        status=RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED,
        by=by,
    )


def delegate_data(registration: Registration | None = None, **values) -> DelegateData:
    """A :class:`DelegateData` from ``registration`` (or empty) with ``values`` replacing fields."""
    base = DelegateData() if registration is None else DelegateData.from_registration(registration)
    return replace(base, **values)
