"""Undoing an accepted entry: once, within 10 minutes, with a reason; the scan stays logged."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import CheckIn, Scan, ScanDirection, Verdict
from wadconf.services import DomainError
from wadconf.services.checkin_rows import _SCAN, may_scan

#: How long after an accepted entry staff may still annul it.
UNDO_WINDOW = timedelta(minutes=10)


def annul_check_in(
    scan_id: int, *, staff: Any, reason: str, now: datetime | None = None
) -> CheckIn:
    """Undo the accepted entry that scan ``scan_id`` recorded: once, within 10 minutes.

    The entry stops counting (``annulled_at``); the scans stay in the log; the undo is
    audited. DomainError codes: ``not_found``, ``forbidden``, ``not_an_entry``,
    ``reason_required``, ``already_annulled``, ``undo_too_late``.
    """
    from wadconf.services import audit

    now = now or utcnow()
    scan = db.session.get(Scan, scan_id)
    if scan is None:
        raise DomainError("not_found", _("No such scan."))
    if not may_scan(staff, scan.event_id):
        raise DomainError("forbidden", _("Your account may not scan at this checkpoint."))
    entry = (
        db.session.get(CheckIn, scan.check_in_id, with_for_update=True)
        if scan.check_in_id
        else None
    )
    if (
        entry is None
        or scan.verdict != Verdict.OK
        or scan.direction != ScanDirection.IN
        or _first_accepting_scan(entry.id) != scan.id
    ):
        raise DomainError(
            "not_an_entry", _("This scan did not admit anyone; there is nothing to undo.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Say why the entry is undone."))
    if entry.annulled_at is not None:
        raise DomainError("already_annulled", _("This entry was already undone."))
    if now - entry.checked_in_at > UNDO_WINDOW:
        raise DomainError("undo_too_late", _("An entry can be undone only within 10 minutes."))
    entry.annulled_at = now
    entry.annulled_by_id = staff.id if staff is not None else None
    entry.annul_reason = reason[:300]
    db.session.flush()
    audit.record(
        "checkin.annul",
        obj=entry,
        actor=staff,
        event_id=entry.event_id,
        details={
            "scan_id": scan.id,
            "registration_id": entry.registration_id,
            "checkpoint_id": entry.checkpoint_id,
            "reason": entry.annul_reason,
        },
    )
    return entry


def _first_accepting_scan(check_in_id: int) -> int | None:
    return db.session.scalar(
        select(_SCAN.c.id)
        .where(
            _SCAN.c.check_in_id == check_in_id,
            _SCAN.c.verdict == Verdict.OK.value,
            _SCAN.c.direction == ScanDirection.IN.value,
        )
        .order_by(_SCAN.c.id)
        .limit(1)
    )
