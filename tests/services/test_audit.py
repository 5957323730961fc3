"""The audit log: what ``record`` stores, and that entries are never changed."""

from __future__ import annotations

import pytest
from flask_login import login_user

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, StaffUser
from wadconf.services import audit


def _one_entry(app) -> int:
    with app.app_context(), write_intent():
        entry = audit.record("test.action", actor_label="cli", details={"n": 1})
        db.session.commit()
        return entry.id


def test_updating_an_entry_through_the_orm_raises(app):
    entry_id = _one_entry(app)
    with app.app_context(), write_intent():
        entry = db.session.get(AuditEntry, entry_id)
        entry.action = "something.else"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(AuditEntry, entry_id).action == "test.action"


def test_deleting_an_entry_through_the_orm_raises(app):
    entry_id = _one_entry(app)
    with app.app_context(), write_intent():
        db.session.delete(db.session.get(AuditEntry, entry_id))
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(AuditEntry, entry_id) is not None


def test_record_stores_actor_action_object_and_address(app, make_user, make_event):
    user, event = make_user(email="actor@example.org"), make_event(slug="wad2025")
    with (
        app.test_request_context("/admin/", environ_base={"REMOTE_ADDR": "203.0.113.7"}),
        write_intent(),
    ):
        entry = audit.record(
            "event.update",
            obj=db.session.get(Event, event.id),
            actor=db.session.get(StaffUser, user.id),
            event_id=event.id,
            details={"fields": ["name_en"]},
        )
        entry_id = entry.id
        db.session.commit()
    with app.app_context():
        entry = db.session.get(AuditEntry, entry_id)
        assert entry.actor_id == user.id
        assert entry.actor_label == "actor@example.org"
        assert entry.action == "event.update"
        assert entry.object_type == "Event"
        assert entry.object_id == str(event.id)
        assert entry.event_id == event.id
        assert entry.ip_address == "203.0.113.7"
        assert entry.details == {"fields": ["name_en"]}
        assert entry.created_at.tzinfo is not None


def test_record_defaults_the_actor_to_the_logged_in_user(app, make_user):
    user = make_user(email="me@example.org")
    with app.test_request_context("/"), write_intent():
        login_user(db.session.get(StaffUser, user.id))
        entry = audit.record("auth.logout")
        assert entry.actor_id == user.id
        assert entry.actor_label == "me@example.org"


def test_record_outside_a_request_is_labelled_cli(app):
    with app.app_context(), write_intent():
        entry = audit.record("demo.load")
        assert entry.actor_id is None
        assert entry.actor_label == "cli"
        assert entry.ip_address == ""
        assert entry.object_type == "" and entry.object_id == ""


def test_record_takes_the_event_from_an_object_that_belongs_to_one(app, make_event):
    from wadconf.models import Room

    event = make_event()
    with app.app_context(), write_intent():
        room = Room(event_id=event.id, code="hall", name_en="Hall")
        db.session.add(room)
        db.session.flush()
        entry = audit.record("room.create", obj=room)
        assert entry.event_id == event.id
        assert entry.object_type == "Room"


def test_removing_an_account_keeps_its_entries(app, make_user):
    user = make_user(email="leaver@example.org")
    with app.app_context(), write_intent():
        entry_id = audit.record("test.action", actor=db.session.get(StaffUser, user.id)).id
        db.session.commit()
    with app.app_context(), write_intent():
        db.session.delete(db.session.get(StaffUser, user.id))
        db.session.commit()
    with app.app_context():
        entry = db.session.get(AuditEntry, entry_id)
        assert entry.actor_id is None
        assert entry.actor_label == "leaver@example.org"
