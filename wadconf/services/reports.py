"""The organisers' report: who was invited, registered, confirmed and came; by category,
country or region and organisation; attendance per session; arrivals over the day.

What each figure counts:

- **invited**: invitations issued (sent, opened, registered or declined; not drafts, not
  revoked), one per invitation whatever its number of seats; ``seats`` adds the seats up.
- **registered**: registrations that hold or wait for a seat (confirmed, pending, waitlisted).
- **confirmed**: registrations confirmed.
- **checked in**: delegates with at least one live (not undone) entry at an entrance
  checkpoint (at any checkpoint when the event has no entrance), counted once however
  many entrances or days they passed, whatever their registration's status now.
- **cancelled**: registrations cancelled (by the delegate or an organiser); **rejected**:
  registrations an organiser refused; **declined**: invitations the invitee declined.

Every breakdown is one grouped query over the registrations (an EXISTS per row tells the
checked in), so the number of queries does not grow with the number of rows shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import selectinload

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.i18n import bi
from wadconf.models import (
    CheckIn,
    Checkpoint,
    DelegateCategory,
    Event,
    Invitation,
    InvitationState,
    Registration,
    RegistrationStatus,
)
from wadconf.models.schedule import Session
from wadconf.services import audit, checkin_stats
from wadconf.services.attendance import attendance_by_session
from wadconf.services.badge_layouts import country_name
from wadconf.services.checkin_stats import Bucket

#: Arrivals are counted per this many minutes in the report.
BUCKET_MINUTES = 15
#: Organisations named in the breakdown; the rest are summed up as "others".
TOP_ORGANISATIONS = 15
#: An event longer than this shows arrivals for its first days only.
MAX_ARRIVAL_DAYS = 14

_ISSUED = (
    InvitationState.SENT,
    InvitationState.OPENED,
    InvitationState.REGISTERED,
    InvitationState.DECLINED,
)
_REGISTERED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.PENDING,
    RegistrationStatus.WAITLISTED,
)


@dataclass
class Row:
    """Counts for one category, country or organisation (or the whole event)."""

    label: str
    invited: int = 0
    seats: int = 0
    registered: int = 0
    confirmed: int = 0
    checked_in: int = 0
    cancelled: int = 0
    rejected: int = 0
    declined: int = 0
    #: A category's badge colour (``#rrggbb``); empty for other rows.
    colour: str = ""
    #: For an "others" row: how many rows it sums up.
    folded: int = 0

    @property
    def rate(self) -> float | None:
        """Checked in over confirmed (0..1+); ``None`` when nobody is confirmed."""
        return self.checked_in / self.confirmed if self.confirmed else None

    def add(self, other: Row) -> None:
        """Add ``other``'s counts to this row."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


_COUNTS = (
    "invited",
    "seats",
    "registered",
    "confirmed",
    "checked_in",
    "cancelled",
    "rejected",
    "declined",
)


@dataclass(frozen=True)
class SessionRow:
    """Attendance of one session."""

    session_id: int
    title: str
    starts_at: datetime
    room: str
    requires_enrolment: bool
    enrolled: int
    attended: int
    #: The session's seats (its own, else its room's); ``None``: not limited.
    capacity: int | None

    @property
    def base(self) -> int | None:
        """What attendance is measured against: the enrolled, else the seats."""
        if self.requires_enrolment:
            return self.enrolled or None
        return self.capacity or None

    @property
    def rate(self) -> float | None:
        """Attended over :attr:`base`; ``None`` when there is nothing to measure against."""
        return self.attended / self.base if self.base else None


@dataclass(frozen=True)
class ArrivalDay:
    """Delegates arriving at the entrances per :data:`BUCKET_MINUTES` on one local day."""

    day: date
    buckets: list[Bucket]

    @property
    def total(self) -> int:
        return sum(b.count for b in self.buckets)

    @property
    def peak(self) -> Bucket:
        return max(self.buckets, key=lambda b: b.count)


@dataclass
class Report:
    """Everything the report page and the one-page PDF show."""

    event: Event
    totals: Row
    by_category: list[Row]
    by_country: list[Row]
    by_organisation: list[Row]
    #: Distinct organisations with a registration (before folding into "others").
    organisation_count: int
    sessions: list[SessionRow]
    arrivals: list[ArrivalDay]
    #: Names of the checkpoints whose entries count as arrivals.
    entrances: list[str]
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def busiest_day(self) -> ArrivalDay | None:
        """The day with most arrivals (the earliest of equals)."""
        if not self.arrivals:
            return None
        return max(self.arrivals, key=lambda d: (d.total, -d.day.toordinal()))


