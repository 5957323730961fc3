"""Checkpoints of an event: entrances, session rooms, the signing hall.

Organisers create, edit, close and (while nothing was scanned there) delete them. The
opening window is given in the event's zone or as aware datetimes and stored in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    CheckIn,
    Checkpoint,
    CheckpointKind,
    DelegateCategory,
    Event,
    ReentryPolicy,
    Room,
    Scan,
    Session,
    StaffUser,
)
from wadconf.services import DomainError, audit

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
NAME_MAX = 200


def enrolled_rule_available() -> bool:
    """Whether the ``enrolled`` rule can work: it needs sessions linked to checkpoints.

    The schedule links sessions to checkpoints (``Checkpoint.session_id``), so the rule is
    offered; a checkpoint with it must name its session (``session_required``).
    """
    return True


@dataclass
class CheckpointData:
    """What an organiser sets on a checkpoint."""

    code: str
    name_zh: str = ""
    name_en: str = ""
    kind: CheckpointKind | str = CheckpointKind.ENTRANCE
    rule: AdmissionRule | str = AdmissionRule.ALL
    reentry: ReentryPolicy | str = ReentryPolicy.ONCE
    #: Aware datetimes, or naive ones meaning the event's local time; None: open end.
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    is_active: bool = True
    expected_count: int | None = None
    #: Ids of the event's categories (rule ``categories`` only).
    category_ids: Iterable[int] = field(default_factory=tuple)
    #: The session the checkpoint controls (rule ``enrolled`` reads its enrolments).
    session_id: int | None = None
    #: The room the checkpoint stands at (scans there count as attendance of its sessions).
    room_id: int | None = None


def list_checkpoints(event: Event, *, active_only: bool = False) -> list[Checkpoint]:
    """The event's checkpoints in display order."""
    query = select(Checkpoint).where(Checkpoint.event_id == event.id)
    if active_only:
        query = query.where(Checkpoint.is_active.is_(True))
    return list(db.session.scalars(query.order_by(Checkpoint.position, Checkpoint.id)))


def get_checkpoint(event: Event, checkpoint_id: int) -> Checkpoint | None:
    """``event``'s checkpoint with this id (``None`` for another event's)."""
    return db.session.scalar(
        select(Checkpoint).where(Checkpoint.id == checkpoint_id, Checkpoint.event_id == event.id)
    )


def checkpoint_by_code(event: Event, code: str) -> Checkpoint | None:
    """The event's checkpoint with this code."""
    return db.session.scalar(
        select(Checkpoint).where(Checkpoint.event_id == event.id, Checkpoint.code == code)
    )


def has_scans(checkpoint: Checkpoint) -> bool:
    """Whether any scan or entry was recorded at the checkpoint (then it cannot be deleted)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(Scan.checkpoint_id == checkpoint.id)
                | exists().where(CheckIn.checkpoint_id == checkpoint.id)
            )
        )
    )


def _enum(cls, value, code: str):
    """``value`` as a member of ``cls``; raises ``code`` for anything else."""
    try:
        return cls(value)
    except ValueError as exc:
        raise DomainError(
            code, _l("Choose one of the options."), field=code.removeprefix("bad_")
        ) from exc


def _utc(value: datetime | None, event: Event) -> datetime | None:
    """An aware UTC datetime; a naive one is read in the event's zone."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=event.zone)
    return value.astimezone(UTC)


def _clean(event: Event, data: CheckpointData) -> dict:
    """Checked, normalised column values and the categories; raises a ``DomainError``."""
    name_zh, name_en = " ".join(data.name_zh.split()), " ".join(data.name_en.split())
    if not (name_zh or name_en):
        raise DomainError(
            "name_missing", _l("Give the checkpoint a name in Chinese or English."), field="name_zh"
        )
    for name, value in (("name_zh", name_zh), ("name_en", name_en)):
        if len(value) > NAME_MAX:
            raise DomainError("too_long", _l("At most %(n)d characters.", n=NAME_MAX), field=name)
    kind = _enum(CheckpointKind, data.kind, "bad_kind")
    rule = _enum(AdmissionRule, data.rule, "bad_rule")
    reentry = _enum(ReentryPolicy, data.reentry, "bad_reentry")
    if rule == AdmissionRule.ENROLLED and not enrolled_rule_available():
        raise DomainError(
            "rule_unavailable",
            _l("Sessions cannot be linked to checkpoints yet; choose another rule."),
            field="rule",
        )
    session_id, room_id = _linked_ids(event, data)
    if rule == AdmissionRule.ENROLLED and session_id is None:
        raise DomainError(
            "session_required",
            _l("The rule “enrolled in the linked session” needs a linked session."),
            field="session_id",
        )
    opens_at, closes_at = _utc(data.opens_at, event), _utc(data.closes_at, event)
    if opens_at and closes_at and closes_at <= opens_at:
        raise DomainError(
            "window_order", _l("The checkpoint must close after it opens."), field="closes_at"
        )
    expected = data.expected_count
    if expected is not None and not 0 <= int(expected) <= 1_000_000:
        raise DomainError(
            "bad_expected_count", _l("A number of people, 0 or more."), field="expected_count"
        )
    ids = {int(i) for i in data.category_ids or ()}
    categories: list[DelegateCategory] = []
    if ids:
        categories = list(
            db.session.scalars(
                select(DelegateCategory)
                .where(DelegateCategory.id.in_(ids), DelegateCategory.event_id == event.id)
                .order_by(DelegateCategory.position, DelegateCategory.id)
            )
        )
        if len(categories) != len(ids):
            raise DomainError(
                "unknown_category",
                _l("Choose categories of this event."),
                field="category_ids",
            )
    if rule == AdmissionRule.CATEGORIES and not categories:
        raise DomainError(
            "categories_missing",
            _l("Choose the categories that may pass."),
            field="category_ids",
        )
    if rule != AdmissionRule.CATEGORIES:
        categories = []  # kept only where the rule reads them, so the list never misleads
    return {
        "name_zh": name_zh,
        "name_en": name_en,
        "kind": kind,
        "rule": rule,
        "reentry": reentry,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "is_active": bool(data.is_active),
        "expected_count": int(expected) if expected is not None else None,
        "categories": categories,
        "session_id": session_id,
        "room_id": room_id,
    }


