"""The organisers' report: exact figures from a small known set of invitations,
registrations, check-ins and session scans.

The known set (:func:`build_known_set`):

- invitations: 5 sent (3 government, one of them for 3 seats; 2 media, one declined),
  plus a draft and a revoked one, which do not count;
- registrations: A, B, C confirmed, D pending (4 registered, 3 confirmed), E cancelled,
  F rejected;
- entries: A at the main entrance 08:05 and at the east entrance 08:20 (twice, two
  entrances: one arrival), B at the main entrance 08:10, C's entry at the main entrance
  undone, C at a session-room checkpoint (not an entrance): 2 checked in;
- sessions: "Enrolled" needs enrolment, A, B, C enrolled and D waitlisted, A and C
  scanned at its checkpoint (2 of 3); "Open" needs none, in a room of 100 seats, B
  scanned at the room's checkpoint during it (1 of 100 seats).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    CheckIn,
    Checkpoint,
    CheckpointKind,
    Enrolment,
    EnrolmentStatus,
    Event,
    InvitationState,
    RegistrationStatus,
    Room,
    Scan,
    Session,
    Verdict,
)
from wadconf.services import reports

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(hour: int, minute: int, day: int = 5) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class KnownSet:
    event: Event
    registrations: dict[str, object]
    checkpoints: dict[str, int]
    sessions: dict[str, int]


def add_checkpoint(event_id: int, code: str, **fields) -> Checkpoint:
    checkpoint = Checkpoint(event_id=event_id, code=code, name_en=code.title(), **fields)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def admit(registration, checkpoint_id: int, when: datetime, *, annulled: bool = False) -> None:
    """An accepted entry with its ``ok`` scan (inside an open app context)."""
    entry = CheckIn(
        event_id=registration.event_id,
        registration_id=registration.id,
        checkpoint_id=checkpoint_id,
        checked_in_at=when,
        annulled_at=when if annulled else None,
    )
    db.session.add(entry)
    db.session.add(
        Scan(
            event_id=registration.event_id,
            checkpoint_id=checkpoint_id,
            registration_id=registration.id,
            check_in=entry,
            code=registration.badge_code,
            verdict=Verdict.OK,
            scanned_at=when,
        )
    )
    db.session.flush()


def build_known_set(app, make_event, make_invitation, make_registration, **event_fields):
    """The set described in this module's docstring."""
    event = make_event(**event_fields)
    make_invitation(event, category="government")
    make_invitation(event, category="government", seats=3)
    gov = make_invitation(event, category="government", state=InvitationState.REGISTERED)
    make_invitation(event, category="media", state=InvitationState.DECLINED)
    make_invitation(event, category="media", state=InvitationState.OPENED)
    make_invitation(event, category="media", state=InvitationState.DRAFT)
    make_invitation(event, category="government", state=InvitationState.REVOKED)
    people = {
        "A": make_registration(
            event, invitation=gov, category="government", country="CN", organisation="示例机构"
        ),
        "B": make_registration(
            event, category="government", country="HK", organisation=" 示例机构  "
        ),
        "C": make_registration(event, category="media", country="US", organisation="Org B"),
        "D": make_registration(
            event,
            category="government",
            country="CN",
            organisation="Org B",
            status=RegistrationStatus.PENDING,
        ),
        "E": make_registration(
            event, category="media", country="CN", status=RegistrationStatus.CANCELLED
        ),
        "F": make_registration(
            event, category="government", country="CN", status=RegistrationStatus.REJECTED
        ),
    }
    with app.app_context(), write_intent():
        room = Room(event_id=event.id, code="hall-b", name_en="Hall B", capacity=100)
        db.session.add(room)
        db.session.flush()
        enrolled = Session(
            event_id=event.id,
            title_en="Enrolled",
            title_zh="报名分会",
            starts_at=local(10, 0),
            ends_at=local(11, 0),
            requires_enrolment=True,
        )
        open_session = Session(
            event_id=event.id,
            title_en="Open",
            title_zh="开放分会",
            starts_at=local(14, 0),
            ends_at=local(15, 0),
            room_id=room.id,
        )
        db.session.add_all([enrolled, open_session])
        db.session.flush()
        main = add_checkpoint(event.id, "main", kind=CheckpointKind.ENTRANCE)
        east = add_checkpoint(event.id, "east", kind=CheckpointKind.ENTRANCE)
        session_gate = add_checkpoint(
            event.id, "enrolled-door", kind=CheckpointKind.SESSION_ROOM, session_id=enrolled.id
        )
        room_gate = add_checkpoint(
            event.id, "hall-b-door", kind=CheckpointKind.SESSION_ROOM, room_id=room.id
        )
        a, b, c, d = (people[k] for k in "ABCD")
        admit(a, main.id, local(8, 5))
        admit(a, east.id, local(8, 20))
        admit(b, main.id, local(8, 10))
        admit(c, main.id, local(8, 12), annulled=True)
        for person in (a, b, c):
            db.session.add(Enrolment(session_id=enrolled.id, registration_id=person.id))
        db.session.add(
            Enrolment(
                session_id=enrolled.id, registration_id=d.id, status=EnrolmentStatus.WAITLISTED
            )
        )
        admit(a, session_gate.id, local(9, 55))
        admit(c, session_gate.id, local(10, 2))
        admit(b, room_gate.id, local(13, 50))
        db.session.commit()
        known = KnownSet(
            event=event,
            registrations=people,
            checkpoints={"main": main.id, "east": east.id, "session": session_gate.id},
            sessions={"enrolled": enrolled.id, "open": open_session.id},
        )
    return known


