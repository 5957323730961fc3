"""Every staff and admin route refuses visitors and roles it does not declare.

The walk reads the roles each view declares through ``roles_required`` and checks
that the running app enforces them; the named tests below pin the policy itself so
that a route whose declared roles are loosened by mistake also fails.
"""

from __future__ import annotations

import tempfile
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from wadconf import create_app
from wadconf.extensions import db
from wadconf.models import Event, Role, StaffUser

STAFF_PREFIXES = ("admin.", "staff.", "checkin.")
ROLES = ("checkin", "organizer", "admin", "reporter")
#: Roles that work in the staff area (a reporter has its own portal under /series).
STAFF_ROLES = ("checkin", "organizer", "admin")


def _staff_rules() -> list[tuple[str, str, list[str]]]:
    """(endpoint, rule, methods) of every admin./staff. route, read from a throwaway app."""
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": instance}
        )
        rules = [
            (rule.endpoint, rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}))
            for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith(STAFF_PREFIXES)
        ]
    return sorted(rules)


STAFF_RULES = _staff_rules()


def _method_for_roles(methods: list[str]) -> str:
    """GET where the route answers it, else POST (POST-only actions)."""
    return "GET" if "GET" in methods else "POST"


def _outbox_message_id(app) -> int:
    """The id of a queued outbox message, for the mail outbox routes."""
    from wadconf.database import write_intent
    from wadconf.models import OutboxMessage

    with app.app_context(), write_intent():
        message = OutboxMessage(to_address="walk@example.org", subject="walk", body_text="walk")
        db.session.add(message)
        db.session.commit()
        return message.id


def _invitation_id(app, slug: str) -> int:
    """The id of a new invitation of the event ``slug``, for the invitation routes."""
    from wadconf.database import write_intent
    from wadconf.models import Invitation

    with app.app_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        invitation = Invitation(event_id=event.id, name_en="Walk", email="walk@example.org")
        db.session.add(invitation)
        db.session.commit()
        return invitation.id


def _category_id(app, slug: str) -> int:
    """The id of one of the event ``slug``'s delegate categories."""
    from wadconf.models import DelegateCategory

    with app.app_context():
        return db.session.scalar(
            select(DelegateCategory.id).join(Event).where(Event.slug == slug).limit(1)
        )


def _registration_id(app, slug: str) -> int:
    """The id of a new (confirmed) registration of ``slug``, for the registration routes."""
    from wadconf.database import write_intent
    from wadconf.models import Registration

    with app.app_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        registration = Registration(
            event_id=event.id, name_en="Walk", organisation="Walk", country="CN"
        )
        db.session.add(registration)
        db.session.commit()
        return registration.id


def _checkpoint_id(app, slug: str) -> int:
    """The id of a new checkpoint of the event ``slug``, for the checkpoint routes."""
    from wadconf.database import write_intent
    from wadconf.models import Checkpoint

    with app.app_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        checkpoint = Checkpoint(event_id=event.id, code="walk", name_en="Walk")
        db.session.add(checkpoint)
        db.session.commit()
        return checkpoint.id


def _session_id(app, slug: str) -> int:
    """The id of a new session (a signing ceremony) of ``slug``, for the session routes."""
    from datetime import UTC, datetime

    from wadconf.database import write_intent
    from wadconf.models import ProgrammeKind, Session

    with app.app_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        session = Session(
            event_id=event.id,
            title_en="Walk",
            kind=ProgrammeKind.SIGNING_CEREMONY,
            starts_at=datetime(2025, 6, 5, 2, 0, tzinfo=UTC),
            ends_at=datetime(2025, 6, 5, 3, 0, tzinfo=UTC),
        )
        db.session.add(session)
        db.session.commit()
        return session.id


def _material_id(app, slug: str) -> int:
    """The id of a new material (a stored PDF) of the event ``slug``, for the material routes."""
    import io

    from werkzeug.datastructures import FileStorage

    from wadconf.services.materials import add_material

    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    with app.test_request_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        material = add_material(
            event,
            FileStorage(stream=io.BytesIO(pdf), filename="walk.pdf"),
            title_zh="",
            title_en="Walk",
            language="en",
        )
        db.session.commit()
        return material.id


