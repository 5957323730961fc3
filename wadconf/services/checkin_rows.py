"""The statements of a scan and the rows they read (plain SQL, see :mod:`checkin_sql`)."""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from wadconf.models import (
    CheckIn,
    Checkpoint,
    DelegateCategory,
    Event,
    Registration,
    RetiredBadgeCode,
    Role,
    Scan,
)
from wadconf.models.checkin import checkpoint_categories
from wadconf.services import checkin_sql as sql

#: Roles that may scan (admins always may); reporters never.
SCAN_ROLES = (Role.CHECKIN, Role.ORGANIZER)

_CP = Checkpoint.__table__
_EV = Event.__table__
_REG = Registration.__table__
_CAT = DelegateCategory.__table__
_CI = CheckIn.__table__
_SCAN = Scan.__table__
_CPCAT = checkpoint_categories


def may_scan(staff: Any, event_id: int) -> bool:
    """Whether ``staff`` (None: the system) may scan at event ``event_id``."""
    return staff is None or (staff.has_role(*SCAN_ROLES) and staff.may_act_for_event(event_id))


_DECISION_COLUMNS = (
    "cp_id event_id rule reentry opens_at closes_at is_active timezone "
    "reg_id status personal_data_erased_at name_zh name_en organisation position country "
    "cat_code cat_name_zh cat_name_en cat_colour category_allowed "
    "ci_id checked_in_at ci_device is_inside nonce_scan_id"
)
_DecisionRow = namedtuple("_DecisionRow", _DECISION_COLUMNS)
_DECISION_SQL = """
SELECT cp.id, cp.event_id, cp.rule, cp.reentry, cp.opens_at, cp.closes_at, cp.is_active,
       ev.timezone,
       r.id, r.status, r.personal_data_erased_at, r.name_zh, r.name_en, r.organisation,
       r.position, r.country,
       c.code, c.name_zh, c.name_en, c.colour,
       EXISTS (SELECT 1 FROM checkpoint_categories cc
               WHERE cc.checkpoint_id = cp.id AND cc.category_id = r.category_id),
       ci.id, ci.checked_in_at, ci.device, ci.is_inside,
       (SELECT s.id FROM scans s WHERE s.checkpoint_id = cp.id AND s.nonce = :nonce)
FROM checkpoints cp
JOIN events ev ON ev.id = cp.event_id
LEFT JOIN registrations r ON r.badge_code = :code AND r.event_id = cp.event_id
LEFT JOIN delegate_categories c ON c.id = r.category_id
LEFT JOIN check_ins ci ON ci.registration_id = r.id AND ci.checkpoint_id = cp.id
                      AND ci.annulled_at IS NULL
WHERE cp.id = :checkpoint
"""


def _decision_row(
    st: sql.Statements, checkpoint_id: int, code: str, nonce: str | None, *, with_registration: bool
):
    """One query: checkpoint, zone, the named registration and category, live entry, nonce.

    A code without our prefix is bound as NULL, which equals nothing: a manage token or
    a database id is never even looked up.
    """
    row = st.fetch_one(
        _DECISION_SQL,
        {
            "checkpoint": checkpoint_id,
            "code": code if with_registration else None,
            "nonce": nonce,
        },
    )
    if row is None:
        return None
    row = _DecisionRow(*row)
    return row._replace(
        opens_at=sql.as_datetime(row.opens_at),
        closes_at=sql.as_datetime(row.closes_at),
        checked_in_at=sql.as_datetime(row.checked_in_at),
        personal_data_erased_at=row.personal_data_erased_at,
    )


def _registration_dict(row) -> dict[str, Any] | None:
    if row.reg_id is None:
        return None
    category = None
    if row.cat_code is not None:
        category = {
            "code": row.cat_code,
            "name_zh": row.cat_name_zh,
            "name_en": row.cat_name_en,
            "colour": row.cat_colour,
        }
    return {
        "id": row.reg_id,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "organisation": row.organisation,
        "position": row.position,
        "country": row.country,
        "category": category,
        "status": row.status if isinstance(row.status, str) else row.status.value,
    }


