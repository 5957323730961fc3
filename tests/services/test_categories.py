"""Editing an event's delegate categories: rename, colour, approval, add, reorder."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, DelegateCategory, Event
from wadconf.services import DomainError
from wadconf.services import categories as service


def codes(app, event) -> list[str]:
    """The event's category codes in display order."""
    with app.app_context():
        return [c.code for c in service.list_categories(db.session.get(Event, event.id))]


def category(app, event, code: str) -> DelegateCategory:
    """A detached copy of the event's category ``code``."""
    with app.app_context():
        found = service.category_by_code(db.session.get(Event, event.id), code)
        db.session.expunge(found)
        return found


def edit(app, event, code: str, **fields) -> list[str]:
    """Update category ``code`` (keeping unnamed fields) and commit."""
    with app.app_context(), write_intent():
        found = service.category_by_code(db.session.get(Event, event.id), code)
        values = {
            "name_zh": found.name_zh,
            "name_en": found.name_en,
            "colour": found.colour,
            "requires_approval": found.requires_approval,
            **fields,
        }
        changed = service.update_category(found, **values)
        db.session.commit()
        return changed


def edit_refusal(app, event, code: str, **fields) -> DomainError:
    """The error updating category ``code`` raises."""
    with pytest.raises(DomainError) as exc:
        edit(app, event, code, **fields)
    return exc.value


def add(app, event, **fields) -> None:
    """Add a category and commit."""
    values = {"code": "guest", "name_zh": "特邀嘉宾", "name_en": "Guest", **fields}
    with app.app_context(), write_intent():
        service.add_category(db.session.get(Event, event.id), **values)
        db.session.commit()


def test_rename_changes_both_names(app, make_event):
    event = make_event()
    assert edit(app, event, "media", name_zh="新闻媒体", name_en="Press") == ["name_zh", "name_en"]
    stored = category(app, event, "media")
    assert (stored.name_zh, stored.name_en) == ("新闻媒体", "Press")


def test_rename_is_audited(app, make_event):
    event = make_event()
    edit(app, event, "media", name_en="Press")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "category.update"))
        assert entry.details == {"code": "media", "fields": ["name_en"]}


def test_category_needs_a_name(app, make_event):
    error = edit_refusal(app, make_event(), "media", name_zh=" ", name_en="")
    assert (error.code, error.params["field"]) == ("name_missing", "name_zh")


def test_colour_is_stored_lower_case(app, make_event):
    event = make_event()
    edit(app, event, "media", colour="#AABBCC")
    assert category(app, event, "media").colour == "#aabbcc"


@pytest.mark.parametrize("colour", ["red", "#abc", "#gggggg", "javascript:x"])
def test_bad_colour_is_refused(app, make_event, colour):
    assert edit_refusal(app, make_event(), "media", colour=colour).code == "bad_colour"


def test_approval_rule_can_be_switched_on(app, make_event):
    event = make_event()
    edit(app, event, "enterprise", requires_approval=True)
    assert category(app, event, "enterprise").requires_approval is True


def test_added_category_goes_last(app, make_event):
    event = make_event()
    add(app, event)
    assert codes(app, event)[-1] == "guest"


@pytest.mark.parametrize("code", ["1guest", "g", "guest-list", "x" * 41])
def test_bad_code_is_refused(app, make_event, code):
    with pytest.raises(DomainError) as exc:
        add(app, make_event(), code=code)
    assert exc.value.code == "bad_code"


def test_existing_code_is_refused(app, make_event):
    with pytest.raises(DomainError) as exc:
        add(app, make_event(), code="media")
    assert (exc.value.code, exc.value.params["field"]) == ("code_taken", "code")


def move(app, event, code: str, offset: int) -> bool:
    """Move category ``code`` and commit."""
    with app.app_context(), write_intent():
        found = service.category_by_code(db.session.get(Event, event.id), code)
        moved = service.move_category(found, offset)
        db.session.commit()
        return moved


def test_moving_up_swaps_with_the_previous_category(app, make_event):
    event = make_event()
    before = codes(app, event)
    assert move(app, event, before[1], -1) is True
    assert codes(app, event) == [before[1], before[0], *before[2:]]


def test_moving_the_last_category_down_does_nothing(app, make_event):
    event = make_event()
    before = codes(app, event)
    assert move(app, event, before[-1], 1) is False
    assert codes(app, event) == before