def _linked_ids(event: Event, data: CheckpointData) -> tuple[int | None, int | None]:
    """The session and room ids, checked to be ``event``'s; raises ``unknown_session``/``_room``."""
    session_id = int(data.session_id) if data.session_id not in (None, "") else None
    room_id = int(data.room_id) if data.room_id not in (None, "") else None
    for model, value, code, message in (
        (Session, session_id, "unknown_session", _l("Choose a session of this event.")),
        (Room, room_id, "unknown_room", _l("Choose a room of this event.")),
    ):
        if value is None:
            continue
        found = db.session.scalar(
            select(model.id).where(model.id == value, model.event_id == event.id)
        )
        if found is None:
            raise DomainError(code, message, field=code.replace("unknown_", "") + "_id")
    return session_id, room_id


def _clean_code(code: str) -> str:
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise DomainError(
            "bad_code",
            _l("Lower-case letters, digits, hyphens and underscores, e.g. main-entrance."),
            field="code",
        )
    return code


def create_checkpoint(
    event: Event, data: CheckpointData, *, by: StaffUser | None = None
) -> Checkpoint:
    """Add a checkpoint at the end of ``event``'s list.

    Raises ``bad_code``, ``code_taken``, ``name_missing``, ``too_long``, ``bad_kind``,
    ``bad_rule``, ``bad_reentry``, ``rule_unavailable``, ``session_required``, ``window_order``,
    ``bad_expected_count``, ``unknown_category``, ``categories_missing``,
    ``unknown_session`` or ``unknown_room``.
    """
    code = _clean_code(data.code)
    values = _clean(event, data)
    # Lock the event so that two organisers adding one code meet this check, not the index.
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    if checkpoint_by_code(event, code) is not None:
        raise DomainError(
            "code_taken", _l("This event already has a checkpoint with this code."), field="code"
        )
    last = db.session.scalar(
        select(func.max(Checkpoint.position)).where(Checkpoint.event_id == event.id)
    )
    checkpoint = Checkpoint(
        event_id=event.id, code=code, position=(last if last is not None else -1) + 1, **values
    )
    db.session.add(checkpoint)
    db.session.flush()
    audit.record(
        "checkpoint.create",
        obj=checkpoint,
        actor=by,
        event_id=event.id,
        details={"code": code, "rule": values["rule"].value},
    )
    return checkpoint


def update_checkpoint(
    checkpoint: Checkpoint, data: CheckpointData, *, by: StaffUser | None = None
) -> list[str]:
    """Change a checkpoint (its code stays); returns the names of the changed fields."""
    event = db.session.get(Event, checkpoint.event_id)
    values = _clean(event, data)
    changed = []
    for name, value in values.items():
        current = getattr(checkpoint, name)
        if name == "categories":
            if [c.id for c in current] != [c.id for c in value]:
                changed.append("categories")
                checkpoint.categories = value
        elif current != value:
            changed.append(name)
            setattr(checkpoint, name, value)
    if changed:
        db.session.flush()
        audit.record(
            "checkpoint.update",
            obj=checkpoint,
            actor=by,
            event_id=checkpoint.event_id,
            details={"code": checkpoint.code, "fields": changed},
        )
    return changed


def set_active(checkpoint: Checkpoint, active: bool, *, by: StaffUser | None = None) -> bool:
    """Open (reactivate) or close a checkpoint; whether anything changed."""
    if checkpoint.is_active == bool(active):
        return False
    checkpoint.is_active = bool(active)
    db.session.flush()
    audit.record(
        "checkpoint.activate" if active else "checkpoint.deactivate",
        obj=checkpoint,
        actor=by,
        event_id=checkpoint.event_id,
        details={"code": checkpoint.code},
    )
    return True


def delete_checkpoint(checkpoint: Checkpoint, *, by: StaffUser | None = None) -> None:
    """Delete a checkpoint nothing was scanned at; raises ``has_scans`` otherwise."""
    if has_scans(checkpoint):
        raise DomainError(
            "has_scans",
            _l("Badges were scanned at this checkpoint; close it instead of deleting it."),
        )
    details = {"code": checkpoint.code, "name": checkpoint.name_en or checkpoint.name_zh}
    audit.record(
        "checkpoint.delete",
        obj=checkpoint,
        actor=by,
        event_id=checkpoint.event_id,
        details=details,
    )
    db.session.delete(checkpoint)
    db.session.flush()
