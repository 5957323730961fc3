"""Enrolment in sessions that require it: places, the session's waiting list, promotion.

Rules (each refusal is a :class:`DomainError` with a stable code):

- Only sessions of the registration's event that require enrolment and are in the published
  programme (their token is in the latest :class:`ScheduleVersion` snapshot) take enrolments
  (``enrolment_wrong_event``, ``enrolment_not_required``, ``session_not_published``).
- The registration must be live: confirmed, pending or on the event's waiting list, and not
  erased (``registration_not_live``).
- One live enrolment per delegate and session (``already_enrolled``; the partial unique index
  ``uq_enrolments_live`` backs this up).
- No two overlapping sessions (``enrolment_overlaps``, naming the other session). A place on a
  waiting list counts like a place: a delegate who waits for one session cannot enrol in an
  overlapping one, so a promotion can never put them in two rooms at once. Overlap is decided
  on the sessions' rows (the organisers' current times), half-open like everywhere else.
- While places remain (``Session.effective_capacity``; ``None``: unlimited) the delegate is
  enrolled, else waitlisted; the waiting list is ordered by ``created_at`` (then id).

When a place frees up (a cancellation of an enrolled place, a higher capacity) the oldest
waiting delegates are promoted in the same transaction, each told by e-mail in their language.
A waiting delegate who meanwhile holds an enrolled place in an overlapping session (possible only
after the organisers moved a session) or whose registration is no longer live is skipped, keeps
their place in line, and the next one is taken.

Concurrency: every write locks the session row first (``SELECT ... FOR UPDATE`` on PostgreSQL;
on SQLite the caller's ``write_intent()`` / ``BEGIN IMMEDIATE`` serialises writers), so places
are counted by one writer at a time; ``enrol`` locks the registration row before the session, so
one delegate's two tabs cannot enrol into two overlapping sessions at once. Services flush,
never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    Enrolment,
    EnrolmentStatus,
    Event,
    Registration,
    Session,
    StaffUser,
)
from wadconf.services import DomainError, agenda, audit
from wadconf.services.mail import queue_mail
from wadconf.services.schedule_publish import latest_version
from wadconf.urls import public_url

ENROLLED = EnrolmentStatus.ENROLLED
WAITLISTED = EnrolmentStatus.WAITLISTED
CANCELLED = EnrolmentStatus.CANCELLED
#: Enrolments that hold a place or a place in line.
LIVE = (ENROLLED, WAITLISTED)

#: Languages the mail templates speak; anything else falls back to the event's default.
_MAIL_LOCALES = {"zh_Hans", "en"}


def _title(session: Session) -> str:
    """Both titles, as the e-mails and messages name a session to a bilingual audience."""
    if session.title_zh and session.title_en and session.title_zh != session.title_en:
        return f"{session.title_zh} / {session.title_en}"
    return session.title_zh or session.title_en


# --- reading ---------------------------------------------------------------------------------


def published_tokens(event: Event) -> set[str]:
    """Tokens of the sessions in ``event``'s latest publication (empty before the first)."""
    version = latest_version(event)
    if version is None:
        return set()
    return {s["token"] for s in (version.snapshot or {}).get("sessions", [])}


def is_published(session: Session) -> bool:
    """Whether delegates see ``session`` (it is in the latest publication)."""
    return session.token in published_tokens(session.event)


def enrolled_count(session: Session) -> int:
    """Places taken in ``session``."""
    return db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.status == ENROLLED)
    )


def waiting_count(session: Session) -> int:
    """Delegates on ``session``'s waiting list."""
    return db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.status == WAITLISTED)
    )


