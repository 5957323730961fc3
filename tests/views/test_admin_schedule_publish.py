"""Publishing the programme: the changes since the last publication, the clash count, the
Publish button, the list of versions and one version's change log."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.services.schedule_support import add_room, add_session, at
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, ScheduleVersion, Session
from wadconf.services.schedule_publish import publish_schedule


@pytest.fixture
def organiser(client, auth, make_user):
    """Log the client in as an organiser, reading pages in English."""
    user = make_user(role="organizer", display_name="Olga Organiser")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


@pytest.fixture
def plan(app, make_event):
    """An event with two rooms and three sessions, not yet published."""
    event = make_event()
    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        hall, side = (
            add_room(row, "hall", name_en="Main Hall"),
            add_room(row, "side", name_en="Side Room"),
        )
        opening = add_session(row, "Opening", "09:00", "10:00", room=hall, title_zh="开幕式")
        talk = add_session(row, "Talk", "10:00", "11:00", room=hall)
        panel = add_session(row, "Panel", "11:00", "12:00", room=side)
        db.session.commit()
        return SimpleNamespace(
            slug=row.slug,
            id=row.id,
            hall=hall.id,
            side=side.id,
            opening=opening.id,
            talk=talk.id,
            panel=panel.id,
        )


def _publish(app, plan, note="") -> int:
    with app.test_request_context(), write_intent():
        version = publish_schedule(db.session.get(Event, plan.id), note=note)
        db.session.commit()
        return version.number


def _change(app, session_id: int, **fields) -> None:
    with app.app_context(), write_intent():
        session = db.session.get(Session, session_id)
        for name, value in fields.items():
            setattr(session, name, value)
        db.session.commit()


def _url(plan, tail: str = "publish") -> str:
    return f"/admin/events/{plan.slug}/schedule/{tail}"


def test_before_the_first_publication_every_session_is_added(client, organiser, plan):
    response = client.get(_url(plan))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "has not been published yet" in page
    assert page.count("change-added") == 3
    assert "Publish as version 1" in page


def test_publishing_makes_version_1_with_the_note_and_an_audit_entry(app, client, organiser, plan):
    response = client.post(_url(plan), data={"note": "First draft for delegates"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_url(plan, "versions/1"))
    with app.app_context():
        version = db.session.scalar(
            select(ScheduleVersion).where(ScheduleVersion.event_id == plan.id)
        )
        assert version.number == 1 and version.note == "First draft for delegates"
        assert version.published_by_id == organiser.id
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "schedule.publish"))
        assert entry.actor_id == organiser.id and entry.details["number"] == 1


def test_after_publication_nothing_has_changed(app, client, organiser, plan):
    _publish(app, plan)
    page = client.get(_url(plan)).get_data(as_text=True)
    assert "Changes since version 1" in page and "No session changed." in page
    assert "Publish as version 2" in page


def test_a_moved_session_shows_old_and_new_times(app, client, organiser, plan):
    _publish(app, plan)
    _change(app, plan.panel, starts_at=at("14:00"), ends_at=at("15:00"))
    page = client.get(_url(plan)).get_data(as_text=True)
    assert "Moved" in page and "Re-roomed" not in page
    assert "11:00" in page and "14:00" in page


def test_a_re_roomed_and_retitled_session_is_named_so(app, client, organiser, plan):
    _publish(app, plan)
    _change(app, plan.talk, room_id=plan.side, title_en="Keynote")
    page = client.get(_url(plan)).get_data(as_text=True)
    assert "Re-roomed" in page and "Retitled" in page
    assert "Main Hall" in page and "Side Room" in page and "Keynote" in page


def test_a_deleted_session_is_removed(app, client, organiser, plan):
    _publish(app, plan)
    with app.app_context(), write_intent():
        db.session.delete(db.session.get(Session, plan.opening))
        db.session.commit()
    page = client.get(_url(plan)).get_data(as_text=True)
    assert "change-removed" in page and "Opening" in page


def test_the_clash_count_is_shown(app, client, organiser, plan):
    assert "No clashes in the programme." in client.get(_url(plan)).get_data(as_text=True)
    _change(app, plan.panel, room_id=plan.hall, starts_at=at("10:30"), ends_at=at("11:30"))
    assert "1 clash in the programme." in client.get(_url(plan)).get_data(as_text=True)


def test_versions_lists_every_publication(app, client, organiser, plan):
    client.post(_url(plan), data={"note": "First"})
    _change(app, plan.talk, title_en="Keynote")
    client.post(_url(plan), data={"note": "Keynote renamed"})
    response = client.get(_url(plan, "versions/"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Version 1" in page and "Version 2" in page
    assert "Keynote renamed" in page and "Olga Organiser" in page
    assert page.index('id="version-2"') < page.index('id="version-1"')


def test_a_version_shows_its_change_log_against_the_previous(app, client, organiser, plan):
    _publish(app, plan)
    _change(app, plan.talk, title_en="Keynote")
    _publish(app, plan, note="renamed")
    page = client.get(_url(plan, "versions/2")).get_data(as_text=True)
    assert "Changes since version 1" in page and "Retitled" in page and "Keynote" in page
    assert "Opening" not in page  # unchanged sessions are not listed
    first = client.get(_url(plan, "versions/1")).get_data(as_text=True)
    assert "First publication" in first and first.count("change-added") == 3


def test_a_missing_version_is_not_found(client, organiser, plan):
    assert client.get(_url(plan, "versions/7")).status_code == 404


@pytest.mark.parametrize("role", ["checkin", "reporter"])
def test_other_roles_cannot_publish(app, client, auth, make_user, plan, role):
    assert auth.login(make_user(role).email).status_code == 302
    assert client.get(_url(plan)).status_code == 403
    assert client.post(_url(plan), data={"note": "x"}).status_code == 403
    assert client.get(_url(plan, "versions/")).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ScheduleVersion)) is None


def test_publishing_needs_the_csrf_token(app, client, organiser, plan):
    app.config["WTF_CSRF_ENABLED"] = True
    client.post(_url(plan), data={"note": "x"})
    with app.app_context():
        assert db.session.scalar(select(ScheduleVersion)) is None


def test_notes_and_titles_are_escaped(app, client, organiser, plan):
    _change(app, plan.talk, title_en="<script>alert(1)</script>")
    page = client.get(_url(plan)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    client.post(_url(plan), data={"note": "<b>bold</b>"})
    versions = client.get(_url(plan, "versions/")).get_data(as_text=True)
    assert "<b>bold</b>" not in versions and "&lt;b&gt;bold&lt;/b&gt;" in versions


def test_chinese_titles_come_from_the_data(client, organiser, plan):
    client.set_cookie("wadconf_lang", "zh_Hans")
    assert "开幕式" in client.get(_url(plan)).get_data(as_text=True)
