"""The editor's day grid: rooms as columns, 15-minute rows, sessions as blocks.

Pure layout over loaded rows (no queries): which column and which rows each
session covers, in the event's zone. The template writes the numbers into
``data-*`` attributes and ``static/js/schedule_editor.js`` places the blocks
(the CSP forbids inline styles; setting ``element.style`` from script is allowed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from wadconf.models import Event, Room, Session

#: Minutes per grid row.
ROW_MINUTES = 15
#: The grid shows at least this span of each day, wider when sessions fall outside it.
DAY_START = time(8, 0)
DAY_END = time(18, 0)


@dataclass
class Column:
    """One column of a day: a room, or the sessions without one (``room`` is ``None``)."""

    index: int
    room: Room | None

    @property
    def room_value(self) -> str:
        """The room id as the move endpoint takes it (empty: no room)."""
        return str(self.room.id) if self.room is not None else ""


@dataclass
class Block:
    """A session placed in a day's grid."""

    session: Session
    column: int
    row_start: int
    row_end: int
    starts: datetime
    ends: datetime
    clashing: bool

    @property
    def minutes(self) -> int:
        """The session's length in minutes (the drag keeps it)."""
        return int((self.session.ends_at - self.session.starts_at).total_seconds() // 60)


@dataclass
class Row:
    """A grid row: its number (1-based, after the header row) and its local start time."""

    number: int
    starts: time

    @property
    def is_hour(self) -> bool:
        """Whether the row starts a full hour (labelled in the time column)."""
        return self.starts.minute == 0


@dataclass
class DayGrid:
    """One day of the programme laid out as a grid."""

    day: date
    columns: list[Column]
    rows: list[Row]
    blocks: list[Block] = field(default_factory=list)


def local(value: datetime, event: Event) -> datetime:
    """An aware UTC time as a naive wall-clock time in the event's zone."""
    return value.astimezone(event.zone).replace(tzinfo=None)


def event_days(event: Event, sessions: list[Session]) -> list[date]:
    """The event's days, and any other day a session starts on (those need fixing)."""
    days = set()
    day = event.starts_on
    while day <= event.ends_on:
        days.add(day)
        day += timedelta(days=1)
    days.update(local(s.starts_at, event).date() for s in sessions)
    return sorted(days)


def _floor_hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def _ceil_hour(value: datetime) -> datetime:
    floored = _floor_hour(value)
    return floored if floored == value else floored + timedelta(hours=1)


def build_day(
    event: Event, day: date, sessions: list[Session], rooms: list[Room], clashing: set[int]
) -> DayGrid:
    """The grid of ``day`` for the sessions that start on it (``sessions`` of any day)."""
    todays = [s for s in sessions if local(s.starts_at, event).date() == day]
    midnight = datetime.combine(day, time(0))
    next_midnight = midnight + timedelta(days=1)
    first = datetime.combine(day, DAY_START)
    last = datetime.combine(day, DAY_END)
    for session in todays:
        first = min(first, _floor_hour(local(session.starts_at, event)))
        last = max(last, _ceil_hour(min(local(session.ends_at, event), next_midnight)))
    last = min(last, next_midnight)
    step = timedelta(minutes=ROW_MINUTES)
    count = int((last - first) / step)
    rows = [Row(n + 1, (first + n * step).time()) for n in range(count)]

    columns = [Column(i + 1, room) for i, room in enumerate(rooms)]
    columns.append(Column(len(columns) + 1, None))
    column_of = {c.room.id: c.index for c in columns if c.room is not None}
    grid = DayGrid(day, columns, rows)
    for session in todays:
        starts = local(session.starts_at, event)
        ends = local(session.ends_at, event)
        row_start = int((starts - first) / step) + 1
        row_end = math.ceil((min(ends, last) - first) / step) + 1
        grid.blocks.append(
            Block(
                session=session,
                column=column_of.get(session.room_id, columns[-1].index),
                row_start=row_start,
                row_end=max(row_end, row_start + 1),
                starts=starts,
                ends=ends,
                clashing=session.id in clashing,
            )
        )
    grid.blocks.sort(key=lambda b: (b.column, b.row_start, b.session.position))
    return grid


def build_grid(
    event: Event, sessions: list[Session], rooms: list[Room], clashing: set[int]
) -> list[DayGrid]:
    """Every day of the event (and any day a session strays to), laid out."""
    return [build_day(event, day, sessions, rooms, clashing) for day in event_days(event, sessions)]
