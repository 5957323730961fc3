"""Finding a delegate without a badge at a checkpoint (name, organisation or phone tail)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select

from wadconf.extensions import db
from wadconf.models import CheckIn, Checkpoint, DelegateCategory, Registration
from wadconf.services.privacy import mask_mobile

_REG = Registration.__table__
_CAT = DelegateCategory.__table__
_CI = CheckIn.__table__


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_delegates(checkpoint: Checkpoint | int, query: str, *, limit: int = 20) -> list[dict]:
    """Registrations of the checkpoint's event matching ``query``, best for a gate to pick from.

    Matches the Chinese or English name or the organisation (substring), or, for 4 or
    more digits, the end of the mobile number. Erased registrations are never found.
    Each result carries a masked mobile and the live entry time at this checkpoint.
    """
    query = (query or "").strip()
    # One Chinese character can be a surname worth searching; one Latin letter is noise.
    if not query or (len(query) < 2 and query.isascii()):
        return []
    if isinstance(checkpoint, int):
        checkpoint = db.session.get(Checkpoint, checkpoint)
    digits = "".join(ch for ch in query if ch.isdigit())
    pattern = _like(query)
    conditions = [
        _REG.c.name_zh.like(pattern, escape="\\"),
        _REG.c.name_en.like(pattern, escape="\\"),
        _REG.c.organisation.like(pattern, escape="\\"),
    ]
    if len(digits) >= 4 and len(digits) == len(query.replace(" ", "")):
        conditions.append(_REG.c.mobile.like(f"%{digits}"))
    if db.session.get_bind().dialect.name == "postgresql":
        # PostgreSQL's LIKE is case-sensitive; SQLite's already ignores ASCII case.
        conditions[:3] = [
            col.ilike(pattern, escape="\\")
            for col in (_REG.c.name_zh, _REG.c.name_en, _REG.c.organisation)
        ]
    rows = db.session.execute(
        select(
            _REG.c.id,
            _REG.c.name_zh,
            _REG.c.name_en,
            _REG.c.organisation,
            _REG.c.mobile,
            _REG.c.status,
            _CAT.c.code.label("cat_code"),
            _CAT.c.name_zh.label("cat_name_zh"),
            _CAT.c.name_en.label("cat_name_en"),
            _CAT.c.colour.label("cat_colour"),
            _CI.c.checked_in_at,
        )
        .select_from(
            _REG.outerjoin(_CAT, _CAT.c.id == _REG.c.category_id).outerjoin(
                _CI,
                and_(
                    _CI.c.registration_id == _REG.c.id,
                    _CI.c.checkpoint_id == checkpoint.id,
                    _CI.c.annulled_at.is_(None),
                ),
            )
        )
        .where(
            _REG.c.event_id == checkpoint.event_id,
            _REG.c.personal_data_erased_at.is_(None),
            or_(*conditions),
        )
        .order_by(_REG.c.name_en, _REG.c.name_zh, _REG.c.id)
        .limit(limit)
    ).all()
    return [_result(row) for row in rows]


def _result(row) -> dict[str, Any]:
    category = None
    if row.cat_code is not None:
        category = {
            "code": row.cat_code,
            "name_zh": row.cat_name_zh,
            "name_en": row.cat_name_en,
            "colour": row.cat_colour,
        }
    return {
        "id": row.id,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "organisation": row.organisation,
        "category": category,
        "mobile": mask_mobile(row.mobile) if row.mobile else "",
        "status": str(row.status.value if hasattr(row.status, "value") else row.status),
        "checked_in_at": row.checked_in_at.isoformat() if row.checked_in_at else None,
    }
