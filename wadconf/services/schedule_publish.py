"""Publishing the programme: versioned snapshots, and the change log between them.

Organisers edit sessions freely; delegates see the latest :class:`ScheduleVersion`.
Publishing freezes the programme as JSON (public fields only: tokens and codes,
never row ids or delegates' contact data), so the agenda, the JSON export and
iCalendar can be served from one row, and two snapshots compared tell what
moved since the last publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AgreementParty,
    Event,
    Registration,
    ScheduleVersion,
    Session,
    SessionPerson,
    Signatory,
    StaffUser,
    Track,
    Witness,
)
from wadconf.services import audit

#: Bumped when the snapshot's shape changes, so readers can tell old snapshots apart.
SNAPSHOT_FORMAT = 1

#: Fields whose change counts as a move (the change log says "moved", the agenda highlights).
_WHERE_AND_WHEN = ("starts_at", "ends_at", "room")


def _names(person: Any, registration: Registration | None) -> dict[str, str]:
    """A person's public names: the registration's when they registered, else as typed."""
    if registration is not None:
        return {
            "name_zh": registration.name_zh,
            "name_en": registration.name_en,
            "organisation_zh": getattr(person, "organisation_zh", "") or registration.organisation,
            "organisation_en": getattr(person, "organisation_en", "") or registration.organisation,
        }
    return {
        "name_zh": person.name_zh,
        "name_en": person.name_en,
        "organisation_zh": person.organisation_zh,
        "organisation_en": person.organisation_en,
    }


def _session_dict(session: Session) -> dict[str, Any]:
    return {
        "token": session.token,
        "kind": str(session.kind),
        "title_zh": session.title_zh,
        "title_en": session.title_en,
        "description_zh": session.description_zh,
        "description_en": session.description_en,
        "starts_at": session.starts_at.astimezone(UTC).isoformat(),
        "ends_at": session.ends_at.astimezone(UTC).isoformat(),
        "room": session.room.code if session.room else None,
        "track": session.track.code if session.track else None,
        "capacity": session.effective_capacity,
        "requires_enrolment": session.requires_enrolment,
        "position": session.position,
        "people": [
            {
                "role": str(p.role),
                **_names(p, p.registration),
                "job_title_zh": p.job_title_zh,
                "job_title_en": p.job_title_en,
            }
            for p in session.people
        ],
        "agreements": [
            {
                "title_zh": a.title_zh,
                "title_en": a.title_en,
                "parties": [
                    {
                        "name_zh": party.name_zh,
                        "name_en": party.name_en,
                        "signatories": [
                            {
                                "name_zh": s.registration.name_zh,
                                "name_en": s.registration.name_en,
                                "job_title_zh": s.job_title_zh,
                                "job_title_en": s.job_title_en,
                                "signing_order": s.signing_order,
                            }
                            for s in party.signatories
                        ],
                    }
                    for party in a.parties
                ],
                "witnesses": [
                    {
                        **_names(w, w.registration),
                        "job_title_zh": w.job_title_zh,
                        "job_title_en": w.job_title_en,
                    }
                    for w in a.witnesses
                ],
            }
            for a in session.agreements
        ],
    }


def programme_snapshot(event: Event) -> dict[str, Any]:
    """The programme as delegates would see it now (a handful of queries, any size)."""
    sessions = db.session.scalars(
        select(Session)
        .where(Session.event_id == event.id)
        .order_by(Session.starts_at, Session.position, Session.id)
        .options(
            selectinload(Session.room),
            selectinload(Session.track),
            selectinload(Session.people).selectinload(SessionPerson.registration),
            selectinload(Session.agreements)
            .selectinload(Agreement.parties)
            .selectinload(AgreementParty.signatories)
            .selectinload(Signatory.registration),
            selectinload(Session.agreements)
            .selectinload(Agreement.witnesses)
            .selectinload(Witness.registration),
        )
    ).all()
    tracks = db.session.scalars(
        select(Track).where(Track.event_id == event.id).order_by(Track.position, Track.id)
    ).all()
    return {
        "format": SNAPSHOT_FORMAT,
        "event": {"slug": event.slug, "timezone": event.timezone},
        "rooms": [
            {
                "code": r.code,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "capacity": r.capacity,
                "location_zh": r.location_zh,
                "location_en": r.location_en,
            }
            for r in event.rooms
        ],
        "tracks": [
            {"code": t.code, "name_zh": t.name_zh, "name_en": t.name_en, "colour": t.colour}
            for t in tracks
        ],
        "sessions": [_session_dict(s) for s in sessions],
    }


def latest_version(event: Event) -> ScheduleVersion | None:
    """The publication delegates see now, or ``None`` before the first."""
    return db.session.scalar(
        select(ScheduleVersion)
        .where(ScheduleVersion.event_id == event.id)
        .order_by(ScheduleVersion.number.desc())
        .limit(1)
    )


def publish_schedule(
    event: Event, *, by: StaffUser | None = None, note: str = ""
) -> ScheduleVersion:
    """Publish the programme as it is now, as the next version.

    The event row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite's write
    transaction serialises anyway), so two organisers publishing at once get numbers
    n and n+1; the unique (event, number) constraint backs this up.
    """
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    number = (
        db.session.scalar(
            select(func.max(ScheduleVersion.number)).where(ScheduleVersion.event_id == event.id)
        )
        or 0
    ) + 1
    version = ScheduleVersion(
        event_id=event.id,
        number=number,
        published_by_id=by.id if by is not None else None,
        note=note.strip(),
        snapshot=programme_snapshot(event),
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        "schedule.publish",
        obj=version,
        actor=by,
        event_id=event.id,
        details={"number": number, "sessions": len(version.snapshot["sessions"])},
    )
    return version


@dataclass(frozen=True)
class Change:
    """One line of the change log: a session ``added``, ``removed``, ``moved`` or ``changed``."""

    kind: str
    token: str
    title_zh: str
    title_en: str
    #: The session as it was and as it is (``None`` for added / removed).
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def fields(self) -> list[str]:
        """The top-level fields that differ (for ``moved`` and ``changed``)."""
        if self.before is None or self.after is None:
            return []
        return sorted(k for k in self.after if self.before.get(k) != self.after[k])


def changes_between(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """What differs from snapshot ``old`` (``None``: nothing published) to ``new``."""
    before = {s["token"]: s for s in (old or {}).get("sessions", [])}
    after = {s["token"]: s for s in new.get("sessions", [])}
    changes: list[Change] = []
    for token, session in after.items():
        previous = before.get(token)
        if previous is None:
            kind = "added"
        elif previous == session:
            continue
        elif any(previous.get(f) != session.get(f) for f in _WHERE_AND_WHEN):
            kind = "moved"
        else:
            kind = "changed"
        changes.append(
            Change(kind, token, session["title_zh"], session["title_en"], previous, session)
        )
    for token, session in before.items():
        if token not in after:
            changes.append(
                Change("removed", token, session["title_zh"], session["title_en"], session, None)
            )
    changes.sort(key=lambda c: ((c.after or c.before)["starts_at"], c.kind, c.token))
    return changes


def changes_since_publication(event: Event) -> list[Change]:
    """What the organisers changed since the last publication (what publishing would show)."""
    latest = latest_version(event)
    return changes_between(latest.snapshot if latest else None, programme_snapshot(event))


def versions_of(event: Event) -> list[ScheduleVersion]:
    """Every publication of ``event``, newest first."""
    return list(
        db.session.scalars(
            select(ScheduleVersion)
            .where(ScheduleVersion.event_id == event.id)
            .order_by(ScheduleVersion.number.desc())
            .options(selectinload(ScheduleVersion.published_by))
        )
    )


def version_of(event: Event, number: int) -> ScheduleVersion | None:
    """``event``'s publication number ``number``, else ``None``."""
    return db.session.scalar(
        select(ScheduleVersion).where(
            ScheduleVersion.event_id == event.id, ScheduleVersion.number == number
        )
    )
