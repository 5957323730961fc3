"""Delegate categories: the default list every event starts with, editable per event."""

from __future__ import annotations

from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import DelegateCategory, Event

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
                event_id=event.id, code=code, name_zh=zh, name_en=en, colour=colour, position=position
            )
            db.session.add(category)
            existing[code] = category
    db.session.flush()
    return sorted(existing.values(), key=lambda c: (c.position, c.id))


def list_categories(event: Event) -> list[DelegateCategory]:
    """The event's categories in display order."""
    return list(db.session.scalars(
        select(DelegateCategory)
        .where(DelegateCategory.event_id == event.id)
        .order_by(DelegateCategory.position, DelegateCategory.id)
    ))


def category_by_code(event: Event, code: str) -> DelegateCategory | None:
    """The event's category with this code."""
    return db.session.scalar(
        select(DelegateCategory).where(DelegateCategory.event_id == event.id, DelegateCategory.code == code)
    )
