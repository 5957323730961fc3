"""The session people page: people with roles, agreements, parties, signatories, witnesses,
the order of signing, and the "save anyway" confirmation of clashes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.services.schedule_support import add_delegate, add_room, add_session
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AgreementParty,
    AuditEntry,
    Event,
    PersonRole,
    ProgrammeKind,
    RegistrationStatus,
    Session,
    SessionPerson,
    Signatory,
    Witness,
)
from wadconf.services import schedule_people as people


@pytest.fixture
def organiser(client, auth, make_user):
    """Log the client in as an organiser, reading pages in English."""
    user = make_user(role="organizer")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


@pytest.fixture
def plan(app, make_event):
    """An event with a talk (09:00-10:00), a signing ceremony (09:30-10:30) and delegates."""
    event = make_event()
    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        talk = add_session(row, "Talk", "09:00", "10:00", room=add_room(row, "a"))
        ceremony = add_session(
            row,
            "Signing",
            "09:30",
            "10:30",
            room=add_room(row, "signing"),
            kind=ProgrammeKind.SIGNING_CEREMONY,
            title_zh="合作签约仪式",
        )
        busy = add_delegate(row, name_zh="忙碌者", name_en="Busy Speaker")
        free = add_delegate(row, name_zh="自由者", name_en="Free Delegate")
        third = add_delegate(row, name_zh="第三者", name_en="Third Signer")
        pending = add_delegate(
            row, name_zh="待定者", name_en="Pending Person", status=RegistrationStatus.PENDING
        )
        people.add_person(talk, role=PersonRole.SPEAKER, registration=busy)
        db.session.commit()
        return SimpleNamespace(
            slug=row.slug,
            event_id=row.id,
            talk=talk.id,
            ceremony=ceremony.id,
            busy=busy.id,
            free=free.id,
            third=third.id,
            pending=pending.id,
        )


def _url(plan, session_id: int, action: str = "") -> str:
    base = f"/admin/events/{plan.slug}/schedule/sessions/{session_id}/people"
    return f"{base}/{action}" if action else base


def _rows(app, model, **where):
    with app.app_context():
        stmt = select(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        rows = list(db.session.scalars(stmt))
        for row in rows:
            db.session.expunge(row)
        return rows


def _audited(app, action: str) -> int:
    with app.app_context():
        return len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all())


def _agreement(app, plan, title="Cooperation agreement") -> int:
    with app.app_context(), write_intent():
        session = db.session.get(Session, plan.ceremony)
        agreement = people.add_agreement(session, title_en=title, title_zh="合作协议")
        db.session.commit()
        return agreement.id


def _party(app, agreement_id: int, name="Party A") -> int:
    with app.app_context(), write_intent():
        party = people.add_party(db.session.get(Agreement, agreement_id), name_en=name)
        db.session.commit()
        return party.id


def _signatory(app, party_id: int, registration_id: int) -> int:
    from wadconf.models import Registration

    with app.app_context(), write_intent():
        party = db.session.get(AgreementParty, party_id)
        people.add_signatory(party, db.session.get(Registration, registration_id))
        db.session.commit()
        return db.session.scalar(
            select(Signatory.id).where(
                Signatory.party_id == party_id, Signatory.registration_id == registration_id
            )
        )


# --- the page ---------------------------------------------------------------------------


def test_page_shows_the_session_and_its_people(client, organiser, plan):
    response = client.get(_url(plan, plan.talk))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Talk" in page and "Busy Speaker" in page and "Speaker" in page


def test_signing_ceremony_page_offers_agreements(client, organiser, plan):
    page = client.get(_url(plan, plan.ceremony)).get_data(as_text=True)
    assert "Add an agreement" in page
    assert "Add an agreement" not in client.get(_url(plan, plan.talk)).get_data(as_text=True)


def test_another_events_session_is_not_found(client, organiser, plan, make_event):
    other = make_event()
    assert (
        client.get(f"/admin/events/{other.slug}/schedule/sessions/{plan.talk}/people").status_code
        == 404
    )


def test_search_lists_matching_delegates_as_choices(client, organiser, plan):
    page = client.get(_url(plan, plan.ceremony) + "?q=Free").get_data(as_text=True)
    assert f'<option value="{plan.free}">' in page
    assert f'<option value="{plan.busy}">' not in page


@pytest.mark.parametrize("role", ["checkin", "reporter"])
def test_other_roles_are_refused(client, auth, make_user, plan, role):
    assert auth.login(make_user(role).email).status_code == 302
    assert client.get(_url(plan, plan.talk)).status_code == 403
    response = client.post(_url(plan, plan.talk, "add"), data={"role": "speaker", "name_en": "X"})
    assert response.status_code == 403
    assert _rows(client.application, SessionPerson, name_en="X") == []


# --- people -----------------------------------------------------------------------------


def test_add_a_registered_delegate_as_chair(app, client, organiser, plan):
    response = client.post(
        _url(plan, plan.talk, "add"),
        data={"role": "chair", "registration_id": plan.free, "job_title_en": "Director"},
    )
    assert response.status_code == 302
    [person] = _rows(app, SessionPerson, session_id=plan.talk, registration_id=plan.free)
    assert person.role == PersonRole.CHAIR and person.job_title_en == "Director"
    assert _audited(app, "schedule.person_add") == 2  # the fixture's speaker, then this one


def test_add_an_external_guest_of_honour(app, client, organiser, plan):
    client.post(
        _url(plan, plan.talk, "add"),
        data={"role": "guest_of_honour", "name_zh": "王芳", "name_en": "Wang Fang"},
    )
    [person] = _rows(app, SessionPerson, session_id=plan.talk, name_en="Wang Fang")
    assert person.is_external and person.role == PersonRole.GUEST_OF_HONOUR


def test_a_person_needs_a_name_or_a_delegate(app, client, organiser, plan):
    response = client.post(
        _url(plan, plan.talk, "add"), data={"role": "speaker"}, follow_redirects=True
    )
    assert "Choose a registered delegate or type a name." in response.get_data(as_text=True)
    assert len(_rows(app, SessionPerson, session_id=plan.talk)) == 1


def test_another_events_delegate_cannot_be_added(app, client, organiser, plan, make_event):
    other = make_event()
    with app.app_context(), write_intent():
        stranger = add_delegate(db.session.get(Event, other.id)).id
        db.session.commit()
    client.post(_url(plan, plan.talk, "add"), data={"role": "speaker", "registration_id": stranger})
    assert _rows(app, SessionPerson, registration_id=stranger) == []


def test_move_a_person_down_and_remove_them(app, client, organiser, plan):
    client.post(_url(plan, plan.talk, "add"), data={"role": "chair", "name_en": "Second"})
    [first] = _rows(app, SessionPerson, session_id=plan.talk, registration_id=plan.busy)
    client.post(_url(plan, plan.talk, "move"), data={"item_id": first.id, "direction": "down"})
    order = [
        p.name_en or "busy"
        for p in sorted(_rows(app, SessionPerson, session_id=plan.talk), key=lambda p: p.position)
    ]
    assert order == ["Second", "busy"]
    assert _audited(app, "schedule.person_move") == 1
    client.post(_url(plan, plan.talk, "remove"), data={"item_id": first.id})
    assert _rows(app, SessionPerson, registration_id=plan.busy) == []
    assert _audited(app, "schedule.person_remove") == 1


# --- clash confirmation -------------------------------------------------------------------


def test_a_person_in_two_places_needs_confirmation(app, client, organiser, plan):
    data = {"role": "moderator", "registration_id": plan.busy}
    response = client.post(_url(plan, plan.ceremony, "add"), data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "is in" in page and "at the same time" in page
    assert "Save anyway" in page and 'name="confirm_clashes" value="1"' in page
    assert _rows(app, SessionPerson, session_id=plan.ceremony) == []


def test_save_anyway_keeps_the_clash(app, client, organiser, plan):
    data = {"role": "moderator", "registration_id": plan.busy, "confirm_clashes": "1"}
    response = client.post(_url(plan, plan.ceremony, "add"), data=data, follow_redirects=True)
    assert "Saved, with 1 clash warning." in response.get_data(as_text=True)
    assert len(_rows(app, SessionPerson, session_id=plan.ceremony)) == 1


def test_an_unconfirmed_signatory_needs_confirmation(app, client, organiser, plan):
    party_id = _party(app, _agreement(app, plan))
    data = {"party_id": party_id, "registration_id": plan.pending}
    response = client.post(_url(plan, plan.ceremony, "signatories"), data=data)
    assert response.status_code == 409
    assert "has no confirmed registration" in response.get_data(as_text=True)
    assert _rows(app, Signatory, party_id=party_id) == []
    client.post(_url(plan, plan.ceremony, "signatories"), data={**data, "confirm_clashes": "1"})
    assert len(_rows(app, Signatory, party_id=party_id)) == 1


# --- agreements, parties, signatories, witnesses -----------------------------------------------


def test_add_and_retitle_an_agreement(app, client, organiser, plan):
    url = _url(plan, plan.ceremony, "agreements")
    client.post(url, data={"title_zh": "合作协议", "title_en": "Cooperation"})
    [agreement] = _rows(app, Agreement, session_id=plan.ceremony)
    assert agreement.title_zh == "合作协议"
    client.post(url, data={"agreement_id": agreement.id, "title_zh": "新协议", "title_en": "New"})
    [agreement] = _rows(app, Agreement, session_id=plan.ceremony)
    assert (agreement.title_zh, agreement.title_en) == ("新协议", "New")
    assert _audited(app, "schedule.agreement_add") == 1
    assert _audited(app, "schedule.agreement_update") == 1


def test_agreements_belong_to_signing_ceremonies_only(app, client, organiser, plan):
    response = client.post(
        _url(plan, plan.talk, "agreements"), data={"title_en": "Nope"}, follow_redirects=True
    )
    assert "Agreements belong to signing ceremonies only." in response.get_data(as_text=True)
    assert _rows(app, Agreement) == []


def test_reorder_and_remove_agreements(app, client, organiser, plan):
    first, second = _agreement(app, plan, "First"), _agreement(app, plan, "Second")
    client.post(
        _url(plan, plan.ceremony, "agreements/move"), data={"item_id": second, "direction": "up"}
    )
    titles = [a.title_en for a in sorted(_rows(app, Agreement), key=lambda a: a.position)]
    assert titles == ["Second", "First"]
    client.post(_url(plan, plan.ceremony, "agreements/remove"), data={"item_id": first})
    assert [a.id for a in _rows(app, Agreement)] == [second]
    assert _audited(app, "schedule.agreement_remove") == 1


def test_add_move_and_remove_parties(app, client, organiser, plan):
    agreement = _agreement(app, plan)
    url = _url(plan, plan.ceremony, "parties")
    client.post(url, data={"agreement_id": agreement, "name_zh": "甲方", "name_en": "Party A"})
    client.post(url, data={"agreement_id": agreement, "name_en": "Party B"})
    parties = sorted(_rows(app, AgreementParty), key=lambda p: p.position)
    assert [p.name_en for p in parties] == ["Party A", "Party B"]
    client.post(url + "/move", data={"item_id": parties[1].id, "direction": "up"})
    assert [p.name_en for p in sorted(_rows(app, AgreementParty), key=lambda p: p.position)] == [
        "Party B",
        "Party A",
    ]
    client.post(url + "/remove", data={"item_id": parties[0].id})
    assert [p.name_en for p in _rows(app, AgreementParty)] == ["Party B"]
    assert _audited(app, "schedule.party_add") == 2
    assert _audited(app, "schedule.party_remove") == 1


def test_add_a_confirmed_signatory_with_position(app, client, organiser, plan):
    party_id = _party(app, _agreement(app, plan))
    response = client.post(
        _url(plan, plan.ceremony, "signatories"),
        data={"party_id": party_id, "registration_id": plan.free, "job_title_en": "Director"},
    )
    assert response.status_code == 302
    [signatory] = _rows(app, Signatory, party_id=party_id)
    assert signatory.registration_id == plan.free and signatory.job_title_en == "Director"
    assert _audited(app, "schedule.signatory_add") == 1


def test_arrange_the_signing_order(app, client, organiser, plan):
    agreement = _agreement(app, plan)
    first = _signatory(app, _party(app, agreement, "A"), plan.free)
    second = _signatory(app, _party(app, agreement, "B"), plan.third)
    client.post(
        _url(plan, plan.ceremony, "signatories/order"), data={"item_id": second, "direction": "up"}
    )
    orders = {s.id: s.signing_order for s in _rows(app, Signatory)}
    assert orders == {second: 1, first: 2}
    assert _audited(app, "schedule.signing_order") == 1
    page = client.get(_url(plan, plan.ceremony)).get_data(as_text=True)
    sequence = page[page.index("Order of signing") :]
    assert sequence.index("Third Signer") < sequence.index("Free Delegate")


def test_removing_a_signatory_closes_up_the_order(app, client, organiser, plan):
    agreement = _agreement(app, plan)
    first = _signatory(app, _party(app, agreement, "A"), plan.free)
    second = _signatory(app, _party(app, agreement, "B"), plan.third)
    client.post(_url(plan, plan.ceremony, "signatories/remove"), data={"item_id": first})
    assert {s.id: s.signing_order for s in _rows(app, Signatory)} == {second: 1}
    assert _audited(app, "schedule.signatory_remove") == 1


def test_add_and_remove_witnesses(app, client, organiser, plan):
    agreement = _agreement(app, plan)
    url = _url(plan, plan.ceremony, "witnesses")
    client.post(url, data={"agreement_id": agreement, "name_zh": "李明", "organisation_en": "CNCA"})
    client.post(url, data={"agreement_id": agreement, "registration_id": plan.free})
    witnesses = _rows(app, Witness, agreement_id=agreement)
    assert {w.name_zh or w.registration_id for w in witnesses} == {"李明", plan.free}
    assert _audited(app, "schedule.witness_add") == 2
    external = next(w for w in witnesses if w.name_zh)
    client.post(url + "/remove", data={"item_id": external.id})
    assert [w.registration_id for w in _rows(app, Witness)] == [plan.free]
    assert _audited(app, "schedule.witness_remove") == 1


def test_an_item_of_another_session_is_refused(app, client, organiser, plan):
    agreement = _agreement(app, plan)
    response = client.post(
        _url(plan, plan.talk, "agreements/remove"),
        data={"item_id": agreement},
        follow_redirects=True,
    )
    assert "That item is no longer in this session." in response.get_data(as_text=True)
    assert len(_rows(app, Agreement)) == 1


def test_names_are_escaped(app, client, organiser, plan):
    client.post(
        _url(plan, plan.ceremony, "add"),
        data={"role": "speaker", "name_en": "<script>alert(1)</script>"},
    )
    agreement = _agreement(app, plan, "<b>bold</b>")
    _party(app, agreement, "<i>party</i>")
    page = client.get(_url(plan, plan.ceremony)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and "<i>party</i>" not in page


def test_chinese_titles_come_from_the_data(client, organiser, plan):
    client.set_cookie("wadconf_lang", "zh_Hans")
    assert "合作签约仪式" in client.get(_url(plan, plan.ceremony)).get_data(as_text=True)


def test_the_page_lists_the_sessions_clashes(client, organiser, plan):
    data = {"role": "moderator", "registration_id": plan.busy, "confirm_clashes": "1"}
    client.post(_url(plan, plan.ceremony, "add"), data=data)
    page = client.get(_url(plan, plan.talk)).get_data(as_text=True)
    assert "1 clash involves this session" in page and "at the same time" in page
