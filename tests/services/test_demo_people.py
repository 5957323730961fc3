"""The demo's fictional people, invitations and registrations."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import delete, func, select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    ACTIVE_STATUSES,
    Event,
    Invitation,
    InvitationState,
    Registration,
    RegistrationStatus,
)
from wadconf.services import demo
from wadconf.services.demo_people import FIRST_NAMES, GIVEN, LAST_NAMES, SURNAMES, PeopleGenerator
from wadconf.services.registration import normalise_mobile

CN_MOBILE = re.compile(r"^\+8613800\d{6}$")
FICTION_MOBILE = re.compile(r"^\+1\d{3}55501\d{2}$")  # the NANP block reserved for fiction


def _load(app) -> bool:
    with app.app_context(), write_intent():
        _event, added = demo.load_demo()
        db.session.commit()
        return added


def _registrations(app) -> list[Registration]:
    with app.app_context():
        rows = list(db.session.scalars(select(Registration)))
        db.session.expunge_all()
        return rows


def _invitations(app) -> list[Invitation]:
    with app.app_context():
        rows = list(db.session.scalars(select(Invitation)))
        db.session.expunge_all()
        return rows


# --- the generator ----------------------------------------------------------------------


def test_the_same_seed_gives_the_same_people():
    first, second = PeopleGenerator(seed=7), PeopleGenerator(seed=7)
    assert [first.person("expert") for _ in range(20)] == [
        second.person("expert") for _ in range(20)
    ]


def test_another_seed_gives_other_people():
    first, second = PeopleGenerator(seed=7), PeopleGenerator(seed=8)
    assert [first.person("expert") for _ in range(20)] != [
        second.person("expert") for _ in range(20)
    ]


def test_names_are_built_from_the_common_name_lists_only():
    people = PeopleGenerator()
    surnames, given = {s for s, _ in SURNAMES}, {g for g, _ in GIVEN}
    for _ in range(200):
        person = people.person("ccti_body")
        if person.name_zh:
            assert person.name_zh[0] in surnames
            assert set(person.name_zh[1:]) <= given
        else:
            first, last = person.name_en.split(" ")
            assert first in FIRST_NAMES and last in LAST_NAMES


def test_generated_contacts_are_reserved_for_examples():
    people = PeopleGenerator()
    for _ in range(300):
        person = people.person("government")
        assert person.email.endswith(("@example.org", "@example.com"))
        assert CN_MOBILE.match(person.mobile) or FICTION_MOBILE.match(person.mobile)


def test_foreign_people_write_in_english_and_chinese_ones_in_chinese():
    people = PeopleGenerator()
    foreign = people.person("intl_org")
    chinese = people.person("staff")
    assert (foreign.name_zh, foreign.locale, foreign.country != "CN") == ("", "en", True)
    assert chinese.name_zh and chinese.locale == "zh_Hans" and chinese.country in {"CN", "HK", "MO"}


# --- the demo data ----------------------------------------------------------------------


def test_demo_has_about_300_registrations_with_the_planned_statuses(app):
    _load(app)
    counts = Counter(r.status for r in _registrations(app))
    assert counts[RegistrationStatus.PENDING] == demo.PENDING
    assert counts[RegistrationStatus.REJECTED] == demo.REJECTED
    assert counts[RegistrationStatus.WAITLISTED] == demo.WAITLISTED
    assert counts[RegistrationStatus.CANCELLED] == demo.CANCELLED
    assert 280 <= sum(counts.values()) <= 320
    assert counts[RegistrationStatus.CONFIRMED] > 200


def test_demo_has_declined_unanswered_and_draft_invitations(app):
    _load(app)
    states = Counter(i.state for i in _invitations(app))
    assert states[InvitationState.DECLINED] == 15
    assert states[InvitationState.SENT] == 12
    assert states[InvitationState.DRAFT] == 4


def test_declined_invitations_have_a_message_and_no_registration(app):
    _load(app)
    declined = {i.id: i for i in _invitations(app) if i.state == InvitationState.DECLINED}
    assert all(i.decline_message and i.declined_at for i in declined.values())
    assert not any(r.invitation_id in declined for r in _registrations(app))


def test_demo_delegations_have_their_seats(app):
    _load(app)
    by_org = {i.organisation: i for i in _invitations(app) if i.seats > 1}
    intl = by_org["International Example Accreditation Cooperation (IEAC)"]
    regulator = by_org["岚川省市场监督管理局"]
    assert (intl.seats, intl.seats_used, intl.category_id is not None) == (3, 3, True)
    assert (regulator.seats, regulator.seats_used) == (5, 4)


def test_seats_used_match_the_active_registrations_of_every_invitation(app):
    _load(app)
    active = Counter(r.invitation_id for r in _registrations(app) if r.status in ACTIVE_STATUSES)
    assert {i.id: i.seats_used for i in _invitations(app)} == {
        i.id: active.get(i.id, 0) for i in _invitations(app)
    }


def test_demo_spans_every_category_and_many_countries(app):
    _load(app)
    registrations = _registrations(app)
    assert len({r.category_id for r in registrations}) == 9
    assert len({r.country for r in registrations}) >= 10


def test_pending_registrations_are_in_categories_that_require_approval(app):
    _load(app)
    with app.app_context():
        for registration in db.session.scalars(
            select(Registration).where(Registration.status == RegistrationStatus.PENDING)
        ):
            assert registration.category.requires_approval is True


def test_the_waitlist_formed_because_the_event_was_full(app):
    _load(app)
    registrations = _registrations(app)
    with app.app_context():
        capacity = db.session.scalar(select(Event.capacity).where(Event.slug == demo.SLUG))
    seated = sum(
        r.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)
        for r in registrations
    )
    assert capacity == seated + demo.SPARE_PLACES
    online_seated = sorted(
        r.created_at
        for r in registrations
        if r.status == RegistrationStatus.CONFIRMED and not r.registered_by_staff
    )
    first_waitlisted = min(
        r.created_at for r in registrations if r.status == RegistrationStatus.WAITLISTED
    )
    # The waiting list came at the end: after at least nine in ten of the seated registrations.
    assert sum(t < first_waitlisted for t in online_seated) >= 0.9 * len(online_seated)


def test_demo_has_walk_ins_registered_by_staff(app):
    _load(app)
    walk_ins = [r for r in _registrations(app) if r.registered_by_staff]
    assert len(walk_ins) == len(demo.WALK_INS)
    assert all(r.invitation_id is None for r in walk_ins)


def test_demo_people_are_not_duplicated(app):
    _load(app)
    registrations = _registrations(app)
    people = [r.name_zh or r.name_en for r in registrations]
    assert len(set(people)) == len(people)
    assert len({r.email for r in registrations}) == len(registrations)
    assert len({r.mobile for r in registrations}) == len(registrations)
    assert len({i.email for i in _invitations(app)}) == len(_invitations(app))


def test_demo_contacts_are_valid_and_fictional(app):
    _load(app)
    for registration in _registrations(app):
        assert registration.email.endswith(("@example.org", "@example.com"))
        assert normalise_mobile(registration.mobile) == registration.mobile
        assert CN_MOBILE.match(registration.mobile) or FICTION_MOBILE.match(registration.mobile)


def test_loading_the_demo_twice_adds_no_people(app):
    _load(app)
    before = (len(_registrations(app)), len(_invitations(app)))
    assert _load(app) is False
    assert (len(_registrations(app)), len(_invitations(app))) == before


def test_loading_again_puts_back_only_a_removed_registration(app):
    _load(app)
    with app.app_context(), write_intent():
        db.session.execute(
            delete(Registration).where(Registration.submission_key == "demo-registration-0001")
        )
        db.session.commit()
    total = len(_registrations(app))
    assert _load(app) is True
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == total + 1
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(Registration.submission_key == "demo-registration-0001")
            )
            == 1
        )
