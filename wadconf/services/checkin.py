"""Deciding a scan at a checkpoint: one verdict from a fixed vocabulary, every scan logged.

:func:`perform_scan` is the one entry point (the fallback search path goes through it
too); it is :func:`decide_scan` (read) then :func:`record_scan` (write). It is built for a
busy gate: three plain SQL statements (:mod:`checkin_sql`, :mod:`checkin_rows`) and no
ORM loads.

1. one ``SELECT`` reads the checkpoint, its event's zone, the registration the code
   names (same event only), its category, whether the checkpoint admits that category,
   the live entry at this checkpoint and, when a nonce was sent, the scan that already
   carries it;
2. an accepted entry is an ``INSERT ... ON CONFLICT DO NOTHING`` on the partial unique
   index ``uq_check_ins_live_entry``: two gates that scan one badge at the same instant
   record one entry, and the loser learns so from the missing ``RETURNING`` row;
3. the scan itself is one ``INSERT`` (``ON CONFLICT DO NOTHING`` on ``(checkpoint_id,
   nonce)`` when a nonce was sent, so a retry that raced its original replays it).

Constraint and lock: the unique indexes decide, so the read may be stale without harm.
On SQLite the write phase runs as ``BEGIN IMMEDIATE`` (writers queue on a file lock in
front of it, :mod:`wadconf.database`); the scan API reads in an earlier, deferred
transaction so the write lock is held for the two inserts only. On PostgreSQL the unique
index makes concurrent inserts wait for each other and all but one do nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    Checkpoint,
    ReentryPolicy,
    RegistrationStatus,
    ScanDirection,
    ScanMethod,
    Verdict,
)
from wadconf.models.checkin import BADGE_PREFIX
from wadconf.services import DomainError
from wadconf.services import checkin_sql as sql
from wadconf.services.checkin_messages import verdict_message
from wadconf.services.checkin_rows import (
    _CP,
    _EV,
    _INSERT_SCAN_SQL,
    _REG,
    _SCAN,
    _add_entry,
    _decision_row,
    _live_entry,
    _local_time,
    _registration_dict,
    _retired_registration,
    _set_inside,
    registration_summary,
)
from wadconf.services.checkin_rows import may_scan as _may_scan

_REFUSED_STATUSES = {RegistrationStatus.CANCELLED.value, RegistrationStatus.REJECTED.value}
_UNCONFIRMED_STATUSES = {RegistrationStatus.PENDING.value, RegistrationStatus.WAITLISTED.value}


@dataclass(frozen=True)
class ScanResult:
    """What a scan decided, as the scanner shows it."""

    verdict: Verdict
    message: str
    scan_id: int
    registration: dict[str, Any] | None = None
    #: The first accepted live entry at this checkpoint (None: none).
    checked_in_at: datetime | None = None
    checked_in_device: str = ""
    check_in_id: int | None = None
    #: True when the nonce was seen before: this is the first scan's verdict, nothing new.
    replayed: bool = False


def normalise_code(code: str | None) -> str:
    """What a scanner sent, as stored codes are spelled: trimmed, upper case."""
    return (code or "").strip().upper()


_ENROLLED_SQL = """
SELECT EXISTS (
    SELECT 1 FROM checkpoints cp
    JOIN enrolments e ON e.session_id = cp.session_id
    WHERE cp.id = :checkpoint_id AND e.registration_id = :registration_id
      AND e.status = 'enrolled'
)
"""


def _enrolled_in_linked_session(registration_id: int, checkpoint_id: int) -> bool:
    """The ``enrolled`` rule: whether the delegate holds a place in the checkpoint's session.

    One ``EXISTS`` on the index ``ix_enrolments_registration_status``; waiting-list and
    cancelled enrolments do not count, and a checkpoint without a session admits nobody.
    It runs where the scan's other statements run (:class:`checkin_sql.Statements`: the
    session's connection, or the bearer fast path's own), so every scan path reads it.
    """
    row = sql.fetch_one(
        _ENROLLED_SQL, {"checkpoint_id": checkpoint_id, "registration_id": registration_id}
    )
    return bool(row and row[0])


def _is_open(row, now: datetime) -> bool:
    if not row.is_active:
        return False
    if row.opens_at is not None and now < row.opens_at:
        return False
    return not (row.closes_at is not None and now >= row.closes_at)


def _rule_allows(row) -> bool:
    rule = AdmissionRule(row.rule)
    if rule == AdmissionRule.CATEGORIES:
        return bool(row.category_allowed)
    if rule == AdmissionRule.ENROLLED:
        return _enrolled_in_linked_session(row.reg_id, row.cp_id)
    return True


def _refusal(row, code: str, now: datetime) -> tuple[Verdict | None, int | None]:
    """The refusing verdict in the contract's order, or None; and the registration named."""
    if row.reg_id is None:
        if code.startswith(BADGE_PREFIX):
            retired = _retired_registration(code, row.event_id)
            if retired is not None:
                return Verdict.REISSUED, retired
        return Verdict.UNKNOWN_CODE, None
    if row.status in _REFUSED_STATUSES or row.personal_data_erased_at is not None:
        return Verdict.CANCELLED, row.reg_id
    if row.status in _UNCONFIRMED_STATUSES:
        return Verdict.NOT_CONFIRMED, row.reg_id
    if not _is_open(row, now):
        return Verdict.NOT_OPEN, row.reg_id
    if not _rule_allows(row):
        return Verdict.NOT_ALLOWED, row.reg_id
    return None, row.reg_id


