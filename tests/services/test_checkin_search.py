"""Finding a delegate without a badge: names in both scripts, organisation, phone tail."""

from __future__ import annotations

from tests.services.test_checkin import add_checkpoint, scan
from wadconf.database import utcnow
from wadconf.services.checkin import search_delegates


def search(app, checkpoint_id, query):
    with app.app_context():
        return search_delegates(checkpoint_id, query)


def test_finds_by_chinese_name(app, make_event, make_registration):
    event = make_event()
    wang = make_registration(event, name_zh="王小明", name_en="Wang Xiaoming")
    make_registration(event, name_zh="李四", name_en="Li Si")
    checkpoint = add_checkpoint(app, event)
    assert [r["id"] for r in search(app, checkpoint, "王")] == [wang.id]


def test_finds_by_english_name_ignoring_case(app, make_event, make_registration):
    event = make_event()
    wang = make_registration(event, name_zh="王小明", name_en="Wang Xiaoming")
    checkpoint = add_checkpoint(app, event)
    assert [r["id"] for r in search(app, checkpoint, "xiaoMING")] == [wang.id]


def test_finds_by_organisation(app, make_event, make_registration):
    event = make_event()
    found = make_registration(event, organisation="中国合格评定国家认可委员会 CNAS")
    make_registration(event, organisation="Other Body")
    checkpoint = add_checkpoint(app, event)
    assert [r["id"] for r in search(app, checkpoint, "cnas")] == [found.id]


def test_finds_by_phone_tail_and_masks_the_number(app, make_event, make_registration):
    event = make_event()
    found = make_registration(event, mobile="+8613912345678")
    make_registration(event, mobile="+8613800005679")
    checkpoint = add_checkpoint(app, event)
    results = search(app, checkpoint, "5678")
    assert [r["id"] for r in results] == [found.id]
    assert results[0]["mobile"] == "+86139****5678"


def test_never_finds_other_events_or_erased_delegates(app, make_event, make_registration):
    event = make_event()
    make_registration(make_event(), name_en="Needle One")
    make_registration(event, name_en="Needle Two", personal_data_erased_at=utcnow())
    checkpoint = add_checkpoint(app, event)
    assert search(app, checkpoint, "needle") == []


def test_result_shows_entry_time_at_this_checkpoint(app, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, name_en="Arrived Person")
    checkpoint = add_checkpoint(app, event)
    result = scan(app, registration.badge_code, checkpoint)
    (found,) = search(app, checkpoint, "arrived")
    assert found["checked_in_at"] == result.checked_in_at.isoformat()


def test_like_wildcards_are_literal(app, make_event, make_registration):
    event = make_event()
    make_registration(event, name_en="Plain Name")
    checkpoint = add_checkpoint(app, event)
    assert search(app, checkpoint, "%%") == []
