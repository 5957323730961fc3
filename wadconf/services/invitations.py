"""Invitations: validation, creation, editing, revocation, the public look-up by token.

Sending lives in :mod:`wadconf.services.invitation_sending`, the admin list's queries in
:mod:`wadconf.services.invitation_queries`.

The field checks are exposed as :func:`validate_invitation_data` so that the file import can
report each bad cell: every refusal is a :class:`DomainError` whose ``params["field"]`` names
the field (``name_zh``, ``email``, ``mobile``, ``category``, ``seats``...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    ACTIVE_STATUSES,
    DelegateCategory,
    Event,
    Invitation,
    InvitationLocale,
    InvitationState,
    Registration,
    StaffUser,
)
from wadconf.services import DomainError, audit
from wadconf.services.accounts import normalise_email

# The admin list's queries live in their own module; these names stay importable from here.
from wadconf.services.invitation_queries import (  # noqa: F401
    OPEN_STATES,
    STATUS_FILTERS,
    export_rows,
    filtered_invitations,
    status_counts,
)

#: E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
MOBILE_RE = re.compile(r"^\+[1-9]\d{6,14}$")
#: Separators people type inside phone numbers; dropped before checking.
_PHONE_SEPARATORS = re.compile(r"[\s\-().\u00a0]")
MAX_SEATS = 500
#: Longest value of each text field (the model's column sizes).
MAX_LENGTHS = {
    "name_zh": 200,
    "name_en": 200,
    "organisation": 300,
    "email": 254,
    "mobile": 40,
    "note": 2000,
}


@dataclass
class InvitationData:
    """What an organiser (or an import row) gives for an invitation. Nothing else is assignable."""

    name_zh: str = ""
    name_en: str = ""
    organisation: str = ""
    #: Code of one of the event's delegate categories; empty for none.
    category: str = ""
    email: str = ""
    mobile: str = ""
    locale: str = InvitationLocale.ZH.value
    seats: int | str = 1
    #: Aware datetime, or ``None`` for an invitation that does not expire.
    expires_at: datetime | None = None
    note: str = ""

    @classmethod
    def from_invitation(cls, invitation: Invitation) -> InvitationData:
        """The editable fields of an existing invitation."""
        return cls(
            name_zh=invitation.name_zh,
            name_en=invitation.name_en,
            organisation=invitation.organisation,
            category=invitation.category.code if invitation.category else "",
            email=invitation.email,
            mobile=invitation.mobile,
            locale=invitation.locale.value,
            seats=invitation.seats,
            expires_at=invitation.expires_at,
            note=invitation.note,
        )


def _refuse(code: str, message, field: str, **params) -> DomainError:
    """A :class:`DomainError` naming the field it concerns."""
    return DomainError(code, message, field=field, **params)


def normalise_mobile(value: str) -> str:
    """``value`` in E.164 (``+8613812345678``), or ``""``; raises ``bad_mobile``.

    Spaces, hyphens, dots and brackets are dropped and a leading ``00`` becomes ``+``; a
    number without its country code is refused rather than guessed.
    """
    compact = _PHONE_SEPARATORS.sub("", value or "")
    if not compact:
        return ""
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not MOBILE_RE.match(compact):
        raise _refuse(
            "bad_mobile",
            _l("Give the mobile number in international format, e.g. +8613812345678."),
            "mobile",
        )
    return compact


def _clean_text(value: str | None, *, multiline: bool = False) -> str:
    """``value`` trimmed; single-line values also get their inner whitespace collapsed."""
    value = (value or "").strip()
    # Names pasted from documents carry runs of spaces and line breaks.
    return value if multiline else " ".join(value.split())


def _parse_seats(value: int | str) -> int:
    """``value`` as a whole number of seats in 1..MAX_SEATS; raises ``bad_seats``."""
    try:
        seats = int(str(value).strip())
    except (TypeError, ValueError):
        seats = 0
    if not 1 <= seats <= MAX_SEATS:
        raise _refuse(
            "bad_seats",
            _l("The number of seats must be between 1 and %(n)d.", n=MAX_SEATS),
            "seats",
        )
    return seats


def validate_invitation_data(
    event: Event,
    data: InvitationData,
    *,
    existing: Invitation | None = None,
    now: datetime | None = None,
    categories: dict[str, DelegateCategory] | None = None,
    check_duplicate: bool = True,
) -> tuple[InvitationData, DelegateCategory | None]:
    """Check ``data`` for ``event``; return it normalised, with its category.

    Raises the first :class:`DomainError` found, with ``params["field"]``: ``name_missing``,
    ``too_long``, ``unknown_category``, ``bad_email``, ``bad_mobile``, ``bad_locale``,
    ``bad_seats``, ``expiry_in_past``, ``duplicate_invitation`` (``params["duplicate_of"]``:
    the other invitation's id). ``categories`` (code -> category) and ``check_duplicate=False``
    let a bulk import avoid one query per row.
    """
    now = now or utcnow()
    clean = replace(
        data,
        **{
            name: _clean_text(getattr(data, name), multiline=name == "note")
            for name in (
                "name_zh",
                "name_en",
                "organisation",
                "category",
                "email",
                "mobile",
                "locale",
                "note",
            )
        },
    )
    if not (clean.name_zh or clean.name_en):
        raise _refuse(
            "name_missing", _l("Give the invitee's name in Chinese or in English."), "name_zh"
        )
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(clean, name)) > limit:
            raise _refuse("too_long", _l("At most %(n)d characters.", n=limit), name, limit=limit)

    category = None
    if clean.category:
        if categories is not None:
            category = categories.get(clean.category)
        else:
            category = db.session.scalar(
                select(DelegateCategory).where(
                    DelegateCategory.event_id == event.id, DelegateCategory.code == clean.category
                )
            )
        if category is None:
            raise _refuse(
                "unknown_category", _l("This event has no such delegate category."), "category"
            )

    if clean.email:
        try:
            clean.email = normalise_email(clean.email)
        except DomainError as exc:
            raise _refuse("bad_email", exc.message, "email") from exc
    clean.mobile = normalise_mobile(clean.mobile)
    if clean.locale not in {loc.value for loc in InvitationLocale}:
        raise _refuse("bad_locale", _l("Choose Chinese, English or both."), "locale")
    clean.seats = _parse_seats(clean.seats)

    if clean.expires_at is not None:
        if clean.expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        # Keeping an expiry that has passed is allowed when editing other fields.
        unchanged = existing is not None and existing.expires_at == clean.expires_at
        if clean.expires_at <= now and not unchanged:
            raise _refuse("expiry_in_past", _l("The expiry must be in the future."), "expires_at")

    if check_duplicate and clean.email:
        other = find_duplicate(event, clean.email, exclude_id=existing.id if existing else None)
        if other is not None:
            raise _refuse(
                "duplicate_invitation",
                _l("Another invitation of this event already uses this e-mail address."),
                "email",
                duplicate_of=other,
            )
    return clean, category


def find_duplicate(event: Event, email: str, *, exclude_id: int | None = None) -> int | None:
    """The id of a live (not revoked) invitation of ``event`` to ``email``, if any.

    Revoked invitations do not count, so that an organiser can invite the person again.
    """
    query = select(Invitation.id).where(
        Invitation.event_id == event.id,
        Invitation.email == email.strip().lower(),
        Invitation.state != InvitationState.REVOKED,
    )
    if exclude_id is not None:
        query = query.where(Invitation.id != exclude_id)
    return db.session.scalar(query.limit(1))


def _lock_event(event: Event) -> None:
    """Serialise duplicate checks per event on PostgreSQL (SQLite already holds the write lock)."""
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())


def _lock(invitation: Invitation) -> Invitation:
    """``invitation`` re-read under a row lock, so that read-then-write rules see the latest row."""
    return db.session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def create_invitation(
    event: Event, data: InvitationData, *, by: StaffUser | None = None, now: datetime | None = None
) -> Invitation:
    """Create a draft invitation of ``event`` from ``data``; raises the validation codes."""
    _lock_event(event)
    clean, category = validate_invitation_data(event, data, now=now)
    invitation = Invitation(
        event_id=event.id, state=InvitationState.DRAFT, category=category, **_assignable(clean)
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "invitation.create",
        obj=invitation,
        actor=by,
        event_id=event.id,
        details={"seats": invitation.seats, "category": clean.category},
    )
    return invitation


def _assignable(clean: InvitationData) -> dict:
    """The model attributes ``clean`` sets (the category is resolved separately)."""
    values = {
        f.name: getattr(clean, f.name) for f in fields(InvitationData) if f.name != "category"
    }
    values["locale"] = InvitationLocale(values["locale"])
    return values


def update_invitation(
    invitation: Invitation,
    data: InvitationData,
    *,
    by: StaffUser | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Apply ``data``; returns the names of the fields that changed.

    Raises ``invitation_revoked`` for a revoked invitation and ``seats_below_used`` when the
    seats would drop below the registrations already made, besides the validation codes.
    """
    event = db.session.get(Event, invitation.event_id)
    _lock_event(event)
    invitation = _lock(invitation)
    if invitation.state == InvitationState.REVOKED:
        raise DomainError("invitation_revoked", _l("This invitation was revoked."))
    clean, category = validate_invitation_data(event, data, existing=invitation, now=now)
    if clean.seats < invitation.seats_used:
        raise _refuse(
            "seats_below_used",
            _l("%(n)d seats are already taken by registrations.", n=invitation.seats_used),
            "seats",
        )
    changed = []
    for name, value in _assignable(clean).items():
        if getattr(invitation, name) != value:
            changed.append(name)
            setattr(invitation, name, value)
    if invitation.category_id != (category.id if category else None):
        changed.append("category")
        invitation.category = category
    if changed:
        db.session.flush()
        audit.record(
            "invitation.update",
            obj=invitation,
            actor=by,
            event_id=invitation.event_id,
            details={"fields": changed},
        )
    return changed


def revoke_invitation(
    invitation: Invitation, *, by: StaffUser | None = None, now: datetime | None = None
) -> Invitation:
    """Revoke ``invitation``: its link stops working; registrations made from it stay.

    Raises ``already_revoked``.
    """
    invitation = _lock(invitation)
    if invitation.state == InvitationState.REVOKED:
        raise DomainError("already_revoked", _l("This invitation was already revoked."))
    previous = invitation.state.value
    invitation.state = InvitationState.REVOKED
    invitation.revoked_at = now or utcnow()
    db.session.flush()
    kept = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.invitation_id == invitation.id, Registration.status.in_(ACTIVE_STATUSES)
        )
    )
    audit.record(
        "invitation.revoke",
        obj=invitation,
        actor=by,
        event_id=invitation.event_id,
        details={"previous_state": previous, "registrations_kept": kept},
    )
    return invitation


def get_invitation(event: Event, invitation_id: int) -> Invitation | None:
    """``event``'s invitation with this id (``None`` for another event's)."""
    return db.session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.event_id == event.id)
    )


def find_invitation_for_public(token: str) -> Invitation | None:
    """The invitation a public link names; ``None`` for unknown and revoked tokens alike."""
    if not token or len(token) > 64:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == token))
    if invitation is None or invitation.state == InvitationState.REVOKED:
        return None
    return invitation


def mark_opened(invitation: Invitation) -> None:
    """Record the first time the invitee opened their link."""
    if invitation.opened_at is None:
        invitation.opened_at = utcnow()
    if invitation.state in {InvitationState.DRAFT, InvitationState.SENT}:
        invitation.state = InvitationState.OPENED
    db.session.flush()