@dataclass(frozen=True)
class ScanDecision:
    """What the read phase of a scan found (:func:`decide_scan`); nothing written yet."""

    row: Any
    code: str
    nonce: str | None
    direction: ScanDirection
    now: datetime
    #: A refusal, or None when the rules pass (the write phase admits or finds an entry).
    verdict: Verdict | None
    registration_id: int | None
    #: The earlier scan with this nonce: the result is a replay of it.
    replay_of: int | None = None


def perform_scan(
    code: str | None,
    *,
    checkpoint: Checkpoint | int,
    staff: Any = None,
    api_token: Any = None,
    device: str = "",
    nonce: str | None = None,
    method: ScanMethod = ScanMethod.API,
    direction: ScanDirection = ScanDirection.IN,
    now: datetime | None = None,
) -> ScanResult:
    """Decide the scan of ``code`` at ``checkpoint``, log it, and record an accepted entry.

    ``checkpoint`` is a :class:`Checkpoint` or its id; ``staff`` a StaffUser (or anything
    with ``id``, ``has_role`` and ``may_act_for_event``), ``api_token`` an ApiToken or its id.
    Raises ``DomainError`` ``checkpoint_not_found``, ``forbidden`` (the staff may not scan
    at this event) or ``exit_not_allowed`` (an exit scan at an ``once`` checkpoint); every
    refusal of the delegate is a verdict, not an error.

    This is :func:`decide_scan` then :func:`record_scan` in the caller's transaction; the
    scan API runs the two in separate transactions on SQLite (see there).
    """
    decision = decide_scan(
        code, checkpoint=checkpoint, staff=staff, nonce=nonce, direction=direction, now=now
    )
    return record_scan(decision, staff=staff, api_token=api_token, device=device, method=method)


