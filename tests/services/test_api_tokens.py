"""API tokens: only the hash is kept, and only valid tokens of active accounts authenticate."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import ApiToken, AuditEntry, StaffUser
from wadconf.services import DomainError, api_tokens


def create(app, user, name="Gate 1"):
    with app.app_context(), write_intent():
        row, token = api_tokens.create_token(db.session.get(StaffUser, user.id), name=name)
        db.session.commit()
        return row.id, token


def authenticate(app, token):
    with app.app_context():
        return api_tokens.authenticate(token)


def test_only_the_hash_is_stored(app, make_user):
    token_id, token = create(app, make_user("checkin"))
    with app.app_context():
        row = db.session.get(ApiToken, token_id)
        assert row.token_hash == api_tokens.hash_token(token) != token
        assert token not in (row.token_prefix, row.name)
        assert token.startswith(row.token_prefix)


def test_valid_token_gives_its_account(app, make_user):
    user = make_user("checkin")
    token_id, token = create(app, user)
    identity = authenticate(app, token)
    assert (identity.id, identity.token_id, identity.token_name) == (user.id, token_id, "Gate 1")


def test_tokens_are_distinct(app, make_user):
    user = make_user("checkin")
    assert create(app, user)[1] != create(app, user)[1]


def test_wrong_token_gives_nobody(app, make_user):
    _id, token = create(app, make_user("checkin"))
    assert authenticate(app, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert authenticate(app, "") is None


def test_revoked_token_gives_nobody(app, make_user):
    token_id, token = create(app, make_user("checkin"))
    with app.app_context(), write_intent():
        api_tokens.revoke_token(db.session.get(ApiToken, token_id))
        db.session.commit()
    assert authenticate(app, token) is None


def test_create_and_revoke_are_audited(app, make_user):
    token_id, _token = create(app, make_user("checkin"))
    with app.app_context(), write_intent():
        api_tokens.revoke_token(db.session.get(ApiToken, token_id))
        db.session.commit()
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.startswith("api_token."))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["api_token.create", "api_token.revoke"]


def test_reporter_gets_no_token(app, make_user):
    with pytest.raises(DomainError) as excinfo:
        create(app, make_user("reporter"))
    assert excinfo.value.code == "role_cannot_scan"
