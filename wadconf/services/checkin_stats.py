"""Figures for the live check-in dashboard and the scan log of a checkpoint.

Every figure is one aggregate query, whatever the number of scans: counts per
checkpoint, arrivals per 10 minutes (bucketed in SQL, one row per bucket), the latest
arrivals of highlighted categories (a LIMIT on an index). Tested with 5,000
registrations and 20,000 scans in ``tests/perf/bench_checkin_dashboard.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import BigInteger, Integer, and_, cast, extract, func, or_, select
from sqlalchemy.orm import selectinload

from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    CheckIn,
    Checkpoint,
    CheckpointKind,
    DelegateCategory,
    Event,
    ReentryPolicy,
    Registration,
    RegistrationStatus,
    Scan,
    StaffUser,
    Verdict,
)

BUCKET_MINUTES = 10


@dataclass(frozen=True)
class CheckpointFigures:
    """Admitted versus expected at one checkpoint."""

    checkpoint: Checkpoint
    #: Live (not annulled) accepted entries.
    admitted: int
    #: At ``in_out`` checkpoints, how many are inside now; else None.
    inside: int | None
    #: ``expected_count``, else the confirmed delegates the rule admits; None: unknown.
    expected: int | None
    #: Whether ``expected`` was derived from registrations (not set by an organiser).
    expected_derived: bool
    #: Scans refused at this checkpoint (any verdict but ``ok``).
    refused: int

    @property
    def percent(self) -> int | None:
        """Admitted as a whole percentage of expected (None when nothing is expected)."""
        if not self.expected:
            return None
        return round(100 * self.admitted / self.expected)


@dataclass(frozen=True)
class Bucket:
    """Arrivals in one interval; ``starts_at`` is in the event's zone."""

    starts_at: datetime
    count: int


@dataclass(frozen=True)
class HighlightedArrival:
    """An arrival of a delegate of a highlighted category (leaders, officials)."""

    name_zh: str
    name_en: str
    organisation: str
    category_name_zh: str
    category_name_en: str
    category_colour: str
    checkpoint_name_zh: str
    checkpoint_name_en: str
    checked_in_at: datetime


@dataclass(frozen=True)
class LogRow:
    """One scan in a checkpoint's log."""

    id: int
    scanned_at: datetime
    verdict: Verdict
    direction: str
    method: str
    device: str
    code: str
    staff: str
    name_zh: str
    name_en: str
    organisation: str
    annulled: bool


def confirmed_counts(event: Event) -> tuple[int, dict[int, int]]:
    """Confirmed registrations of the event: in all, and per category id."""
    rows = db.session.execute(
        select(Registration.category_id, func.count())
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.category_id)
    ).all()
    by_category = {category_id: count for category_id, count in rows if category_id is not None}
    return sum(count for _id, count in rows), by_category


def expected_at(checkpoint: Checkpoint, total: int, by_category: dict[int, int]) -> int | None:
    """Whom ``checkpoint`` expects, from the confirmed counts when no number was set."""
    if checkpoint.expected_count is not None:
        return checkpoint.expected_count
    if checkpoint.rule == AdmissionRule.ALL:
        return total
    if checkpoint.rule == AdmissionRule.CATEGORIES:
        return sum(by_category.get(c.id, 0) for c in checkpoint.categories)
    return None  # enrolled: the schedule knows; until it does, unknown


def _counts(query) -> dict[int, int]:
    """``{checkpoint_id: count}`` from a (checkpoint_id, count) query, grouped here."""
    return dict(db.session.execute(query.group_by(query.selected_columns[0])).all())


def checkpoint_figures(event: Event) -> list[CheckpointFigures]:
    """Admitted versus expected for each of the event's checkpoints, in display order."""
    checkpoints = list(
        db.session.scalars(
            select(Checkpoint)
            .where(Checkpoint.event_id == event.id)
            .options(selectinload(Checkpoint.categories))
            .order_by(Checkpoint.position, Checkpoint.id)
        )
    )
    # Filtering on the checkpoints (not the event) lets both databases count along the
    # (checkpoint_id, time) indexes: 3-5x faster on SQLite at 20,000 scans.
    ids = [c.id for c in checkpoints]
    live = (CheckIn.checkpoint_id.in_(ids), CheckIn.annulled_at.is_(None))
    admitted = _counts(select(CheckIn.checkpoint_id, func.count()).where(*live)) if ids else {}
    in_out = [c.id for c in checkpoints if c.reentry == ReentryPolicy.IN_OUT]
    inside = (
        _counts(
            select(CheckIn.checkpoint_id, func.count()).where(
                CheckIn.checkpoint_id.in_(in_out),
                CheckIn.annulled_at.is_(None),
                CheckIn.is_inside.is_(True),
            )
        )
        if in_out
        else {}
    )
    refused = (
        _counts(
            select(Scan.checkpoint_id, func.count()).where(
                Scan.checkpoint_id.in_(ids), Scan.verdict != Verdict.OK
            )
        )
        if ids
        else {}
    )
    total, by_category = confirmed_counts(event)
    figures = []
    for checkpoint in checkpoints:
        figures.append(
            CheckpointFigures(
                checkpoint=checkpoint,
                admitted=admitted.get(checkpoint.id, 0),
                inside=inside.get(checkpoint.id, 0) if checkpoint.id in in_out else None,
                expected=expected_at(checkpoint, total, by_category),
                expected_derived=checkpoint.expected_count is None,
                refused=refused.get(checkpoint.id, 0),
            )
        )
    return figures


def arrival_checkpoint_ids(checkpoints: list[Checkpoint]) -> list[int]:
    """The checkpoints whose entries count as arrivals: the entrances, else all."""
    entrances = [c.id for c in checkpoints if c.kind == CheckpointKind.ENTRANCE]
    return entrances or [c.id for c in checkpoints]


