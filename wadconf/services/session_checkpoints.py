"""Entry control for a session: a checkpoint whose rule and window follow the session.

:func:`ensure_session_checkpoint` gives a session its checkpoint (the organisers'
"Entry control for this session" button): linked to the session, standing at its room,
admitting the enrolled delegates when the session requires enrolment and everyone
otherwise, open from :data:`CHECKPOINT_LEAD` before the start until the end.

The schedule calls :func:`sync_session_checkpoint` whenever it saves a session (moved,
resized, re-roomed, retitled, enrolment switched on or off), so the checkpoint follows;
deleting a session closes its checkpoint (:func:`close_session_checkpoints`). Like every
service here these flush but never commit.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    Checkpoint,
    CheckpointKind,
    ProgrammeKind,
    Session,
    StaffUser,
)
from wadconf.services import audit
from wadconf.services.checkpoints import NAME_MAX, checkpoint_by_code, create_checkpoint
from wadconf.services.checkpoints import CheckpointData as _Data

#: A session's checkpoint opens this long before the session starts.
CHECKPOINT_LEAD = timedelta(minutes=15)


def linked_checkpoints(session: Session) -> list[Checkpoint]:
    """The checkpoints linked to ``session`` (normally one), active ones first."""
    return list(
        db.session.scalars(
            select(Checkpoint)
            .where(Checkpoint.session_id == session.id)
            .order_by(Checkpoint.is_active.desc(), Checkpoint.id)
        )
    )


def session_checkpoint(session: Session) -> Checkpoint | None:
    """The checkpoint that controls ``session`` (the active one when there are several)."""
    found = linked_checkpoints(session)
    return found[0] if found else None


def _kind(session: Session) -> CheckpointKind:
    if session.kind == ProgrammeKind.SIGNING_CEREMONY:
        return CheckpointKind.SIGNING_HALL
    return CheckpointKind.SESSION_ROOM


def _rule(session: Session, current: AdmissionRule | None) -> AdmissionRule:
    """``enrolled`` when the session requires enrolment; otherwise everyone, except that a
    category rule the organisers chose by hand is kept."""
    if session.requires_enrolment:
        return AdmissionRule.ENROLLED
    if current == AdmissionRule.CATEGORIES:
        return current
    return AdmissionRule.ALL


def _followed(session: Session, checkpoint: Checkpoint | None) -> dict:
    """The column values that follow the session."""
    return {
        "name_zh": " ".join((session.title_zh or session.title_en).split())[:NAME_MAX],
        "name_en": " ".join((session.title_en or session.title_zh).split())[:NAME_MAX],
        "kind": _kind(session),
        "rule": _rule(session, checkpoint.rule if checkpoint else None),
        "opens_at": session.starts_at - CHECKPOINT_LEAD,
        "closes_at": session.ends_at,
        "room_id": session.room_id,
    }


def _free_code(session: Session) -> str:
    """``session-<id>``, or with a suffix when an organiser already took that code."""
    base = f"session-{session.id}"
    code, n = base, 1
    while checkpoint_by_code(session.event, code) is not None:
        n += 1
        code = f"{base}-{n}"
    return code


def _follow(checkpoint: Checkpoint, session: Session, *, by: StaffUser | None) -> list[str]:
    """Make ``checkpoint`` follow ``session``; the names of the changed fields."""
    changed = []
    for name, value in _followed(session, checkpoint).items():
        if getattr(checkpoint, name) != value:
            setattr(checkpoint, name, value)
            changed.append(name)
    if checkpoint.rule != AdmissionRule.CATEGORIES and checkpoint.categories:
        checkpoint.categories = []
        changed.append("categories")
    if changed:
        db.session.flush()
        audit.record(
            "checkpoint.follow_session",
            obj=checkpoint,
            actor=by,
            event_id=checkpoint.event_id,
            details={"code": checkpoint.code, "session_id": session.id, "fields": changed},
        )
    return changed


def ensure_session_checkpoint(session: Session, *, by: StaffUser | None = None) -> Checkpoint:
    """The checkpoint controlling ``session``: created when missing, else brought up to date
    and opened again if it was closed."""
    checkpoint = session_checkpoint(session)
    if checkpoint is None:
        values = _followed(session, None)
        checkpoint = create_checkpoint(
            session.event,
            _Data(
                code=_free_code(session),
                name_zh=values["name_zh"],
                name_en=values["name_en"],
                kind=values["kind"],
                rule=values["rule"],
                opens_at=values["opens_at"],
                closes_at=values["closes_at"],
                session_id=session.id,
                room_id=values["room_id"],
            ),
            by=by,
        )
        return checkpoint
    _follow(checkpoint, session, by=by)
    if not checkpoint.is_active:
        checkpoint.is_active = True
        db.session.flush()
        audit.record(
            "checkpoint.activate",
            obj=checkpoint,
            actor=by,
            event_id=checkpoint.event_id,
            details={"code": checkpoint.code, "session_id": session.id},
        )
    return checkpoint


def sync_session_checkpoint(session: Session, *, by: StaffUser | None = None) -> int:
    """After a session was saved: its linked checkpoints follow it (rule, window, room,
    names, kind); whether they are open stays as the organisers left it. Sessions without
    a checkpoint get none. Returns how many checkpoints changed."""
    return sum(bool(_follow(c, session, by=by)) for c in linked_checkpoints(session))


def close_session_checkpoints(session: Session, *, by: StaffUser | None = None) -> int:
    """Before a session is deleted: close its checkpoints (they keep their scans, and the
    database unlinks them). Returns how many were closed."""
    closed = 0
    for checkpoint in linked_checkpoints(session):
        if checkpoint.is_active:
            checkpoint.is_active = False
            closed += 1
            audit.record(
                "checkpoint.deactivate",
                obj=checkpoint,
                actor=by,
                event_id=checkpoint.event_id,
                details={"code": checkpoint.code, "session_id": session.id, "reason": "deleted"},
            )
    if closed:
        db.session.flush()
    return closed
