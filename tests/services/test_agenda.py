"""The published programme as delegates see it: local times, days, grid, tracks, personal agenda."""

from __future__ import annotations

from datetime import date

from tests.services import schedule_support
from tests.services.schedule_support import (
    add_delegate,
    add_person,
    add_room,
    add_session,
    add_signing,
    add_witness,
    enrol,
)
from wadconf.extensions import db
from wadconf.models import (
    AgreementParty,
    EnrolmentStatus,
    PersonRole,
    ProgrammeKind,
    RegistrationStatus,
    Signatory,
    Track,
)
from wadconf.services import agenda
from wadconf.services.schedule_publish import publish_schedule

event = schedule_support.event


def add_track(event, code: str, colour: str = "#117733", **names) -> Track:
    track = Track(
        event_id=event.id,
        code=code,
        name_zh=names.get("name_zh", f"{code}专题"),
        name_en=names.get("name_en", f"Track {code}"),
        colour=colour,
    )
    db.session.add(track)
    db.session.flush()
    return track


def test_nothing_published_means_no_programme(event):
    add_session(event, "A", "09:00", "10:00")
    assert agenda.published_programme(event) is None


def test_times_are_in_the_event_zone(event):
    add_session(event, "Opening", "09:00", "10:30", title_zh="开幕式")
    publish_schedule(event)
    (session,) = agenda.published_programme(event).sessions
    assert session.starts_at.isoformat() == "2025-06-05T09:00:00+08:00"
    assert session.ends_at.strftime("%H:%M") == "10:30"
    assert session.title_zh == "开幕式"


def test_unpublished_changes_are_not_shown(event):
    session = add_session(event, "Opening", "09:00", "10:00")
    publish_schedule(event)
    session.title_en = "Renamed"
    add_session(event, "Added later", "11:00", "12:00")
    db.session.flush()
    titles = [s.title_en for s in agenda.published_programme(event).sessions]
    assert titles == ["Opening"]


def test_rooms_and_tracks_are_resolved_by_code(event):
    hall = add_room(event, "main-hall", name_zh="主会场", location_en="Level 1")
    track = add_track(event, "digital", colour="#aa3377")
    add_session(event, "A", "09:00", "10:00", room=hall, track_id=track.id)
    publish_schedule(event)
    (session,) = agenda.published_programme(event).sessions
    assert session.room.name_zh == "主会场" and session.room.location_en == "Level 1"
    assert session.track.code == "digital" and session.track.colour == "#aa3377"
    assert session.track.number == 1


def test_sessions_are_grouped_by_local_day(event):
    # 23:30 UTC on 4 June is 07:30 on 5 June in Shanghai.
    add_session(event, "Early", "07:30", "08:00")
    add_session(event, "Next day", "09:00", "10:00", day=date(2025, 6, 6))
    publish_schedule(event)
    days = agenda.published_programme(event).days()
    assert [d.day for d in days] == [date(2025, 6, 5), date(2025, 6, 6)]
    assert [s.title_en for s in days[0].sessions] == ["Early"]


def test_grid_puts_rooms_in_columns_and_time_in_five_minute_rows(event):
    hall = add_room(event, "hall", position=0)
    room_b = add_room(event, "b", position=1)
    add_session(event, "Opening", "09:00", "10:00", room=hall)
    add_session(event, "Track", "10:30", "11:15", room=room_b)
    add_session(event, "Lunch", "12:00", "13:00")
    publish_schedule(event)
    (day,) = agenda.published_programme(event).days()
    assert [r.code for r in day.rooms] == ["hall", "b"]
    placed = {i.session.title_en: (i.row_start, i.row_end, i.column) for i in day.items}
    assert placed["Opening"] == (1, 13, 1)
    assert placed["Track"] == (19, 28, 2)
    assert placed["Lunch"] == (37, 49, None)  # no room: across every column
    assert [moment.strftime("%H:%M") for _, moment in day.hours][:2] == ["09:00", "10:00"]


def test_track_filter_keeps_the_track_and_the_sessions_for_everyone(event):
    digital = add_track(event, "digital")
    green = add_track(event, "green")
    add_session(event, "Plenary", "09:00", "10:00")
    add_session(event, "Digital", "10:00", "11:00", track_id=digital.id)
    add_session(event, "Green", "10:00", "11:00", track_id=green.id)
    publish_schedule(event)
    programme = agenda.published_programme(event)
    shown = [s.title_en for s in programme.filtered(programme.track("digital"))]
    assert shown == ["Plenary", "Digital"]


