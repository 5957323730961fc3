"""Attendance lists: who is registered, who came, per event, session or checkpoint.

:func:`build_list` turns a :class:`ListSpec` (scope, filters, columns, order, grouping,
language) into a :class:`~wadconf.services.list_table.ListTable` that the page, the print
view, CSV, XLSX (:mod:`wadconf.services.list_files`) and PDF renderers lay out.

Only confirmed registrations whose personal data was not erased are listed. Cells hold
what may be printed: mobiles masked (``138****5678``), e-mail only when chosen, never
identity documents. A delegate "checked in" for

- the event: has a live (not annulled) entry at any checkpoint of the event;
- a checkpoint: has a live entry there;
- a session: attended it (:mod:`wadconf.services.attendance`).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    CheckIn,
    Checkpoint,
    DelegateCategory,
    Enrolment,
    Event,
    Registration,
    RegistrationStatus,
)
from wadconf.models.checkin import AdmissionRule
from wadconf.models.schedule import EnrolmentStatus, Session
from wadconf.services import DomainError
from wadconf.services import name_order as names
from wadconf.services.attendance import ATTENDANCE_LEAD, attendees_of
from wadconf.services.list_table import ListColumn, ListGroup, ListRow, ListTable
from wadconf.services.privacy import mask_mobile

SCOPES = ("event", "session", "checkpoint")
STATUSES = ("registered", "checked_in", "absent")
ORDERS = ("stroke", "pinyin", "english", "organisation", "category", "checkin_time")
GROUPS = ("", "organisation", "category", "country")
LANGUAGES = ("bilingual", "zh", "en")
ORIENTATIONS = ("portrait", "landscape")

#: Every column a list may have, in the order the form offers them.
COLUMNS: dict[str, ListColumn] = {
    c.key: c
    for c in (
        ListColumn("number", "序号", "No.", 0.45, "right"),
        ListColumn("name_zh", "姓名", "Name (Chinese)", 1.0),
        ListColumn("name_en", "英文姓名", "Name", 1.4),
        ListColumn("gender", "性别", "Gender", 0.5, "center"),
        ListColumn("organisation", "单位", "Organisation", 2.2),
        ListColumn("position", "职务", "Position", 1.4),
        ListColumn("category", "类别", "Category", 1.0),
        ListColumn("country", "国家或地区", "Country or region", 1.0),
        ListColumn("checked_in_at", "签到时间", "Checked in", 1.0, "center"),
        ListColumn("checked_in_place", "签到地点", "Place", 1.0),
        ListColumn("email", "电子邮箱", "E-mail", 1.6),
        ListColumn("phone", "手机", "Mobile", 1.1),
        ListColumn("signature", "签名", "Signature", 1.6),
    )
}
DEFAULT_COLUMNS = ("number", "name_zh", "name_en", "organisation", "position")

#: Form labels (the column headers themselves are the bilingual pairs above).
ORDER_LABELS = {
    "stroke": _l("Surname stroke count (姓氏笔画)"),
    "pinyin": _l("Pinyin"),
    "english": _l("English surname"),
    "organisation": _l("Organisation"),
    "category": _l("Category"),
    "checkin_time": _l("Check-in time"),
}
STATUS_LABELS = {
    "registered": _l("Registered"),
    "checked_in": _l("Checked in"),
    "absent": _l("Absent (not checked in)"),
}
GROUP_LABELS = {
    "": _l("No grouping"),
    "organisation": _l("Organisation"),
    "category": _l("Category"),
    "country": _l("Country or region"),
}
_GENDERS = {"female": ("女", "Female"), "male": ("男", "Male"), "other": ("", "")}
_TITLES = {
    "registered": ("参会人员名单", "List of participants"),
    "checked_in": ("已签到人员名单", "Participants checked in"),
    "absent": ("未签到人员名单", "Participants not checked in"),
}
_SIGNIN_TITLE = ("签到表", "Sign-in sheet")
_NO_VALUE = ("（未填写）", "(not given)")


@dataclass
class ListSpec:
    """What a list shows: which delegates, which columns, in which order and groups."""

    scope: str = "event"
    session_id: int | None = None
    checkpoint_id: int | None = None
    status: str = "registered"
    category_id: int | None = None
    #: Part of the organisation's name (case-insensitive).
    organisation: str = ""
    #: ISO 3166-1 alpha-2 code.
    country: str = ""
    #: The invitation of a delegation (its registrations).
    delegation_id: int | None = None
    columns: list[str] = field(default_factory=lambda: list(DEFAULT_COLUMNS))
    order: str = "stroke"
    group_by: str = ""
    language: str = "bilingual"
    orientation: str = "portrait"
    #: A title of the organiser's own; empty: one is made from the scope and status.
    title: str = ""

    def check(self) -> ListSpec:
        """``self`` when every choice is known; else ``DomainError('list_invalid')``."""
        problems = [
            name
            for name, value, allowed in (
                ("scope", self.scope, SCOPES),
                ("status", self.status, STATUSES),
                ("order", self.order, ORDERS),
                ("group_by", self.group_by, GROUPS),
                ("language", self.language, LANGUAGES),
                ("orientation", self.orientation, ORIENTATIONS),
            )
            if value not in allowed
        ]
        if not self.columns or any(key not in COLUMNS for key in self.columns):
            problems.append("columns")
        if self.scope == "session" and self.session_id is None:
            problems.append("session_id")
        if self.scope == "checkpoint" and self.checkpoint_id is None:
            problems.append("checkpoint_id")
        if problems:
            raise DomainError(
                "list_invalid", _l("This list cannot be made as asked."), fields=problems
            )
        return self

    def settings(self) -> dict[str, Any]:
        """Everything but the columns, JSON-ready (saved layouts, the audit log)."""
        data = asdict(self)
        data.pop("columns")
        return data

    @classmethod
    def from_settings(cls, columns: list[str], settings: dict[str, Any]) -> ListSpec:
        """A spec from a saved layout; unknown keys are ignored."""
        known = {k: v for k, v in settings.items() if k in cls.__dataclass_fields__}
        known.pop("columns", None)
        return cls(columns=list(columns) or list(DEFAULT_COLUMNS), **known)


def pick(zh: str, en: str, language: str) -> str:
    """The text for ``language``: one of the pair, or both when bilingual (and different)."""
    if language == "zh":
        return zh or en
    if language == "en":
        return en or zh
    if zh and en and zh != en:
        return f"{zh} {en}"
    return zh or en


@functools.cache
def _countries(locale: str) -> dict[str, str]:
    from wadconf.forms.registration import country_choices

    return dict(country_choices(locale))


@functools.cache
def _country_rank() -> dict[str, int]:
    """Code -> place in the form's order (CN, HK, MO, TW first, then A-Z)."""
    return {code: index for index, code in enumerate(_countries("en"))}