def decide_scan(
    code: str | None,
    *,
    checkpoint: Checkpoint | int,
    staff: Any = None,
    nonce: str | None = None,
    direction: ScanDirection = ScanDirection.IN,
    now: datetime | None = None,
) -> ScanDecision:
    """The read phase: one query, the rules in order; writes nothing.

    Safe to run in an earlier transaction than :func:`record_scan`: whatever changes in
    between (another gate's entry, a retry's original) is caught there by the unique
    indexes, not by this read.
    """
    now = now or utcnow()
    code = normalise_code(code)
    nonce = (nonce or "").strip()[:64] or None
    direction = ScanDirection(direction)
    checkpoint_id = checkpoint if isinstance(checkpoint, int) else checkpoint.id
    row = _decision_row(
        sql.Statements(),
        checkpoint_id,
        code,
        nonce,
        with_registration=code.startswith(BADGE_PREFIX),
    )
    if row is None:
        raise DomainError("checkpoint_not_found", _("No such checkpoint."))
    if not _may_scan(staff, row.event_id):
        raise DomainError("forbidden", _("Your account may not scan at this checkpoint."))
    if direction == ScanDirection.OUT and row.reentry != ReentryPolicy.IN_OUT.value:
        raise DomainError("exit_not_allowed", _("This checkpoint records entries only."))
    if nonce and row.nonce_scan_id is not None:
        return ScanDecision(row, code, nonce, direction, now, None, None, row.nonce_scan_id)
    verdict, registration_id = _refusal(row, code, now)
    return ScanDecision(row, code, nonce, direction, now, verdict, registration_id)


def record_scan(
    decision: ScanDecision,
    *,
    staff: Any = None,
    api_token: Any = None,
    device: str = "",
    method: ScanMethod = ScanMethod.API,
) -> ScanResult:
    """The write phase: the accepted entry (``ON CONFLICT DO NOTHING``) and the scan log."""
    if decision.replay_of is not None:
        return replay_scan(decision.replay_of)
    st = sql.Statements()
    row, verdict, now = decision.row, decision.verdict, decision.now
    device = (device or "").strip()[:100]
    staff_id = staff.id if staff is not None else None
    entry_id, entry_at, entry_device = row.ci_id, row.checked_in_at, row.ci_device or ""
    created_entry = None
    if verdict is None:
        verdict, entry_id, entry_at, entry_device, created_entry = _admit(
            st, row, decision.direction, staff_id=staff_id, device=device, now=now
        )
    scan_values = dict(
        event_id=row.event_id,
        checkpoint_id=row.cp_id,
        registration_id=decision.registration_id,
        check_in_id=entry_id,
        code=decision.code[:100],
        verdict=verdict.value,
        direction=decision.direction.value,
        method=ScanMethod(method).value,
        staff_user_id=staff_id,
        api_token_id=getattr(api_token, "id", api_token),
        device=device,
        nonce=decision.nonce,
        scanned_at=now,
    )
    insert = _INSERT_SCAN_SQL
    if decision.nonce:
        insert += " ON CONFLICT (checkpoint_id, nonce) DO NOTHING"
    inserted = st.fetch_one(insert + " RETURNING id", scan_values)
    if inserted is None:
        # A retry whose original was recorded after our read: the original stands and
        # this request records nothing.
        if created_entry is not None:
            st.execute("DELETE FROM check_ins WHERE id = :id", {"id": created_entry})
        first = st.fetch_one(
            "SELECT id FROM scans WHERE checkpoint_id = :checkpoint_id AND nonce = :nonce",
            {"checkpoint_id": row.cp_id, "nonce": decision.nonce},
        )
        return replay_scan(first[0])

    context = {"exit": decision.direction == ScanDirection.OUT}
    if verdict == Verdict.ALREADY_CHECKED_IN:
        context.update(time=_local_time(entry_at, row.timezone), device=entry_device)
    return ScanResult(
        verdict=verdict,
        message=verdict_message(verdict, **context),
        scan_id=inserted[0],
        registration=_registration_dict(row),
        checked_in_at=entry_at,
        checked_in_device=entry_device if entry_at else "",
        check_in_id=entry_id,
    )