def free_places(session: Session) -> int | None:
    """Places left (never negative); ``None`` when the session has no limit."""
    capacity = session.effective_capacity
    if capacity is None:
        return None
    return max(capacity - enrolled_count(session), 0)


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the next in line, 2 for the one after...; ``None`` when not waiting."""
    if enrolment.status != WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.session_id == enrolment.session_id,
            Enrolment.status == WAITLISTED,
            or_(
                Enrolment.created_at < enrolment.created_at,
                and_(Enrolment.created_at == enrolment.created_at, Enrolment.id < enrolment.id),
            ),
        )
    )
    return ahead + 1


def live_enrolment(registration: Registration, session: Session) -> Enrolment | None:
    """The delegate's enrolled or waiting place in ``session``, if any."""
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.session_id == session.id,
            Enrolment.registration_id == registration.id,
            Enrolment.status.in_(LIVE),
        )
    )


def overlapping_session(
    registration: Registration,
    session: Session,
    statuses: Iterable[EnrolmentStatus] = LIVE,
) -> Session | None:
    """Another session overlapping ``session`` in which the delegate has an enrolment."""
    return db.session.scalar(
        select(Session)
        .join(Enrolment, Enrolment.session_id == Session.id)
        .where(
            Enrolment.registration_id == registration.id,
            Enrolment.status.in_(tuple(statuses)),
            Session.id != session.id,
            Session.starts_at < session.ends_at,
            Session.ends_at > session.starts_at,
        )
        .order_by(Session.starts_at, Session.id)
        .limit(1)
    )


def session_by_token(event: Event, token: str) -> Session | None:
    """``event``'s session with public name ``token``."""
    return db.session.scalar(
        select(Session).where(Session.event_id == event.id, Session.token == token)
    )


def enrollable_sessions(event: Event) -> list[Session]:
    """Published sessions of ``event`` that require enrolment, in time order."""
    tokens = published_tokens(event)
    if not tokens:
        return []
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.event_id == event.id,
                Session.requires_enrolment.is_(True),
                Session.token.in_(tokens),
            )
            .options(selectinload(Session.room))
            .order_by(Session.starts_at, Session.position, Session.id)
        )
    )


def session_enrolments(session: Session) -> tuple[list[Enrolment], list[Enrolment]]:
    """(enrolled by time of enrolment, waiting list in order) of ``session``."""
    rows = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.status.in_(LIVE))
        .options(selectinload(Enrolment.registration))
        .order_by(Enrolment.created_at, Enrolment.id)
    ).all()
    return [e for e in rows if e.status == ENROLLED], [e for e in rows if e.status == WAITLISTED]