def _series_ids(app, slug: str) -> dict[str, object]:
    """A reporting body of ``slug`` with a reporter, a plan and a report (version 1 each)
    and an attachment, for the series routes."""
    import io
    from datetime import date

    from werkzeug.datastructures import FileStorage

    from tests.services.upload_samples import PDF
    from wadconf.database import write_intent
    from wadconf.models.series import SeriesAttachment
    from wadconf.services import reporter_accounts, reporting_bodies, series

    with app.test_request_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        body = reporting_bodies.add_body(event, code="walk", name_zh="walk", name_en="walk")
        reporter = reporter_accounts.create_reporter(body, email="walk.reporter@example.org")
        data = series.PlanData(title="walk", starts_on=date(2024, 6, 9), ends_on=date(2024, 6, 9))
        pdf = FileStorage(stream=io.BytesIO(PDF), filename="walk.pdf")
        series.submit_plan(body, data, by=reporter, files=[pdf])
        series.submit_report(body, series.ReportData(summary="walk"), by=reporter)
        token = db.session.scalar(
            select(SeriesAttachment.token).where(SeriesAttachment.body_id == body.id)
        )
        db.session.commit()
        return {
            "body_id": body.id,
            "reporter_id": reporter.id,
            "what": "plan",
            "number": 1,
            "token": token,
        }


def _schedule_ids(app, slug: str) -> dict[str, int]:
    """A room and a track of the event ``slug``, for the schedule editor's routes."""
    from wadconf.database import write_intent
    from wadconf.models import Room, Track

    with app.app_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        room = Room(event_id=event.id, code="walk", name_en="Walk")
        track = Track(event_id=event.id, code="walk", name_en="Walk")
        db.session.add_all([room, track])
        db.session.commit()
        return {"room_id": room.id, "track_id": track.id}


def _schedule_version_number(app, slug: str) -> int:
    """The number of a new publication of the event ``slug``'s programme."""
    from wadconf.database import write_intent
    from wadconf.services.schedule_publish import publish_schedule

    with app.test_request_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        version = publish_schedule(event, note="walk")
        db.session.commit()
        return version.number


def _url(app, rule_text: str, *, slug: str, user_id: int) -> str:
    """``rule_text`` with its converters filled with a real event slug and user id."""
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text)
    known = {"slug": slug, "user_id": user_id}
    if "message_id" in rule.arguments:
        known["message_id"] = _outbox_message_id(app)
    if "invitation_id" in rule.arguments:
        known["invitation_id"] = _invitation_id(app, slug)
    if "category_id" in rule.arguments:
        known["category_id"] = _category_id(app, slug)
    if "registration_id" in rule.arguments:
        known["registration_id"] = _registration_id(app, slug)
    if "checkpoint_id" in rule.arguments:
        known["checkpoint_id"] = _checkpoint_id(app, slug)
    if "material_id" in rule.arguments:
        known["material_id"] = _material_id(app, slug)
    if "session_id" in rule.arguments and "session_id" not in known:
        known["session_id"] = _session_id(app, slug)
    if "body_id" in rule.arguments or rule.endpoint == "admin.series_attachment":
        known.update(_series_ids(app, slug))
    if {"room_id", "track_id"} & rule.arguments:
        known.update(_schedule_ids(app, slug))
    if rule.endpoint == "admin.schedule_version":
        known["number"] = _schedule_version_number(app, slug)
    if rule.endpoint == "admin.invitation_letters":
        _invitation_id(app, slug)  # an event with nothing to print answers 404
    if rule.endpoint == "admin.badges_print":
        _registration_id(app, slug)  # an event with no badge to print answers 404
    missing = rule.arguments - known.keys()
    assert not missing, f"add a test value for {sorted(missing)} in {rule_text}"
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, {name: known[name] for name in rule.arguments})


def _allowed(app, endpoint: str, role: str) -> bool:
    declared = app.view_functions[endpoint].required_roles
    return role == "admin" or Role(role) in declared


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def test_the_walk_found_the_staff_routes():
    endpoints = {endpoint for endpoint, _rule, _methods in STAFF_RULES}
    assert {"staff.dashboard", "admin.users", "admin.audit_log", "admin.events"} <= endpoints


def test_every_staff_and_admin_route_declares_its_roles(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint.startswith(STAFF_PREFIXES) and not getattr(view, "required_roles", None)
    ]
    assert undeclared == []


def test_declared_roles_are_roles(app):
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith(STAFF_PREFIXES):
            assert all(isinstance(role, Role) for role in view.required_roles), endpoint


