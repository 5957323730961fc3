"""Registrations: creating one from an invitation (or by staff), editing, cancelling, seats.

Seat rules hold under concurrency: every change of ``Invitation.seats_used`` happens with the
invitation row locked (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the request's
``BEGIN IMMEDIATE`` already serialises writers). When the event has a capacity, and on every
cancellation (a freed place promotes from the waiting list, :mod:`wadconf.services.waitlist`),
the event row is locked first: parents are always locked event -> invitation -> registration,
so two writers never wait on each other in opposite orders.

Public signature used by the organiser side (walk-ins)::

    create_registration(event, data, *, invitation=None, category=None, consent_version=None,
                        submission_key=None, registered_by_staff=False, status=None, by=None,
                        notify=True) -> Registration

The delegate's details (:class:`DelegateData`) and their validation are in
:mod:`wadconf.services.registration_data`, re-exported here.
"""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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
from wadconf.services import DomainError, audit, privacy, waitlist
from wadconf.services.badges import badge_attachments
from wadconf.services.mail import queue_mail
from wadconf.services.registration_data import (  # noqa: F401  (re-exported for callers)
    GENDERS,
    ID_TYPES,
    LOCALES,
    MAX_LENGTHS,
    DelegateData,
    country_codes,
    invalid,
    normalise_mobile,
    validate_delegate,
)
from wadconf.urls import public_url

SUBMISSION_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


# Locks and seats


def lock_event(event: Event) -> Event:
    """Re-read ``event`` with its row locked until the transaction ends (PostgreSQL)."""
    return db.session.scalars(
        select(Event)
        .where(Event.id == event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def lock_invitation(invitation: Invitation) -> Invitation:
    """Re-read ``invitation`` with its row locked, so ``seats_used`` is current and stays so."""
    return db.session.scalars(
        select(Invitation)
        .where(Invitation.id == invitation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def take_seat(invitation: Invitation) -> None:
    """Use one seat of a locked invitation; raises ``no_seats_left``."""
    if invitation.seats_used >= invitation.seats:
        raise DomainError("no_seats_left", _l("All seats of this invitation are taken."))
    invitation.seats_used += 1
    invitation.state = InvitationState.REGISTERED


def free_seat(invitation: Invitation) -> None:
    """Give back one seat of a locked invitation (a registration was cancelled or rejected)."""
    invitation.seats_used = max(invitation.seats_used - 1, 0)
    if invitation.seats_used == 0 and invitation.state == InvitationState.REGISTERED:
        invitation.state = InvitationState.OPENED if invitation.opened_at else InvitationState.SENT


def initial_status(event: Event, category: DelegateCategory | None) -> RegistrationStatus:
    """Waitlisted when the event is full; pending when approval is required; else confirmed."""
    if waitlist.free_places(event) == 0:
        return RegistrationStatus.WAITLISTED
    if event.requires_approval or (category is not None and category.requires_approval):
        return RegistrationStatus.PENDING
    return RegistrationStatus.CONFIRMED


def find_by_submission_key(event: Event, key: str) -> Registration | None:
    """The registration a form submission with ``key`` already created, if any."""
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.submission_key == key
        )
    )


def find_by_manage_token(token: str) -> Registration | None:
    """The registration a manage link names (only ``manage_token`` matches, never a badge code)."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(Registration).where(
            Registration.manage_token == token,
            # Erasure rotates the token too; this also holds if an old token leaked somewhere.
            Registration.personal_data_erased_at.is_(None),
        )
    )


def invitation_registrations(invitation: Invitation) -> list[Registration]:
    """The registrations made from ``invitation``, oldest first."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.invitation_id == invitation.id)
            .order_by(Registration.created_at, Registration.id)
        )
    )