def latest_arrival_day(event: Event, checkpoint_ids: list[int]) -> date | None:
    """The local date of the latest live entry at these checkpoints (None: no entries)."""
    if not checkpoint_ids:
        return None
    latest = db.session.scalar(
        select(func.max(CheckIn.checked_in_at)).where(
            CheckIn.event_id == event.id,
            CheckIn.checkpoint_id.in_(checkpoint_ids),
            CheckIn.annulled_at.is_(None),
        )
    )
    if latest is None:
        return None
    if latest.tzinfo is None:  # max() on SQLite gives the stored text back, naive UTC
        latest = datetime.fromisoformat(str(latest)).replace(tzinfo=UTC)
    return latest.astimezone(event.zone).date()


def _bucket_number(column, seconds: int, offset: int):
    """SQL for ``(whole epoch seconds of column + offset) // seconds``, SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        # Stored as naive UTC text; strftime('%s') reads it as UTC.
        epoch = cast(func.strftime("%s", column), Integer)
    else:
        # floor() first: a cast alone would round 59.7 s up into the next bucket.
        epoch = cast(func.floor(extract("epoch", column)), BigInteger)
    return (epoch + offset) // seconds  # integer division on both


def arrivals_per_bucket(
    event: Event, *, day: date, checkpoint_ids: list[int], minutes: int = BUCKET_MINUTES
) -> list[Bucket]:
    """Live entries per ``minutes`` on the local ``day``, from the first to the last busy bucket.

    Empty buckets between busy ones are included (count 0), so the chart's time axis is even.
    """
    if not checkpoint_ids:
        return []
    zone = event.zone
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    # Buckets start on local multiples of `minutes` (the offset of that day's midnight).
    offset = int(start.utcoffset().total_seconds())
    seconds = minutes * 60
    number = _bucket_number(CheckIn.checked_in_at, seconds, offset).label("bucket")
    rows = db.session.execute(
        select(number, func.count())
        .where(
            CheckIn.event_id == event.id,
            CheckIn.checkpoint_id.in_(checkpoint_ids),
            CheckIn.annulled_at.is_(None),
            CheckIn.checked_in_at >= start,
            CheckIn.checked_in_at < end,
        )
        .group_by(number)
    ).all()
    counts = {int(bucket): count for bucket, count in rows}
    if not counts:
        return []
    first, last = min(counts), max(counts)
    return [
        Bucket(
            starts_at=datetime.fromtimestamp(n * seconds - offset, UTC).astimezone(zone),
            count=counts.get(n, 0),
        )
        for n in range(first, last + 1)
    ]


def latest_highlighted(event: Event, *, limit: int = 15) -> list[HighlightedArrival]:
    """The latest live entries of delegates whose category is highlighted, newest first."""
    rows = db.session.execute(
        select(
            Registration.name_zh,
            Registration.name_en,
            Registration.organisation,
            DelegateCategory.name_zh,
            DelegateCategory.name_en,
            DelegateCategory.colour,
            Checkpoint.name_zh,
            Checkpoint.name_en,
            CheckIn.checked_in_at,
        )
        .select_from(CheckIn)
        .join(Registration, Registration.id == CheckIn.registration_id)
        .join(DelegateCategory, DelegateCategory.id == Registration.category_id)
        .join(Checkpoint, Checkpoint.id == CheckIn.checkpoint_id)
        .where(
            CheckIn.event_id == event.id,
            CheckIn.annulled_at.is_(None),
            DelegateCategory.highlight_arrivals.is_(True),
        )
        .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc())
        .limit(limit)
    ).all()
    return [HighlightedArrival(*row) for row in rows]


def scan_log(
    checkpoint: Checkpoint, *, limit: int = 100, before: int | None = None
) -> list[LogRow]:
    """The latest scans at ``checkpoint``, newest first; ``before`` (a scan id) pages back."""
    query = (
        select(
            Scan.id,
            Scan.scanned_at,
            Scan.verdict,
            Scan.direction,
            Scan.method,
            Scan.device,
            Scan.code,
            func.coalesce(StaffUser.display_name, ""),
            func.coalesce(StaffUser.email, ""),
            func.coalesce(Registration.name_zh, ""),
            func.coalesce(Registration.name_en, ""),
            func.coalesce(Registration.organisation, ""),
            CheckIn.annulled_at,
        )
        .select_from(Scan)
        .outerjoin(StaffUser, StaffUser.id == Scan.staff_user_id)
        .outerjoin(Registration, Registration.id == Scan.registration_id)
        .outerjoin(CheckIn, CheckIn.id == Scan.check_in_id)
        .where(Scan.checkpoint_id == checkpoint.id)
    )
    if before is not None:
        anchor = db.session.get(Scan, before)
        if anchor is not None:
            query = query.where(
                or_(
                    Scan.scanned_at < anchor.scanned_at,
                    and_(Scan.scanned_at == anchor.scanned_at, Scan.id < anchor.id),
                )
            )
    # Newest first along the (checkpoint_id, scanned_at) index: no sort of all the scans.
    rows = db.session.execute(
        query.order_by(Scan.scanned_at.desc(), Scan.id.desc()).limit(limit)
    ).all()
    return [
        LogRow(
            id=row[0],
            scanned_at=row[1],
            verdict=row[2],
            direction=row[3].value,
            method=row[4].value,
            device=row[5],
            code=row[6],
            staff=row[7] or row[8],
            name_zh=row[9],
            name_en=row[10],
            organisation=row[11],
            # Only an entry this scan created can be annulled; a scan that ran into it is not.
            annulled=row[12] is not None and row[2] == Verdict.OK,
        )
        for row in rows
    ]
