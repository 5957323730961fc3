"""Dashboard figures: admitted versus expected, arrivals per 10 minutes, highlighted arrivals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    CheckIn,
    Checkpoint,
    CheckpointKind,
    Event,
    ReentryPolicy,
    RegistrationStatus,
    Scan,
    Verdict,
)
from wadconf.services import checkin_stats as stats
from wadconf.services.categories import category_by_code

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def event(make_event):
    return make_event(slug="wad2025")


def _local(hour: int, minute: int, second: int = 0, day: int = 5) -> datetime:
    return datetime(2025, 6, day, hour, minute, second, tzinfo=SHANGHAI)


def add_checkpoint(app, event, code="main-entrance", **fields) -> int:
    """A checkpoint of ``event`` (``categories=`` codes for the category rule); its id."""
    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        categories = [category_by_code(row, c) for c in fields.pop("categories", ())]
        checkpoint = Checkpoint(
            event_id=event.id,
            code=code,
            name_en=fields.pop("name_en", code.title()),
            categories=categories,
            **fields,
        )
        db.session.add(checkpoint)
        db.session.commit()
        return checkpoint.id


def admit(app, registration, checkpoint_id, when, *, annulled=False, inside=True) -> int:
    """An accepted entry with its ``ok`` scan; returns the entry's id."""
    with app.app_context(), write_intent():
        entry = CheckIn(
            event_id=registration.event_id,
            registration_id=registration.id,
            checkpoint_id=checkpoint_id,
            checked_in_at=when,
            is_inside=inside,
            annulled_at=when if annulled else None,
        )
        db.session.add(entry)
        db.session.add(
            Scan(
                event_id=registration.event_id,
                checkpoint_id=checkpoint_id,
                registration_id=registration.id,
                check_in=entry,
                code=registration.badge_code,
                verdict=Verdict.OK,
                scanned_at=when,
            )
        )
        db.session.commit()
        return entry.id


def refuse(app, event, checkpoint_id, when, verdict=Verdict.UNKNOWN_CODE, code="WAD1-NOPE"):
    with app.app_context(), write_intent():
        db.session.add(
            Scan(
                event_id=event.id,
                checkpoint_id=checkpoint_id,
                code=code,
                verdict=verdict,
                scanned_at=when,
            )
        )
        db.session.commit()


def figures(app, event) -> dict[str, stats.CheckpointFigures]:
    with app.app_context():
        return {
            f.checkpoint.code: f for f in stats.checkpoint_figures(db.session.get(Event, event.id))
        }


def test_admitted_counts_live_entries_only(app, event, make_registration):
    gate = add_checkpoint(app, event)
    first, second = make_registration(event), make_registration(event)
    admit(app, first, gate, _local(8, 5))
    admit(app, second, gate, _local(8, 6), annulled=True)
    assert figures(app, event)["main-entrance"].admitted == 1


def test_expected_is_the_organisers_number_when_set(app, event, make_registration):
    add_checkpoint(app, event, expected_count=40)
    make_registration(event)
    found = figures(app, event)["main-entrance"]
    assert (found.expected, found.expected_derived) == (40, False)


def test_expected_for_all_is_the_confirmed_registrations(app, event, make_registration):
    add_checkpoint(app, event)
    make_registration(event)
    make_registration(event)
    make_registration(event, status=RegistrationStatus.PENDING)
    make_registration(event, status=RegistrationStatus.CANCELLED)
    found = figures(app, event)["main-entrance"]
    assert (found.expected, found.expected_derived) == (2, True)


def test_expected_for_categories_counts_those_categories(app, event, make_registration):
    add_checkpoint(
        app,
        event,
        code="signing-hall",
        rule=AdmissionRule.CATEGORIES,
        categories=("government", "intl_org"),
    )
    make_registration(event, category="government")
    make_registration(event, category="intl_org")
    make_registration(event, category="media")
    assert figures(app, event)["signing-hall"].expected == 2


def test_expected_for_enrolled_is_unknown(app, event, make_registration):
    add_checkpoint(app, event, code="room-a", rule=AdmissionRule.ENROLLED)
    make_registration(event)
    found = figures(app, event)["room-a"]
    assert found.expected is None and found.percent is None


def test_percent_is_admitted_over_expected(app, event, make_registration):
    gate = add_checkpoint(app, event, expected_count=3)
    admit(app, make_registration(event), gate, _local(8, 0))
    assert figures(app, event)["main-entrance"].percent == 33


def test_inside_is_counted_at_in_out_checkpoints(app, event, make_registration):
    hall = add_checkpoint(app, event, code="hall", reentry=ReentryPolicy.IN_OUT)
    add_checkpoint(app, event, code="gate")
    admit(app, make_registration(event), hall, _local(8, 0))
    admit(app, make_registration(event), hall, _local(8, 1), inside=False)
    found = figures(app, event)
    assert (found["hall"].admitted, found["hall"].inside) == (2, 1)
    assert found["gate"].inside is None


def test_refused_scans_are_counted_per_checkpoint(app, event, make_registration):
    gate = add_checkpoint(app, event)
    other = add_checkpoint(app, event, code="other")
    refuse(app, event, gate, _local(8, 0))
    refuse(app, event, gate, _local(8, 1), verdict=Verdict.NOT_OPEN)
    admit(app, make_registration(event), gate, _local(8, 2))
    found = figures(app, event)
    assert found["main-entrance"].refused == 2
    assert found["other"].refused == 0
    assert other


def test_figures_do_not_count_another_events_entries(app, event, make_event, make_registration):
    add_checkpoint(app, event)
    other = make_event(slug="other")
    other_gate = add_checkpoint(app, other)
    admit(app, make_registration(other), other_gate, _local(8, 0))
    assert figures(app, event)["main-entrance"].admitted == 0


