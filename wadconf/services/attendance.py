"""Who attended which session: scans at the session's checkpoint or at its room's.

A delegate attended a session when a badge scan admitted them (``ok``, or
``already_checked_in``: they were let in and are there) at

- a checkpoint linked to the session (``Checkpoint.session_id``), at any time; or
- a checkpoint standing at the session's room (``Checkpoint.room_id``, not linked to
  another session) from :data:`ATTENDANCE_LEAD` before the start until the end; a scan
  in that lead while another session is under way in the room belongs to that one only.

An ``ok`` scan whose entry was undone (annulled) does not count. Lists, reports and
the readiness view all read attendance from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Interval, and_, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from wadconf.extensions import db
from wadconf.models import CheckIn, Checkpoint, Enrolment, Event, Scan
from wadconf.models.checkin import ScanDirection, Verdict
from wadconf.models.schedule import EnrolmentStatus, Session

#: A scan at the room this long before a session starts already counts for it.
ATTENDANCE_LEAD = timedelta(minutes=30)


@dataclass(frozen=True)
class SessionAttendance:
    """Counts for one session."""

    session_id: int
    enrolled: int
    waitlisted: int
    attended: int

    @property
    def rate(self) -> float | None:
        """Attended over enrolled (0..1+); ``None`` when nobody enrolled."""
        return self.attended / self.enrolled if self.enrolled else None


def _earlier(column, delta: timedelta):
    """``column - delta`` in SQL: SQLite keeps naive UTC text, PostgreSQL ``timestamptz``."""
    if db.session.get_bind().dialect.name == "sqlite":
        seconds = int(delta.total_seconds())
        return func.strftime("%Y-%m-%d %H:%M:%f", column, f"{-seconds:+d} seconds")
    return column - literal(delta, Interval())


def admitted_scans():
    """Scans that let a delegate in and still stand."""
    return (
        select(
            Scan.registration_id.label("registration_id"),
            Scan.checkpoint_id.label("checkpoint_id"),
            Scan.scanned_at.label("scanned_at"),
        )
        .outerjoin(CheckIn, CheckIn.id == Scan.check_in_id)
        .where(
            Scan.registration_id.is_not(None),
            Scan.direction == ScanDirection.IN,
            or_(
                Scan.verdict == Verdict.ALREADY_CHECKED_IN,
                and_(Scan.verdict == Verdict.OK, CheckIn.annulled_at.is_(None)),
            ),
        )
    )


def _attendance_pairs(event: Event, session_ids: list[int] | None = None):
    """A select of distinct ``(session_id, registration_id)`` attendance pairs."""
    scans = admitted_scans().where(Scan.event_id == event.id).subquery()
    # A scan before the start while the previous session in the room is still on is that
    # session's (its late arrivals), not this one's early ones.
    other = aliased(Session)
    previous_under_way = exists().where(
        other.room_id == Session.room_id,
        other.id != Session.id,
        other.starts_at <= scans.c.scanned_at,
        other.ends_at > scans.c.scanned_at,
    )
    linked = (
        select(Session.id.label("session_id"), scans.c.registration_id)
        .join(Checkpoint, Checkpoint.session_id == Session.id)
        .join(scans, scans.c.checkpoint_id == Checkpoint.id)
        .where(Session.event_id == event.id)
    )
    by_room = (
        select(Session.id.label("session_id"), scans.c.registration_id)
        .join(
            Checkpoint,
            and_(
                Checkpoint.room_id == Session.room_id,
                Checkpoint.session_id.is_(None),
                Checkpoint.event_id == event.id,
            ),
        )
        .join(scans, scans.c.checkpoint_id == Checkpoint.id)
        .where(
            Session.event_id == event.id,
            scans.c.scanned_at >= _earlier(Session.starts_at, ATTENDANCE_LEAD),
            scans.c.scanned_at < Session.ends_at,
            or_(scans.c.scanned_at >= Session.starts_at, ~previous_under_way),
        )
    )
    if session_ids is not None:
        linked = linked.where(Session.id.in_(session_ids))
        by_room = by_room.where(Session.id.in_(session_ids))
    return linked.union(by_room)


def attendees_of(session: Session) -> set[int]:
    """Registration ids of the delegates who attended ``session``."""
    pairs = _attendance_pairs(session.event, [session.id]).subquery()
    return set(db.session.scalars(select(pairs.c.registration_id)))


def attendance_by_session(event: Event) -> dict[int, SessionAttendance]:
    """Enrolled, waitlisted and attended counts for every session of ``event``."""
    pairs = _attendance_pairs(event).subquery()
    attended = dict(
        db.session.execute(
            select(pairs.c.session_id, func.count()).group_by(pairs.c.session_id)
        ).all()
    )
    enrolments: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(Enrolment.session_id, Enrolment.status, func.count())
        .join(Session, Session.id == Enrolment.session_id)
        .where(Session.event_id == event.id, Enrolment.status != EnrolmentStatus.CANCELLED)
        .group_by(Enrolment.session_id, Enrolment.status)
    ).all()
    for session_id, status, count in rows:
        enrolments.setdefault(session_id, {})[EnrolmentStatus(status).value] = count
    session_ids = db.session.scalars(select(Session.id).where(Session.event_id == event.id))
    return {
        sid: SessionAttendance(
            session_id=sid,
            enrolled=enrolments.get(sid, {}).get(EnrolmentStatus.ENROLLED.value, 0),
            waitlisted=enrolments.get(sid, {}).get(EnrolmentStatus.WAITLISTED.value, 0),
            attended=attended.get(sid, 0),
        )
        for sid in session_ids
    }
