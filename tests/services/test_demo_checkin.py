"""The demo's checkpoints and its morning of check-ins."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    CheckIn,
    Checkpoint,
    DelegateCategory,
    Event,
    ReentryPolicy,
    Registration,
    RegistrationStatus,
    Scan,
    Verdict,
)
from wadconf.services.demo import load_demo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _load(app) -> None:
    with app.app_context(), write_intent():
        load_demo()
        db.session.commit()


def _checkpoints() -> dict[str, Checkpoint]:
    event = db.session.scalar(select(Event).where(Event.slug == "wad2024"))
    return {
        c.code: c
        for c in db.session.scalars(select(Checkpoint).where(Checkpoint.event_id == event.id))
    }


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_has_the_entrance_plenary_signing_hall_and_track_rooms(app):
    _load(app)
    with app.app_context():
        found = _checkpoints()
        assert set(found) == {
            "main-entrance",
            "plenary-hall",
            "signing-hall",
            "room-a",
            "room-b",
            "room-c",
        }
        assert found["main-entrance"].rule == AdmissionRule.ALL
        assert found["main-entrance"].reentry == ReentryPolicy.ONCE
        assert all(found[c].rule == AdmissionRule.ALL for c in ("room-a", "room-b", "room-c"))


def test_demo_signing_hall_admits_its_categories_with_exit_and_reentry(app):
    _load(app)
    with app.app_context():
        hall = _checkpoints()["signing-hall"]
        assert hall.rule == AdmissionRule.CATEGORIES
        assert hall.reentry == ReentryPolicy.IN_OUT
        assert {"government", "intl_org", "speaker"} <= {c.code for c in hall.categories}
        assert "enterprise" not in {c.code for c in hall.categories}


def test_demo_entrance_is_open_today_and_the_signing_hall_only_in_2024(app):
    _load(app)
    with app.app_context():
        found = _checkpoints()
        now = datetime.now(UTC)
        assert found["main-entrance"].opens_at is None
        assert found["main-entrance"].closes_at is None
        assert found["main-entrance"].is_open(now)
        assert found["signing-hall"].closes_at.year == 2024
        assert not found["signing-hall"].is_open(now)


def test_demo_admits_about_eighty_percent_at_the_entrance_between_8_and_9_30(app):
    _load(app)
    with app.app_context():
        entrance = _checkpoints()["main-entrance"]
        entries = list(
            db.session.scalars(select(CheckIn).where(CheckIn.checkpoint_id == entrance.id))
        )
        confirmed = _count(Registration, Registration.status == RegistrationStatus.CONFIRMED)
        assert 0.75 <= len(entries) / confirmed <= 0.85
        local = [e.checked_in_at.astimezone(SHANGHAI) for e in entries]
        assert {t.date().isoformat() for t in local} == {"2024-06-06"}
        assert all(time(8, 0) <= t.time() <= time(9, 30) for t in local)


def test_demo_entries_are_of_confirmed_registrations_only(app):
    _load(app)
    with app.app_context():
        statuses = set(
            db.session.scalars(
                select(Registration.status).join(
                    CheckIn, CheckIn.registration_id == Registration.id
                )
            )
        )
        assert statuses == {RegistrationStatus.CONFIRMED}


def test_demo_has_a_few_entries_at_other_checkpoints(app):
    _load(app)
    with app.app_context():
        found = _checkpoints()
        assert _count(CheckIn, CheckIn.checkpoint_id == found["plenary-hall"].id) > 0
        assert _count(CheckIn, CheckIn.checkpoint_id == found["signing-hall"].id) > 0


def test_every_demo_entry_has_its_ok_scan(app):
    _load(app)
    with app.app_context():
        entries = _count(CheckIn)
        linked = _count(Scan, Scan.verdict == Verdict.OK, Scan.check_in_id.is_not(None))
        assert entries == linked == _count(Scan, Scan.verdict == Verdict.OK)


def test_demo_log_has_refused_scans(app):
    _load(app)
    with app.app_context():
        verdicts = set(db.session.scalars(select(Scan.verdict).where(Scan.verdict != Verdict.OK)))
        assert {Verdict.UNKNOWN_CODE, Verdict.ALREADY_CHECKED_IN} <= verdicts
        rescans = db.session.scalars(
            select(Scan).where(Scan.verdict == Verdict.ALREADY_CHECKED_IN)
        ).all()
        assert all(scan.check_in_id is not None for scan in rescans)


def test_demo_highlights_leaders_and_international_officials(app):
    _load(app)
    with app.app_context():
        flagged = set(
            db.session.scalars(
                select(DelegateCategory.code).where(DelegateCategory.highlight_arrivals.is_(True))
            )
        )
        assert flagged == {"speaker", "intl_org"}


def test_loading_the_demo_again_adds_no_check_ins(app):
    _load(app)
    with app.app_context():
        before = (_count(CheckIn), _count(Scan), _count(Checkpoint))
    _load(app)
    with app.app_context():
        assert (_count(CheckIn), _count(Scan), _count(Checkpoint)) == before


def test_demo_check_ins_are_the_same_on_every_load(app):
    def snapshot():
        with app.app_context():
            return sorted(
                db.session.execute(
                    select(Registration.submission_key, Checkpoint.code, CheckIn.checked_in_at)
                    .join(CheckIn, CheckIn.registration_id == Registration.id)
                    .join(Checkpoint, Checkpoint.id == CheckIn.checkpoint_id)
                ).all()
            )

    _load(app)
    first = snapshot()
    from tests.conftest import wipe

    wipe(app)
    _load(app)
    assert snapshot() == first