def _buckets(app, event, day, ids):
    with app.app_context():
        found = stats.arrivals_per_bucket(
            db.session.get(Event, event.id), day=day, checkpoint_ids=ids
        )
        return [(b.starts_at.strftime("%H:%M"), b.count) for b in found]


def test_arrivals_are_counted_per_ten_minutes_of_event_time(app, event, make_registration):
    gate = add_checkpoint(app, event)
    for when in (_local(8, 0), _local(8, 9, 59), _local(8, 10), _local(8, 31)):
        admit(app, make_registration(event), gate, when)
    assert _buckets(app, event, date(2025, 6, 5), [gate]) == [
        ("08:00", 2),
        ("08:10", 1),
        ("08:20", 0),
        ("08:30", 1),
    ]


def test_arrival_buckets_are_in_the_event_zone(app, event, make_registration):
    gate = add_checkpoint(app, event)
    admit(app, make_registration(event), gate, datetime(2025, 6, 5, 0, 15, tzinfo=UTC))
    with app.app_context():
        (bucket,) = stats.arrivals_per_bucket(
            db.session.get(Event, event.id), day=date(2025, 6, 5), checkpoint_ids=[gate]
        )
    assert bucket.starts_at == _local(8, 10)


def test_arrivals_of_other_days_and_annulled_entries_are_left_out(app, event, make_registration):
    gate = add_checkpoint(app, event)
    admit(app, make_registration(event), gate, _local(8, 0))
    admit(app, make_registration(event), gate, _local(8, 0, day=6))
    admit(app, make_registration(event), gate, _local(8, 5), annulled=True)
    assert _buckets(app, event, date(2025, 6, 5), [gate]) == [("08:00", 1)]


def test_arrivals_count_only_the_chosen_checkpoints(app, event, make_registration):
    gate = add_checkpoint(app, event)
    hall = add_checkpoint(app, event, code="hall")
    person = make_registration(event)
    admit(app, person, gate, _local(8, 0))
    admit(app, person, hall, _local(8, 1))
    assert _buckets(app, event, date(2025, 6, 5), [gate]) == [("08:00", 1)]


def test_no_arrivals_give_no_buckets(app, event):
    gate = add_checkpoint(app, event)
    assert _buckets(app, event, date(2025, 6, 5), [gate]) == []


def test_latest_arrival_day_is_the_local_date_of_the_last_entry(app, event, make_registration):
    gate = add_checkpoint(app, event)
    admit(app, make_registration(event), gate, _local(8, 0))
    # 23:30 UTC on 5 June is 07:30 on 6 June in Shanghai.
    admit(app, make_registration(event), gate, datetime(2025, 6, 5, 23, 30, tzinfo=UTC))
    with app.app_context():
        assert stats.latest_arrival_day(db.session.get(Event, event.id), [gate]) == date(2025, 6, 6)


def test_arrivals_are_entries_at_entrances(app, event):
    gate = add_checkpoint(app, event, kind=CheckpointKind.ENTRANCE)
    add_checkpoint(app, event, code="hall", kind=CheckpointKind.SESSION_ROOM)
    with app.app_context():
        checkpoints = [
            f.checkpoint for f in stats.checkpoint_figures(db.session.get(Event, event.id))
        ]
        assert stats.arrival_checkpoint_ids(checkpoints) == [gate]


def _flag(app, event, code):
    with app.app_context(), write_intent():
        category_by_code(db.session.get(Event, event.id), code).highlight_arrivals = True
        db.session.commit()


def test_highlighted_arrivals_list_only_flagged_categories(app, event, make_registration):
    gate = add_checkpoint(app, event)
    _flag(app, event, "speaker")
    leader = make_registration(event, category="speaker", name_en="Leader One")
    admit(app, leader, gate, _local(8, 0))
    admit(app, make_registration(event, category="media"), gate, _local(8, 1))
    with app.app_context():
        found = stats.latest_highlighted(db.session.get(Event, event.id))
    assert [(a.name_en, a.checkpoint_name_en, a.category_name_en) for a in found] == [
        ("Leader One", "Main-Entrance", "Speaker or leader")
    ]


def test_highlighted_arrivals_are_newest_first_and_limited(app, event, make_registration):
    gate = add_checkpoint(app, event)
    _flag(app, event, "intl_org")
    for minute in range(4):
        person = make_registration(event, category="intl_org", name_en=f"Official {minute}")
        admit(app, person, gate, _local(8, minute))
    with app.app_context():
        found = stats.latest_highlighted(db.session.get(Event, event.id), limit=2)
    assert [a.name_en for a in found] == ["Official 3", "Official 2"]


def test_scan_log_is_newest_first_and_pages_back(app, event, make_registration):
    gate = add_checkpoint(app, event)
    person = make_registration(event, name_en="Logged Person")
    admit(app, person, gate, _local(8, 0))
    refuse(app, event, gate, _local(8, 1))
    refuse(app, event, gate, _local(8, 2), verdict=Verdict.NOT_OPEN)
    with app.app_context():
        checkpoint = db.session.get(Checkpoint, gate)
        rows = stats.scan_log(checkpoint, limit=2)
        older = stats.scan_log(checkpoint, limit=2, before=rows[-1].id)
    assert [r.verdict for r in rows] == [Verdict.NOT_OPEN, Verdict.UNKNOWN_CODE]
    assert [(r.verdict, r.name_en) for r in older] == [(Verdict.OK, "Logged Person")]


def test_scan_log_marks_an_annulled_entry(app, event, make_registration):
    gate = add_checkpoint(app, event)
    admit(app, make_registration(event), gate, _local(8, 0), annulled=True)
    with app.app_context():
        (row,) = stats.scan_log(db.session.get(Checkpoint, gate))
    assert row.annulled is True
