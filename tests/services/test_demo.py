"""The demo conference: the 2024 China Certification and Accreditation Conference."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, ProgrammeKind, ProgrammePart, Room
from wadconf.services.demo import load_demo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _load(app) -> bool:
    with app.app_context(), write_intent():
        _event, added = load_demo()
        db.session.commit()
        return added


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Event, Room, ProgrammePart)
    }


def _demo_event() -> Event:
    return db.session.scalar(select(Event).where(Event.slug == "wad2024"))


def test_load_demo_creates_the_wad2024_event_in_both_languages(app):
    assert _load(app) is True
    with app.app_context():
        event = _demo_event()
        assert "中国认证认可大会" in event.name_zh
        assert "China Certification and Accreditation Conference" in event.name_en
        assert event.starts_on == event.ends_on == date(2024, 6, 6)
        assert event.timezone == "Asia/Shanghai"
        assert event.intl_theme_en == "Accreditation: Empowering Tomorrow and Shaping the Future"
        assert event.is_current is True


def test_load_demo_creates_five_rooms(app):
    _load(app)
    with app.app_context():
        rooms = _demo_event().rooms
        assert len(rooms) == 5
        assert all(room.name_zh and room.name_en for room in rooms)
        assert rooms[0].code == "main-hall"


def test_load_demo_creates_three_signings_and_three_thematic_exchanges(app):
    _load(app)
    with app.app_context():
        kinds = Counter(part.kind for part in _demo_event().programme_parts)
        assert kinds[ProgrammeKind.SIGNING_CEREMONY] == 3
        assert kinds[ProgrammeKind.THEMATIC_EXCHANGE] == 3
        assert kinds[ProgrammeKind.PLENARY] == 1
        assert kinds[ProgrammeKind.RELEASE] >= 1


def test_demo_programme_is_on_6_june_2024_in_shanghai(app):
    _load(app)
    with app.app_context():
        parts = _demo_event().programme_parts
        for part in parts:
            assert part.starts_at.tzinfo is UTC
            assert part.starts_at.astimezone(SHANGHAI).date() == date(2024, 6, 6)
            assert part.ends_at.astimezone(SHANGHAI).date() == date(2024, 6, 6)
            assert part.starts_at < part.ends_at
        opening = next(p for p in parts if p.code == "opening")
        assert opening.starts_at == datetime(2024, 6, 6, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def test_signing_ceremonies_are_in_the_signing_hall(app):
    _load(app)
    with app.app_context():
        signings = [
            p for p in _demo_event().programme_parts if p.kind == ProgrammeKind.SIGNING_CEREMONY
        ]
        assert {p.room.code for p in signings} == {"signing-hall"}


def test_loading_the_demo_twice_adds_nothing(app):
    _load(app)
    with app.app_context():
        before = _counts()
    assert _load(app) is False
    with app.app_context():
        assert _counts() == before
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "demo.load")
            )
            == 1
        )


def test_loading_the_demo_again_restores_a_removed_part(app):
    _load(app)
    with app.app_context(), write_intent():
        event = _demo_event()
        event.programme_parts.remove(next(p for p in event.programme_parts if p.code == "lunch"))
        db.session.commit()
    assert _load(app) is True
    with app.app_context():
        assert "lunch" in {p.code for p in _demo_event().programme_parts}


def test_demo_beside_another_event_does_not_become_current(app, make_event):
    make_event(slug="wad2025")
    _load(app)
    with app.app_context():
        assert _demo_event().is_current is False


def test_demo_registration_stays_open_so_invitation_links_can_be_tried(app):
    from datetime import UTC, datetime

    from wadconf.database import write_intent
    from wadconf.extensions import db
    from wadconf.services.demo import load_demo

    with app.app_context(), write_intent():
        event, _added = load_demo()
        db.session.commit()
        assert event.registration_is_open(datetime.now(UTC))
