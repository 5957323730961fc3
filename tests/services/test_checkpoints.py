"""Checkpoints: creation, validation, editing, closing, deletion."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    AuditEntry,
    Checkpoint,
    Event,
    ReentryPolicy,
    Scan,
    Verdict,
)
from wadconf.services import DomainError
from wadconf.services import checkpoints as service
from wadconf.services.categories import category_by_code
from wadconf.services.checkpoints import CheckpointData

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def event(make_event):
    return make_event(slug="wad2025")


def _create(app, event, **fields):
    """Create a checkpoint of ``event``; returns its id (raises the service's DomainError)."""
    fields.setdefault("code", "main-entrance")
    fields.setdefault("name_en", "Main entrance")
    with app.app_context(), write_intent():
        checkpoint = service.create_checkpoint(
            db.session.get(Event, event.id), CheckpointData(**fields)
        )
        db.session.commit()
        return checkpoint.id


def _code_of(excinfo) -> str:
    return excinfo.value.code


def _category_id(app, event, code: str) -> int:
    with app.app_context():
        return category_by_code(db.session.get(Event, event.id), code).id


def test_new_checkpoints_go_to_the_end_of_the_list(app, event):
    _create(app, event, code="a-gate")
    _create(app, event, code="b-gate")
    with app.app_context():
        listed = service.list_checkpoints(db.session.get(Event, event.id))
        assert [(c.code, c.position) for c in listed] == [("a-gate", 0), ("b-gate", 1)]


def test_creating_a_checkpoint_is_audited(app, event):
    checkpoint_id = _create(app, event)
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "checkpoint.create")
        )
        assert entry.object_id == str(checkpoint_id)
        assert entry.details["code"] == "main-entrance"


def test_code_is_stored_in_lower_case(app, event):
    checkpoint_id = _create(app, event, code="  Main-Entrance ")
    with app.app_context():
        assert db.session.get(Checkpoint, checkpoint_id).code == "main-entrance"


def test_code_with_spaces_is_refused(app, event):
    with pytest.raises(DomainError) as excinfo:
        _create(app, event, code="main entrance")
    assert _code_of(excinfo) == "bad_code"


def test_code_is_unique_within_the_event(app, event):
    _create(app, event)
    with pytest.raises(DomainError) as excinfo:
        _create(app, event, name_en="Another")
    assert _code_of(excinfo) == "code_taken"


def test_same_code_is_allowed_in_another_event(app, event, make_event):
    _create(app, event)
    other = make_event(slug="other")
    assert _create(app, other)


def test_a_name_is_required(app, event):
    with pytest.raises(DomainError) as excinfo:
        _create(app, event, name_en="  ", name_zh="")
    assert _code_of(excinfo) == "name_missing"


def test_window_closing_before_it_opens_is_refused(app, event):
    with pytest.raises(DomainError) as excinfo:
        _create(
            app,
            event,
            opens_at=datetime(2025, 6, 5, 9, 0),
            closes_at=datetime(2025, 6, 5, 8, 0),
        )
    assert _code_of(excinfo) == "window_order"
    assert excinfo.value.params["field"] == "closes_at"


def test_window_closing_when_it_opens_is_refused(app, event):
    moment = datetime(2025, 6, 5, 9, 0)
    with pytest.raises(DomainError) as excinfo:
        _create(app, event, opens_at=moment, closes_at=moment)
    assert _code_of(excinfo) == "window_order"


def test_naive_window_times_are_event_time_and_stored_in_utc(app, event):
    checkpoint_id = _create(
        app, event, opens_at=datetime(2025, 6, 5, 8, 0), closes_at=datetime(2025, 6, 5, 12, 30)
    )
    with app.app_context():
        checkpoint = db.session.get(Checkpoint, checkpoint_id)
        assert checkpoint.opens_at == datetime(2025, 6, 5, 0, 0, tzinfo=UTC)
        assert checkpoint.closes_at == datetime(2025, 6, 5, 4, 30, tzinfo=UTC)


def test_aware_window_times_keep_their_instant(app, event):
    opens = datetime(2025, 6, 5, 8, 0, tzinfo=SHANGHAI)
    checkpoint_id = _create(app, event, opens_at=opens)
    with app.app_context():
        assert db.session.get(Checkpoint, checkpoint_id).opens_at == opens


def test_category_rule_stores_the_chosen_categories(app, event):
    ids = [_category_id(app, event, "government"), _category_id(app, event, "intl_org")]
    checkpoint_id = _create(app, event, rule=AdmissionRule.CATEGORIES, category_ids=ids)
    with app.app_context():
        checkpoint = db.session.get(Checkpoint, checkpoint_id)
        assert {c.code for c in checkpoint.categories} == {"government", "intl_org"}