def test_unknown_track_code_filters_nothing(event):
    add_session(event, "A", "09:00", "10:00")
    publish_schedule(event)
    programme = agenda.published_programme(event)
    assert programme.track("nope") is None
    assert len(programme.filtered(programme.track("nope"))) == 1


def test_signatories_are_listed_in_signing_order_across_parties(event):
    ceremony = add_session(event, "Signing", "11:00", "11:30", kind=ProgrammeKind.SIGNING_CEREMONY)
    first = add_delegate(event, name_en="First")
    second = add_delegate(event, name_en="Second")
    agreement = add_signing(ceremony, second)
    agreement.parties[0].signatories[0].signing_order = 2
    other_party = AgreementParty(name_zh="乙方", name_en="Party B", position=1)
    agreement.parties.append(other_party)
    other_party.signatories.append(Signatory(registration_id=first.id, signing_order=1))
    db.session.flush()
    publish_schedule(event)
    (session,) = agenda.published_programme(event).sessions
    order = session.agreements[0].signing_order
    assert [(s.name_en, s.party_en) for s in order] == [("First", "Party B"), ("Second", "Party A")]


def test_json_export_has_stable_keys_and_offset_times(event):
    hall = add_room(event, "hall")
    add_session(event, "Opening", "09:00", "10:00", room=hall, title_zh="开幕式")
    publish_schedule(event)
    data = agenda.programme_json(agenda.published_programme(event))
    assert data["format"] == agenda.JSON_FORMAT and data["version"] == 1
    assert data["event"]["timezone"] == "Asia/Shanghai"
    (session,) = data["sessions"]
    assert session["starts_at"] == "2025-06-05T09:00:00+08:00"
    assert (session["title_zh"], session["title_en"], session["room"]) == (
        "开幕式",
        "Opening",
        "hall",
    )
    assert {"description_zh", "description_en", "people", "agreements", "track"} <= set(session)


# --- personal agenda ---------------------------------------------------------------


def _titles(registration):
    return {item["title_en"]: item["status"] for item in agenda.personal_sessions(registration)}


def test_personal_agenda_has_open_sessions_and_enrolled_ones_only(event):
    delegate = add_delegate(event)
    add_session(event, "Plenary", "09:00", "10:00")
    mine = add_session(event, "Mine", "10:00", "11:00", requires_enrolment=True)
    add_session(event, "Not mine", "10:00", "11:00", requires_enrolment=True)
    enrol(mine, delegate)
    publish_schedule(event)
    assert _titles(delegate) == {"Plenary": "open", "Mine": "enrolled"}


def test_personal_agenda_marks_waitlisted_sessions(event):
    delegate = add_delegate(event)
    full = add_session(event, "Full", "10:00", "11:00", requires_enrolment=True)
    enrol(full, delegate, EnrolmentStatus.WAITLISTED)
    publish_schedule(event)
    assert _titles(delegate) == {"Full": "waitlisted"}
    assert agenda.personal_agenda(delegate)[0].is_tentative


def test_personal_agenda_leaves_out_cancelled_enrolments(event):
    delegate = add_delegate(event)
    gone = add_session(event, "Gone", "10:00", "11:00", requires_enrolment=True)
    enrol(gone, delegate, EnrolmentStatus.CANCELLED)
    publish_schedule(event)
    assert _titles(delegate) == {}


def test_personal_agenda_includes_roles_in_sessions_needing_enrolment(event):
    delegate = add_delegate(event)
    talk = add_session(event, "Talk", "10:00", "11:00", requires_enrolment=True)
    add_person(talk, delegate, role=PersonRole.CHAIR)
    ceremony = add_session(event, "Signing", "11:00", "11:30", requires_enrolment=True)
    add_signing(ceremony, delegate)
    witnessed = add_session(event, "Witnessed", "12:00", "12:30", requires_enrolment=True)
    add_witness(add_signing(witnessed, add_delegate(event)), delegate)
    publish_schedule(event)
    items = {i["title_en"]: (i["status"], i["roles"]) for i in agenda.personal_sessions(delegate)}
    assert items == {
        "Talk": ("role", ["chair"]),
        "Signing": ("role", ["signatory"]),
        "Witnessed": ("role", ["witness"]),
    }


def test_personal_agenda_follows_the_publication_not_the_working_copy(event):
    delegate = add_delegate(event)
    publish_schedule(event)
    add_session(event, "Unpublished", "09:00", "10:00")
    assert _titles(delegate) == {}


def test_cancelled_registration_has_an_empty_agenda(event):
    delegate = add_delegate(event, status=RegistrationStatus.CANCELLED)
    add_session(event, "Plenary", "09:00", "10:00")
    publish_schedule(event)
    assert agenda.personal_sessions(delegate) == []