def _checked_in(checkpoint_ids: list[int]):
    """SQL: 1 when the registration has a live entry at one of these checkpoints, else 0.

    A correlated EXISTS along the index on ``check_ins.registration_id``: joining a DISTINCT
    subquery instead took 2 s at 5,000 registrations on SQLite (no index on the subquery).
    """
    found = exists().where(
        CheckIn.registration_id == Registration.id,
        CheckIn.checkpoint_id.in_(checkpoint_ids),
        CheckIn.annulled_at.is_(None),
    )
    return case((found, 1), else_=0)


def _registration_counts(event: Event, column, checkpoint_ids: list[int]) -> dict:
    """``{key: Row}`` of registration counts grouped by ``column``, in one query."""
    rows = db.session.execute(
        select(
            column,
            Registration.status,
            func.count(),
            func.coalesce(func.sum(_checked_in(checkpoint_ids)), 0),
        )
        .where(Registration.event_id == event.id)
        .group_by(column, Registration.status)
    ).all()
    counts: dict = {}
    for key, status, total, checked_in in rows:
        row = counts.setdefault(key, Row(label=""))
        status = RegistrationStatus(status)
        if status in _REGISTERED:
            row.registered += total
        if status == RegistrationStatus.CONFIRMED:
            row.confirmed += total
        elif status == RegistrationStatus.CANCELLED:
            row.cancelled += total
        elif status == RegistrationStatus.REJECTED:
            row.rejected += total
        row.checked_in += int(checked_in)
    return counts


def _invitation_counts(event: Event) -> dict[int | None, Row]:
    """``{category_id: Row}`` of invitations issued, their seats and declines."""
    rows = db.session.execute(
        select(
            Invitation.category_id,
            Invitation.state,
            func.count(),
            func.coalesce(func.sum(Invitation.seats), 0),
        )
        .where(Invitation.event_id == event.id, Invitation.state.in_(_ISSUED))
        .group_by(Invitation.category_id, Invitation.state)
    ).all()
    counts: dict[int | None, Row] = {}
    for category_id, state, total, seats in rows:
        row = counts.setdefault(category_id, Row(label=""))
        row.invited += total
        row.seats += int(seats)
        if InvitationState(state) == InvitationState.DECLINED:
            row.declined += total
    return counts


def _is_empty(row: Row) -> bool:
    return not any(getattr(row, name) for name in _COUNTS)


def by_category(event: Event, checkpoint_ids: list[int]) -> list[Row]:
    """One row per category of the event in its order (empty ones too), then "no category"."""
    categories = db.session.scalars(
        select(DelegateCategory)
        .where(DelegateCategory.event_id == event.id)
        .order_by(DelegateCategory.position, DelegateCategory.id)
    ).all()
    registrations = _registration_counts(event, Registration.category_id, checkpoint_ids)
    invitations = _invitation_counts(event)
    rows = []
    for key, label, colour in [(c.id, bi(c, "name"), c.colour) for c in categories] + [
        (None, _("No category"), "")
    ]:
        row = Row(label=label, colour=colour)
        for part in (registrations.get(key), invitations.get(key)):
            if part is not None:
                row.add(part)
        if key is not None or not _is_empty(row):
            rows.append(row)
    return rows


def by_country(event: Event, checkpoint_ids: list[int], locale: str) -> list[Row]:
    """One row per country or region with a registration, most registered first."""
    counts = _registration_counts(event, Registration.country, checkpoint_ids)
    rows = []
    for code, row in counts.items():
        row.label = country_name(code, locale) if code else _("Not given")
        rows.append(row)
    rows = [row for row in rows if row.registered or row.checked_in]
    return sorted(rows, key=lambda r: (-r.registered, -r.checked_in, r.label))


def by_organisation(
    event: Event, checkpoint_ids: list[int], *, top: int = TOP_ORGANISATIONS
) -> tuple[list[Row], int]:
    """The ``top`` organisations by registrations, then one "others" row; and how many there are.

    Names are compared with their runs of spaces collapsed (imports leave stray spaces).
    """
    counts = _registration_counts(event, Registration.organisation, checkpoint_ids)
    merged: dict[str, Row] = {}
    for name, row in counts.items():
        key = " ".join((name or "").split())
        merged.setdefault(key, Row(label=key or _("Not given"))).add(row)
    rows = sorted(
        (row for row in merged.values() if row.registered or row.checked_in),
        key=lambda r: (-r.registered, -r.checked_in, r.label),
    )
    if len(rows) <= top + 1:
        return rows, len(rows)
    others = Row(label="", folded=len(rows) - top)
    for row in rows[top:]:
        others.add(row)
    others.label = _("Others (%(n)d organisations)", n=others.folded)
    return [*rows[:top], others], len(rows)