@pytest.mark.parametrize(
    ("endpoint", "rule", "method"),
    [pytest.param(e, r, m, id=f"{e}-{m}") for e, r, methods in STAFF_RULES for m in methods],
)
def test_anonymous_visitor_is_sent_to_login(
    app, client, make_event, make_user, endpoint, rule, method
):
    event = make_event()
    user = make_user("checkin")
    url = _url(app, rule, slug=event.slug, user_id=user.id)
    response = client.open(url, method=method)
    assert _is_login_redirect(response), (response.status_code, response.headers.get("Location"))
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [url]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("endpoint", "rule", "methods"),
    [pytest.param(e, r, m, id=f"{e}-{_method_for_roles(m)}") for e, r, m in STAFF_RULES],
)
def test_route_answers_each_role_as_declared(
    app, client, auth, make_event, make_user, endpoint, rule, methods, role
):
    event = make_event()
    target = make_user("checkin")
    me = make_user(role)
    assert auth.login(me.email).status_code == 302
    method = _method_for_roles(methods)
    response = client.open(_url(app, rule, slug=event.slug, user_id=target.id), method=method)
    if _allowed(app, endpoint, role):
        assert response.status_code in (200, 302), response.status_code
        assert not _is_login_redirect(response)
        if method == "GET":
            assert response.status_code == 200
    else:
        assert response.status_code == 403


# The policy, spelled out: these fail if a route's declared roles are widened by mistake.


def _login_as(auth, make_user, role: str) -> StaffUser:
    user = make_user(role)
    assert auth.login(user.email).status_code == 302
    return user


@pytest.mark.parametrize("path", ["/admin/events/", "/admin/events/new"])
def test_checkin_role_cannot_open_event_admin(client, auth, make_user, path):
    _login_as(auth, make_user, "checkin")
    assert client.get(path).status_code == 403


def test_checkin_role_cannot_edit_an_event(client, auth, make_user, make_event):
    event = make_event()
    _login_as(auth, make_user, "checkin")
    assert client.get(f"/admin/events/{event.slug}/edit").status_code == 403


@pytest.mark.parametrize("role", ["checkin", "organizer"])
def test_non_admin_cannot_open_user_admin(client, auth, make_user, role):
    _login_as(auth, make_user, role)
    assert client.get("/admin/users/").status_code == 403


@pytest.mark.parametrize("role", ["checkin", "organizer"])
def test_non_admin_cannot_open_audit_log(client, auth, make_user, role):
    _login_as(auth, make_user, role)
    assert client.get("/admin/audit/").status_code == 403


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_role_opens_the_staff_home(client, auth, make_user, role):
    _login_as(auth, make_user, role)
    assert client.get("/staff/").status_code == 200


def test_organizer_opens_event_admin(client, auth, make_user):
    _login_as(auth, make_user, "organizer")
    assert client.get("/admin/events/").status_code == 200


def test_organizer_cannot_create_an_account_by_post(app, client, auth, make_user):
    _login_as(auth, make_user, "organizer")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "intruder@example.org",
            "role": "admin",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert response.status_code == 403
    with app.app_context():
        assert (
            db.session.scalar(select(StaffUser).where(StaffUser.email == "intruder@example.org"))
            is None
        )


def test_organizer_cannot_reset_another_password(app, client, auth, make_user):
    admin = make_user("admin")
    _login_as(auth, make_user, "organizer")
    new_password = "taken over by me"
    response = client.post(
        f"/admin/users/{admin.id}/password",
        data={"pw-password": new_password, "pw-confirm": new_password},
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(StaffUser, admin.id).session_token == admin.session_token


def test_checkin_role_cannot_create_an_event_by_post(app, client, auth, make_user):
    _login_as(auth, make_user, "checkin")
    response = client.post(
        "/admin/events/new",
        data={
            "slug": "sneaky",
            "name_en": "Sneaky",
            "starts_on": "2025-06-05",
            "ends_on": "2025-06-05",
            "timezone": "Asia/Shanghai",
            "default_locale": "en",
        },
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_admin_opens_user_admin_and_audit_log(client, auth, make_user):
    _login_as(auth, make_user, "admin")
    assert client.get("/admin/users/").status_code == 200
    assert client.get("/admin/audit/").status_code == 200


def test_a_reporter_is_refused_the_staff_home(client, auth, make_user):
    _login_as(auth, make_user, "reporter")
    assert client.get("/staff/").status_code == 403


def test_a_reporter_is_refused_every_admin_route(app):
    """Reporters are in no admin route's declared roles (the walk then expects 403)."""
    allowed = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint.startswith(STAFF_PREFIXES) and Role.REPORTER in view.required_roles
    ]
    assert allowed == []