def _retired_registration(code: str, event_id: int) -> int | None:
    return sql.run_core(
        select(_REG.c.id)
        .select_from(
            RetiredBadgeCode.__table__.join(
                _REG, _REG.c.id == RetiredBadgeCode.__table__.c.registration_id
            )
        )
        .where(RetiredBadgeCode.__table__.c.code == code, _REG.c.event_id == event_id)
    ).scalar()


_INSERT_ENTRY_SQL = """
INSERT INTO check_ins (event_id, registration_id, checkpoint_id, checked_in_at, staff_user_id,
                       device, is_inside, annul_reason)
VALUES (:event_id, :registration_id, :checkpoint_id, :now, :staff_id, :device, :inside, '')
ON CONFLICT (registration_id, checkpoint_id) WHERE annulled_at IS NULL DO NOTHING
RETURNING id
"""
_LIVE_ENTRY_SQL = """
SELECT id, checked_in_at, device, is_inside FROM check_ins
WHERE registration_id = :registration_id AND checkpoint_id = :checkpoint_id
  AND annulled_at IS NULL
"""
_LiveEntry = namedtuple("_LiveEntry", "id checked_in_at device is_inside")
_INSERT_SCAN_SQL = """
INSERT INTO scans (event_id, checkpoint_id, registration_id, check_in_id, code, verdict,
                   direction, method, staff_user_id, api_token_id, device, nonce, scanned_at)
VALUES (:event_id, :checkpoint_id, :registration_id, :check_in_id, :code, :verdict,
        :direction, :method, :staff_user_id, :api_token_id, :device, :nonce, :scanned_at)
"""


def _add_entry(st: sql.Statements, row, *, staff_id, device: str, now: datetime) -> int | None:
    """Insert the accepted entry unless a live one exists; its id, or None when one did."""
    inserted = st.fetch_one(
        _INSERT_ENTRY_SQL,
        {
            "event_id": row.event_id,
            "registration_id": row.reg_id,
            "checkpoint_id": row.cp_id,
            "now": now,
            "staff_id": staff_id,
            "device": device,
            "inside": True,
        },
    )
    return inserted[0] if inserted else None


def _live_entry(st: sql.Statements, registration_id: int, checkpoint_id: int):
    found = st.fetch_one(
        _LIVE_ENTRY_SQL, {"registration_id": registration_id, "checkpoint_id": checkpoint_id}
    )
    if found is None:
        return None
    return _LiveEntry(found[0], sql.as_datetime(found[1]), found[2], bool(found[3]))


def _set_inside(st: sql.Statements, entry_id: int, inside: bool) -> int:
    """Flip ``is_inside``; 1 when this call changed it (0: someone else did first)."""
    return st.execute(
        "UPDATE check_ins SET is_inside = :inside WHERE id = :id AND is_inside = :was",
        {"inside": inside, "was": not inside, "id": entry_id},
    )


def _local_time(value: datetime | None, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%H:%M") if value else ""


def registration_summary(registration_id: int) -> dict[str, Any] | None:
    """The registration as a scan result shows it (no contact data)."""
    row = sql.run_core(
        select(
            _REG.c.id.label("reg_id"),
            _REG.c.status,
            _REG.c.name_zh,
            _REG.c.name_en,
            _REG.c.organisation,
            _REG.c.position,
            _REG.c.country,
            _CAT.c.code.label("cat_code"),
            _CAT.c.name_zh.label("cat_name_zh"),
            _CAT.c.name_en.label("cat_name_en"),
            _CAT.c.colour.label("cat_colour"),
        )
        .select_from(_REG.outerjoin(_CAT, _CAT.c.id == _REG.c.category_id))
        .where(_REG.c.id == registration_id)
    ).first()
    return _registration_dict(row) if row else None