@pytest.fixture
def known(app, make_event, make_invitation, make_registration) -> KnownSet:
    return build_known_set(app, make_event, make_invitation, make_registration)


def report_of(app, event, locale: str = "en", **options) -> reports.Report:
    with app.app_context(), force_locale(locale):
        row = db.session.get(Event, event.id)
        report = reports.build_report(row, locale=locale, **options)
        db.session.expunge_all()
        return report


def test_headline_figures(app, known):
    t = report_of(app, known.event).totals
    assert (t.invited, t.registered, t.confirmed, t.checked_in) == (5, 4, 3, 2)


def test_cancelled_rejected_and_declined(app, known):
    t = report_of(app, known.event).totals
    assert (t.cancelled, t.rejected, t.declined) == (1, 1, 1)


def test_seats_add_up_the_invitations_sent(app, known):
    assert report_of(app, known.event).totals.seats == 7


def test_check_in_rate_is_over_the_confirmed(app, known):
    assert report_of(app, known.event).totals.rate == pytest.approx(2 / 3)


def test_an_undone_entry_does_not_count(app, make_event, make_registration):
    event = make_event()
    person = make_registration(event)
    with app.app_context(), write_intent():
        gate = add_checkpoint(event.id, "main")
        admit(person, gate.id, local(8, 0), annulled=True)
        db.session.commit()
    assert report_of(app, event).totals.checked_in == 0


def test_entries_at_other_checkpoints_are_arrivals_when_there_is_no_entrance(
    app, make_event, make_registration
):
    event = make_event()
    person = make_registration(event)
    with app.app_context(), write_intent():
        gate = add_checkpoint(event.id, "hall", kind=CheckpointKind.SESSION_ROOM)
        admit(person, gate.id, local(8, 0))
        db.session.commit()
    assert report_of(app, event).totals.checked_in == 1


def test_by_category(app, known):
    rows = {r.label: r for r in report_of(app, known.event).by_category}
    gov, media = rows["Government official"], rows["Media"]
    assert (gov.invited, gov.registered, gov.confirmed, gov.checked_in, gov.rejected) == (
        3,
        3,
        2,
        2,
        1,
    )
    assert (media.invited, media.declined, media.registered, media.cancelled) == (2, 1, 1, 1)
    assert (media.confirmed, media.checked_in) == (1, 0)


def test_every_category_is_listed_even_when_empty(app, known):
    rows = {r.label: r for r in report_of(app, known.event).by_category}
    assert rows["Staff"].registered == 0
    assert "No category" not in rows


def test_category_names_follow_the_language(app, known):
    labels = [r.label for r in report_of(app, known.event, "zh_Hans").by_category]
    assert "政府部门" in labels


def test_by_country(app, known):
    rows = {r.label: r for r in report_of(app, known.event).by_country}
    china = rows["China"]
    assert (china.registered, china.confirmed, china.checked_in, china.cancelled) == (2, 1, 1, 1)
    assert (rows["United States"].registered, rows["United States"].checked_in) == (1, 0)


def test_country_names_are_localised_as_on_badges(app, known):
    from wadconf.services.badge_layouts import country_name

    labels = [r.label for r in report_of(app, known.event, "zh_Hans").by_country]
    assert country_name("HK", "zh_Hans") in labels
    assert "HK" not in labels


