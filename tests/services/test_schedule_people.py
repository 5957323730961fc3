"""People in sessions, and the agreements, parties, signatories and witnesses of signings."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from tests.services import schedule_support
from tests.services.schedule_support import (
    add_delegate,
    add_person,
    add_room,
    add_session,
    enrol,
)
from wadconf.extensions import db
from wadconf.models import (
    EnrolmentStatus,
    PersonRole,
    ProgrammeKind,
    RegistrationStatus,
    ScheduleVersion,
    SessionPerson,
)
from wadconf.services import DomainError
from wadconf.services import clashes as rules
from wadconf.services import schedule_people as people

event = schedule_support.event
other_event = schedule_support.other_event


@pytest.fixture
def ceremony(event):
    """A signing ceremony at 11:00-11:30 in the signing hall."""
    return add_session(
        event,
        "Signing",
        "11:00",
        "11:30",
        room=add_room(event, "signing"),
        kind=ProgrammeKind.SIGNING_CEREMONY,
    )


# --- people in sessions ---------------------------------------------------------------------


def test_add_registered_speaker(event):
    session = add_session(event, "A", "09:00", "10:00")
    speaker = add_delegate(event)
    result = people.add_person(session, role=PersonRole.SPEAKER, registration=speaker)
    assert result.warnings == []
    [person] = session.people
    assert person.registration_id == speaker.id and not person.is_external


def test_add_external_guest_of_honour(event):
    session = add_session(event, "A", "09:00", "10:00")
    people.add_person(
        session,
        role=PersonRole.GUEST_OF_HONOUR,
        name_zh=" 王芳 ",
        name_en="Wang Fang",
        organisation_en="IAF",
        job_title_en="Chair",
    )
    [person] = session.people
    assert person.is_external and person.name_zh == "王芳"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({}, "person_identity_required"),
        ({"name_zh": " ", "name_en": ""}, "person_identity_required"),
        ({"registration": True, "name_en": "Typed too"}, "person_identity_ambiguous"),
    ],
)
def test_person_needs_exactly_one_identity(event, kwargs, code):
    session = add_session(event, "A", "09:00", "10:00")
    if kwargs.get("registration"):
        kwargs["registration"] = add_delegate(event)
    with pytest.raises(DomainError) as excinfo:
        people.add_person(session, role=PersonRole.SPEAKER, **kwargs)
    assert excinfo.value.code == code
    assert session.people == []


def test_delegate_of_another_event_cannot_speak(other_event, event):
    stranger = add_delegate(other_event)
    with pytest.raises(DomainError) as excinfo:
        people.add_person(
            add_session(event, "A", "09:00", "10:00"), role=PersonRole.CHAIR, registration=stranger
        )
    assert excinfo.value.code == "person_not_in_event"


def test_same_delegate_twice_in_one_role_is_refused(event):
    session = add_session(event, "A", "09:00", "10:00")
    speaker = add_delegate(event)
    people.add_person(session, role=PersonRole.SPEAKER, registration=speaker)
    with pytest.raises(DomainError) as excinfo:
        people.add_person(session, role=PersonRole.SPEAKER, registration=speaker)
    assert excinfo.value.code == "person_already_in_session"


def test_adding_a_busy_speaker_needs_confirmation_and_adds_nobody(event):
    speaker = add_delegate(event)
    add_person(add_session(event, "A", "09:00", "10:00"), speaker)
    session = add_session(event, "B", "09:30", "10:30")
    with pytest.raises(DomainError) as excinfo:
        people.add_person(session, role=PersonRole.SPEAKER, registration=speaker)
    assert excinfo.value.code == "clashes_need_confirmation"
    db.session.expire_all()
    assert session.people == []


def test_adding_a_busy_speaker_with_confirmation_adds_them_with_the_warning(event):
    speaker = add_delegate(event)
    add_person(add_session(event, "A", "09:00", "10:00"), speaker)
    session = add_session(event, "B", "09:30", "10:30")
    result = people.add_person(
        session, role=PersonRole.SPEAKER, registration=speaker, confirm_clashes=True
    )
    assert [w.code for w in result.warnings] == [rules.PERSON_DOUBLE_BOOKED]
    assert len(session.people) == 1


def test_remove_person(event):
    session = add_session(event, "A", "09:00", "10:00")
    person = add_person(session, name_en="Guest")
    people.remove_person(person)
    assert db.session.get(SessionPerson, person.id) is None


# --- agreements, parties, signatories, witnesses --------------------------------------------


def test_agreements_belong_to_signing_ceremonies_only(event):
    with pytest.raises(DomainError) as excinfo:
        people.add_agreement(add_session(event, "A", "09:00", "10:00"), title_en="Pact")
    assert excinfo.value.code == "not_a_signing_ceremony"


def test_agreements_keep_their_order(ceremony):
    first = people.add_agreement(ceremony, title_zh="协议一")
    second = people.add_agreement(ceremony, title_en="Agreement two")
    assert [a.id for a in ceremony.agreements] == [first.id, second.id]
    assert (first.position, second.position) == (0, 1)


def test_signatories_sign_in_the_order_added_until_rearranged(event, ceremony):
    agreement = people.add_agreement(ceremony, title_en="Pact")
    party_a = people.add_party(agreement, name_zh="河北省市场监管局")
    party_b = people.add_party(agreement, name_en="Tianjin AMR")
    a, b, c = (add_delegate(event) for _ in range(3))
    people.add_signatory(party_a, a, job_title_en="Director")
    people.add_signatory(party_b, b)
    people.add_signatory(party_a, c)
    assert [s.registration_id for s in people.signing_sequence(agreement)] == [a.id, b.id, c.id]
    by_reg = {s.registration_id: s.id for s in people.signing_sequence(agreement)}
    people.arrange_signing_order(agreement, [by_reg[c.id], by_reg[a.id], by_reg[b.id]])
    assert [s.registration_id for s in people.signing_sequence(agreement)] == [c.id, a.id, b.id]


def test_signing_order_must_list_every_signatory(event, ceremony):
    agreement = people.add_agreement(ceremony, title_en="Pact")
    party = people.add_party(agreement, name_en="Party")
    people.add_signatory(party, add_delegate(event))
    people.add_signatory(party, add_delegate(event))
    first = people.signing_sequence(agreement)[0]
    with pytest.raises(DomainError) as excinfo:
        people.arrange_signing_order(agreement, [first.id])
    assert excinfo.value.code == "signing_order_incomplete"


def test_one_delegate_signs_an_agreement_once(event, ceremony):
    agreement = people.add_agreement(ceremony, title_en="Pact")
    signer = add_delegate(event)
    people.add_signatory(people.add_party(agreement, name_en="A"), signer)
    with pytest.raises(DomainError) as excinfo:
        people.add_signatory(people.add_party(agreement, name_en="B"), signer)
    assert excinfo.value.code == "signatory_already_in_agreement"


def test_unconfirmed_signatory_needs_confirmation(event, ceremony):
    party = people.add_party(people.add_agreement(ceremony, title_en="Pact"), name_en="A")
    pending = add_delegate(event, status=RegistrationStatus.PENDING)
    with pytest.raises(DomainError) as excinfo:
        people.add_signatory(party, pending)
    assert [w.code for w in excinfo.value.params["new_warnings"]] == [rules.SIGNATORY_NOT_CONFIRMED]
    result = people.add_signatory(party, pending, confirm_clashes=True)
    assert [w.code for w in result.warnings] == [rules.SIGNATORY_NOT_CONFIRMED]


def test_witness_may_be_external(ceremony):
    agreement = people.add_agreement(ceremony, title_en="Pact")
    result = people.add_witness(agreement, name_zh="赵敏", job_title_zh="副省长")
    assert result.warnings == []
    assert agreement.witnesses[0].name_zh == "赵敏"


def test_party_needs_a_name(ceremony):
    agreement = people.add_agreement(ceremony, title_en="Pact")
    with pytest.raises(DomainError) as excinfo:
        people.add_party(agreement)
    assert excinfo.value.code == "party_name_required"


# --- constraints the database keeps ---------------------------------------------------------


def test_one_live_enrolment_per_delegate_and_session(event):
    session = add_session(event, "A", "09:00", "10:00", requires_enrolment=True)
    delegate = add_delegate(event)
    enrol(session, delegate, EnrolmentStatus.CANCELLED)
    enrol(session, delegate, EnrolmentStatus.CANCELLED)
    enrol(session, delegate)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            enrol(session, delegate, EnrolmentStatus.WAITLISTED)


def test_session_person_without_any_identity_is_refused_by_the_database(event):
    session = add_session(event, "A", "09:00", "10:00")
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            add_person(session)


def test_session_ending_before_it_starts_is_refused_by_the_database(event):
    session = add_session(event, "A", "09:00", "10:00")
    session.ends_at = session.starts_at
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.flush()


def test_schedule_version_numbers_are_unique_per_event(event):
    db.session.add(ScheduleVersion(event_id=event.id, number=1, snapshot={"sessions": []}))
    db.session.flush()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(ScheduleVersion(event_id=event.id, number=1))
            db.session.flush()
