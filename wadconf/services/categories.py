"""Delegate categories: the default list every event starts with, editable per event
(rename, colour, approval rule, new categories, order)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from wadconf.extensions import db
from wadconf.models import DelegateCategory, Event, StaffUser
from wadconf.services import DomainError, audit

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
COLOUR_RE = re.compile(r"^#[0-9a-f]{6}$")

#: code, Chinese, English, colour of the badge band
DEFAULT_CATEGORIES = [
    ("government", "政府部门", "Government official", "#b3261e"),
    ("intl_org", "国际组织", "International organisation", "#0b4f8a"),
    ("expert", "专家学者", "Expert or scholar", "#6a3d9a"),
    ("industry_body", "行业机构", "Industry body or association", "#1f78b4"),
    ("ccti_body", "认证检验检测机构", "Certification or testing body", "#33a02c"),
    ("enterprise", "企业代表", "Enterprise", "#ff7f00"),
    ("speaker", "致辞嘉宾", "Speaker or leader", "#a6761d"),
    ("media", "媒体", "Media", "#e7298a"),
    ("staff", "工作人员", "Staff", "#666666"),
]


def ensure_default_categories(event: Event) -> list[DelegateCategory]:
    """Add the default categories the event lacks; returns all of the event's categories."""
    existing = {c.code: c for c in list_categories(event)}
    for position, (code, zh, en, colour) in enumerate(DEFAULT_CATEGORIES):
        if code not in existing:
            category = DelegateCategory(
                event_id=event.id,
                code=code,
                name_zh=zh,
                name_en=en,
                colour=colour,
                position=position,
            )
            db.session.add(category)
            existing[code] = category
    db.session.flush()
    return sorted(existing.values(), key=lambda c: (c.position, c.id))


def list_categories(event: Event) -> list[DelegateCategory]:
    """The event's categories in display order."""
    return list(
        db.session.scalars(
            select(DelegateCategory)
            .where(DelegateCategory.event_id == event.id)
            .order_by(DelegateCategory.position, DelegateCategory.id)
        )
    )


def category_by_code(event: Event, code: str) -> DelegateCategory | None:
    """The event's category with this code."""
    return db.session.scalar(
        select(DelegateCategory).where(
            DelegateCategory.event_id == event.id, DelegateCategory.code == code
        )
    )


def get_category(event: Event, category_id: int) -> DelegateCategory | None:
    """``event``'s category with this id (``None`` for another event's)."""
    return db.session.scalar(
        select(DelegateCategory).where(
            DelegateCategory.id == category_id, DelegateCategory.event_id == event.id
        )
    )


def _clean_fields(name_zh: str, name_en: str, colour: str) -> tuple[str, str, str]:
    """Trimmed names, lower-case colour; raises ``name_missing``, ``too_long``, ``bad_colour``."""
    name_zh, name_en = " ".join(name_zh.split()), " ".join(name_en.split())
    if not (name_zh or name_en):
        raise DomainError(
            "name_missing", _l("Give the category a name in Chinese or English."), field="name_zh"
        )
    for field, value in (("name_zh", name_zh), ("name_en", name_en)):
        if len(value) > 100:
            raise DomainError("too_long", _l("At most %(n)d characters.", n=100), field=field)
    colour = colour.strip().lower()
    if not COLOUR_RE.match(colour):
        raise DomainError("bad_colour", _l("A colour such as #0b4f8a."), field="colour")
    return name_zh, name_en, colour


def update_category(
    category: DelegateCategory,
    *,
    name_zh: str,
    name_en: str,
    colour: str,
    requires_approval: bool,
    highlight_arrivals: bool | None = None,
    by: StaffUser | None = None,
) -> list[str]:
    """Rename a category, change its colour, approval rule or dashboard call-out.

    Returns the changed fields; ``highlight_arrivals=None`` leaves the call-out as it is.
    """
    name_zh, name_en, colour = _clean_fields(name_zh, name_en, colour)
    changed = []
    values = [
        ("name_zh", name_zh),
        ("name_en", name_en),
        ("colour", colour),
        ("requires_approval", bool(requires_approval)),
    ]
    if highlight_arrivals is not None:
        values.append(("highlight_arrivals", bool(highlight_arrivals)))
    for name, value in values:
        if getattr(category, name) != value:
            changed.append(name)
            setattr(category, name, value)
    if changed:
        db.session.flush()
        audit.record(
            "category.update",
            obj=category,
            actor=by,
            event_id=category.event_id,
            details={"code": category.code, "fields": changed},
        )
    return changed


def add_category(
    event: Event,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    colour: str = "#0b4f8a",
    requires_approval: bool = False,
    highlight_arrivals: bool = False,
    by: StaffUser | None = None,
) -> DelegateCategory:
    """Add a category at the end of ``event``'s list; raises ``bad_code`` or ``code_taken``."""
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise DomainError(
            "bad_code", _l("Lower-case letters, digits and underscores, e.g. guest."), field="code"
        )
    name_zh, name_en, colour = _clean_fields(name_zh, name_en, colour)
    # Lock the event so that two organisers adding the same code meet the check, not the index.
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    if category_by_code(event, code) is not None:
        raise DomainError(
            "code_taken", _l("This event already has a category with this code."), field="code"
        )
    last = db.session.scalar(
        select(func.max(DelegateCategory.position)).where(DelegateCategory.event_id == event.id)
    )
    category = DelegateCategory(
        event_id=event.id,
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        colour=colour,
        requires_approval=bool(requires_approval),
        highlight_arrivals=bool(highlight_arrivals),
        position=(last if last is not None else -1) + 1,
    )
    db.session.add(category)
    db.session.flush()
    audit.record(
        "category.create", obj=category, actor=by, event_id=event.id, details={"code": code}
    )
    return category


def move_category(category: DelegateCategory, offset: int, *, by: StaffUser | None = None) -> bool:
    """Move ``category`` ``offset`` places (-1 up, +1 down); ``False`` at either end."""
    event = db.session.get(Event, category.event_id)
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    ordered = list_categories(event)
    index = ordered.index(category)
    target = index + offset
    if offset == 0 or not 0 <= target < len(ordered):
        return False
    ordered.insert(target, ordered.pop(index))
    # Renumber all: positions may have gaps or ties (defaults, imports, older data).
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    audit.record(
        "category.move",
        obj=category,
        actor=by,
        event_id=category.event_id,
        details={"code": category.code, "position": target},
    )
    return True