def test_countries_are_ordered_by_registrations(app, known):
    labels = [r.label for r in report_of(app, known.event).by_country]
    assert labels[0] == "China"


def test_organisation_names_differing_in_spaces_are_one(app, known):
    rows = {r.label: r for r in report_of(app, known.event).by_organisation}
    assert (rows["示例机构"].registered, rows["示例机构"].checked_in) == (2, 2)
    assert rows["Org B"].registered == 2


def test_organisations_beyond_the_top_are_summed_up(app, make_event, make_registration):
    event = make_event()
    for n, size in enumerate((3, 2, 1, 1, 1)):
        for _ in range(size):
            make_registration(event, organisation=f"Body {n}")
    report = report_of(app, event, top_organisations=2)
    labels = [r.label for r in report.by_organisation]
    assert labels == ["Body 0", "Body 1", "Others (3 organisations)"]
    assert report.by_organisation[-1].registered == 3
    assert report.organisation_count == 5


def test_enrolled_session_attendance(app, known):
    rows = {s.session_id: s for s in report_of(app, known.event).sessions}
    row = rows[known.sessions["enrolled"]]
    assert (row.enrolled, row.attended, row.base) == (3, 2, 3)
    assert row.rate == pytest.approx(2 / 3)


def test_open_session_is_measured_against_the_seats(app, known):
    row = {s.session_id: s for s in report_of(app, known.event).sessions}[known.sessions["open"]]
    assert (row.requires_enrolment, row.attended, row.base) == (False, 1, 100)


def test_session_titles_follow_the_language(app, known):
    titles = [s.title for s in report_of(app, known.event, "zh_Hans").sessions]
    assert titles == ["报名分会", "开放分会"]


def test_arrivals_count_each_delegate_once_a_day(app, known):
    (day,) = report_of(app, known.event).arrivals
    assert day.day == date(2025, 6, 5)
    assert [(b.starts_at.strftime("%H:%M"), b.count) for b in day.buckets] == [("08:00", 2)]


def test_arrival_buckets_are_in_the_events_zone_with_gaps(app, make_event, make_registration):
    event = make_event()
    first, second = make_registration(event), make_registration(event)
    with app.app_context(), write_intent():
        gate = add_checkpoint(event.id, "main")
        admit(first, gate.id, local(7, 59))
        admit(second, gate.id, local(8, 31))
        db.session.commit()
    (day,) = report_of(app, event).arrivals
    assert [(b.starts_at.strftime("%H:%M"), b.count) for b in day.buckets] == [
        ("07:45", 1),
        ("08:00", 0),
        ("08:15", 0),
        ("08:30", 1),
    ]


def test_each_day_of_the_event_has_its_arrivals(app, make_event, make_registration):
    event = make_event(ends_on=date(2025, 6, 6))
    first, second = make_registration(event), make_registration(event)
    with app.app_context(), write_intent():
        main = add_checkpoint(event.id, "main")
        east = add_checkpoint(event.id, "east")
        admit(first, main.id, local(8, 0))
        admit(first, east.id, local(9, 0, day=6))
        admit(second, main.id, local(9, 5, day=6))
        db.session.commit()
    report = report_of(app, event)
    assert [(d.day, d.total) for d in report.arrivals] == [
        (date(2025, 6, 5), 1),
        (date(2025, 6, 6), 2),
    ]
    assert report.busiest_day.day == date(2025, 6, 6)


def test_another_events_data_is_not_counted(
    app, known, make_event, make_invitation, make_registration
):
    other = make_event()
    make_invitation(other)
    make_registration(other)
    t = report_of(app, known.event).totals
    assert (t.invited, t.registered) == (5, 4)


def test_report_of_an_empty_event(app, make_event):
    report = report_of(app, make_event())
    assert (report.totals.invited, report.totals.checked_in) == (0, 0)
    assert (report.sessions, report.arrivals, report.busiest_day) == ([], [], None)


def test_query_count_does_not_grow_with_registrations(app, make_event, make_registration, known):
    from sqlalchemy import event as sa_event

    def count_queries(event) -> int:
        statements = []
        with app.app_context(), force_locale("en"):
            engine = db.engine
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            sa_event.listen(engine, "before_cursor_execute", listener)
            try:
                reports.build_report(db.session.get(Event, event.id), locale="en")
            finally:
                sa_event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    before = count_queries(known.event)
    for n in range(6):
        make_registration(known.event, organisation=f"New body {n}", country="FR")
    assert count_queries(known.event) == before
