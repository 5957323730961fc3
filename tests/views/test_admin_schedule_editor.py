"""The organisers' schedule editor: grid and list, clash page, session forms, rooms, tracks."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.services.schedule_support import add_delegate, add_person, add_room, add_session
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    Event,
    Room,
    RoomAvailability,
    Session,
    SessionPerson,
    Track,
)

SLUG = "wad-sched"
BASE = f"/admin/events/{SLUG}/schedule"


@pytest.fixture
def event(make_event):
    return make_event(slug=SLUG)


@pytest.fixture
def organiser(client, auth, make_user):
    """Log the client in as an organiser, reading pages in English."""
    user = make_user(role="organizer")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


def build(app, event, make):
    """Run ``make(event)`` inside an app context, commit, and return what it returns (ids)."""
    with app.app_context(), write_intent():
        attached = db.session.get(Event, event.id)
        result = make(attached)
        db.session.commit()
        return result


def get_session(app, session_id: int) -> Session | None:
    with app.app_context():
        found = db.session.get(Session, session_id)
        if found is not None:
            db.session.expunge(found)
        return found


def session_count(app, event) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Session).where(Session.event_id == event.id)
        )


def utc(hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` UTC on 5 June 2025 (Shanghai is UTC+8)."""
    return datetime(2025, 6, 5, hour, minute, tzinfo=UTC)


def session_form(**overrides) -> dict:
    data = {
        "title_zh": "开幕全体会议",
        "title_en": "Opening plenary",
        "description_zh": "",
        "description_en": "",
        "kind": "plenary",
        "track_id": "",
        "room_id": "",
        "day": "2025-06-05",
        "start": "09:00",
        "end": "10:00",
        "capacity": "",
        "position": "0",
    }
    data.update(overrides)
    return data


def two_rooms_and_a_session(app, event) -> dict:
    def make(e):
        hall = add_room(e, "hall", name_en="Main hall", name_zh="主会场")
        side = add_room(e, "side", name_en="Side room", name_zh="分会场")
        plenary = add_session(e, "Plenary", "09:00", "10:00", room=hall, title_zh="全体会议")
        return {"hall": hall.id, "side": side.id, "plenary": plenary.id}

    return build(app, event, make)


# --- the editor page -------------------------------------------------------------------------


