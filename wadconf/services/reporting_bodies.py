"""The reporting bodies of an event's series activities: preload, add, edit, deactivate."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from wadconf.extensions import db
from wadconf.models import Event, StaffUser
from wadconf.models.series import BodyKind, ReportingBody
from wadconf.services import DomainError, audit
from wadconf.services.accounts import normalise_email

_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

#: The 31 provinces, autonomous regions and municipalities in the national order, then the
#: Xinjiang Production and Construction Corps: (code, Chinese name, English name) of each
#: one's market regulator, the bodies the notice addresses. Public institution names.
PROVINCIAL_BODIES: tuple[tuple[str, str, str], ...] = tuple(
    (code, f"{zh}市场监督管理局", f"{en} Administration for Market Regulation")
    for code, zh, en in (
        ("beijing", "北京市", "Beijing"),
        ("tianjin", "天津市", "Tianjin"),
        ("hebei", "河北省", "Hebei"),
        ("shanxi", "山西省", "Shanxi"),
        ("neimenggu", "内蒙古自治区", "Inner Mongolia Autonomous Region"),
        ("liaoning", "辽宁省", "Liaoning"),
        ("jilin", "吉林省", "Jilin"),
        ("heilongjiang", "黑龙江省", "Heilongjiang"),
        ("shanghai", "上海市", "Shanghai"),
        ("jiangsu", "江苏省", "Jiangsu"),
        ("zhejiang", "浙江省", "Zhejiang"),
        ("anhui", "安徽省", "Anhui"),
        ("fujian", "福建省", "Fujian"),
        ("jiangxi", "江西省", "Jiangxi"),
        ("shandong", "山东省", "Shandong"),
        ("henan", "河南省", "Henan"),
        ("hubei", "湖北省", "Hubei"),
        ("hunan", "湖南省", "Hunan"),
        ("guangdong", "广东省", "Guangdong"),
        ("guangxi", "广西壮族自治区", "Guangxi Zhuang Autonomous Region"),
        ("hainan", "海南省", "Hainan"),
        ("chongqing", "重庆市", "Chongqing"),
        ("sichuan", "四川省", "Sichuan"),
        ("guizhou", "贵州省", "Guizhou"),
        ("yunnan", "云南省", "Yunnan"),
        ("xizang", "西藏自治区", "Xizang Autonomous Region"),
        ("shaanxi", "陕西省", "Shaanxi"),
        ("gansu", "甘肃省", "Gansu"),
        ("qinghai", "青海省", "Qinghai"),
        ("ningxia", "宁夏回族自治区", "Ningxia Hui Autonomous Region"),
        ("xinjiang", "新疆维吾尔自治区", "Xinjiang Uygur Autonomous Region"),
        ("xpcc", "新疆生产建设兵团", "Xinjiang Production and Construction Corps"),
    )
)


def list_bodies(event: Event, *, active_only: bool = False) -> list[ReportingBody]:
    """The event's reporting bodies in their order."""
    query = select(ReportingBody).where(ReportingBody.event_id == event.id)
    if active_only:
        query = query.where(ReportingBody.is_active.is_(True))
    return list(db.session.scalars(query.order_by(ReportingBody.position, ReportingBody.id)))


def get_body(event: Event, body_id: int) -> ReportingBody | None:
    """``event``'s body ``body_id`` (None for another event's)."""
    body = db.session.get(ReportingBody, body_id)
    return body if body is not None and body.event_id == event.id else None


def _next_position(event: Event) -> int:
    last = db.session.scalar(
        select(func.max(ReportingBody.position)).where(ReportingBody.event_id == event.id)
    )
    return (last or 0) + 1


def _clean_names(name_zh: str, name_en: str) -> tuple[str, str]:
    name_zh, name_en = name_zh.strip(), name_en.strip()
    if not name_zh and not name_en:
        raise DomainError(
            "name_required", _l("Give the name in Chinese or English."), field="name_zh"
        )
    return name_zh, name_en


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        return normalise_email(email)
    except DomainError as exc:
        raise DomainError(exc.code, exc.message, field="contact_email") from exc


def _kind(kind: BodyKind | str) -> BodyKind:
    try:
        return BodyKind(kind)
    except ValueError as exc:
        raise DomainError("bad_kind", _l("Unknown kind of body."), field="kind") from exc


def preload_provincial_bodies(event: Event, *, by: StaffUser | None = None) -> int:
    """Add the 32 provincial-level market regulators the event lacks; return how many."""
    existing = set(
        db.session.scalars(select(ReportingBody.code).where(ReportingBody.event_id == event.id))
    )
    position = _next_position(event)
    added = 0
    for code, name_zh, name_en in PROVINCIAL_BODIES:
        if code in existing:
            continue
        db.session.add(
            ReportingBody(
                event_id=event.id,
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                kind=BodyKind.PROVINCE,
                position=position,
            )
        )
        position += 1
        added += 1
    db.session.flush()
    if added:
        audit.record(
            "series.bodies_preload",
            obj=event,
            actor=by,
            event_id=event.id,
            details={"added": added},
        )
    return added


def add_body(
    event: Event,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    kind: BodyKind | str = BodyKind.OTHER,
    contact_email: str = "",
    by: StaffUser | None = None,
) -> ReportingBody:
    """Add a body at the end of the list; raises ``bad_code``, ``code_taken``, ``name_required``."""
    code = (code or "").strip().lower()
    if not _CODE_RE.match(code):
        raise DomainError(
            "bad_code",
            _l("Use lower-case letters, digits, hyphens and underscores (at most 40)."),
            field="code",
        )
    taken = db.session.scalar(
        select(ReportingBody.id).where(
            ReportingBody.event_id == event.id, ReportingBody.code == code
        )
    )
    if taken is not None:
        raise DomainError("code_taken", _l("Another body already has this code."), field="code")
    name_zh, name_en = _clean_names(name_zh, name_en)
    body = ReportingBody(
        event_id=event.id,
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        kind=_kind(kind),
        contact_email=_clean_email(contact_email),
        position=_next_position(event),
    )
    db.session.add(body)
    db.session.flush()
    audit.record("series.body_add", obj=body, actor=by, details={"code": code})
    return body


def update_body(
    body: ReportingBody,
    *,
    name_zh: str,
    name_en: str,
    kind: BodyKind | str,
    contact_email: str,
    by: StaffUser | None = None,
) -> list[str]:
    """Change a body's names, kind or contact address; return the changed fields."""
    name_zh, name_en = _clean_names(name_zh, name_en)
    values = {
        "name_zh": name_zh,
        "name_en": name_en,
        "kind": _kind(kind),
        "contact_email": _clean_email(contact_email),
    }
    changed = [name for name, value in values.items() if getattr(body, name) != value]
    for name in changed:
        setattr(body, name, values[name])
    db.session.flush()
    if changed:
        audit.record("series.body_update", obj=body, actor=by, details={"fields": changed})
    return changed


def set_body_active(body: ReportingBody, active: bool, *, by: StaffUser | None = None) -> bool:
    """Activate or deactivate a body; its reporters cannot use the portal while inactive."""
    if body.is_active == active:
        return False
    body.is_active = active
    db.session.flush()
    audit.record("series.body_activate" if active else "series.body_deactivate", obj=body, actor=by)
    return True
