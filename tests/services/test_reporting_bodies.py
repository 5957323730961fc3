"""Reporting bodies: the 32 preloaded regulators, added bodies, edits, deactivation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.series_factories import make_body
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event
from wadconf.services import DomainError
from wadconf.services import reporting_bodies as service


def _preload(app, event) -> int:
    with app.app_context(), write_intent():
        added = service.preload_provincial_bodies(db.session.get(Event, event.id))
        db.session.commit()
        return added


def test_preload_adds_the_32_provincial_bodies_in_both_languages(app, make_event):
    event = make_event()
    assert _preload(app, event) == 32
    with app.app_context():
        bodies = service.list_bodies(db.session.get(Event, event.id))
        assert len(bodies) == 32
        assert all(b.name_zh.endswith("市场监督管理局") for b in bodies)
        assert all(b.name_en.endswith("Administration for Market Regulation") for b in bodies)
        assert bodies[0].code == "beijing"


def test_preload_includes_the_production_and_construction_corps_last(app, make_event):
    event = make_event()
    _preload(app, event)
    with app.app_context():
        last = service.list_bodies(db.session.get(Event, event.id))[-1]
        assert last.code == "xpcc"
        assert last.name_zh == "新疆生产建设兵团市场监督管理局"


def test_preloading_again_adds_nothing(app, make_event):
    event = make_event()
    _preload(app, event)
    assert _preload(app, event) == 0


def test_preload_is_audited(app, make_event):
    event = make_event()
    _preload(app, event)
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "series.bodies_preload")
        )
        assert entry.details == {"added": 32}


def test_an_added_body_comes_after_the_preloaded_ones(app, make_event):
    event = make_event()
    _preload(app, event)
    make_body(app, event, code="cca", kind="association")
    with app.app_context():
        assert service.list_bodies(db.session.get(Event, event.id))[-1].code == "cca"


@pytest.mark.parametrize("code", ["", "Has Space", "中文", "-lead", "x" * 41])
def test_a_bad_code_is_refused(app, make_event, code):
    event = make_event()
    with app.app_context(), write_intent(), pytest.raises(DomainError) as caught:
        service.add_body(db.session.get(Event, event.id), code=code, name_zh="x", name_en="x")
    assert caught.value.code == "bad_code"


def test_a_code_is_unique_within_the_event(app, make_event):
    event = make_event()
    make_body(app, event, code="cca")
    with app.app_context(), write_intent(), pytest.raises(DomainError) as caught:
        service.add_body(db.session.get(Event, event.id), code="cca", name_zh="x", name_en="")
    assert caught.value.code == "code_taken"


def test_the_same_code_may_serve_another_event(app, make_event):
    make_body(app, make_event(), code="cca")
    assert make_body(app, make_event(), code="cca").code == "cca"


def test_a_body_needs_a_name(app, make_event):
    event = make_event()
    with app.app_context(), write_intent(), pytest.raises(DomainError) as caught:
        service.add_body(db.session.get(Event, event.id), code="x", name_zh=" ", name_en="")
    assert caught.value.code == "name_required"


def test_update_returns_the_changed_fields_and_is_audited(app, make_event):
    body = make_body(app, make_event())
    with app.app_context(), write_intent():
        row = db.session.get(type(body), body.id)
        changed = service.update_body(
            row,
            name_zh=row.name_zh,
            name_en="New name",
            kind="association",
            contact_email="Office@Example.org",
        )
        db.session.commit()
        assert changed == ["name_en", "kind", "contact_email"]
        assert row.contact_email == "office@example.org"
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "series.body_update")
        )


def test_update_refuses_a_bad_contact_address(app, make_event):
    body = make_body(app, make_event())
    with app.app_context(), write_intent(), pytest.raises(DomainError) as caught:
        service.update_body(
            db.session.get(type(body), body.id),
            name_zh="x",
            name_en="x",
            kind="province",
            contact_email="not an address",
        )
    assert caught.value.params["field"] == "contact_email"


def test_deactivating_a_body_keeps_it_listed_but_not_among_active(app, make_event):
    event = make_event()
    body = make_body(app, event)
    with app.app_context(), write_intent():
        assert service.set_body_active(db.session.get(type(body), body.id), False) is True
        db.session.commit()
        row = db.session.get(Event, event.id)
        assert [b.code for b in service.list_bodies(row)] == ["hebei"]
        assert service.list_bodies(row, active_only=True) == []


def test_another_events_body_is_not_found(app, make_event):
    body = make_body(app, make_event())
    other = make_event()
    with app.app_context():
        assert service.get_body(db.session.get(Event, other.id), body.id) is None
