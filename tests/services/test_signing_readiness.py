"""Signing readiness: signatories at the venue and in the signing hall, per ceremony."""

from __future__ import annotations

import pytest

from tests.services import schedule_support
from tests.services.schedule_support import add_delegate, add_room, add_session, add_signing, at
from wadconf.extensions import db
from wadconf.models import (
    Checkpoint,
    CheckpointKind,
    ProgrammeKind,
    ReentryPolicy,
    RegistrationStatus,
)
from wadconf.services.checkin import perform_scan
from wadconf.services.checkin_undo import annul_check_in
from wadconf.services.session_checkpoints import ensure_session_checkpoint
from wadconf.services.signing_readiness import Phase, readiness

event = schedule_support.event


def checkpoint(event, code, **fields) -> Checkpoint:
    found = Checkpoint(event_id=event.id, code=code, name_en=code, **fields)
    db.session.add(found)
    db.session.flush()
    return found


def scan(delegate, where, hhmm, **kwargs):
    return perform_scan(delegate.badge_code, checkpoint=where.id, now=at(hhmm), **kwargs)


@pytest.fixture
def hall(event):
    """A signing hall with two ceremonies (10:00 and 14:00), three signatories at the first."""
    room = add_room(event, "signing", name_zh="签约厅")
    first = add_session(
        event, "First signing", "10:00", "10:30", room=room, kind=ProgrammeKind.SIGNING_CEREMONY
    )
    second = add_session(
        event, "Second signing", "14:00", "14:30", room=room, kind=ProgrammeKind.SIGNING_CEREMONY
    )
    a, b, c = add_delegate(event), add_delegate(event), add_delegate(event)
    add_signing(first, a, b, c)
    return {
        "room": room,
        "first": first,
        "second": second,
        "signatories": (a, b, c),
        "entrance": checkpoint(event, "main", kind=CheckpointKind.ENTRANCE),
    }


def ceremony(event, session, hhmm="09:50"):
    (found,) = readiness(event, session_id=session.id, now=at(hhmm))
    return found


def presence_of(found, delegate):
    return next(
        r.presence
        for a in found.agreements
        for p in a.parties
        for r in p.signatories
        if r.presence.registration.id == delegate.id
    )


def test_the_ceremonies_are_listed_in_time_order(event, hall):
    add_session(event, "Plenary", "09:00", "09:30")  # not a ceremony
    found = readiness(event, now=at("08:00"))
    assert [c.session.id for c in found] == [hall["first"].id, hall["second"].id]


def test_the_phase_follows_the_clock(event, hall):
    assert ceremony(event, hall["first"], "09:50").phase == Phase.UPCOMING
    assert ceremony(event, hall["first"], "10:10").phase == Phase.UNDER_WAY
    assert ceremony(event, hall["first"], "10:30").phase == Phase.ENDED


def test_a_scan_at_the_ceremonys_checkpoint_puts_the_signatory_in_the_hall(event, hall):
    a, _b, _c = hall["signatories"]
    scan(a, ensure_session_checkpoint(hall["first"]), "09:50")
    found = ceremony(event, hall["first"])
    assert presence_of(found, a).hall_at == at("09:50")
    assert (found.in_hall, found.total) == (1, 3)


def test_an_entrance_scan_counts_at_the_venue_only(event, hall):
    a, _b, _c = hall["signatories"]
    scan(a, hall["entrance"], "08:30")
    found = ceremony(event, hall["first"])
    assert presence_of(found, a).state == "venue"
    assert presence_of(found, a).venue_at == at("08:30")
    assert (found.at_venue, found.in_hall) == (1, 0)


def test_a_scan_at_the_room_checkpoint_counts_from_the_lead(event, hall):
    a, b, _c = hall["signatories"]
    door = checkpoint(event, "hall-door", kind=CheckpointKind.SIGNING_HALL, room_id=hall["room"].id)
    scan(a, door, "09:40")
    scan(b, door, "09:00")  # too early for this ceremony
    found = ceremony(event, hall["first"])
    assert presence_of(found, a).in_hall
    assert not presence_of(found, b).in_hall


def test_a_room_scan_for_the_first_ceremony_does_not_count_for_the_second(event, hall):
    a, _b, _c = hall["signatories"]
    add_signing(hall["second"], a)
    door = checkpoint(event, "hall-door", kind=CheckpointKind.SIGNING_HALL, room_id=hall["room"].id)
    scan(a, door, "09:55")
    assert presence_of(ceremony(event, hall["first"]), a).in_hall
    assert not presence_of(ceremony(event, hall["second"], "13:50"), a).in_hall


def test_an_undone_hall_scan_does_not_count(event, hall):
    a, _b, _c = hall["signatories"]
    result = scan(a, ensure_session_checkpoint(hall["first"]), "09:50")
    annul_check_in(result.scan_id, staff=None, reason="wrong badge", now=at("09:51"))
    assert presence_of(ceremony(event, hall["first"]), a).state == "absent"


def test_an_exit_scan_marks_the_signatory_as_left(event, hall):
    a, _b, _c = hall["signatories"]
    door = checkpoint(event, "hall-io", room_id=hall["room"].id, reentry=ReentryPolicy.IN_OUT)
    scan(a, door, "09:45")
    scan(a, door, "09:55", direction="out")
    presence = presence_of(ceremony(event, hall["first"]), a)
    assert presence.state == "left"
    assert presence.left_at == at("09:55")


def test_reentry_after_an_exit_is_in_the_hall_again(event, hall):
    a, _b, _c = hall["signatories"]
    door = checkpoint(event, "hall-io", room_id=hall["room"].id, reentry=ReentryPolicy.IN_OUT)
    scan(a, door, "09:45")
    scan(a, door, "09:50", direction="out")
    scan(a, door, "09:55")
    assert presence_of(ceremony(event, hall["first"]), a).state == "hall"


def test_an_unconfirmed_signatory_is_counted_and_flagged(event, hall):
    late = add_delegate(event, status=RegistrationStatus.PENDING)
    add_signing(hall["first"], late)
    found = ceremony(event, hall["first"])
    assert found.unconfirmed == 1
    assert presence_of(found, late).state == "unconfirmed"


def test_a_signatory_of_two_agreements_counts_once(event, hall):
    a, _b, _c = hall["signatories"]
    add_signing(hall["first"], a)
    scan(a, ensure_session_checkpoint(hall["first"]), "09:50")
    found = ceremony(event, hall["first"])
    assert (found.in_hall, found.total) == (1, 3)


def test_ready_when_every_signatory_is_in_the_hall(event, hall):
    gate = ensure_session_checkpoint(hall["first"])
    for delegate in hall["signatories"]:
        scan(delegate, gate, "09:50")
    assert ceremony(event, hall["first"]).ready
