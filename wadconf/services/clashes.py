"""Clash detection: what in the programme cannot all happen as planned.

Clashes are warnings, not errors: an organiser may knowingly keep one (a
speaker who leaves one room for another). :func:`schedule_clashes` lists every
clash of an event from a handful of queries (sessions, rooms, people,
signatories, witnesses, enrolments), then finds overlaps per room, per person and
per delegate by sweeping the sessions in start order, so the work grows with the
number of sessions and clashes, never with pairs of sessions.

Times are half-open intervals ``[starts_at, ends_at)``: back-to-back sessions
(one ending at 10:00, the next starting at 10:00) do not clash.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.i18n import locale_code
from wadconf.models import Event, RegistrationStatus, Session
from wadconf.services.clash_data import (
    Person,
    Programme,
    Slot,
    load_programme,
    overlapping_pairs,
)

ROOM_DOUBLE_BOOKED = "room_double_booked"
PERSON_DOUBLE_BOOKED = "person_double_booked"
OUTSIDE_EVENT_DAYS = "outside_event_days"
OUTSIDE_ROOM_AVAILABILITY = "outside_room_availability"
CAPACITY_ABOVE_ROOM = "capacity_above_room"
ENROLMENTS_ABOVE_CAPACITY = "enrolments_above_capacity"
ENROLMENT_OVERLAP = "enrolment_overlap"
SIGNATORY_NOT_CONFIRMED = "signatory_not_confirmed"

#: Every rule's code, in the order the rules run.
CODES = (
    ROOM_DOUBLE_BOOKED,
    PERSON_DOUBLE_BOOKED,
    OUTSIDE_EVENT_DAYS,
    OUTSIDE_ROOM_AVAILABILITY,
    CAPACITY_ABOVE_ROOM,
    ENROLMENTS_ABOVE_CAPACITY,
    ENROLMENT_OVERLAP,
    SIGNATORY_NOT_CONFIRMED,
)


@dataclass(frozen=True)
class Clash:
    """One warning: a stable ``code``, the sessions involved, a translated ``message``.

    ``subject`` names what the sessions clash over (``room:3``, ``reg:12``, an external
    person's name); with the code and the sessions it makes :attr:`key`, which tells a
    new clash from one the organiser already accepted.
    """

    code: str
    message: str
    session_ids: tuple[int, ...]
    subject: str = ""
    registration_ids: tuple[int, ...] = ()
    room_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, tuple[int, ...], str]:
        """Identity of the clash across two checks of the same programme."""
        return (self.code, tuple(sorted(self.session_ids)), self.subject)

    def involves(self, session_id: int) -> bool:
        """Whether ``session_id`` is one of the clashing sessions."""
        return session_id in self.session_ids

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for the editor's API)."""
        return {
            "code": self.code,
            "message": self.message,
            "session_ids": list(self.session_ids),
            "registration_ids": list(self.registration_ids),
            "room_id": self.room_id,
            "params": self.params,
        }


def _room_clashes(p: Programme) -> Iterator[Clash]:
    by_room: dict[int, list[Slot]] = defaultdict(list)
    for slot in p.slots.values():
        if slot.room_id is not None:
            by_room[slot.room_id].append(slot)
    for room_id, slots in by_room.items():
        room = p.rooms.get(room_id)
        room_name = p.text(room, "name") if room else ""
        for a, b in overlapping_pairs(slots):
            yield Clash(
                ROOM_DOUBLE_BOOKED,
                _(
                    "“%(first)s” and “%(second)s” are in %(room)s at the same time.",
                    first=p.text(a, "title"),
                    second=p.text(b, "title"),
                    room=room_name,
                ),
                (a.id, b.id),
                subject=f"room:{room_id}",
                room_id=room_id,
            )


def _norm(name: str, *, spaces: bool) -> str:
    """Compare names without case and extra spaces (Chinese names without any spaces)."""
    words = name.casefold().split()
    return " ".join(words) if spaces else "".join(words)


def _same_external(a: Person, b: Person) -> bool:
    """The same Chinese name, or the same English name unless the Chinese names differ."""
    zh_a, zh_b = _norm(a.name_zh, spaces=False), _norm(b.name_zh, spaces=False)
    if zh_a and zh_b:
        return zh_a == zh_b
    en_a, en_b = _norm(a.name_en, spaces=True), _norm(b.name_en, spaces=True)
    return bool(en_a) and en_a == en_b


def _identities(people: list[Person]) -> dict[str, list[Person]]:
    """People grouped by who they are: a registration, or an external name.

    External people are grouped by English name and by Chinese name; the rule in
    :func:`_same_external` then says which pairs in a group are one person.
    """
    groups: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        if person.registration_id is not None:
            groups[f"reg:{person.registration_id}"].append(person)
            continue
        if zh := _norm(person.name_zh, spaces=False):
            groups[f"zh:{zh}"].append(person)
        if en := _norm(person.name_en, spaces=True):
            groups[f"en:{en}"].append(person)
    return groups


def _person_clashes(p: Programme) -> Iterator[Clash]:
    seen: set[tuple] = set()
    for group_key, group in _identities(p.people).items():
        # One place per session: a chair who also speaks is in the session once.
        by_session = {person.session_id: person for person in group}
        slots = [p.slots[sid] for sid in by_session if sid in p.slots]
        for a, b in overlapping_pairs(slots):
            first, second = by_session[a.id], by_session[b.id]
            if first.registration_id is None and not _same_external(first, second):
                continue
            if first.registration_id is not None:
                subject = group_key
            else:
                names = sorted(f"{x.name_zh}/{x.name_en}".casefold() for x in (first, second))
                subject = "ext:" + "|".join(names)
            clash = Clash(
                PERSON_DOUBLE_BOOKED,
                _(
                    "%(person)s is in “%(first)s” and “%(second)s” at the same time.",
                    person=first.label,
                    first=p.text(a, "title"),
                    second=p.text(b, "title"),
                ),
                (a.id, b.id),
                subject=subject,
                registration_ids=(
                    (first.registration_id,) if first.registration_id is not None else ()
                ),
                params={"person": first.label},
            )
            # The same two external people may meet in their English and Chinese groups.
            if clash.key not in seen:
                seen.add(clash.key)
                yield clash


def event_window(event: Event) -> tuple[datetime, datetime]:
    """From midnight of the first day to midnight after the last, in the event's zone."""
    zone = event.zone
    start = datetime.combine(event.starts_on, time(0), tzinfo=zone)
    end = datetime.combine(event.ends_on + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def _outside_event_days(p: Programme) -> Iterator[Clash]:
    start, end = event_window(p.event)
    first_day: date = p.event.starts_on
    last_day: date = p.event.ends_on
    for slot in p.slots.values():
        if slot.starts_at < start or slot.ends_at > end:
            yield Clash(
                OUTSIDE_EVENT_DAYS,
                _(
                    "“%(title)s” lies outside the days of the event (%(first_day)s to "
                    "%(last_day)s).",
                    title=p.text(slot, "title"),
                    first_day=first_day.isoformat(),
                    last_day=last_day.isoformat(),
                ),
                (slot.id,),
                subject="event",
            )


def _merged(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Windows that touch or overlap joined into one (08:00-12:00 + 12:00-18:00 = 08:00-18:00)."""
    merged: list[tuple[datetime, datetime]] = []
    for starts_at, ends_at in sorted(windows):
        if merged and starts_at <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends_at))
        else:
            merged.append((starts_at, ends_at))
    return merged


def _outside_room_availability(p: Programme) -> Iterator[Clash]:
    merged = {room.id: _merged(room.windows) for room in p.rooms.values() if room.windows}
    for slot in p.slots.values():
        windows = merged.get(slot.room_id) if slot.room_id is not None else None
        if not windows:
            continue
        if any(s <= slot.starts_at and slot.ends_at <= e for s, e in windows):
            continue
        yield Clash(
            OUTSIDE_ROOM_AVAILABILITY,
            _(
                "“%(title)s” lies outside the times %(room)s is available.",
                title=p.text(slot, "title"),
                room=p.text(p.rooms[slot.room_id], "name"),
            ),
            (slot.id,),
            subject=f"room:{slot.room_id}",
            room_id=slot.room_id,
        )


def _effective_capacity(p: Programme, slot: Slot) -> int | None:
    if slot.capacity is not None:
        return slot.capacity
    room = p.rooms.get(slot.room_id) if slot.room_id is not None else None
    return room.capacity if room else None


def _capacity_above_room(p: Programme) -> Iterator[Clash]:
    for slot in p.slots.values():
        room = p.rooms.get(slot.room_id) if slot.room_id is not None else None
        if room is None or room.capacity is None or slot.capacity is None:
            continue
        if slot.capacity > room.capacity:
            yield Clash(
                CAPACITY_ABOVE_ROOM,
                _(
                    "“%(title)s” has %(capacity)s places but %(room)s seats only "
                    "%(room_capacity)s.",
                    title=p.text(slot, "title"),
                    capacity=slot.capacity,
                    room=p.text(room, "name"),
                    room_capacity=room.capacity,
                ),
                (slot.id,),
                subject=f"room:{room.id}",
                room_id=room.id,
                params={"capacity": slot.capacity, "room_capacity": room.capacity},
            )


def _enrolments_above_capacity(p: Programme) -> Iterator[Clash]:
    counts: dict[int, int] = defaultdict(int)
    for session_id, _registration_id in p.enrolled:
        counts[session_id] += 1
    for session_id, count in counts.items():
        slot = p.slots[session_id]
        capacity = _effective_capacity(p, slot)
        if capacity is not None and count > capacity:
            yield Clash(
                ENROLMENTS_ABOVE_CAPACITY,
                _(
                    "“%(title)s” has %(enrolled)s enrolments for %(capacity)s places.",
                    title=p.text(slot, "title"),
                    enrolled=count,
                    capacity=capacity,
                ),
                (slot.id,),
                subject="enrolments",
                params={"enrolled": count, "capacity": capacity},
            )


def _enrolment_overlaps(p: Programme) -> Iterator[Clash]:
    by_delegate: dict[int, list[Slot]] = defaultdict(list)
    for session_id, registration_id in p.enrolled:
        by_delegate[registration_id].append(p.slots[session_id])
    pairs = [
        (registration_id, a, b)
        for registration_id, slots in by_delegate.items()
        for a, b in overlapping_pairs(slots)
    ]
    labels = p.labels(registration_id for registration_id, _a, _b in pairs) if pairs else {}
    for registration_id, a, b in pairs:
        label = labels.get(registration_id, "")
        yield Clash(
            ENROLMENT_OVERLAP,
            _(
                "%(person)s is enrolled in “%(first)s” and “%(second)s”, which overlap.",
                person=label,
                first=p.text(a, "title"),
                second=p.text(b, "title"),
            ),
            (a.id, b.id),
            subject=f"reg:{registration_id}",
            registration_ids=(registration_id,),
            params={"person": label},
        )


def _unconfirmed_signatories(p: Programme) -> Iterator[Clash]:
    seen: set[tuple[int, int]] = set()
    for person, status in p.signatories:
        if status == RegistrationStatus.CONFIRMED:
            continue
        if (person.session_id, person.registration_id) in seen:
            continue
        seen.add((person.session_id, person.registration_id))
        yield Clash(
            SIGNATORY_NOT_CONFIRMED,
            _(
                "Signatory %(person)s of “%(title)s” has no confirmed registration.",
                person=person.label,
                title=p.text(p.slots[person.session_id], "title"),
            ),
            (person.session_id,),
            subject=f"reg:{person.registration_id}",
            registration_ids=(person.registration_id,),
            params={"person": person.label, "status": str(status)},
        )


_RULES = (
    _room_clashes,
    _person_clashes,
    _outside_event_days,
    _outside_room_availability,
    _capacity_above_room,
    _enrolments_above_capacity,
    _enrolment_overlaps,
    _unconfirmed_signatories,
)


def _check(programme: Programme) -> list[Clash]:
    """Run every rule; clashes ordered by the first session's start, then by rule."""
    programme.zh_first = locale_code() == "zh_Hans"
    clashes = [clash for rule in _RULES for clash in rule(programme)]

    def order(clash: Clash) -> tuple:
        first = min(programme.slots[sid].starts_at for sid in clash.session_ids)
        return (first, CODES.index(clash.code), clash.session_ids)

    return sorted(clashes, key=order)


def schedule_clashes(event: Event) -> list[Clash]:
    """Every clash in ``event``'s programme (the editor's clash page)."""
    return _check(load_programme(event))


def session_clashes(event: Event, session_id: int) -> list[Clash]:
    """The clashes that involve one session (what the editor shows beside it; save checks).

    Reads only the sessions overlapping this one: a clash of two sessions needs them to
    overlap, and the single-session rules need only the session itself.
    """
    times = db.session.execute(
        select(Session.starts_at, Session.ends_at).where(
            Session.id == session_id, Session.event_id == event.id
        )
    ).first()
    if times is None:
        return []
    programme = load_programme(event, window=(times.starts_at, times.ends_at))
    return [clash for clash in _check(programme) if clash.involves(session_id)]
