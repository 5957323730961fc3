"""iCalendar of the published programme, parsed back with the ``icalendar`` library."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from tests.services import schedule_support
from tests.services.schedule_support import add_delegate, add_room, add_session, enrol
from wadconf.models import EnrolmentStatus
from wadconf.services import agenda, ical
from wadconf.services.schedule_publish import publish_schedule

event = schedule_support.event


def _parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def _events(body: bytes) -> dict[str, object]:
    return {str(e["uid"]): e for e in _parse(body).walk("VEVENT")}


def _whole(event, lang="en") -> bytes:
    programme = agenda.published_programme(event)
    return ical.programme_calendar(programme, programme.sessions, lang=lang)


def test_times_carry_the_event_zone_and_convert_to_utc(event):
    session = add_session(event, "Opening", "09:00", "10:30")
    publish_schedule(event)
    vevent = _events(_whole(event))[f"{session.token}@wadconf"]
    start = vevent.decoded("dtstart")
    assert vevent["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert (start.hour, start.minute) == (9, 0)
    assert start.astimezone(UTC) == datetime(2025, 6, 5, 1, 0, tzinfo=UTC)
    assert vevent.decoded("dtend").astimezone(UTC) == datetime(2025, 6, 5, 2, 30, tzinfo=UTC)


def test_calendar_holds_the_vtimezone(event):
    add_session(event, "Opening", "09:00", "10:00")
    publish_schedule(event)
    zones = _parse(_whole(event)).walk("VTIMEZONE")
    assert [str(z["tzid"]) for z in zones] == ["Asia/Shanghai"]


def test_summary_in_chinese_with_english_in_description(event):
    add_session(event, "Opening ceremony", "09:00", "10:00", title_zh="开幕式")
    publish_schedule(event)
    (vevent,) = _parse(_whole(event, lang="zh")).walk("VEVENT")
    assert str(vevent["summary"]) == "开幕式"
    assert "Opening ceremony" in str(vevent["description"])


def test_summary_in_english_with_chinese_in_description(event):
    add_session(event, "Opening ceremony", "09:00", "10:00", title_zh="开幕式")
    publish_schedule(event)
    (vevent,) = _parse(_whole(event, lang="en")).walk("VEVENT")
    assert str(vevent["summary"]) == "Opening ceremony"
    assert "开幕式" in str(vevent["description"])


def test_location_is_room_name_and_location_note(event):
    hall = add_room(event, "hall", name_zh="主会场", location_zh="一层")
    add_session(event, "Opening", "09:00", "10:00", room=hall)
    publish_schedule(event)
    (vevent,) = _parse(_whole(event, lang="zh")).walk("VEVENT")
    assert str(vevent["location"]) == "主会场, 一层"


def test_sequence_is_the_publication_number_and_uid_is_stable(event):
    session = add_session(event, "Opening", "09:00", "10:00")
    publish_schedule(event)
    first = _events(_whole(event))
    session.title_en = "Opening (moved)"
    publish_schedule(event)
    second = _events(_whole(event))
    uid = f"{session.token}@wadconf"
    assert list(first) == list(second) == [uid]
    assert (first[uid]["sequence"], second[uid]["sequence"]) == (1, 2)
    assert "dtstamp" in second[uid]


def test_personal_calendar_marks_waitlisted_sessions_tentative(event):
    delegate = add_delegate(event)
    full = add_session(event, "Full", "10:00", "11:00", requires_enrolment=True)
    plenary = add_session(event, "Plenary", "09:00", "10:00")
    enrol(full, delegate, EnrolmentStatus.WAITLISTED)
    publish_schedule(event)
    body = ical.personal_calendar(
        agenda.published_programme(event), agenda.personal_agenda(delegate), lang="en", name="Me"
    )
    events = _events(body)
    assert str(events[f"{full.token}@wadconf"]["status"]) == "TENTATIVE"
    assert str(events[f"{plenary.token}@wadconf"]["status"]) == "CONFIRMED"