def get_enrolment(session: Session, enrolment_id: int) -> Enrolment | None:
    """``session``'s enrolment ``enrolment_id`` (another session's id: ``None``)."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    return enrolment if enrolment is not None and enrolment.session_id == session.id else None


# --- locking ---------------------------------------------------------------------------------


def lock_session(session: Session) -> None:
    """Lock ``session``'s row until the transaction ends (a no-op on SQLite, whose write
    transaction already excludes other writers); re-reads its capacity."""
    db.session.execute(select(Session.id).where(Session.id == session.id).with_for_update())
    db.session.refresh(session, attribute_names=["capacity", "room_id"])


def _lock_registration(registration: Registration) -> None:
    db.session.execute(
        select(Registration.id).where(Registration.id == registration.id).with_for_update()
    )
    db.session.refresh(registration, attribute_names=["status", "personal_data_erased_at"])


# --- rules -----------------------------------------------------------------------------------


def check_enrollable(registration: Registration, session: Session) -> None:
    """Refuse when ``session`` takes no enrolment from ``registration`` (places not counted)."""
    if session.event_id != registration.event_id:
        raise DomainError("enrolment_wrong_event", _("This session belongs to another event."))
    if not session.requires_enrolment:
        raise DomainError(
            "enrolment_not_required",
            _(
                "“%(title)s” is open to all delegates: no enrolment is needed.",
                title=_title(session),
            ),
        )
    if not is_published(session):
        raise DomainError(
            "session_not_published",
            _("“%(title)s” is not in the published programme.", title=_title(session)),
        )
    if not registration.is_active or registration.is_erased:
        raise DomainError(
            "registration_not_live",
            _("Only a registration that is not cancelled or rejected can enrol in sessions."),
        )


def _check_overlap(
    registration: Registration, session: Session, also: Iterable[Session] = ()
) -> None:
    """Refuse (``enrolment_overlaps``) a session overlapping one the delegate holds or waits
    for, or one of ``also`` (the other choices made with it)."""
    chosen = next((s for s in also if s.id != session.id and s.overlaps(session)), None)
    if chosen is not None:
        raise DomainError(
            "enrolment_overlaps",
            _(
                "“%(title)s” and “%(other)s” are at the same time: choose only one of them.",
                title=_title(session),
                other=_title(chosen),
            ),
            other=chosen.token,
        )
    other = overlapping_session(registration, session)
    if other is not None:
        raise DomainError(
            "enrolment_overlaps",
            _(
                "“%(title)s” overlaps “%(other)s”, in which you are already enrolled or waiting."
                " Leave that one first.",
                title=_title(session),
                other=_title(other),
            ),
            other=other.token,
        )


def enrol(
    registration: Registration,
    session: Session,
    *,
    by: StaffUser | None = None,
    waitlist_ok: bool = True,
) -> Enrolment:
    """Enrol ``registration`` in ``session``: a place while places remain, else the waiting list.

    ``waitlist_ok=False``: refuse (``session_full``) rather than put the delegate in line, for a
    delegate who asked for a place and has not yet agreed to wait. The caller runs in a write
    transaction; flushes, never commits.
    """
    check_enrollable(registration, session)
    _lock_registration(registration)
    lock_session(session)
    # The rules again now that the rows are locked (a cancellation may have come first).
    check_enrollable(registration, session)
    if live_enrolment(registration, session) is not None:
        raise DomainError(
            "already_enrolled",
            _("You are already enrolled or waiting for “%(title)s”.", title=_title(session)),
        )
    _check_overlap(registration, session)
    room = free_places(session)
    if room == 0 and not waitlist_ok:
        raise DomainError(
            "session_full",
            _(
                "“%(title)s” is full. You may join its waiting list: you will get a place,"
                " and an e-mail, as soon as one frees up.",
                title=_title(session),
            ),
        )
    enrolment = Enrolment(
        session_id=session.id,
        registration_id=registration.id,
        status=ENROLLED if room is None or room > 0 else WAITLISTED,
        created_at=utcnow(),
    )
    db.session.add(enrolment)
    db.session.flush()
    audit.record(
        "enrolment.enrol",
        obj=enrolment,
        actor=by,
        actor_label=None if by else "delegate",
        event_id=session.event_id,
        details={
            "session": session.token,
            "registration_id": registration.id,
            "status": enrolment.status.value,
        },
    )
    return enrolment


def enrol_many(registration: Registration, sessions: list[Session]) -> list[Enrolment]:
    """Enrol in every one of ``sessions`` (the choices on the registration form), all or none.

    Overlaps among the choices themselves are refused before anything is written; the caller
    rolls the whole transaction back on any :class:`DomainError`.
    """
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    for index, session in enumerate(ordered):
        check_enrollable(registration, session)
        _check_overlap(registration, session, also=ordered[:index])
    return [enrol(registration, session) for session in ordered]


def enrol_choices(registration: Registration, sessions: list[Session]) -> list[Enrolment]:
    """The registration form's choices: :func:`enrol_many`, skipping sessions already held
    (a repeated submit of the same form returns the first registration with its enrolments).
    Refusals carry ``errors={"sessions": message}`` for the form."""
    todo = [s for s in sessions if live_enrolment(registration, s) is None]
    try:
        return enrol_many(registration, todo)
    except DomainError as exc:
        raise DomainError(
            exc.code, exc.message, errors={"sessions": exc.message}, **exc.params
        ) from exc


def cancel(enrolment: Enrolment, *, by: StaffUser | None = None) -> list[Enrolment]:
    """Give up a place or leave the waiting list; returns the delegates promoted in its stead.

    Used by the delegate (manage link, ``by=None``) and by organisers.
    """
    session = enrolment.session
    lock_session(session)
    db.session.refresh(enrolment, attribute_names=["status"])
    if enrolment.status == CANCELLED:
        raise DomainError("enrolment_not_live", _("This enrolment was already cancelled."))
    held_place = enrolment.status == ENROLLED
    previous = enrolment.status.value
    enrolment.status = CANCELLED
    enrolment.cancelled_at = utcnow()
    db.session.flush()
    audit.record(
        "enrolment.cancel",
        obj=enrolment,
        actor=by,
        actor_label=None if by else "delegate",
        event_id=session.event_id,
        details={
            "session": session.token,
            "registration_id": enrolment.registration_id,
            "was": previous,
        },
    )
    return promote_waiting(session, by=by, locked=True) if held_place else []


def release_registration(
    registration: Registration, *, by: StaffUser | None = None
) -> list[Enrolment]:
    """Cancel all of a delegate's live enrolments (their registration ended); returns promoted.

    For the registration flow to call when a registration is cancelled, rejected or erased.
    """
    promoted: list[Enrolment] = []
    live = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.registration_id == registration.id, Enrolment.status.in_(LIVE))
        .order_by(Enrolment.session_id)
    ).all()
    for enrolment in live:
        promoted += cancel(enrolment, by=by)
    return promoted


def set_capacity(
    session: Session, capacity: int | None, *, by: StaffUser | None = None
) -> list[Enrolment]:
    """Change ``session``'s own capacity (``None``: the room's); promote whoever now fits.

    A lower capacity takes no place away from anyone already enrolled.
    """
    if capacity is not None and capacity < 0:
        raise DomainError("capacity_negative", _("The capacity cannot be negative."))
    lock_session(session)
    before = session.capacity
    session.capacity = capacity
    db.session.flush()
    audit.record(
        "enrolment.capacity",
        obj=session,
        actor=by,
        event_id=session.event_id,
        details={"session": session.token, "before": before, "after": capacity},
    )
    return promote_waiting(session, by=by, locked=True)


def promote_waiting(
    session: Session, *, by: StaffUser | None = None, locked: bool = False
) -> list[Enrolment]:
    """Move the oldest waiting delegates into the free places of ``session``; returns them.

    Skips (leaves waiting) a delegate whose registration is no longer live or who holds an
    enrolled place in an overlapping session. Each promoted delegate is audited
    (``enrolment.promote``) and gets an e-mail in their language. Flushes, never commits.
    """
    if not locked:
        lock_session(session)
    room = free_places(session)
    if room == 0:
        return []
    waiting = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.status == WAITLISTED)
        .order_by(Enrolment.created_at, Enrolment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    promoted: list[Enrolment] = []
    now = utcnow()
    for enrolment in waiting:
        if room is not None and len(promoted) >= room:
            break
        registration = enrolment.registration
        if not registration.is_active or registration.is_erased:
            continue
        if overlapping_session(registration, session, statuses=(ENROLLED,)) is not None:
            continue
        enrolment.status = ENROLLED
        enrolment.promoted_at = now
        promoted.append(enrolment)
    if not promoted:
        return []
    db.session.flush()
    for enrolment in promoted:
        audit.record(
            "enrolment.promote",
            obj=enrolment,
            actor=by,
            actor_label=None if by else "waitlist",
            event_id=session.event_id,
            details={"session": session.token, "registration_id": enrolment.registration_id},
        )
        _notify_promoted(enrolment, session)
    return promoted


def _notify_promoted(enrolment: Enrolment, session: Session) -> None:
    """Tell the promoted delegate, in their language (nothing without an address)."""
    registration = enrolment.registration
    if not registration.email:
        return
    event = session.event
    locale = registration.locale if registration.locale in _MAIL_LOCALES else event.default_locale
    queue_mail(
        registration.email,
        template="enrolment_promoted",
        locale=locale,
        context={
            "registration": registration,
            "event": event,
            "session": session,
            "manage_url": public_url("registration.manage", token=registration.manage_token),
        },
        to_name=registration.display_name,
        event_id=event.id,
        kind="enrolment_promoted",
        subject_ref=f"Enrolment:{enrolment.id}",
    )


# --- the personal agenda ---------------------------------------------------------------------


@dataclass
class AgendaItem:
    """One published session as a delegate sees it, with what they can do about it."""

    token: str
    title_zh: str
    title_en: str
    #: In the event's zone.
    starts_at: datetime
    ends_at: datetime
    room_zh: str
    room_en: str
    requires_enrolment: bool
    #: On their personal agenda (:func:`wadconf.services.agenda.personal_agenda`): open to
    #: all, enrolled or waiting, or a role in it. The others are sessions they could enrol in.
    concerns_me: bool = False
    #: Their enrolment's status (``enrolled`` / ``waitlisted``), else ``None``.
    status: str | None = None
    #: Place in the waiting list (1 = next).
    position: int | None = None
    #: Places left (``None``: not limited); only for sessions that require enrolment.
    free: int | None = None
    #: Their roles in the session (``chair``, ``speaker``, ``signatory``, ``witness``...).
    roles: list[str] = field(default_factory=list)
    #: A session in which they are enrolled or waiting and that overlaps this one.
    overlaps: Session | None = None


def personal_agenda(registration: Registration) -> list[AgendaItem]:
    """The delegate's personal agenda and the sessions they may still enrol in, in time order.

    Which sessions concern the delegate comes from :mod:`wadconf.services.agenda` (the
    published programme: titles, times, rooms as published); enrolment states, waiting-list
    positions, places left and overlaps are live. Sessions requiring enrolment that are not on
    their agenda follow with ``concerns_me=False``. A registration that ended sees nothing.
    """
    if not registration.is_active:
        return []
    programme = agenda.published_programme(registration.event)
    if programme is None:
        return []
    mine = {p.session.token: p for p in agenda.personal_agenda(registration)}
    rows = {
        s.token: s
        for s in db.session.scalars(
            select(Session).where(
                Session.event_id == registration.event_id,
                Session.token.in_([s.token for s in programme.sessions]),
            )
        )
    }
    enrolments = {
        e.session_id: e
        for e in db.session.scalars(
            select(Enrolment).where(
                Enrolment.registration_id == registration.id, Enrolment.status.in_(LIVE)
            )
        )
    }
    live_sessions = [s for s in rows.values() if s.id in enrolments]
    items: list[AgendaItem] = []
    for published in programme.sessions:
        row = rows.get(published.token)
        personal = mine.get(published.token)
        if row is None or (personal is None and not row.requires_enrolment):
            continue
        room = published.room
        item = AgendaItem(
            token=published.token,
            title_zh=published.title_zh,
            title_en=published.title_en,
            starts_at=published.starts_at,
            ends_at=published.ends_at,
            room_zh=room.name_zh if room else "",
            room_en=room.name_en if room else "",
            requires_enrolment=bool(row.requires_enrolment),
            concerns_me=personal is not None,
            roles=list(personal.roles) if personal else [],
        )
        enrolment = enrolments.get(row.id)
        if enrolment is not None:
            item.status = enrolment.status.value
            item.position = waitlist_position(enrolment)
        if item.requires_enrolment:
            item.free = free_places(row)
            if enrolment is None:
                item.overlaps = next(
                    (s for s in live_sessions if s.id != row.id and s.overlaps(row)), None
                )
        items.append(item)
    items.sort(key=lambda i: (i.starts_at, i.ends_at, i.token))
    return items
