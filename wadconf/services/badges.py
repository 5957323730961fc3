"""Badges: the phone e-badge, print batches, print counts and reissuing a lost badge.

A badge shows a QR code of ``Registration.badge_code`` (random, no personal data, entry
only). Reissuing gives the registration a new code and keeps the old one as a
:class:`RetiredBadgeCode`, which the check-in service answers with ``reissued``.
Drawing lives in :mod:`wadconf.services.badge_png` and :mod:`wadconf.services.badge_pdf`;
what a badge says, in :mod:`wadconf.services.badge_layouts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import selectinload

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    DelegateCategory,
    Event,
    Registration,
    RegistrationStatus,
    RetiredBadgeCode,
    StaffUser,
)
from wadconf.models.checkin import new_badge_code
from wadconf.services import DomainError, audit
from wadconf.services.badge_layouts import LAYOUTS
from wadconf.services.badge_pdf import badge_pdf
from wadconf.services.badge_png import badge_png
from wadconf.services.mail import Attachment

__all__ = [
    "ORDERS",
    "badge_attachment",
    "badge_pdf",
    "badge_png",
    "badge_query",
    "badges_filename",
    "badges_for_print",
    "record_printing",
    "reissue_badge",
]

#: Batch orders offered to organisers and on the command line.
ORDERS = ("organisation", "category", "name")
REASON_MAX = 300
#: Ids per IN (...) list: well under the bound-parameter limits of SQLite and PostgreSQL.
_CHUNK = 500


def reissue_badge(registration: Registration, *, by: StaffUser | None, reason: str) -> str:
    """Give ``registration`` a new badge code (lost badge); returns it. Flushes, never commits.

    The old code becomes a :class:`RetiredBadgeCode` (it then scans as ``reissued``), the
    print count starts again for the new badge, and the change is audited with the reason.
    Raises ``reason_required``, ``reason_too_long``, ``erased``.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("reason_required", _l("Give the reason for the new badge."))
    if len(reason) > REASON_MAX:
        raise DomainError(
            "reason_too_long", _l("The reason may have at most %(n)d characters.", n=REASON_MAX)
        )
    # Lock the row: two organisers reissuing at once must not both retire the same code.
    db.session.refresh(registration, with_for_update=True)
    if registration.is_erased:
        raise DomainError(
            "erased", _l("The personal data of this registration was erased; it has no badge.")
        )
    old_code = registration.badge_code
    now = utcnow()
    if old_code:
        db.session.add(
            RetiredBadgeCode(
                code=old_code,
                registration_id=registration.id,
                retired_at=now,
                retired_by_id=by.id if by else None,
                reason=reason,
            )
        )
    previous_prints = registration.badge_print_count
    registration.badge_code = new_badge_code()
    registration.badge_issued_at = now
    registration.badge_print_count = 0
    registration.badge_printed_at = None
    db.session.flush()
    audit.record(
        "badge.reissue",
        obj=registration,
        actor=by,
        details={"reason": reason, "previous_print_count": previous_prints},
    )
    return registration.badge_code


def badge_query(
    event: Event,
    *,
    status: str | None = RegistrationStatus.CONFIRMED.value,
    category_id: int | None = None,
    q: str = "",
    ids: Sequence[int] | None = None,
    printed: str = "",
    order: str = "organisation",
) -> Select:
    """Registrations of ``event`` whose badges to print, in ``order``.

    ``status`` (default confirmed; ``None`` or ``""``: any status), ``category_id``, ``q``
    (organisation or name contains), ``printed`` (``never`` or ``yes``) and ``ids`` (a
    selection) narrow the batch. Erased
    registrations never get a badge.
    """
    query = (
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.personal_data_erased_at.is_(None),
            Registration.badge_code.is_not(None),
        )
        .options(selectinload(Registration.category))
    )
    if status:
        query = query.where(Registration.status == RegistrationStatus(status))
    if category_id is not None:
        query = query.where(Registration.category_id == category_id)
    q = " ".join((q or "").split())
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(Registration.organisation).like(pattern),
                func.lower(Registration.name_zh).like(pattern),
                func.lower(Registration.name_en).like(pattern),
            )
        )
    if printed == "never":
        query = query.where(Registration.badge_print_count == 0)
    elif printed == "yes":
        query = query.where(Registration.badge_print_count > 0)
    if ids is not None:
        query = query.where(Registration.id.in_(list(ids)))
    by_name = (func.lower(Registration.name_en), Registration.name_zh, Registration.id)
    by_organisation = (func.lower(Registration.organisation), *by_name)
    if order == "category":
        query = query.outerjoin(DelegateCategory, Registration.category_id == DelegateCategory.id)
        query = query.order_by(
            DelegateCategory.position.is_(None), DelegateCategory.position, *by_organisation
        )
    elif order == "name":
        query = query.order_by(*by_name)
    else:
        query = query.order_by(*by_organisation)
    return query


def badges_for_print(event: Event, **filters) -> list[Registration]:
    """The registrations :func:`badge_query` selects, loaded with their categories."""
    return list(db.session.scalars(badge_query(event, **filters)))


def record_printing(
    event: Event,
    registration_ids: Sequence[int],
    *,
    layout: str,
    by: StaffUser | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Count one print of each badge and audit the batch (flushed, not committed).

    Takes ids, so a caller that built the PDF in a read transaction need not reload the
    rows. The count is incremented in the database (``count + 1``): two organisers printing
    the same badges at once both count. The audit entry says how many were reprints.
    """
    if layout not in LAYOUTS:
        raise DomainError("bad_layout", _l("Unknown badge layout."))
    now = now or utcnow()
    ids = list(dict.fromkeys(registration_ids))
    reprints = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        reprints += db.session.scalar(
            select(func.count()).where(
                Registration.id.in_(chunk),
                Registration.event_id == event.id,
                Registration.badge_print_count > 0,
            )
        )
        db.session.execute(
            update(Registration)
            .where(Registration.id.in_(chunk), Registration.event_id == event.id)
            .values(badge_print_count=Registration.badge_print_count + 1, badge_printed_at=now)
            .execution_options(synchronize_session=False)
        )
    # Objects already loaded in this session must not keep the old counts.
    wanted = set(ids)
    for registration in list(db.session.identity_map.values()):
        if isinstance(registration, Registration) and registration.id in wanted:
            db.session.expire(registration, ["badge_print_count", "badge_printed_at"])
    return audit.record(
        "badge.print",
        obj=event,
        actor=by,
        event_id=event.id,
        details={
            "count": len(ids),
            "reprints": reprints,
            "layout": layout,
            "registration_ids": ids,
        },
    )


def badges_filename(event: Event, layout: str, when: datetime | None = None) -> str:
    """A download name such as ``badges-wad2024-a6-20240520-1430.pdf``."""
    local = (when or utcnow()).astimezone(event.zone)
    return f"badges-{event.slug}-{layout}-{local:%Y%m%d-%H%M}.pdf"


def badge_attachment(registration: Registration) -> Attachment:
    """The e-badge as an e-mail attachment (``badge-<event>.png``)."""
    return Attachment(
        filename=f"badge-{registration.event.slug}.png",
        content_type="image/png",
        data=badge_png(registration),
    )


def badge_attachments(registration: Registration) -> list[Attachment]:
    """The e-badge to attach to a mail about ``registration``: only once it is confirmed."""
    if (
        registration.status != RegistrationStatus.CONFIRMED
        or registration.is_erased
        or not registration.badge_code
    ):
        return []
    return [badge_attachment(registration)]