def country_label(code: str, language: str) -> str:
    """The country or region named in the list's language (TW as 中国台湾 / Taiwan, China)."""
    if not code:
        return ""
    return pick(_countries("zh_Hans").get(code, code), _countries("en").get(code, code), language)


def _scope_target(event: Event, spec: ListSpec) -> Session | Checkpoint | None:
    if spec.scope == "session":
        target = db.session.get(Session, spec.session_id)
    elif spec.scope == "checkpoint":
        target = db.session.get(Checkpoint, spec.checkpoint_id)
    else:
        return None
    if target is None or target.event_id != event.id:
        raise DomainError("list_scope_not_found", _l("No such session or checkpoint."))
    return target


def _first_entries(where) -> dict[int, tuple[datetime, str, str]]:
    """Registration id -> (time, place zh, place en) of its first live entry matching ``where``."""
    rows = db.session.execute(
        select(
            CheckIn.registration_id,
            CheckIn.checked_in_at,
            Checkpoint.name_zh,
            Checkpoint.name_en,
        )
        .join(Checkpoint, Checkpoint.id == CheckIn.checkpoint_id)
        .where(CheckIn.annulled_at.is_(None), where)
        .order_by(CheckIn.checked_in_at.desc())
    ).all()
    # Latest first, so the earliest entry is the one left in the dict.
    return {reg_id: (at, zh, en) for reg_id, at, zh, en in rows}