def create_registration(
    event: Event,
    data: DelegateData,
    *,
    invitation: Invitation | None = None,
    category: DelegateCategory | None = None,
    consent_version: int | None = None,
    submission_key: str | None = None,
    registered_by_staff: bool = False,
    status: RegistrationStatus | None = None,
    by: StaffUser | None = None,
    notify: bool = True,
) -> Registration:
    """Register a delegate and queue their confirmation e-mail; flushes, never commits.

    ``invitation``: takes one of its seats and its category (``category`` is for walk-ins).
    ``consent_version``: the privacy notice version the delegate accepted; required online,
    optional for staff. ``submission_key``: a repeat of the same form submission returns the
    first registration instead of creating another. ``registered_by_staff``: walk-ins and late
    additions; skips the registration window and invitation expiry, allows ``status``.
    Raises ``invalid`` (``params["errors"]``), ``registration_closed``, ``invitation_expired``,
    ``invitation_revoked``, ``no_seats_left``, ``notice_changed``, ``bad_submission_key``.
    """
    now = utcnow()
    if submission_key is not None and not SUBMISSION_KEY_RE.match(submission_key):
        raise DomainError(
            "bad_submission_key", _l("This form is damaged. Reload the page and try again.")
        )
    if status is not None and not registered_by_staff:
        raise DomainError("status_not_allowed", _l("Only organisers may choose the status."))
    if invitation is not None and invitation.event_id != event.id:
        raise DomainError("wrong_event", _l("This invitation is for another event."))
    if event.capacity is not None:
        event = lock_event(event)
    if invitation is not None:
        invitation = lock_invitation(invitation)
    if submission_key:
        earlier = find_by_submission_key(event, submission_key)
        if earlier is not None:
            return earlier
    if not registered_by_staff:
        _check_public_rules(event, invitation, now)
    if invitation is not None and invitation.state == InvitationState.REVOKED:
        raise DomainError("invitation_revoked", _l("This invitation was withdrawn."))
    clean = validate_delegate(event, data, staff=registered_by_staff)
    notice_version = _check_consent(event, consent_version, required=not registered_by_staff)
    if invitation is not None:
        if invitation.seats_used >= invitation.seats:
            raise DomainError("no_seats_left", _l("All seats of this invitation are taken."))
        category = invitation.category
    registration = Registration(
        event_id=event.id,
        invitation_id=invitation.id if invitation else None,
        category_id=category.id if category else None,
        status=status or initial_status(event, category),
        submission_key=submission_key or None,
        registered_by_staff=registered_by_staff,
        consent_version=notice_version,
        consent_at=now if notice_version else None,
        id_consent_at=now if clean.id_consent else None,
        **{f.name: getattr(clean, f.name) for f in fields(clean) if f.name != "id_consent"},
    )
    db.session.flush()  # earlier changes stay outside the savepoint below
    try:
        # The unique (event_id, submission_key) catches a repeat that slipped past the check
        # above (a walk-in has no invitation row to lock): keep the first and return it.
        with db.session.begin_nested():
            db.session.add(registration)
            db.session.flush()
    except IntegrityError:
        earlier = find_by_submission_key(event, submission_key) if submission_key else None
        if earlier is None:
            raise
        return earlier
    if invitation is not None:
        take_seat(invitation)
        db.session.flush()
    audit.record(
        "registration.create",
        obj=registration,
        actor=by,
        actor_label=None if by else ("staff" if registered_by_staff else "delegate"),
        details={
            "status": registration.status.value,
            "invitation_id": registration.invitation_id,
            "by_staff": registered_by_staff,
        },
    )
    if notify and registration.email:
        queue_received_mail(registration)
    return registration


def _check_public_rules(event: Event, invitation: Invitation | None, now: datetime) -> None:
    """Window and expiry: what an online registration must respect and staff may override."""
    if not event.registration_is_open(now):
        raise DomainError("registration_closed", _l("Registration for this event is closed."))
    if invitation is not None and invitation.is_expired(now):
        raise DomainError("invitation_expired", _l("This invitation has expired."))


def _check_consent(event: Event, version: int | None, *, required: bool) -> int | None:
    """The notice version consented to; it must be the current one (the text may have changed)."""
    if version is None:
        if required:
            raise invalid(
                {"consent": str(_l("Registration needs your consent to the privacy notice."))}
            )
        return None
    notice = privacy.ensure_current_notice(event)
    if version != notice.version:
        raise DomainError(
            "notice_changed",
            _l("The privacy notice has changed. Please read it again and confirm."),
        )
    return notice.version


def queue_received_mail(registration: Registration) -> None:
    """The confirmation e-mail (confirmed, pending or waitlisted) with the private manage link."""
    _queue(registration, "registration_received")


