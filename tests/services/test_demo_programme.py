"""The demo conference's programme: the 2024 day, without clashes, published, idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AgreementParty,
    Enrolment,
    EnrolmentStatus,
    Event,
    ProgrammeKind,
    RegistrationStatus,
    RoomAvailability,
    ScheduleVersion,
    Session,
    SessionPerson,
    Signatory,
    Track,
    Witness,
)
from wadconf.services.clashes import schedule_clashes
from wadconf.services.demo import load_demo
from wadconf.services.schedule_publish import changes_since_publication, latest_version

MODELS = (
    Session,
    SessionPerson,
    Agreement,
    AgreementParty,
    Signatory,
    Witness,
    Enrolment,
    Track,
    RoomAvailability,
    ScheduleVersion,
)


@pytest.fixture
def demo(app):
    """The demo loaded once, inside an open app context."""
    with app.app_context(), write_intent():
        event, _added = load_demo()
        db.session.commit()
        yield db.session.get(Event, event.id)
        db.session.rollback()


def _sessions(event: Event, kind: ProgrammeKind | None = None) -> list[Session]:
    stmt = select(Session).where(Session.event_id == event.id).order_by(Session.starts_at)
    if kind is not None:
        stmt = stmt.where(Session.kind == kind)
    return list(db.session.scalars(stmt))


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in MODELS
    }


def test_the_demo_programme_has_no_clashes(demo):
    assert schedule_clashes(demo) == []


def test_the_demo_programme_is_published_as_version_1(demo):
    version = latest_version(demo)
    assert version is not None and version.number == 1
    assert len(version.snapshot["sessions"]) == len(_sessions(demo))
    assert changes_since_publication(demo) == []


def test_the_demo_has_three_signing_ceremonies_with_confirmed_signatories(demo):
    ceremonies = _sessions(demo, ProgrammeKind.SIGNING_CEREMONY)
    assert len(ceremonies) == 3
    for ceremony in ceremonies:
        assert ceremony.room.code == "signing-hall"
        assert ceremony.agreements
        for agreement in ceremony.agreements:
            assert agreement.title_zh and agreement.title_en
            assert len(agreement.parties) >= 2
            assert agreement.witnesses
            for party in agreement.parties:
                assert party.name_zh and party.name_en
                assert party.signatories
                for signatory in party.signatories:
                    assert signatory.registration.status == RegistrationStatus.CONFIRMED
                    assert signatory.registration.submission_key.startswith("demo-registration-")


def test_signing_orders_run_one_to_n_in_each_agreement(demo):
    for ceremony in _sessions(demo, ProgrammeKind.SIGNING_CEREMONY):
        for agreement in ceremony.agreements:
            orders = sorted(s.signing_order for p in agreement.parties for s in p.signatories)
            assert orders == list(range(1, len(orders) + 1))


def test_three_track_sessions_overlap_in_different_rooms(demo):
    tracks = _sessions(demo, ProgrammeKind.THEMATIC_EXCHANGE)
    assert len(tracks) == 3
    assert len({t.room_id for t in tracks}) == 3
    assert len({t.track_id for t in tracks}) == 3 and None not in {t.track_id for t in tracks}
    first, second, third = tracks
    assert first.overlaps(second) and second.overlaps(third) and first.overlaps(third)
    for track in tracks:
        roles = {p.role for p in track.people}
        assert {"chair", "speaker"} <= {str(r) for r in roles}


def test_track_sessions_take_enrolments_under_capacity_with_a_waiting_list(demo):
    tracks = _sessions(demo, ProgrammeKind.THEMATIC_EXCHANGE)
    waitlisted = 0
    for track in tracks:
        assert track.requires_enrolment
        statuses = list(
            db.session.scalars(select(Enrolment.status).where(Enrolment.session_id == track.id))
        )
        enrolled = statuses.count(EnrolmentStatus.ENROLLED)
        assert 0 < enrolled <= track.effective_capacity
        waitlisted += statuses.count(EnrolmentStatus.WAITLISTED)
    assert waitlisted > 0


def test_the_opening_plenary_has_addresses_and_releases_follow(demo):
    plenary = _sessions(demo, ProgrammeKind.PLENARY)
    assert len(plenary) == 1 and plenary[0].room.code == "main-hall"
    assert len(plenary[0].people) >= 3
    assert len(_sessions(demo, ProgrammeKind.RELEASE)) == 4


def test_the_demo_programme_is_filled_in_both_languages(demo):
    for session in _sessions(demo):
        assert session.title_zh and session.title_en
        assert session.description_zh and session.description_en
    tracks = db.session.scalars(select(Track).where(Track.event_id == demo.id)).all()
    assert len(tracks) == 3 and all(t.name_zh and t.name_en for t in tracks)
    for room in demo.rooms:
        assert room.availabilities
        assert room.location_zh and room.location_en


def test_loading_the_demo_twice_adds_no_programme(app, demo):
    before = _counts()
    load_demo()
    db.session.flush()
    assert _counts() == before
    assert schedule_clashes(demo) == []


def test_demo_checkpoints_stand_in_their_rooms(demo):
    from wadconf.models import Checkpoint

    rooms = {
        c.code: c.room.code if c.room else None
        for c in db.session.scalars(select(Checkpoint).where(Checkpoint.event_id == demo.id))
    }
    assert rooms["signing-hall"] == "signing-hall"
    assert rooms["plenary-hall"] == "main-hall"
    assert rooms["room-a"] == "room-a"
    assert rooms["main-entrance"] is None


def test_demo_readiness_has_signatories_in_the_hall_and_some_missing(demo):
    from wadconf.services.signing_readiness import readiness

    ceremonies = readiness(demo)
    assert len(ceremonies) == 3
    in_hall = sum(c.in_hall for c in ceremonies)
    total = sum(c.total for c in ceremonies)
    assert all(c.in_hall > 0 for c in ceremonies)
    assert 0 < in_hall < total


def test_demo_tracks_have_attendance_below_their_enrolments(demo):
    from wadconf.services.attendance import attendance_by_session

    counts = attendance_by_session(demo)
    tracks = db.session.scalars(
        select(Session).where(
            Session.event_id == demo.id, Session.kind == ProgrammeKind.THEMATIC_EXCHANGE
        )
    ).all()
    assert len(tracks) == 3
    for session in tracks:
        figures = counts[session.id]
        assert 0 < figures.attended <= figures.enrolled
