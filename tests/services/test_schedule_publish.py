"""Publishing the programme: numbered snapshots with public fields only, and the change log."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.services import schedule_support
from tests.services.schedule_support import (
    add_delegate,
    add_person,
    add_room,
    add_session,
    add_signing,
    add_witness,
    at,
)
from wadconf.extensions import db
from wadconf.models import AuditEntry, PersonRole, ProgrammeKind, Track
from wadconf.services import schedule
from wadconf.services import schedule_publish as publishing

event = schedule_support.event


def test_first_publication_is_version_one_and_the_next_two(event):
    add_session(event, "A", "09:00", "10:00")
    first = publishing.publish_schedule(event, note=" first ")
    second = publishing.publish_schedule(event)
    assert (first.number, second.number) == (1, 2)
    assert first.note == "first"
    assert publishing.latest_version(event).id == second.id


def test_nothing_is_published_until_the_organisers_publish(event):
    add_session(event, "A", "09:00", "10:00")
    assert publishing.latest_version(event) is None


def test_snapshot_holds_sessions_in_time_order_with_room_track_and_utc_times(event):
    hall = add_room(event, "main-hall", capacity=300)
    track = Track(event_id=event.id, code="digital", name_zh="数字化", name_en="Digital")
    db.session.add(track)
    db.session.flush()
    add_session(event, "Late", "14:00", "15:00", track_id=track.id)
    add_session(event, "Opening", "09:00", "10:00", room=hall, title_zh="开幕式")
    version = publishing.publish_schedule(event)
    sessions = version.snapshot["sessions"]
    assert [s["title_en"] for s in sessions] == ["Opening", "Late"]
    assert sessions[0]["title_zh"] == "开幕式"
    assert sessions[0]["room"] == "main-hall" and sessions[0]["capacity"] == 300
    assert sessions[1]["track"] == "digital"
    assert sessions[0]["starts_at"] == "2025-06-05T01:00:00+00:00"  # 09:00 in Shanghai
    assert version.snapshot["event"]["timezone"] == "Asia/Shanghai"


def test_snapshot_names_people_signatories_and_witnesses(event):
    speaker = add_delegate(event, name_zh="张三", name_en="Zhang San", organisation="CNAS")
    plenary = add_session(event, "Opening", "09:00", "10:00")
    add_person(plenary, speaker, role=PersonRole.CHAIR)
    add_person(plenary, name_en="Guest", organisation_en="IAF")
    ceremony = add_session(event, "Signing", "11:00", "11:30", kind=ProgrammeKind.SIGNING_CEREMONY)
    agreement = add_signing(ceremony, add_delegate(event, name_zh="李四"))
    add_witness(agreement, name_zh="王五")
    snapshot = publishing.publish_schedule(event).snapshot
    opening, signing = snapshot["sessions"]
    assert opening["people"][0]["name_zh"] == "张三"
    assert opening["people"][0]["organisation_en"] == "CNAS"
    assert opening["people"][1]["organisation_en"] == "IAF"
    party = signing["agreements"][0]["parties"][0]
    assert party["signatories"][0]["name_zh"] == "李四"
    assert signing["agreements"][0]["witnesses"][0]["name_zh"] == "王五"


def test_snapshot_carries_no_row_ids_or_contact_data(event):
    speaker = add_delegate(event, mobile="+8613812345678")
    add_person(add_session(event, "A", "09:00", "10:00"), speaker)
    text = json.dumps(publishing.publish_schedule(event).snapshot, ensure_ascii=False)
    for secret in ("registration_id", '"id"', speaker.email, speaker.mobile, speaker.badge_code):
        assert secret not in text


def test_publishing_is_audited(event):
    publishing.publish_schedule(event)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "schedule.publish"))
    assert entry.details["number"] == 1


# --- the change log -----------------------------------------------------------------------


def test_unchanged_programme_has_no_changes_since_publication(event):
    add_session(event, "A", "09:00", "10:00")
    publishing.publish_schedule(event)
    assert publishing.changes_since_publication(event) == []


def test_before_the_first_publication_every_session_is_added(event):
    add_session(event, "A", "09:00", "10:00")
    assert [c.kind for c in publishing.changes_since_publication(event)] == ["added"]


def test_change_log_tells_moved_changed_added_and_removed(event):
    hall = add_room(event)
    moved = add_session(event, "Moved", "09:00", "10:00", room=hall)
    renamed = add_session(event, "Renamed", "10:00", "11:00", room=hall)
    removed = add_session(event, "Removed", "11:00", "12:00", room=hall)
    publishing.publish_schedule(event)
    schedule.move_session(moved, starts_at=at("15:00"))
    renamed.title_en = "New name"
    schedule.delete_session(removed)
    add_session(event, "Added", "16:00", "17:00")
    db.session.flush()
    changes = {c.title_en: c for c in publishing.changes_since_publication(event)}
    assert {title: c.kind for title, c in changes.items()} == {
        "Moved": "moved",
        "New name": "changed",
        "Removed": "removed",
        "Added": "added",
    }
    assert changes["Moved"].fields == ["ends_at", "starts_at"]
    assert changes["New name"].fields == ["title_en"]


def test_re_rooming_counts_as_a_move(event):
    session = add_session(event, "A", "09:00", "10:00", room=add_room(event, "a"))
    publishing.publish_schedule(event)
    schedule.move_session(session, starts_at=session.starts_at, room_id=add_room(event, "b").id)
    [change] = publishing.changes_since_publication(event)
    assert change.kind == "moved" and change.fields == ["room"]


def test_snapshot_times_are_utc_even_for_a_session_just_saved_in_the_events_zone(event):
    # The session object still holds the Shanghai-aware times the organiser entered;
    # publishing in the same transaction must not write them with a +08:00 offset,
    # or the next comparison (read back as UTC) would report the session as moved.
    session = schedule.create_session(
        event, schedule.SessionData(starts_at=at("09:00"), ends_at=at("10:00"), title_en="A")
    ).session
    assert session.starts_at.utcoffset().total_seconds() == 8 * 3600
    version = publishing.publish_schedule(event)
    assert version.snapshot["sessions"][0]["starts_at"] == "2025-06-05T01:00:00+00:00"
    assert version.snapshot["sessions"][0]["ends_at"] == "2025-06-05T02:00:00+00:00"
    db.session.expire_all()
    assert publishing.changes_since_publication(event) == []