def _queue(registration: Registration, template: str) -> None:
    queue_mail(
        registration.email,
        template=template,
        locale=registration.locale,
        context={
            "registration": registration,
            "event": registration.event,
            "status": registration.status.value,
            "manage_url": public_url("registration.manage", token=registration.manage_token),
        },
        to_name=registration.display_name,
        event_id=registration.event_id,
        kind=f"{template}_{registration.status.value}",
        subject_ref=f"Registration:{registration.id}",
        attachments=badge_attachments(registration),
    )


def can_edit(registration: Registration, now: datetime) -> bool:
    """A delegate may edit an active registration until registration closes."""
    event = registration.event
    closes = event.registration_closes_at
    return registration.is_active and (closes is None or now < closes)


def update_registration(
    registration: Registration,
    data: DelegateData,
    *,
    by: StaffUser | None = None,
    staff: bool = False,
) -> list[str]:
    """Apply the delegate's edit; returns the changed field names.

    Raises ``personal_data_erased``, ``edit_closed`` (after registration closes, unless
    ``staff``) and ``invalid``.
    """
    now = utcnow()
    # Row lock: an organiser's edit or cancel at the same moment is applied before or after
    # this one, never interleaved (PostgreSQL; SQLite's write lock already serialises).
    db.session.refresh(registration, with_for_update=True)
    check_not_erased(registration)
    if not staff and not can_edit(registration, now):
        raise DomainError("edit_closed", _l("This registration can no longer be changed."))
    clean = validate_delegate(registration.event, data, staff=staff)
    changed = []
    for f in fields(clean):
        if f.name == "id_consent":
            continue
        if getattr(registration, f.name) != getattr(clean, f.name):
            changed.append(f.name)
            setattr(registration, f.name, getattr(clean, f.name))
    if clean.id_consent and registration.id_consent_at is None:
        registration.id_consent_at = now
    if changed:
        db.session.flush()
        # Field names only: the audit log is read by organisers and must not copy personal data.
        audit.record(
            "registration.update",
            obj=registration,
            actor=by,
            actor_label=None if by else "delegate",
            details={"fields": changed},
        )
    return changed


def check_not_erased(registration: Registration) -> None:
    """Raise ``personal_data_erased`` when the registration's personal data was erased."""
    if registration.is_erased:
        raise DomainError(
            "personal_data_erased",
            _l("The personal data of this registration was erased; it can no longer be changed."),
        )


def cancel_registration(
    registration: Registration, *, by: StaffUser | None = None, notify: bool = True
) -> None:
    """Cancel; the invitation gets its seat back, the delegate an e-mail. Raises ``not_active``.

    A place of the event's capacity that frees up goes to the oldest waitlisted registration
    in the same transaction (:func:`wadconf.services.waitlist.promote_waitlisted`).
    """
    # Event first (the locking order above): two cancellations at once then promote from the
    # waiting list one after the other, each seeing the other's promotion.
    event = lock_event(registration.event)
    if registration.invitation_id is not None:
        # Lock before reading the status: a concurrent cancel of the same registration must
        # not give the seat back twice.
        lock_invitation(registration.invitation)
    db.session.refresh(registration, with_for_update=True)
    if not registration.is_active:
        raise DomainError("not_active", _l("This registration is already cancelled."))
    freed_place = registration.status in waitlist.HOLDING_CAPACITY
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = utcnow()
    if registration.invitation is not None:
        free_seat(registration.invitation)
    db.session.flush()
    audit.record(
        "registration.cancel", obj=registration, actor=by, actor_label=None if by else "delegate"
    )
    if notify and registration.email:
        _queue(registration, "registration_cancelled")
    if freed_place:
        waitlist.promote_waitlisted(event, by=by)
    # Their places in sessions go to those waiting (issue #5, session enrolment).
    from wadconf.services.enrolments import release_registration

    release_registration(registration, by=by)


def decline_invitation(invitation: Invitation, *, message: str = "") -> None:
    """The invitee declines; organisers see the state and message. Raises ``already_registered``."""
    invitation = lock_invitation(invitation)
    if invitation.seats_used > 0:
        raise DomainError(
            "already_registered",
            _l("Registrations were already made with this invitation; cancel them first."),
        )
    invitation.state = InvitationState.DECLINED
    invitation.declined_at = utcnow()
    invitation.decline_message = message.strip()[:2000]
    db.session.flush()
    audit.record(
        "invitation.decline",
        obj=invitation,
        actor_label="invitee",
        details={"with_message": bool(invitation.decline_message)},
    )
