"""Reporter logins: creation, the invitation e-mail, the one-time password link."""

from __future__ import annotations

import time

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.series_factories import make_body, make_reporter
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, OutboxMessage, Role, StaffUser
from wadconf.models.series import ReportingBody
from wadconf.services import DomainError, reporting_bodies
from wadconf.services import reporter_accounts as service


def _create(app, body, email="liaison@example.org", **kwargs) -> int:
    with app.app_context(), write_intent():
        user = service.create_reporter(
            db.session.get(ReportingBody, body.id), email=email, **kwargs
        )
        db.session.commit()
        return user.id


def _token(app, user_id: int) -> str:
    with app.test_request_context():
        return service.invitation_token(db.session.get(StaffUser, user_id))


def _accept(app, token: str, password: str = "a brand new password") -> StaffUser:
    with app.app_context(), write_intent():
        user = service.accept_invitation(token, password)
        db.session.commit()
        return user


def test_a_reporter_belongs_to_its_body_and_event(app, make_event):
    body = make_body(app, make_event())
    user_id = _create(app, body)
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        assert user.role == Role.REPORTER
        assert user.reporting_body_id == body.id
        assert user.event_id == body.event_id


def test_creating_a_reporter_queues_a_bilingual_invitation_with_the_link(app, make_event):
    body = make_body(app, make_event())
    _create(app, body)
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.to_address == "liaison@example.org"
        assert message.kind == "series_reporter_invitation"
        assert "/series/welcome/" in message.body_text
        assert "English" in message.body_text and "市场监督管理局" in message.body_text


def test_the_invitation_follows_the_chosen_language(app, make_event):
    body = make_body(app, make_event())
    _create(app, body, locale="en")
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert "----------" not in message.body_text
        assert "Please choose your password" in message.body_text


def test_creating_a_reporter_is_audited(app, make_event):
    body = make_body(app, make_event())
    _create(app, body)
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "series.reporter_create")
        )
        assert entry.details == {"email": "liaison@example.org", "body": "hebei"}


def test_the_initial_password_is_unknown(app, make_event):
    body = make_body(app, make_event())
    user_id = _create(app, body)
    with app.app_context():
        assert not db.session.get(StaffUser, user_id).check_password(PASSWORD)


def test_an_address_in_use_is_refused(app, make_event, make_user):
    make_user("organizer", email="taken@example.org")
    body = make_body(app, make_event())
    with pytest.raises(DomainError) as caught:
        _create(app, body, email="Taken@example.org")
    assert caught.value.code == "email_taken"


def test_an_inactive_body_gets_no_new_login(app, make_event):
    body = make_body(app, make_event())
    with app.app_context(), write_intent():
        reporting_bodies.set_body_active(db.session.get(ReportingBody, body.id), False)
        db.session.commit()
    with pytest.raises(DomainError) as caught:
        _create(app, body)
    assert caught.value.code == "body_inactive"


def test_the_link_sets_the_password(app, make_event):
    body = make_body(app, make_event())
    user_id = _create(app, body)
    _accept(app, _token(app, user_id))
    with app.app_context():
        assert db.session.get(StaffUser, user_id).check_password("a brand new password")


def test_the_link_works_only_once(app, make_event):
    body = make_body(app, make_event())
    token = _token(app, _create(app, body))
    _accept(app, token)
    with pytest.raises(DomainError) as caught:
        _accept(app, token, "another new password")
    assert caught.value.code == "invite_invalid"


def test_the_link_is_not_the_account_id(app, make_event):
    body = make_body(app, make_event())
    user_id = _create(app, body)
    token = _token(app, user_id)
    assert len(token) > 40 and token != str(user_id)


def test_a_tampered_link_is_refused(app, make_event):
    body = make_body(app, make_event())
    token = _token(app, _create(app, body))
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(DomainError) as caught:
        _accept(app, forged)
    assert caught.value.code == "invite_invalid"


def test_an_old_link_has_expired(app, make_event, monkeypatch):
    body = make_body(app, make_event())
    user_id = _create(app, body)
    old = int(time.time()) - 15 * 86400  # the default lifetime is 14 days
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: old)
    token = _token(app, user_id)
    monkeypatch.undo()
    with pytest.raises(DomainError) as caught:
        _accept(app, token)
    assert caught.value.code == "invite_expired"


def test_a_link_of_a_disabled_account_is_refused(app, make_event):
    body = make_body(app, make_event())
    user_id = _create(app, body)
    token = _token(app, user_id)
    with app.app_context(), write_intent():
        service.set_reporter_active(db.session.get(StaffUser, user_id), False)
        db.session.commit()
    with pytest.raises(DomainError) as caught:
        _accept(app, token)
    assert caught.value.code == "invite_invalid"


def test_a_short_password_is_refused_and_the_link_still_works(app, make_event):
    body = make_body(app, make_event())
    user_id = _create(app, body)
    token = _token(app, user_id)
    with pytest.raises(DomainError) as caught:
        _accept(app, token, "short")
    assert caught.value.code == "password_too_short"
    _accept(app, token)


def test_resending_queues_another_message(app, make_event):
    body = make_body(app, make_event())
    user_id = _create(app, body)
    with app.app_context(), write_intent():
        service.resend_invitation(db.session.get(StaffUser, user_id))
        db.session.commit()
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 2


def test_reporter_of_finds_only_the_bodys_own_accounts(app, make_event):
    event = make_event()
    hebei, beijing = make_body(app, event), make_body(app, event, code="beijing")
    other = make_reporter(app, beijing)
    with app.app_context():
        assert service.reporter_of(db.session.get(ReportingBody, hebei.id), other.id) is None