def test_grid_shows_rooms_as_columns_and_times_in_the_event_zone(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    heads = re.findall(r'class="sched-head" data-col="(\d+)" data-row="0" data-room="(\d*)"', page)
    assert heads == [("1", str(ids["hall"])), ("2", str(ids["side"])), ("3", "")]
    block = re.search(rf'<article id="session-{ids["plenary"]}".*?</article>', page, re.S).group(0)
    assert 'data-col="1"' in block
    # Stored 01:00-02:00 UTC, shown 09:00-10:00 in Shanghai.
    assert "09:00–10:00" in block
    assert "Plenary" in block and "Main hall" in block


def test_grid_rows_run_from_eight_to_six_at_least(app, client, organiser, event):
    two_rooms_and_a_session(app, event)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    times = re.findall(
        r'class="sched-tick[^"]*" data-row="\d+" data-col="0" data-time="([\d:]+)"', page
    )
    assert times[0] == "08:00" and times[-1] == "17:45" and len(times) == 40


def test_grid_widens_for_an_early_session(app, client, organiser, event):
    build(app, event, lambda e: add_session(e, "Breakfast", "07:15", "07:45").id)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert re.search(r'data-row="1" data-col="0" data-time="07:00"', page)


def test_session_without_room_has_its_own_column(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    walk = build(app, event, lambda e: add_session(e, "Walk", "12:00", "13:00").id)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    block = re.search(rf'<article id="session-{walk}"[^>]*>', page).group(0)
    assert 'data-col="3"' in block and 'data-room=""' in block
    assert ids  # the rooms are columns 1 and 2


def test_block_carries_track_colour_and_the_move_url(app, client, organiser, event):
    def make(e):
        track = Track(event_id=e.id, code="digital", name_en="Digital", colour="#aa3300")
        db.session.add(track)
        db.session.flush()
        return add_session(e, "Digital trust", "10:00", "11:00", track_id=track.id).id

    sid = build(app, event, make)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    block = re.search(rf'<article id="session-{sid}"[^>]*>', page).group(0)
    assert 'data-colour="#aa3300"' in block
    assert f'data-move-url="{BASE}/sessions/{sid}/move"' in block


def test_editor_page_loads_its_script_and_stylesheet_without_inline_styles(
    app, client, organiser, event
):
    two_rooms_and_a_session(app, event)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "js/schedule_editor.js" in page and "css/schedule.css" in page
    assert " style=" not in page


def test_list_view_orders_sessions_by_time_within_each_day(app, client, organiser, make_event):
    from datetime import date

    event = make_event(slug=SLUG, ends_on=date(2025, 6, 6))

    def make(e):
        add_session(e, "Afternoon", "14:00", "15:00")
        add_session(e, "Second day", "09:00", "10:00", day=date(2025, 6, 6))
        add_session(e, "Morning", "09:00", "10:00")

    build(app, event, make)
    page = client.get(f"{BASE}/?view=list").get_data(as_text=True)
    assert 'class="sched-list"' in page and "sched-grid" not in page
    assert page.index("Morning") < page.index("Afternoon") < page.index("Second day")
    assert page.index('id="day-2025-06-05"') < page.index("Morning")
    assert page.index('id="day-2025-06-06"') < page.index("Second day")


def test_chinese_page_shows_the_chinese_title_with_the_english_below(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    client.set_cookie("wadconf_lang", "zh_Hans")
    page = client.get(f"{BASE}/").get_data(as_text=True)
    block = re.search(rf'<article id="session-{ids["plenary"]}".*?</article>', page, re.S).group(0)
    assert block.index("全体会议") < block.index('<span class="other-lang" lang="en">Plenary')


def test_titles_are_escaped(app, client, organiser, event):
    build(app, event, lambda e: add_session(e, "<script>alert(1)</script>", "09:00", "10:00").id)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    listing = client.get(f"{BASE}/?view=list").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in listing


@pytest.mark.parametrize("role", ["checkin", "reporter"])
def test_other_roles_are_refused_the_editor(client, auth, make_user, event, role):
    user = make_user(role=role)
    assert auth.login(user.email).status_code == 302
    for path in ("/", "/clashes", "/rooms/", "/tracks/", "/sessions/new"):
        assert client.get(f"{BASE}{path}").status_code == 403, path


def test_a_session_of_another_event_is_not_found(app, client, organiser, event, make_event):
    other = make_event()
    sid = build(app, other, lambda e: add_session(e, "Elsewhere", "09:00", "10:00").id)
    assert client.get(f"{BASE}/sessions/{sid}/edit").status_code == 404
    assert client.post(f"{BASE}/sessions/{sid}/delete").status_code == 404
    assert get_session(app, sid) is not None


# --- clashes ---------------------------------------------------------------------------------


def double_bookings(app, event) -> dict:
    """Room double-booking (A and B in the hall) and a person in B and C at once."""

    def make(e):
        hall = add_room(e, "hall", name_en="Main hall")
        side = add_room(e, "side", name_en="Side room")
        a = add_session(e, "Alpha", "09:00", "10:00", room=hall)
        b = add_session(e, "Bravo", "09:30", "10:30", room=hall)
        c = add_session(e, "Charlie", "10:00", "11:00", room=side)
        speaker = add_delegate(e, name_en="Li Ming", name_zh="李明")
        add_person(b, speaker)
        add_person(c, speaker)
        return {"a": a.id, "b": b.id, "c": c.id}

    return build(app, event, make)


def test_clash_page_lists_room_and_person_double_bookings(app, client, organiser, event):
    ids = double_bookings(app, event)
    page = client.get(f"{BASE}/clashes").get_data(as_text=True)
    assert "Room double-booked" in page
    assert "“Alpha” and “Bravo” are in Main hall at the same time." in page
    assert "Person in two sessions at once" in page
    assert "Li Ming is in “Bravo” and “Charlie” at the same time." in page
    for sid in ids.values():
        assert f"{BASE}/sessions/{sid}/edit" in page
        assert f'id="clashes-of-{sid}"' in page


def test_clash_page_says_when_there_are_none(app, client, organiser, event):
    two_rooms_and_a_session(app, event)
    page = client.get(f"{BASE}/clashes").get_data(as_text=True)
    assert "No clashes in the programme." in page


def test_editor_marks_clashing_sessions_and_links_to_the_clash_page(app, client, organiser, event):
    ids = double_bookings(app, event)
    quiet = build(app, event, lambda e: add_session(e, "Quiet", "15:00", "16:00").id)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    for sid in ids.values():
        assert re.search(rf'<article id="session-{sid}" title="[^"]*" class="[^"]*has-clash', page)
    assert not re.search(
        rf'<article id="session-{quiet}" title="[^"]*" class="[^"]*has-clash', page
    )
    summary = re.search(r'<section class="panel clash-summary".*?</section>', page, re.S).group(0)
    assert "2 clashes in the programme" in summary
    assert f'href="{BASE}/clashes"' in summary


# --- creating and editing sessions ----------------------------------------------------------


def test_organiser_creates_a_session_in_event_time(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    response = client.post(
        f"{BASE}/sessions/new", data=session_form(room_id=str(ids["side"]), capacity="80")
    )
    assert response.status_code == 302
    with app.app_context():
        made = db.session.scalar(select(Session).where(Session.title_en == "Opening plenary"))
        assert made.starts_at == utc(1) and made.ends_at == utc(2)
        assert made.room_id == ids["side"] and made.capacity == 80
        assert made.title_zh == "开幕全体会议"
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "schedule.session_create")
        )


def test_new_session_form_is_prefilled_from_the_grid(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    page = client.get(
        f"{BASE}/sessions/new?day=2025-06-05&start=14:15&room_id={ids['side']}"
    ).get_data(as_text=True)
    assert 'value="14:15"' in page and 'value="15:15"' in page
    assert re.search(rf'<option selected value="{ids["side"]}">', page)


def test_clashing_save_shows_the_warnings_and_saves_nothing(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    before = session_count(app, event)
    response = client.post(
        f"{BASE}/sessions/new",
        data=session_form(room_id=str(ids["hall"]), start="09:30", end="10:30"),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This change makes clashes" in page
    assert "are in Main hall at the same time." in page
    assert "Save anyway: I have read the warnings" in page
    assert session_count(app, event) == before
    warnings = re.search(r'<section class="panel clash-warnings".*?</section>', page, re.S).group(0)
    # The existing session is linked; the new one, never saved, is not.
    assert re.findall(r"/sessions/(\d+)/edit", warnings) == [str(ids["plenary"])]


def test_clashing_save_passes_once_confirmed(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    before = session_count(app, event)
    response = client.post(
        f"{BASE}/sessions/new",
        data=session_form(
            room_id=str(ids["hall"]), start="09:30", end="10:30", confirm_clashes="y"
        ),
    )
    assert response.status_code == 302
    assert session_count(app, event) == before + 1


def test_edit_that_ends_before_it_starts_is_refused_under_the_end(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    response = client.post(
        f"{BASE}/sessions/{ids['plenary']}/edit",
        data=session_form(title_en="Plenary", start="11:00", end="10:00"),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r"has-error.*?A session must end after it starts\.", page, re.S)
    assert get_session(app, ids["plenary"]).starts_at == utc(1)


def test_session_needs_a_title(app, client, organiser, event):
    response = client.post(f"{BASE}/sessions/new", data=session_form(title_zh="", title_en=""))
    assert response.status_code == 200
    assert "Give the session a title in at least one language." in response.get_data(as_text=True)
    assert session_count(app, event) == 0


def test_organiser_edits_a_session(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    response = client.post(
        f"{BASE}/sessions/{ids['plenary']}/edit",
        data=session_form(title_en="Opening", kind="release", requires_enrolment="y"),
    )
    assert response.status_code == 302
    changed = get_session(app, ids["plenary"])
    assert changed.title_en == "Opening" and changed.kind.value == "release"
    assert changed.requires_enrolment and changed.room_id is None


def test_edit_form_shows_the_times_in_the_event_zone(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    page = client.get(f"{BASE}/sessions/{ids['plenary']}/edit").get_data(as_text=True)
    assert 'name="start" required step="300" type="time" value="09:00"' in page
    assert 'value="10:00"' in page


# --- move, resize, re-room, copy, delete ------------------------------------------------------


def test_move_form_moves_a_session(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    response = client.post(
        f"{BASE}/sessions/{ids['plenary']}/move",
        data={"day": "2025-06-05", "start": "14:00", "end": "15:00", "room_id": str(ids["hall"])},
    )
    assert response.status_code == 302
    moved = get_session(app, ids["plenary"])
    assert (moved.starts_at, moved.ends_at) == (utc(6), utc(7))


def test_move_form_resizes_a_session(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    client.post(
        f"{BASE}/sessions/{ids['plenary']}/move",
        data={"day": "2025-06-05", "start": "09:00", "end": "11:30", "room_id": str(ids["hall"])},
    )
    resized = get_session(app, ids["plenary"])
    assert (resized.starts_at, resized.ends_at) == (utc(1), utc(3, 30))


def test_move_form_changes_the_room(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    client.post(
        f"{BASE}/sessions/{ids['plenary']}/move",
        data={"day": "2025-06-05", "start": "09:00", "end": "10:00", "room_id": str(ids["side"])},
    )
    assert get_session(app, ids["plenary"]).room_id == ids["side"]


def test_move_page_shows_the_current_place(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    page = client.get(f"{BASE}/sessions/{ids['plenary']}/move").get_data(as_text=True)
    assert "2025-06-05 09:00–10:00" in page and "Main hall" in page


def test_moving_into_a_clash_needs_confirmation(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    other = build(app, event, lambda e: add_session(e, "Other", "11:00", "12:00").id)
    move = {"day": "2025-06-05", "start": "09:30", "end": "10:30", "room_id": str(ids["hall"])}
    page = client.post(f"{BASE}/sessions/{other}/move", data=move).get_data(as_text=True)
    assert "This change makes clashes" in page
    assert get_session(app, other).room_id is None
    response = client.post(f"{BASE}/sessions/{other}/move", data={**move, "confirm_clashes": "y"})
    assert response.status_code == 302
    assert get_session(app, other).room_id == ids["hall"]


def test_drag_posts_json_and_moves(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    response = client.post(
        f"{BASE}/sessions/{ids['plenary']}/move",
        json={"day": "2025-06-05", "start": "13:15", "end": "14:15", "room_id": str(ids["side"])},
    )
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "warnings": []}
    moved = get_session(app, ids["plenary"])
    assert moved.starts_at == utc(5, 15) and moved.room_id == ids["side"]


def test_drag_into_a_clash_answers_409_with_the_warnings_then_saves_when_confirmed(
    app, client, organiser, event
):
    ids = two_rooms_and_a_session(app, event)
    other = build(app, event, lambda e: add_session(e, "Other", "11:00", "12:00").id)
    move = {"day": "2025-06-05", "start": "09:00", "end": "10:00", "room_id": str(ids["hall"])}
    response = client.post(f"{BASE}/sessions/{other}/move", json=move)
    assert response.status_code == 409
    answer = response.get_json()
    assert answer["code"] == "clashes_need_confirmation"
    assert [w["code"] for w in answer["warnings"]] == ["room_double_booked"]
    assert sorted(answer["warnings"][0]["session_ids"]) == sorted([ids["plenary"], other])
    assert get_session(app, other).room_id is None
    response = client.post(f"{BASE}/sessions/{other}/move", json={**move, "confirm_clashes": "y"})
    assert response.status_code == 200
    assert [w["code"] for w in response.get_json()["warnings"]] == ["room_double_booked"]
    assert get_session(app, other).room_id == ids["hall"]


def test_drag_with_bad_input_answers_400(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    response = client.post(
        f"{BASE}/sessions/{ids['plenary']}/move", json={"day": "soon", "start": "09:00"}
    )
    assert response.status_code == 400
    assert response.get_json()["ok"] is False
    assert get_session(app, ids["plenary"]).starts_at == utc(1)


def test_drag_that_ends_before_it_starts_answers_422(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    response = client.post(
        f"{BASE}/sessions/{ids['plenary']}/move",
        json={"day": "2025-06-05", "start": "10:00", "end": "09:00", "room_id": ""},
    )
    assert response.status_code == 422
    assert response.get_json()["code"] == "session_ends_before_start"


def test_copy_puts_a_copy_with_its_people_at_the_new_place(app, client, organiser, event):
    def make(e):
        hall = add_room(e, "hall")
        side = add_room(e, "side")
        talk = add_session(e, "Talk", "09:00", "10:00", room=hall)
        add_person(talk, name_en="Guest Speaker")
        return {"talk": talk.id, "side": side.id}

    ids = build(app, event, make)
    response = client.post(
        f"{BASE}/sessions/{ids['talk']}/copy",
        data={"day": "2025-06-05", "start": "15:00", "room_id": str(ids["side"])},
    )
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.scalar(
            select(Session).where(Session.title_en == "Talk", Session.id != ids["talk"])
        )
        assert (copy.starts_at, copy.ends_at, copy.room_id) == (utc(7), utc(8), ids["side"])
        assert [p.name_en for p in copy.people] == ["Guest Speaker"]
        assert db.session.scalar(select(func.count()).select_from(SessionPerson)) == 2


def test_copy_page_offers_the_slot_after_the_original(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    page = client.get(f"{BASE}/sessions/{ids['plenary']}/copy").get_data(as_text=True)
    assert 'value="10:00"' in page


def test_delete_asks_first_then_deletes_on_post(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    page = client.get(f"{BASE}/sessions/{ids['plenary']}/delete").get_data(as_text=True)
    assert "Delete the session?" in page and 'method="post"' in page
    assert get_session(app, ids["plenary"]) is not None
    response = client.post(f"{BASE}/sessions/{ids['plenary']}/delete")
    assert response.status_code == 302
    assert get_session(app, ids["plenary"]) is None


# --- rooms and tracks -------------------------------------------------------------------------


def room_form(**overrides) -> dict:
    data = {
        "code": "signing-hall",
        "name_zh": "签约厅",
        "name_en": "Signing hall",
        "capacity": "120",
        "location_zh": "二层",
        "location_en": "Level 2",
        "position": "3",
        "availability": "2025-06-05 08:00-12:00\n2025-06-05 13:30-18:00",
    }
    data.update(overrides)
    return data


def test_organiser_adds_a_room_with_availability_in_event_time(app, client, organiser, event):
    response = client.post(f"{BASE}/rooms/new", data=room_form())
    assert response.status_code == 302
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == "signing-hall"))
        assert (room.name_zh, room.capacity, room.location_en) == ("签约厅", 120, "Level 2")
        windows = [(w.starts_at, w.ends_at) for w in room.availabilities]
        assert windows == [(utc(0), utc(4)), (utc(5, 30), utc(10))]
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "schedule.room_create")
        )


def test_room_list_and_edit_form_show_windows_in_event_time(app, client, organiser, event):
    client.post(f"{BASE}/rooms/new", data=room_form())
    listing = client.get(f"{BASE}/rooms/").get_data(as_text=True)
    assert "2025-06-05 08:00–12:00" in listing
    with app.app_context():
        room_id = db.session.scalar(select(Room.id).where(Room.code == "signing-hall"))
    form = client.get(f"{BASE}/rooms/{room_id}/edit").get_data(as_text=True)
    assert "2025-06-05 08:00-12:00\n2025-06-05 13:30-18:00" in form


def test_a_bad_availability_line_is_named(app, client, organiser, event):
    response = client.post(f"{BASE}/rooms/new", data=room_form(availability="tomorrow morning"))
    assert response.status_code == 200
    assert "Line 1 is not of the form" in response.get_data(as_text=True)


def test_organiser_edits_a_room(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    response = client.post(
        f"{BASE}/rooms/{ids['hall']}/edit",
        data=room_form(code="hall", name_en="Great hall", availability=""),
    )
    assert response.status_code == 302
    with app.app_context():
        room = db.session.get(Room, ids["hall"])
        assert room.name_en == "Great hall" and room.capacity == 120
        assert db.session.scalar(select(func.count()).select_from(RoomAvailability)) == 0


def test_room_code_taken_is_shown_under_the_code(app, client, organiser, event):
    two_rooms_and_a_session(app, event)
    response = client.post(f"{BASE}/rooms/new", data=room_form(code="hall"))
    assert response.status_code == 200
    assert "Another room already has that code." in response.get_data(as_text=True)


def test_unused_room_is_deleted_and_a_used_one_is_kept(app, client, organiser, event):
    ids = two_rooms_and_a_session(app, event)
    listing = client.get(f"{BASE}/rooms/").get_data(as_text=True)
    assert f"/rooms/{ids['side']}/delete" in listing
    assert f"/rooms/{ids['hall']}/delete" not in listing
    client.post(f"{BASE}/rooms/{ids['side']}/delete")
    client.post(f"{BASE}/rooms/{ids['hall']}/delete")
    with app.app_context():
        assert db.session.get(Room, ids["side"]) is None
        assert db.session.get(Room, ids["hall"]) is not None


def test_organiser_adds_and_edits_a_track(app, client, organiser, event):
    data = {"code": "digital", "name_zh": "数字化", "name_en": "Digital", "colour": "#112233"}
    assert client.post(f"{BASE}/tracks/new", data={**data, "position": "1"}).status_code == 302
    with app.app_context():
        track_id = db.session.scalar(select(Track.id).where(Track.code == "digital"))
    response = client.post(
        f"{BASE}/tracks/{track_id}/edit", data={**data, "colour": "#AABBCC", "position": "2"}
    )
    assert response.status_code == 302
    with app.app_context():
        track = db.session.get(Track, track_id)
        assert (track.colour, track.position) == ("#aabbcc", 2)
    listing = client.get(f"{BASE}/tracks/").get_data(as_text=True)
    assert "Digital" in listing
    assert 'data-colour="#aabbcc"' in listing


def test_track_colour_must_be_hex(app, client, organiser, event):
    response = client.post(
        f"{BASE}/tracks/new", data={"code": "x", "name_en": "X", "colour": "red", "position": "0"}
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Track)) == 0


def test_session_form_and_grid_link_to_the_people_page(app, client, organiser, event):
    if "admin.schedule_session_people" not in app.view_functions:
        pytest.skip("the people and agreements page is not in this build")
    ids = two_rooms_and_a_session(app, event)
    with app.test_request_context():
        from flask import url_for

        people = url_for("admin.schedule_session_people", slug=SLUG, session_id=ids["plenary"])
    assert f'href="{people}"' in client.get(f"{BASE}/sessions/{ids['plenary']}/edit").get_data(
        as_text=True
    )
    assert f'href="{people}"' in client.get(f"{BASE}/").get_data(as_text=True)


def test_editing_keeps_the_programme_part_the_form_does_not_show(app, client, organiser, event):
    from wadconf.models import ProgrammeKind, ProgrammePart

    def make(e):
        part = ProgrammePart(event_id=e.id, code="opening", kind=ProgrammeKind.PLENARY)
        db.session.add(part)
        db.session.flush()
        return add_session(e, "Opening", "09:00", "10:00", part_id=part.id).id, part.id

    sid, part_id = build(app, event, make)
    response = client.post(f"{BASE}/sessions/{sid}/edit", data=session_form(title_en="Renamed"))
    assert response.status_code == 302
    assert get_session(app, sid).part_id == part_id


def test_a_window_that_ends_before_it_starts_is_refused_and_nothing_saved(
    app, client, organiser, event
):
    response = client.post(
        f"{BASE}/rooms/new", data=room_form(availability="2025-06-05 12:00-08:00")
    )
    assert response.status_code == 200
    assert re.search(
        r"has-error.*?Each window must end after it starts\.", response.get_data(as_text=True), re.S
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Room)) == 0