def _admit(
    st: sql.Statements, row, direction: ScanDirection, *, staff_id, device: str, now: datetime
):
    """The rules passed: record the entry (or exit). Returns verdict, entry id/time/device, new."""
    in_out = row.reentry == ReentryPolicy.IN_OUT.value
    if direction == ScanDirection.OUT:
        if row.ci_id is not None and row.is_inside:
            _set_inside(st, row.ci_id, False)
        return Verdict.OK, row.ci_id, row.checked_in_at, row.ci_device or "", None
    if row.ci_id is None:
        new_id = _add_entry(st, row, staff_id=staff_id, device=device, now=now)
        if new_id is not None:
            return Verdict.OK, new_id, now, device, new_id
        # Another gate's entry committed after our read (PostgreSQL): it wins.
        live = _live_entry(st, row.reg_id, row.cp_id)
        if live is None:  # annulled in between; the next scan will decide afresh
            return Verdict.ALREADY_CHECKED_IN, None, None, "", None
        if not (in_out and not live.is_inside):
            return Verdict.ALREADY_CHECKED_IN, live.id, live.checked_in_at, live.device, None
        row = row._replace(
            ci_id=live.id,
            checked_in_at=live.checked_in_at,
            ci_device=live.device,
            is_inside=live.is_inside,
        )
    if in_out and not row.is_inside:
        # Re-entry after an exit: the one entry row flips back inside; the scan logs it.
        flipped = _set_inside(st, row.ci_id, True)
        verdict = Verdict.OK if flipped else Verdict.ALREADY_CHECKED_IN
        return verdict, row.ci_id, row.checked_in_at, row.ci_device or "", None
    return Verdict.ALREADY_CHECKED_IN, row.ci_id, row.checked_in_at, row.ci_device or "", None


def replay_scan(scan_id: int) -> ScanResult:
    """The result of scan ``scan_id`` again, marked ``replayed`` (a retried request)."""
    scan = sql.run_core(
        select(
            _SCAN.c.id,
            _SCAN.c.verdict,
            _SCAN.c.direction,
            _SCAN.c.code,
            _SCAN.c.registration_id,
            _SCAN.c.checkpoint_id,
            _EV.c.timezone,
        )
        .select_from(_SCAN.join(_EV, _EV.c.id == _SCAN.c.event_id))
        .where(_SCAN.c.id == scan_id)
    ).one()
    registration = None
    entry = None
    if scan.registration_id is not None:
        registration = registration_summary(scan.registration_id)
        entry = _live_entry(sql.Statements(), scan.registration_id, scan.checkpoint_id)
    verdict = Verdict(scan.verdict)
    context: dict[str, Any] = {"exit": scan.direction == ScanDirection.OUT.value}
    if verdict == Verdict.ALREADY_CHECKED_IN and entry is not None:
        context.update(time=_local_time(entry.checked_in_at, scan.timezone), device=entry.device)
    return ScanResult(
        verdict=verdict,
        message=verdict_message(verdict, **context),
        scan_id=scan.id,
        registration=registration,
        checked_in_at=entry.checked_in_at if entry else None,
        checked_in_device=entry.device if entry else "",
        check_in_id=entry.id if entry else None,
        replayed=True,
    )


def check_in_registration(
    registration_id: int,
    *,
    checkpoint: Checkpoint | int,
    staff: Any,
    device: str = "",
    nonce: str | None = None,
    api_token: Any = None,
    now: datetime | None = None,
) -> ScanResult:
    """Check in a delegate found by search (no badge at hand): the same rules as a scan.

    The registration's badge code is scanned with method ``search``; a registration of
    another event, or none, is ``unknown_code``.
    """
    checkpoint_id = checkpoint if isinstance(checkpoint, int) else checkpoint.id
    code = db.session.scalar(
        select(_REG.c.badge_code)
        .select_from(_REG.join(_CP, _CP.c.event_id == _REG.c.event_id))
        .where(_REG.c.id == registration_id, _CP.c.id == checkpoint_id)
    )
    return perform_scan(
        code or "",
        checkpoint=checkpoint_id,
        staff=staff,
        api_token=api_token,
        device=device,
        nonce=nonce,
        method=ScanMethod.SEARCH,
        now=now,
    )


# The rest of the service, importable from here as the contract names it.
from wadconf.services.checkin_messages import message_locale  # noqa: E402,F401
from wadconf.services.checkin_rows import SCAN_ROLES  # noqa: E402,F401
from wadconf.services.checkin_search import search_delegates  # noqa: E402,F401
from wadconf.services.checkin_undo import UNDO_WINDOW, annul_check_in  # noqa: E402,F401
