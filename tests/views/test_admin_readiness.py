"""The signing readiness page, its live fragment, and "Entry control for this session"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    Agreement,
    AgreementParty,
    Checkpoint,
    CheckpointKind,
    ProgrammeKind,
    RegistrationStatus,
    Room,
    Session,
    Signatory,
)
from wadconf.services.checkin import perform_scan

URL = "/admin/events/wad2025/signing-readiness"


@pytest.fixture
def event(make_event):
    return make_event(slug="wad2025")


def _login(client, auth, make_user, role):
    user = make_user(role=role)
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


@pytest.fixture
def organiser(client, auth, make_user):
    return _login(client, auth, make_user, "organizer")


def _utc(hour, minute=0):
    return datetime(2025, 6, 5, hour, minute, tzinfo=UTC)


@pytest.fixture
def ceremony(app, event, make_registration):
    """A ceremony 02:00-02:30 UTC (10:00 in Shanghai) in the signing hall, one agreement of
    two parties and three signatories, a hall checkpoint and an entrance."""
    zhang = make_registration(event, name_zh="张签字", name_en="Zhang Signer")
    li = make_registration(event, name_zh="李签字", name_en="Li Signer")
    wang = make_registration(
        event, name_zh="王待定", name_en="Wang Pending", status=RegistrationStatus.PENDING
    )
    with app.app_context(), write_intent():
        room = Room(event_id=event.id, code="signing", name_zh="签约厅", name_en="Signing hall")
        db.session.add(room)
        db.session.flush()
        session = Session(
            event_id=event.id,
            kind=ProgrammeKind.SIGNING_CEREMONY,
            title_zh="第一场签约仪式",
            title_en="First signing ceremony",
            room_id=room.id,
            starts_at=_utc(2),
            ends_at=_utc(2, 30),
        )
        agreement = Agreement(title_zh="互认合作协议", title_en="Mutual recognition agreement")
        first = AgreementParty(name_zh="甲方机构", name_en="Party One")
        second = AgreementParty(name_zh="乙方机构", name_en="Party Two")
        first.signatories.append(Signatory(registration_id=zhang.id, signing_order=1))
        first.signatories.append(Signatory(registration_id=wang.id, signing_order=2))
        second.signatories.append(Signatory(registration_id=li.id, signing_order=1))
        agreement.parties.extend([first, second])
        session.agreements.append(agreement)
        db.session.add(session)
        hall = Checkpoint(
            event_id=event.id,
            code="hall",
            name_en="Hall door",
            kind=CheckpointKind.SIGNING_HALL,
            room_id=room.id,
        )
        entrance = Checkpoint(event_id=event.id, code="main", name_en="Main entrance")
        db.session.add_all([hall, entrance])
        db.session.commit()
        return {
            "session": session.id,
            "hall": hall.id,
            "entrance": entrance.id,
            "zhang": zhang,
            "li": li,
            "wang": wang,
        }


def _scan(app, registration, checkpoint_id, when):
    with app.app_context(), write_intent():
        perform_scan(registration.badge_code, checkpoint=checkpoint_id, now=when)
        db.session.commit()


def _row(page: str, name: str) -> str:
    """The table row of the signatory called ``name``."""
    return next(r for r in re.findall(r"<tr class=\"signatory.*?</tr>", page, re.S) if name in r)


def test_the_page_counts_signatories_in_the_hall(app, client, organiser, ceremony):
    _scan(app, ceremony["zhang"], ceremony["hall"], _utc(1, 50))
    page = client.get(URL).get_data(as_text=True)
    assert "1 of 3 signatories in the hall" in page
    assert "First signing ceremony" in page
    assert "Mutual recognition agreement" in page


def test_times_are_shown_in_the_events_zone(app, client, organiser, ceremony):
    _scan(app, ceremony["zhang"], ceremony["hall"], _utc(1, 50))
    page = client.get(URL).get_data(as_text=True)
    assert "In the hall since 09:50" in _row(page, "Zhang Signer")


def test_a_delegate_at_the_venue_only_is_told_apart(app, client, organiser, ceremony):
    _scan(app, ceremony["li"], ceremony["entrance"], _utc(1, 0))
    row = _row(client.get(URL).get_data(as_text=True), "Li Signer")
    assert "At the venue, not in the hall" in row
    assert "09:00" in row
    assert "state-venue" in row


def test_states_carry_words_and_icons_not_colour_alone(app, client, organiser, ceremony):
    page = client.get(URL).get_data(as_text=True)
    row = _row(page, "Li Signer")
    assert "✖" in row and "Not checked in" in row
    pending = _row(page, "Wang Pending")
    assert "⚠" in pending and "Registration not confirmed" in pending


def test_chinese_names_come_from_the_data(app, client, organiser, ceremony):
    client.set_cookie("wadconf_lang", "zh_Hans")
    page = client.get(URL).get_data(as_text=True)
    assert "第一场签约仪式" in page and "张签字" in page and "甲方机构" in page


def test_the_page_refreshes_from_the_live_fragment(client, organiser, ceremony):
    page = client.get(URL).get_data(as_text=True)
    assert 'data-refresh-url="/admin/events/wad2025/signing-readiness/live"' in page
    assert "js/live_refresh.js" in page
    assert 'data-refresh-seconds="10"' in page


def test_the_live_fragment_has_the_figures_without_the_layout(app, client, organiser, ceremony):
    _scan(app, ceremony["li"], ceremony["hall"], _utc(1, 55))
    response = client.get(f"{URL}/live")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "1 of 3 signatories in the hall" in body
    assert "<html" not in body


def test_one_ceremony_alone(app, client, organiser, ceremony):
    with app.app_context(), write_intent():
        other = Session(
            event_id=db.session.get(Session, ceremony["session"]).event_id,
            kind=ProgrammeKind.SIGNING_CEREMONY,
            title_en="Second signing ceremony",
            starts_at=_utc(6),
            ends_at=_utc(6, 30),
        )
        db.session.add(other)
        db.session.commit()
    page = client.get(f"{URL}/{ceremony['session']}").get_data(as_text=True)
    assert "First signing ceremony" in page
    assert "Second signing ceremony" not in page
    assert f"live?session={ceremony['session']}" in page


def test_a_session_of_another_event_is_404(app, client, organiser, ceremony, make_event):
    other = make_event(slug="elsewhere")
    with app.app_context(), write_intent():
        foreign = Session(event_id=other.id, title_en="X", starts_at=_utc(2), ends_at=_utc(3))
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    assert client.get(f"{URL}/{foreign_id}").status_code == 404
    assert client.get(f"{URL}/live?session={foreign_id}").status_code == 404


def test_checkin_staff_may_watch_readiness(client, auth, make_user, ceremony):
    _login(client, auth, make_user, "checkin")
    assert client.get(URL).status_code == 200


def test_a_warning_when_the_hall_has_no_checkpoint(app, client, organiser, ceremony):
    with app.app_context(), write_intent():
        db.session.get(Checkpoint, ceremony["hall"]).room_id = None
        db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert "No checkpoint at the signing hall" in page


# --- Entry control for this session --------------------------------------------------------


def _post_entry_control(client, session_id, **data):
    return client.post(f"/admin/events/wad2025/sessions/{session_id}/checkpoint", data=data)


def test_entry_control_creates_the_sessions_checkpoint(app, client, organiser, ceremony):
    response = _post_entry_control(client, ceremony["session"])
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(
            select(Checkpoint).where(Checkpoint.session_id == ceremony["session"])
        )
        assert created.kind == CheckpointKind.SIGNING_HALL
        assert created.rule == AdmissionRule.ALL
        assert created.opens_at == _utc(1, 45)


def test_entry_control_returns_to_the_page_it_came_from(client, organiser, ceremony):
    response = _post_entry_control(client, ceremony["session"], next="/admin/events/wad2025/x")
    assert response.headers["Location"].endswith("/admin/events/wad2025/x")


def test_entry_control_does_not_redirect_off_site(client, organiser, ceremony):
    response = _post_entry_control(client, ceremony["session"], next="https://evil.example/")
    assert "evil" not in response.headers["Location"]


def test_checkin_staff_may_not_create_entry_control(app, client, auth, make_user, ceremony):
    _login(client, auth, make_user, "checkin")
    assert _post_entry_control(client, ceremony["session"]).status_code == 403
    with app.app_context():
        assert (
            db.session.scalar(
                select(Checkpoint).where(Checkpoint.session_id == ceremony["session"])
            )
            is None
        )


def test_entry_control_needs_the_csrf_token(app, client, organiser, ceremony):
    app.config["WTF_CSRF_ENABLED"] = True
    _post_entry_control(client, ceremony["session"])
    with app.app_context():
        assert (
            db.session.scalar(
                select(Checkpoint).where(Checkpoint.session_id == ceremony["session"])
            )
            is None
        )


def test_the_entry_control_button_posts_to_the_session_route(app, event, ceremony):
    from flask import render_template_string

    with app.test_request_context("/admin/events/wad2025/schedule"):
        session = db.session.get(Session, ceremony["session"])
        html = render_template_string(
            '{% from "admin/readiness/_entry_control.html" import entry_control_button %}'
            "{{ entry_control_button(event, session) }}",
            event=session.event,
            session=session,
        )
    assert f'action="/admin/events/wad2025/sessions/{ceremony["session"]}/checkpoint"' in html
    assert 'name="csrf_token"' in html
    assert f"/signing-readiness/{ceremony['session']}" in html
