"""Organisers manage checkpoints; admins limit staff accounts to one event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Checkpoint, Event, Scan, StaffUser, Verdict

URL = "/admin/events/wad2025/checkpoints"


@pytest.fixture
def event(make_event):
    return make_event(slug="wad2025")


@pytest.fixture
def organiser(client, auth, make_user):
    """Log the client in as an organiser, reading pages in English."""
    user = make_user(role="organizer")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


def _form(**overrides) -> dict:
    data = {
        "code": "main-entrance",
        "name_zh": "主入口",
        "name_en": "Main entrance",
        "kind": "entrance",
        "rule": "all",
        "reentry": "once",
        "opens_at": "",
        "closes_at": "",
        "expected_count": "",
        "is_active": "y",
    }
    data.update(overrides)
    return data


def _checkpoint(app, code="main-entrance") -> Checkpoint | None:
    with app.app_context():
        found = db.session.scalar(select(Checkpoint).where(Checkpoint.code == code))
        if found is not None:
            found.categories  # noqa: B018 (load before detaching)
            db.session.expunge(found)
        return found


def _add(app, event, code="main-entrance", **fields) -> int:
    with app.app_context(), write_intent():
        checkpoint = Checkpoint(event_id=event.id, code=code, name_en=code.title(), **fields)
        db.session.add(checkpoint)
        db.session.commit()
        return checkpoint.id


def test_organiser_adds_a_checkpoint_with_a_window_in_event_time(app, client, organiser, event):
    response = client.post(
        f"{URL}/new", data=_form(opens_at="2025-06-05T08:00", closes_at="2025-06-05T12:30")
    )
    assert response.status_code == 302
    checkpoint = _checkpoint(app)
    assert checkpoint.name_zh == "主入口"
    assert checkpoint.opens_at == datetime(2025, 6, 5, 0, 0, tzinfo=UTC)
    assert checkpoint.closes_at == datetime(2025, 6, 5, 4, 30, tzinfo=UTC)


def test_window_in_the_wrong_order_is_shown_under_the_closing_time(app, client, organiser, event):
    response = client.post(
        f"{URL}/new", data=_form(opens_at="2025-06-05T12:00", closes_at="2025-06-05T08:00")
    )
    assert response.status_code == 200
    assert b"The checkpoint must close after it opens." in response.data
    assert _checkpoint(app) is None


def test_a_taken_code_is_refused_in_the_form(app, client, organiser, event):
    _add(app, event)
    response = client.post(f"{URL}/new", data=_form())
    assert response.status_code == 200
    assert b"already has a checkpoint with this code" in response.data


def test_category_rule_stores_the_ticked_categories(app, client, organiser, event):
    with app.app_context():
        from wadconf.services.categories import category_by_code

        government = category_by_code(db.session.get(Event, event.id), "government").id
    data = _form(code="signing-hall", rule="categories", reentry="in_out")
    data["category_ids"] = [str(government)]
    assert client.post(f"{URL}/new", data=data).status_code == 302
    assert [c.code for c in _checkpoint(app, "signing-hall").categories] == ["government"]


def test_the_enrolled_rule_is_offered_with_session_and_room_fields(client, organiser, event):
    page = client.get(f"{URL}/new")
    assert page.status_code == 200
    assert b'value="enrolled"' in page.data
    assert b'name="session_id"' in page.data
    assert b'name="room_id"' in page.data


def test_the_enrolled_rule_without_a_session_is_refused_when_posted(app, client, organiser, event):
    response = client.post(f"{URL}/new", data=_form(rule="enrolled"))
    assert response.status_code == 200
    assert b"needs a linked session" in response.data
    assert _checkpoint(app) is None


def _session_and_room(app, event) -> tuple[int, int]:
    from wadconf.models import Room, Session

    with app.app_context(), write_intent():
        room = Room(event_id=event.id, code="a", name_en="Room A")
        db.session.add(room)
        db.session.flush()
        session = Session(
            event_id=event.id,
            title_en="Digital track",
            room_id=room.id,
            starts_at=datetime(2025, 6, 5, 6, 0, tzinfo=UTC),
            ends_at=datetime(2025, 6, 5, 7, 0, tzinfo=UTC),
        )
        db.session.add(session)
        db.session.commit()
        return session.id, room.id


def test_the_enrolled_rule_with_a_linked_session_and_room_is_saved(app, client, organiser, event):
    session_id, room_id = _session_and_room(app, event)
    data = _form(rule="enrolled", session_id=str(session_id), room_id=str(room_id))
    assert client.post(f"{URL}/new", data=data).status_code == 302
    saved = _checkpoint(app)
    assert (saved.rule.value, saved.session_id, saved.room_id) == ("enrolled", session_id, room_id)


def test_the_edit_form_preselects_the_linked_session(app, client, organiser, event):
    session_id, _room_id = _session_and_room(app, event)
    checkpoint_id = _add(app, event, session_id=session_id)
    page = client.get(f"{URL}/{checkpoint_id}/edit").get_data(as_text=True)
    assert f'<option selected value="{session_id}">' in page or (
        f'value="{session_id}" selected' in page
    )


def test_list_shows_the_checkpoints_and_their_windows(app, client, organiser, event):
    _add(app, event, closes_at=datetime(2025, 6, 5, 4, 30, tzinfo=UTC))
    page = client.get(f"{URL}/")
    assert page.status_code == 200
    assert b"<code>main-entrance</code>" in page.data
    assert b"12:30" in page.data  # shown in Shanghai time


def test_edit_form_shows_the_window_in_event_time(app, client, organiser, event):
    checkpoint_id = _add(app, event, closes_at=datetime(2025, 6, 5, 4, 30, tzinfo=UTC))
    page = client.get(f"{URL}/{checkpoint_id}/edit")
    assert b'value="2025-06-05T12:30"' in page.data


def test_organiser_edits_a_checkpoint(app, client, organiser, event):
    checkpoint_id = _add(app, event)
    data = _form(name_en="North gate", expected_count="250")
    response = client.post(f"{URL}/{checkpoint_id}/edit", data=data)
    assert response.status_code == 302
    checkpoint = _checkpoint(app)
    assert (checkpoint.name_en, checkpoint.expected_count) == ("North gate", 250)


def test_another_events_checkpoint_is_not_found(app, client, organiser, event, make_event):
    other = make_event(slug="other")
    foreign = _add(app, other)
    assert client.get(f"{URL}/{foreign}/edit").status_code == 404
    assert client.get(f"{URL}/{foreign}/log").status_code == 404


def test_organiser_closes_and_reopens_a_checkpoint(app, client, organiser, event):
    checkpoint_id = _add(app, event)
    client.post(f"{URL}/{checkpoint_id}/active", data={"active": "0"})
    assert _checkpoint(app).is_active is False
    client.post(f"{URL}/{checkpoint_id}/active", data={"active": "1"})
    assert _checkpoint(app).is_active is True


def test_organiser_deletes_a_checkpoint_without_scans(app, client, organiser, event):
    checkpoint_id = _add(app, event)
    assert client.post(f"{URL}/{checkpoint_id}/delete").status_code == 302
    assert _checkpoint(app) is None


def _scan(app, event, checkpoint_id, **fields):
    with app.app_context(), write_intent():
        db.session.add(
            Scan(
                event_id=event.id,
                checkpoint_id=checkpoint_id,
                code=fields.pop("code", "WAD1-NOPE"),
                verdict=fields.pop("verdict", Verdict.UNKNOWN_CODE),
                **fields,
            )
        )
        db.session.commit()


def test_a_checkpoint_with_scans_is_not_deleted(app, client, organiser, event):
    checkpoint_id = _add(app, event)
    _scan(app, event, checkpoint_id)
    response = client.post(f"{URL}/{checkpoint_id}/delete", follow_redirects=True)
    assert b"close it instead" in response.data
    assert _checkpoint(app) is not None


def test_scan_log_shows_verdict_device_and_staff(app, client, organiser, event):
    checkpoint_id = _add(app, event)
    _scan(app, event, checkpoint_id, device="Gate <2>", staff_user_id=organiser.id)
    page = client.get(f"{URL}/{checkpoint_id}/log")
    assert page.status_code == 200
    assert b"Unknown code" in page.data
    assert b"Gate &lt;2&gt;" in page.data
    assert organiser.email.encode() in page.data


def test_organiser_limited_to_another_event_is_refused(
    app, client, auth, make_user, event, make_event
):
    other = make_event(slug="other")
    user = make_user(role="organizer")
    with app.app_context(), write_intent():
        db.session.get(StaffUser, user.id).event_id = other.id
        db.session.commit()
    auth.login(user.email)
    assert client.get(f"{URL}/").status_code == 403
    assert client.get("/admin/events/other/checkpoints/").status_code == 200


# Staff accounts limited to one event (the user form).


@pytest.fixture
def admin(client, auth, make_user):
    user = make_user(role="admin")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


def test_admin_limits_a_staff_account_to_one_event(app, client, admin, make_user, event):
    gate_staff = make_user(role="checkin")
    response = client.post(
        f"/admin/users/{gate_staff.id}/edit",
        data={"display_name": "", "role": "checkin", "event_id": str(event.id), "is_active": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(StaffUser, gate_staff.id).event_id == event.id
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.event_limit"))
        assert entry.details == {"from": None, "to": event.id}


def test_admin_lifts_the_event_limit(app, client, admin, make_user, event):
    gate_staff = make_user(role="checkin")
    with app.app_context(), write_intent():
        db.session.get(StaffUser, gate_staff.id).event_id = event.id
        db.session.commit()
    page = client.get(f"/admin/users/{gate_staff.id}/edit")
    assert f'<option selected value="{event.id}">'.encode() in page.data
    client.post(
        f"/admin/users/{gate_staff.id}/edit",
        data={"display_name": "", "role": "checkin", "event_id": "", "is_active": "y"},
    )
    with app.app_context():
        assert db.session.get(StaffUser, gate_staff.id).event_id is None


def test_new_account_can_be_limited_to_an_event(app, client, admin, event):
    response = client.post(
        "/admin/users/new",
        data={
            "email": "gate2@example.org",
            "display_name": "Gate 2",
            "role": "checkin",
            "event_id": str(event.id),
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == "gate2@example.org"))
        assert user.event_id == event.id


def test_an_unknown_event_is_not_accepted_as_the_limit(app, client, admin, make_user, event):
    gate_staff = make_user(role="checkin")
    response = client.post(
        f"/admin/users/{gate_staff.id}/edit",
        data={"display_name": "", "role": "checkin", "event_id": "99999", "is_active": "y"},
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(StaffUser, gate_staff.id).event_id is None


def test_the_list_names_the_session_a_checkpoint_follows(app, client, organiser, event):
    session_id, _room_id = _session_and_room(app, event)
    _add(app, event, session_id=session_id)
    page = client.get(f"{URL}/").get_data(as_text=True)
    assert "Follows the session: Digital track" in page
