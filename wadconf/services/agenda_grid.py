"""A day of the published programme laid out as a grid: rooms in columns, time in rows.

Rows are :data:`SLOT_MINUTES` long; a session's rows are numbered from the day's first
slot so the template can place it with CSS classes (the CSP forbids inline styles):
``gs-N`` / ``ge-N`` set grid-row start and end, ``gc-N`` the column
(static/css/agenda.css holds them up to :data:`MAX_SLOTS` and :data:`MAX_COLUMNS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wadconf.services.agenda import AgendaRoom, AgendaSession

#: Height of one grid row.
SLOT_MINUTES = 5
#: Grid rows per day the stylesheet knows (24 hours of 5 minutes, plus the end line).
MAX_SLOTS = 24 * 60 // SLOT_MINUTES + 1
#: Room columns the stylesheet knows (more rooms than this: the page shows the list).
MAX_COLUMNS = 12


@dataclass
class GridItem:
    """A session placed on a day's grid (rows from the day's first slot, 1-based)."""

    session: AgendaSession
    row_start: int
    row_end: int
    #: 1-based room column; ``None``: across every room (a session in no room).
    column: int | None

    @property
    def is_short(self) -> bool:
        """Too short for time, title and translation on separate lines (20 minutes or less)."""
        return self.row_end - self.row_start <= 20 // SLOT_MINUTES


@dataclass
class AgendaDay:
    day: date
    sessions: list[AgendaSession]
    #: The rooms used this day, in the venue's order (the grid's columns).
    rooms: list[AgendaRoom] = field(default_factory=list)
    #: The grid's first slot (local time), its hour labels and placed sessions.
    grid_start: datetime | None = None
    hours: list[tuple[int, datetime]] = field(default_factory=list)
    items: list[GridItem] = field(default_factory=list)
    slots: int = 0

    @property
    def fits_grid(self) -> bool:
        return 0 < len(self.rooms) <= MAX_COLUMNS and self.slots < MAX_SLOTS


def _slot(moment: datetime, start: datetime) -> int:
    return int((moment - start).total_seconds() // 60 // SLOT_MINUTES)


def lay_out(day: date, sessions: list[AgendaSession], venue: list[AgendaRoom]) -> AgendaDay:
    """Rooms as columns, time in slots from the earliest full hour to the latest end."""
    used = {s.room.code for s in sessions if s.room is not None}
    rooms = [r for r in venue if r.code in used]
    first = min(s.starts_at for s in sessions)
    start = first.replace(minute=0, second=0, microsecond=0)
    # A session running past midnight is drawn to the end of its day.
    day_end = start.replace(hour=0) + timedelta(days=1)
    last = min(max(s.ends_at for s in sessions), day_end)
    slots = max(1, -(-int((last - start).total_seconds() // 60) // SLOT_MINUTES))
    columns = {r.code: n for n, r in enumerate(rooms, start=1)}
    items = [
        GridItem(
            session=s,
            row_start=_slot(s.starts_at, start) + 1,
            row_end=max(_slot(min(s.ends_at, day_end), start) + 1, _slot(s.starts_at, start) + 2),
            column=columns[s.room.code] if s.room is not None else None,
        )
        for s in sessions
    ]
    hours = []
    moment = start
    while moment < last:
        hours.append((_slot(moment, start) + 1, moment))
        moment += timedelta(hours=1)
    return AgendaDay(
        day=day,
        sessions=sessions,
        rooms=rooms,
        grid_start=start,
        hours=hours,
        items=items,
        slots=slots,
    )