def test_category_rule_without_categories_is_refused(app, event):
    with pytest.raises(DomainError) as excinfo:
        _create(app, event, rule="categories")
    assert _code_of(excinfo) == "categories_missing"


def test_another_events_category_is_refused(app, event, make_event):
    other = make_event(slug="other")
    foreign = _category_id(app, other, "government")
    with pytest.raises(DomainError) as excinfo:
        _create(app, event, rule="categories", category_ids=[foreign])
    assert _code_of(excinfo) == "unknown_category"


def test_categories_are_dropped_when_the_rule_does_not_read_them(app, event):
    checkpoint_id = _create(
        app, event, rule="all", category_ids=[_category_id(app, event, "media")]
    )
    with app.app_context():
        assert db.session.get(Checkpoint, checkpoint_id).categories == []


def test_enrolled_rule_is_refused_without_a_linked_session(app, event):
    assert service.enrolled_rule_available() is True
    with pytest.raises(DomainError) as excinfo:
        _create(app, event, rule="enrolled")
    assert _code_of(excinfo) == "session_required"


def test_unknown_reentry_policy_is_refused(app, event):
    with pytest.raises(DomainError) as excinfo:
        _create(app, event, reentry="sometimes")
    assert _code_of(excinfo) == "bad_reentry"


def test_negative_expected_count_is_refused(app, event):
    with pytest.raises(DomainError) as excinfo:
        _create(app, event, expected_count=-1)
    assert _code_of(excinfo) == "bad_expected_count"


def test_update_changes_fields_and_names_them(app, event):
    checkpoint_id = _create(app, event)
    with app.app_context(), write_intent():
        checkpoint = db.session.get(Checkpoint, checkpoint_id)
        changed = service.update_checkpoint(
            checkpoint,
            CheckpointData(
                code="ignored", name_en="Main entrance", reentry="in_out", expected_count=300
            ),
        )
        db.session.commit()
        assert changed == ["reentry", "expected_count"]
        assert checkpoint.code == "main-entrance"
        assert checkpoint.reentry == ReentryPolicy.IN_OUT
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "checkpoint.update")
        ).details["fields"] == ["reentry", "expected_count"]


def test_update_with_the_same_values_changes_nothing(app, event):
    checkpoint_id = _create(app, event)
    with app.app_context(), write_intent():
        checkpoint = db.session.get(Checkpoint, checkpoint_id)
        data = CheckpointData(code="main-entrance", name_en="Main entrance")
        assert service.update_checkpoint(checkpoint, data) == []


def test_update_refuses_a_window_in_the_wrong_order(app, event):
    checkpoint_id = _create(app, event)
    with app.app_context(), write_intent():
        checkpoint = db.session.get(Checkpoint, checkpoint_id)
        data = CheckpointData(
            code="main-entrance",
            name_en="Main entrance",
            opens_at=datetime(2025, 6, 5, 10, 0),
            closes_at=datetime(2025, 6, 5, 9, 0),
        )
        with pytest.raises(DomainError) as excinfo:
            service.update_checkpoint(checkpoint, data)
        assert _code_of(excinfo) == "window_order"


def test_closing_a_checkpoint_stops_it_being_open(app, event):
    checkpoint_id = _create(app, event)
    with app.app_context(), write_intent():
        checkpoint = db.session.get(Checkpoint, checkpoint_id)
        assert service.set_active(checkpoint, False) is True
        assert checkpoint.is_open(datetime.now(UTC)) is False
        assert service.set_active(checkpoint, False) is False
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "checkpoint.deactivate")
        )


def test_a_checkpoint_without_scans_can_be_deleted(app, event):
    checkpoint_id = _create(app, event)
    with app.app_context(), write_intent():
        service.delete_checkpoint(db.session.get(Checkpoint, checkpoint_id))
        db.session.commit()
        assert db.session.get(Checkpoint, checkpoint_id) is None
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "checkpoint.delete"))


def test_a_checkpoint_with_scans_cannot_be_deleted(app, event):
    checkpoint_id = _create(app, event)
    with app.app_context(), write_intent():
        db.session.add(
            Scan(
                event_id=event.id,
                checkpoint_id=checkpoint_id,
                code="WAD1-X",
                verdict=Verdict.UNKNOWN_CODE,
            )
        )
        db.session.commit()
        with pytest.raises(DomainError) as excinfo:
            service.delete_checkpoint(db.session.get(Checkpoint, checkpoint_id))
        assert _code_of(excinfo) == "has_scans"


def test_get_checkpoint_does_not_return_another_events(app, event, make_event):
    checkpoint_id = _create(app, event)
    other = make_event(slug="other")
    with app.app_context():
        assert service.get_checkpoint(db.session.get(Event, other.id), checkpoint_id) is None
        assert service.get_checkpoint(db.session.get(Event, event.id), checkpoint_id)
