"""Enrolment pages: the personal agenda and its buttons on the manage link, the registration
form's session choices, and the organisers' enrolment page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import build_app
from tests.services.schedule_support import add_room, add_session
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    Enrolment,
    EnrolmentStatus,
    Event,
    OutboxMessage,
    Registration,
    Session,
)
from wadconf.services.schedule_publish import publish_schedule

EN = {"Accept-Language": "en"}


def programme(app, event, *specs, publish=True) -> list[Session]:
    """Sessions of ``event`` from (title, start, end, fields) specs; then publish. Detached."""
    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        room = add_room(row, "r1", name_zh="一号厅", name_en="Room One", capacity=50)
        sessions = [
            add_session(row, title, start, end, room=room, **fields)
            for title, start, end, fields in specs
        ]
        if publish:
            publish_schedule(row)
        db.session.commit()
        for session in sessions:
            db.session.refresh(session)
            db.session.expunge(session)
        return sessions


def workshop(title="Digital", start="14:00", end="15:00", capacity=2, **fields):
    return (title, start, end, {"requires_enrolment": True, "capacity": capacity, **fields})


def enrolments(app, session=None) -> list[tuple[int, EnrolmentStatus]]:
    """(registration id, status) of live enrolments, oldest first."""
    with app.app_context():
        query = select(Enrolment.registration_id, Enrolment.status).where(
            Enrolment.status != EnrolmentStatus.CANCELLED
        )
        if session is not None:
            query = query.where(Enrolment.session_id == session.id)
        rows = db.session.execute(query.order_by(Enrolment.created_at, Enrolment.id)).all()
        return [(r, EnrolmentStatus(s)) for r, s in rows]


def enrol(client, registration, session, **data):
    return client.post(
        f"/r/{registration.manage_token}/sessions/{session.token}/enrol", data=data, headers=EN
    )


def leave(client, registration, session):
    return client.post(
        f"/r/{registration.manage_token}/sessions/{session.token}/cancel", headers=EN
    )


def manage(client, registration) -> str:
    return client.get(f"/r/{registration.manage_token}", headers=EN).get_data(as_text=True)


# --- the personal agenda on the manage page -----------------------------------------------


def test_manage_page_shows_the_personal_agenda_in_the_event_zone(
    app, client, make_event, make_registration
):
    event = make_event()
    programme(
        app,
        event,
        ("Opening plenary", "09:00", "10:00", {}),
        workshop("Digital accreditation", title_zh="数字认证"),
    )
    page = manage(client, make_registration(event, locale="en"))
    assert 'id="agenda"' in page and "Opening plenary" in page
    assert "Digital accreditation" in page
    assert re.search(r"9:00\sAM–10:00\sAM", page)  # Shanghai time, not UTC (1:00 AM)
    assert "Room One" in page


def test_manage_page_has_no_agenda_before_publication(app, client, make_event, make_registration):
    event = make_event()
    programme(app, event, ("Opening plenary", "09:00", "10:00", {}), publish=False)
    page = manage(client, make_registration(event, locale="en"))
    assert 'id="agenda"' not in page and "Opening plenary" not in page


def test_manage_page_offers_enrol_for_a_session_with_places(
    app, client, make_event, make_registration
):
    event = make_event()
    [session] = programme(app, event, workshop())
    registration = make_registration(event, locale="en")
    page = manage(client, registration)
    assert f"/r/{registration.manage_token}/sessions/{session.token}/enrol" in page
    assert "2 places left" in page and "Join the waiting list" not in page


def test_manage_page_offers_the_waiting_list_when_full(app, client, make_event, make_registration):
    event = make_event()
    [session] = programme(app, event, workshop(capacity=0))
    page = manage(client, make_registration(event, locale="en"))
    assert "This session is full. Join the waiting list?" in page
    assert 'name="waitlist" value="1"' in page


def test_manage_page_explains_an_overlap_instead_of_a_button(
    app, client, make_event, make_registration
):
    event = make_event()
    first, second = programme(
        app, event, workshop("Digital", "14:00", "15:00"), workshop("Green", "14:30", "15:30")
    )
    registration = make_registration(event, locale="en")
    enrol(client, registration, first)
    page = manage(client, registration)
    assert "Overlaps “Digital”" in page
    assert f"/sessions/{second.token}/enrol" not in page


def test_manage_page_shows_the_waiting_position_and_leave_button(
    app, client, make_event, make_registration
):
    event = make_event()
    [session] = programme(app, event, workshop(capacity=0))
    registration = make_registration(event, locale="en")
    enrol(client, registration, session, waitlist="1")
    page = manage(client, registration)
    assert "Waiting list: number 1" in page and "Leave the waiting list" in page


def test_manage_page_links_the_personal_calendar_when_offered(
    app, client, make_event, make_registration
):
    event = make_event()
    programme(app, event, ("Opening plenary", "09:00", "10:00", {}))
    registration = make_registration(event, locale="en")
    page = manage(client, registration)
    if "agenda.personal_ics" in app.view_functions:
        assert f"/r/{registration.manage_token}/agenda.ics" in page
    else:
        assert "Add to my calendar" not in page


# --- the buttons ------------------------------------------------------------------------------


def test_enrol_button_enrols_and_returns_to_the_session(app, client, make_event, make_registration):
    event = make_event()
    [session] = programme(app, event, workshop())
    registration = make_registration(event, locale="en")
    response = enrol(client, registration, session)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/r/{registration.manage_token}#session-{session.token}"
    )
    assert enrolments(app) == [(registration.id, EnrolmentStatus.ENROLLED)]


def test_enrol_in_a_full_session_without_agreeing_to_wait_is_refused(
    app, client, make_event, make_registration
):
    event = make_event()
    [session] = programme(app, event, workshop(capacity=0))
    registration = make_registration(event, locale="en")
    page = enrol(client, registration, session)
    assert "is full. You may join its waiting list" in manage(client, registration)
    assert page.status_code == 302 and enrolments(app) == []


def test_join_the_waiting_list_button_waitlists(app, client, make_event, make_registration):
    event = make_event()
    [session] = programme(app, event, workshop(capacity=0))
    registration = make_registration(event, locale="en")
    enrol(client, registration, session, waitlist="1")
    assert enrolments(app) == [(registration.id, EnrolmentStatus.WAITLISTED)]
    assert "number 1 on its waiting list" in manage(client, registration)


def test_overlapping_enrolment_is_refused_with_a_message(
    app, client, make_event, make_registration
):
    event = make_event()
    first, second = programme(
        app, event, workshop("Digital", "14:00", "15:00"), workshop("Green", "14:30", "15:30")
    )
    registration = make_registration(event, locale="en")
    enrol(client, registration, first)
    enrol(client, registration, second)
    assert enrolments(app, second) == []
    assert "overlaps “会议Digital / Digital”" in manage(client, registration)


def test_cancel_button_frees_the_place_and_promotes_the_next_with_an_email(
    app, client, make_event, make_registration
):
    event = make_event()
    [session] = programme(app, event, workshop(capacity=1))
    seated = make_registration(event, locale="en")
    waiting = make_registration(event, locale="en", email="next@example.org")
    enrol(client, seated, session)
    enrol(client, waiting, session, waitlist="1")
    leave(client, seated, session)
    assert enrolments(app) == [(waiting.id, EnrolmentStatus.ENROLLED)]
    with app.app_context():
        [message] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "enrolment_promoted")
        ).all()
        assert message.to_address == "next@example.org"
        assert f"/r/{waiting.manage_token}" in message.body_text


def test_leave_the_waiting_list_button(app, client, make_event, make_registration):
    event = make_event()
    [session] = programme(app, event, workshop(capacity=0))
    registration = make_registration(event, locale="en")
    enrol(client, registration, session, waitlist="1")
    leave(client, registration, session)
    assert enrolments(app) == []
    assert "You left the waiting list" in manage(client, registration)


def test_cancel_without_an_enrolment_says_so(app, client, make_event, make_registration):
    event = make_event()
    [session] = programme(app, event, workshop())
    registration = make_registration(event, locale="en")
    leave(client, registration, session)
    assert "You are not enrolled in this session." in manage(client, registration)


def test_session_of_another_event_is_not_found(app, client, make_event, make_registration):
    mine, other = make_event(), make_event()
    [session] = programme(app, other, workshop())
    assert enrol(client, make_registration(mine), session).status_code == 404
    assert enrolments(app) == []


def test_unknown_manage_token_is_not_found(app, client, make_event):
    event = make_event()
    [session] = programme(app, event, workshop())
    response = client.post(f"/r/{'x' * 43}/sessions/{session.token}/enrol")
    assert response.status_code == 404


def test_enrol_needs_post(app, client, make_event, make_registration):
    event = make_event()
    [session] = programme(app, event, workshop())
    registration = make_registration(event, locale="en")
    response = client.get(f"/r/{registration.manage_token}/sessions/{session.token}/enrol")
    assert response.status_code == 405 and enrolments(app) == []


def test_enrol_without_csrf_token_is_refused(
    app, backend, database_urls, tmp_path, make_event, make_registration
):
    event = make_event()
    [session] = programme(app, event, workshop())
    registration = make_registration(event, locale="en")
    strict = build_app(database_urls[backend], tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    response = enrol(strict.test_client(), registration, session)
    assert response.status_code == 400 and enrolments(app) == []


def test_enrol_with_the_pages_csrf_token_is_accepted(
    app, backend, database_urls, tmp_path, make_event, make_registration
):
    event = make_event()
    [session] = programme(app, event, workshop())
    registration = make_registration(event, locale="en")
    strict = build_app(database_urls[backend], tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    page = manage(client, registration)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    enrol(client, registration, session, csrf_token=token)
    assert enrolments(app) == [(registration.id, EnrolmentStatus.ENROLLED)]


# --- enrolment during registration ------------------------------------------------------------


def registration_form(**fields):
    from tests.views.test_public_registration import form

    return form(**fields)


def test_registration_form_offers_sessions_requiring_enrolment_with_places(
    app, client, make_event, make_invitation
):
    event = make_event()
    [session] = programme(
        app, event, ("Opening plenary", "09:00", "10:00", {}), workshop("Digital", capacity=3)
    )[1:]
    invitation = make_invitation(event, locale="en")
    page = client.get(f"/i/{invitation.token}/register", headers=EN).get_data(as_text=True)
    assert f'value="{session.token}"' in page and "3 places left" in page
    assert "Opening plenary" not in page


def test_registration_form_has_no_session_choices_without_such_sessions(
    app, client, make_event, make_invitation
):
    event = make_event()
    programme(app, event, ("Opening plenary", "09:00", "10:00", {}))
    invitation = make_invitation(event, locale="en")
    page = client.get(f"/i/{invitation.token}/register", headers=EN).get_data(as_text=True)
    assert 'name="sessions"' not in page


def test_registering_with_chosen_sessions_enrols_in_them(app, client, make_event, make_invitation):
    event = make_event()
    first, second = programme(
        app, event, workshop("A", "10:00", "11:00"), workshop("B", "14:00", "15:00", capacity=0)
    )
    invitation = make_invitation(event, locale="en")
    response = client.post(
        f"/i/{invitation.token}/register",
        data=registration_form(sessions=[first.token, second.token]),
        headers=EN,
    )
    assert response.status_code == 302
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id))
    assert enrolments(app, first) == [(registration_id, EnrolmentStatus.ENROLLED)]
    assert enrolments(app, second) == [(registration_id, EnrolmentStatus.WAITLISTED)]


def test_overlapping_choices_save_nothing_and_show_an_error(
    app, client, make_event, make_invitation
):
    event = make_event()
    first, second = programme(
        app, event, workshop("A", "14:00", "15:00"), workshop("B", "14:30", "15:30")
    )
    invitation = make_invitation(event, locale="en")
    response = client.post(
        f"/i/{invitation.token}/register",
        data=registration_form(sessions=[first.token, second.token]),
        headers=EN,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "are at the same time: choose only one" in page
    with app.app_context():
        assert db.session.scalars(select(Registration)).all() == []
    assert enrolments(app) == []


def test_a_session_not_offered_cannot_be_chosen(app, client, make_event, make_invitation):
    event = make_event()
    [hidden] = programme(app, event, workshop("Unpublished"), publish=False)
    programme_token = hidden.token
    invitation = make_invitation(event, locale="en")
    client.post(
        f"/i/{invitation.token}/register",
        data=registration_form(sessions=[programme_token]),
        headers=EN,
    )
    assert enrolments(app) == []


# --- the organisers' page ---------------------------------------------------------------------


@pytest.fixture
def organiser(auth, make_user):
    user = make_user("organizer")
    assert auth.login(user.email).status_code == 302
    return user


def admin_url(event, session, action=""):
    base = f"/admin/events/{event.slug}/sessions/{session.id}/enrolments"
    return f"{base}/{action}" if action else base


def test_admin_page_lists_enrolled_and_waiting_with_counts(
    app, client, organiser, make_event, make_registration
):
    event = make_event()
    [session] = programme(app, event, workshop(capacity=1))
    seated = make_registration(event, name_en="Seated Person")
    waiting = make_registration(event, name_en="Waiting Person")
    enrol(client, seated, session)
    enrol(client, waiting, session, waitlist="1")
    page = client.get(admin_url(event, session), headers=EN).get_data(as_text=True)
    assert "Enrolled: 1" in page and "Waiting: 1" in page
    assert page.index("Seated Person") < page.index("Waiting list") < page.index("Waiting Person")


def test_admin_overview_lists_sessions_requiring_enrolment(app, client, organiser, make_event):
    event = make_event()
    programme(app, event, ("Opening plenary", "09:00", "10:00", {}), workshop("Digital"))
    page = client.get(f"/admin/events/{event.slug}/enrolments/", headers=EN).get_data(as_text=True)
    assert "Digital" in page and "Opening plenary" not in page


def test_admin_cancel_promotes_and_is_audited(
    app, client, organiser, make_event, make_registration
):
    event = make_event()
    [session] = programme(app, event, workshop(capacity=1))
    seated, waiting = make_registration(event, locale="en"), make_registration(event, locale="en")
    enrol(client, seated, session)
    enrol(client, waiting, session, waitlist="1")
    with app.app_context():
        enrolment_id = db.session.scalar(
            select(Enrolment.id).where(Enrolment.registration_id == seated.id)
        )
    client.post(admin_url(event, session, "cancel"), data={"enrolment_id": enrolment_id})
    assert enrolments(app) == [(waiting.id, EnrolmentStatus.ENROLLED)]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enrolment.cancel"))
        assert entry.actor_id == organiser.id


def test_admin_cancel_of_another_sessions_enrolment_is_refused(
    app, client, organiser, make_event, make_registration
):
    event = make_event()
    first, second = programme(
        app, event, workshop("A", "10:00", "11:00"), workshop("B", "14:00", "15:00")
    )
    registration = make_registration(event, locale="en")
    enrol(client, registration, first)
    with app.app_context():
        enrolment_id = db.session.scalar(select(Enrolment.id))
    client.post(admin_url(event, second, "cancel"), data={"enrolment_id": enrolment_id})
    assert enrolments(app) == [(registration.id, EnrolmentStatus.ENROLLED)]


def test_admin_adds_a_delegate(app, client, organiser, make_event, make_registration):
    event = make_event()
    [session] = programme(app, event, workshop())
    registration = make_registration(event, locale="en")
    client.post(admin_url(event, session, "add"), data={"registration_id": registration.id})
    assert enrolments(app) == [(registration.id, EnrolmentStatus.ENROLLED)]


def test_admin_add_follows_the_overlap_rule(app, client, organiser, make_event, make_registration):
    event = make_event()
    first, second = programme(
        app, event, workshop("A", "14:00", "15:00"), workshop("B", "14:00", "15:00")
    )
    registration = make_registration(event, locale="en")
    enrol(client, registration, first)
    client.post(admin_url(event, second, "add"), data={"registration_id": registration.id})
    assert enrolments(app, second) == []


def test_admin_raising_capacity_promotes(app, client, organiser, make_event, make_registration):
    event = make_event()
    [session] = programme(app, event, workshop(capacity=0))
    people = [make_registration(event, locale="en") for _ in range(3)]
    for person in people:
        enrol(client, person, session, waitlist="1")
    client.post(admin_url(event, session, "capacity"), data={"capacity": "2"})
    assert [s for _r, s in enrolments(app)] == [
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.WAITLISTED,
    ]
    with app.app_context():
        assert db.session.get(Session, session.id).capacity == 2


def test_admin_negative_capacity_is_refused(app, client, organiser, make_event):
    event = make_event()
    [session] = programme(app, event, workshop(capacity=2))
    client.post(admin_url(event, session, "capacity"), data={"capacity": "-3"})
    with app.app_context():
        assert db.session.get(Session, session.id).capacity == 2


def test_admin_page_of_another_events_session_is_not_found(app, client, organiser, make_event):
    event, other = make_event(), make_event()
    [session] = programme(app, other, workshop())
    assert client.get(admin_url(event, session)).status_code == 404


@pytest.mark.parametrize("role", ["checkin", "reporter"])
def test_admin_page_refuses_staff_who_do_not_organise(
    app, client, auth, make_user, make_event, role
):
    event = make_event()
    [session] = programme(app, event, workshop())
    assert auth.login(make_user(role).email).status_code == 302
    assert client.get(admin_url(event, session)).status_code == 403