def _session_entries(session: Session) -> dict[int, tuple[datetime, str, str]]:
    """First entries that count for ``session``: at its checkpoints, or at its room in time."""
    by_room = and_(
        Checkpoint.room_id == session.room_id,
        Checkpoint.session_id.is_(None),
        CheckIn.checked_in_at >= session.starts_at - ATTENDANCE_LEAD,
        CheckIn.checked_in_at < session.ends_at,
    )
    condition = Checkpoint.session_id == session.id
    if session.room_id is not None:
        condition = or_(condition, by_room)
    return _first_entries(and_(Checkpoint.event_id == session.event_id, condition))


def _enrolled(session_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(Enrolment.registration_id).where(
                Enrolment.session_id == session_id, Enrolment.status == EnrolmentStatus.ENROLLED
            )
        )
    )


def _scope(event: Event, target) -> tuple[set[int] | None, set[int], dict]:
    """(who belongs to the list or None for everyone, who checked in, their first entries)."""
    if isinstance(target, Session):
        entries = _session_entries(target)
        attended = attendees_of(target)
        enrolled = _enrolled(target.id)
        # A session nobody enrols in (the plenary) is for every delegate.
        members = (enrolled | attended) if enrolled else None
        return members, attended, entries
    if isinstance(target, Checkpoint):
        entries = _first_entries(CheckIn.checkpoint_id == target.id)
        members: set[int] | None = None
        if target.rule == AdmissionRule.ENROLLED and target.session_id is not None:
            members = _enrolled(target.session_id) | set(entries)
        return members, set(entries), entries
    entries = _first_entries(CheckIn.event_id == event.id)
    return None, set(entries), entries


#: What a list may read of a registration: never the identity document.
_LISTED = (
    Registration.id,
    Registration.name_zh,
    Registration.name_en,
    Registration.gender,
    Registration.organisation,
    Registration.position,
    Registration.country,
    Registration.email,
    Registration.mobile,
    Registration.category_id,
)


def _registrations(event: Event, spec: ListSpec, target) -> list:
    """Rows of the listed columns only: 5,000 ORM objects cost more than the rest of a list."""
    query = select(*_LISTED).where(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.personal_data_erased_at.is_(None),
    )
    if spec.category_id is not None:
        query = query.where(Registration.category_id == spec.category_id)
    if spec.organisation.strip():
        # autoescape: a "%" or "_" typed in the filter is a character, not a wildcard.
        query = query.where(
            Registration.organisation.icontains(spec.organisation.strip(), autoescape=True)
        )
    if spec.country:
        query = query.where(Registration.country == spec.country.upper())
    if spec.delegation_id is not None:
        query = query.where(Registration.invitation_id == spec.delegation_id)
    if isinstance(target, Checkpoint) and target.rule == AdmissionRule.CATEGORIES:
        allowed = [category.id for category in target.categories]
        query = query.where(Registration.category_id.in_(allowed))
    return list(db.session.execute(query))


def _default_title(event: Event, spec: ListSpec, target) -> tuple[str, str]:
    zh, en = _SIGNIN_TITLE if "signature" in spec.columns else _TITLES[spec.status]
    if isinstance(target, Session):
        return (
            f"{target.title_zh or target.title_en}{zh}",
            f"{en}: {target.title_en or target.title_zh}",
        )
    if isinstance(target, Checkpoint):
        return (
            f"{target.name_zh or target.name_en}{zh}",
            f"{en}: {target.name_en or target.name_zh}",
        )
    return zh, en


def _sort_key(order: str, categories: dict[int, DelegateCategory]):
    """A key function on ``(registration, cells)`` for ``order``."""

    def person(reg) -> tuple:
        return names.stroke_key(reg.name_zh, reg.name_en)

    if order == "pinyin":
        return lambda item: names.pinyin_key(item[0].name_zh, item[0].name_en)
    if order == "english":
        return lambda item: names.english_key(item[0].name_zh, item[0].name_en)
    if order == "organisation":
        return lambda item: (names.text_key(item[0].organisation), person(item[0]))
    if order == "category":

        def by_category(item) -> tuple:
            category = categories.get(item[0].category_id)
            return (category.position if category else 10**6, person(item[0]))

        return by_category
    if order == "checkin_time":

        def by_time(item) -> tuple:
            at = item[1].get("checked_in_at")
            return (at is None, at or datetime.min, person(item[0]))

        return by_time
    return lambda item: person(item[0])