def session_rows(event: Event) -> list[SessionRow]:
    """Attendance of every session of the event, in programme order."""
    figures = attendance_by_session(event)
    sessions = db.session.scalars(
        select(Session)
        .where(Session.event_id == event.id)
        .options(selectinload(Session.room))
        .order_by(Session.starts_at, Session.position, Session.id)
    ).all()
    rows = []
    for session in sessions:
        counts = figures.get(session.id)
        rows.append(
            SessionRow(
                session_id=session.id,
                title=bi(session, "title"),
                starts_at=session.starts_at.astimezone(event.zone),
                room=bi(session.room, "name") if session.room is not None else "",
                requires_enrolment=session.requires_enrolment,
                enrolled=counts.enrolled if counts else 0,
                attended=counts.attended if counts else 0,
                capacity=session.effective_capacity,
            )
        )
    return rows


def first_arrivals_per_bucket(
    event: Event, *, day: date, checkpoint_ids: list[int], minutes: int = BUCKET_MINUTES
) -> list[Bucket]:
    """Delegates arriving per ``minutes`` on the local ``day``: each at their first live entry
    at these checkpoints that day (a second entrance passed later is no new arrival).

    From the first to the last busy bucket, empty buckets between included (count 0).
    """
    if not checkpoint_ids:
        return []
    zone = event.zone
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    offset = int(start.utcoffset().total_seconds())
    seconds = minutes * 60
    first = (
        select(func.min(CheckIn.checked_in_at).label("arrived_at"))
        .where(
            CheckIn.event_id == event.id,
            CheckIn.checkpoint_id.in_(checkpoint_ids),
            CheckIn.annulled_at.is_(None),
            CheckIn.checked_in_at >= start,
            CheckIn.checked_in_at < end,
        )
        .group_by(CheckIn.registration_id)
        .subquery()
    )
    number = checkin_stats._bucket_number(first.c.arrived_at, seconds, offset).label("bucket")
    rows = db.session.execute(select(number, func.count()).group_by(number)).all()
    counts = {int(bucket): count for bucket, count in rows}
    if not counts:
        return []
    return [
        Bucket(
            starts_at=datetime.fromtimestamp(n * seconds - offset, UTC).astimezone(zone),
            count=counts.get(n, 0),
        )
        for n in range(min(counts), max(counts) + 1)
    ]


def arrival_days(event: Event, checkpoint_ids: list[int]) -> list[ArrivalDay]:
    """Arrivals per :data:`BUCKET_MINUTES` for each day of the event that had any.

    A day outside the event's dates (a registration desk opened the day before) is
    included when it holds the latest arrival.
    """
    days = [
        event.starts_on + timedelta(days=n)
        for n in range(min((event.ends_on - event.starts_on).days + 1, MAX_ARRIVAL_DAYS))
    ]
    latest = checkin_stats.latest_arrival_day(event, checkpoint_ids)
    if latest is not None and latest not in days:
        days.append(latest)
    result = []
    for day in sorted(days):
        buckets = first_arrivals_per_bucket(event, day=day, checkpoint_ids=checkpoint_ids)
        if buckets:
            result.append(ArrivalDay(day=day, buckets=buckets))
    return result


def build_report(
    event: Event, *, locale: str, top_organisations: int = TOP_ORGANISATIONS
) -> Report:
    """The whole report of ``event``, with names in ``locale`` (``zh_Hans`` or ``en``)."""
    checkpoints = db.session.scalars(
        select(Checkpoint)
        .where(Checkpoint.event_id == event.id)
        .order_by(Checkpoint.position, Checkpoint.id)
    ).all()
    ids = checkin_stats.arrival_checkpoint_ids(list(checkpoints))
    categories = by_category(event, ids)
    totals = Row(label=_("All delegates"))
    for row in categories:
        totals.add(row)
    organisations, organisation_count = by_organisation(event, ids, top=top_organisations)
    return Report(
        event=event,
        totals=totals,
        by_category=categories,
        by_country=by_country(event, ids, locale),
        by_organisation=organisations,
        organisation_count=organisation_count,
        sessions=session_rows(event),
        arrivals=arrival_days(event, ids),
        entrances=[bi(c, "name") for c in checkpoints if c.id in ids],
    )


def record_download(event: Event, *, locale: str, by=None):
    """Audit that the one-page report PDF was downloaded (flushed, not committed)."""
    return audit.record(
        "report.pdf_download",
        obj=event,
        actor=by,
        event_id=event.id,
        details={"locale": locale},
    )