def _group_of(spec: ListSpec, reg, categories: dict) -> tuple[tuple, str]:
    """(sort key of the group, its heading) of ``reg`` under ``spec.group_by``."""
    language = spec.language
    if spec.group_by == "organisation":
        label = reg.organisation.strip()
        if not label:
            return (3,), pick(*_NO_VALUE, language)
        if spec.order == "pinyin" or spec.order == "english":
            return names.text_pinyin_key(label), label
        return names.text_key(label), label
    if spec.group_by == "category":
        category = categories.get(reg.category_id)
        if category is None:
            return (10**6,), pick(*_NO_VALUE, language)
        return (category.position, category.id), pick(category.name_zh, category.name_en, language)
    if not reg.country:
        return (10**6,), pick(*_NO_VALUE, language)
    rank = _country_rank()
    return (rank.get(reg.country, len(rank)), reg.country), country_label(reg.country, language)


def _cells(reg, spec: ListSpec, categories: dict, entry) -> dict[str, Any]:
    language = spec.language
    category = categories.get(reg.category_id)
    name_zh, name_en = reg.name_zh, reg.name_en
    # A list with one name column names everyone: a foreign delegate in Latin letters.
    if "name_en" not in spec.columns:
        name_zh = name_zh or name_en
    if "name_zh" not in spec.columns:
        name_en = name_en or name_zh
    cells: dict[str, Any] = {
        "name_zh": name_zh,
        "name_en": name_en,
        "gender": pick(*_GENDERS.get(reg.gender, ("", "")), language),
        "organisation": reg.organisation,
        "position": reg.position,
        "category": pick(category.name_zh, category.name_en, language) if category else "",
        "country": country_label(reg.country, language),
        "checked_in_at": entry[0] if entry else None,
        "checked_in_place": pick(entry[1], entry[2], language) if entry else "",
        "signature": None,
    }
    # Contact data only when its column was chosen; the mobile is always masked.
    if "email" in spec.columns:
        cells["email"] = reg.email
    if "phone" in spec.columns:
        cells["phone"] = mask_mobile(reg.mobile) if reg.mobile else ""
    return {key: cells.get(key) for key in spec.columns if key != "number"}


def build_list(event: Event, spec: ListSpec, *, now: datetime | None = None) -> ListTable:
    """The list ``spec`` asks for, ordered, grouped and numbered 1..N across groups."""
    spec.check()
    target = _scope_target(event, spec)
    members, checked_in, entries = _scope(event, target)
    categories = {
        c.id: c
        for c in db.session.scalars(
            select(DelegateCategory).where(DelegateCategory.event_id == event.id)
        )
    }
    items = []
    for reg in _registrations(event, spec, target):
        if members is not None and reg.id not in members:
            continue
        present = reg.id in checked_in
        if (spec.status == "checked_in" and not present) or (spec.status == "absent" and present):
            continue
        items.append((reg, _cells(reg, spec, categories, entries.get(reg.id))))
    items.sort(key=_sort_key(spec.order, categories))

    groups: dict[tuple, ListGroup] = {}
    if spec.group_by:
        keyed = []
        for reg, cells in items:
            key, label = _group_of(spec, reg, categories)
            group = groups.get(key)
            if group is None:
                group = groups[key] = ListGroup(label=label)
            keyed.append((group, reg, cells))
        ordered = [groups[key] for key in sorted(groups)]
        for group, reg, cells in keyed:
            group.rows.append(ListRow(number=0, registration_id=reg.id, cells=cells))
    else:
        ordered = [ListGroup(label="")]
        ordered[0].rows = [ListRow(0, reg.id, cells) for reg, cells in items]
    number = 0
    for group in ordered:
        for row in group.rows:
            number += 1
            row.number = number
            if "number" in spec.columns:
                row.cells["number"] = number

    title_zh, title_en = _default_title(event, spec, target)
    title = spec.title.strip() or pick(title_zh, title_en, spec.language)
    return ListTable(
        event_title=pick(event.name_zh, event.name_en, spec.language),
        title=title,
        columns=[COLUMNS[key] for key in spec.columns],
        groups=ordered,
        language=spec.language,  # type: ignore[arg-type]
        orientation=spec.orientation,  # type: ignore[arg-type]
        generated_at=now or utcnow(),
        timezone=event.timezone,
        is_signin_sheet="signature" in spec.columns,
        grouped=bool(spec.group_by),
    )
