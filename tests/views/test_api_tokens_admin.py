"""Administrators create API tokens (shown once) and revoke them; the CLI does the same."""

from __future__ import annotations

import re

from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import ApiToken
from wadconf.services import api_tokens


def _token_in(page: str) -> str:
    return re.search(r'data-testid="new-token">([^<]+)<', page).group(1)


def test_user_page_links_to_its_tokens(client, auth, make_user):
    admin, target = make_user("admin"), make_user("checkin")
    auth.login(admin.email)
    page = client.get(f"/admin/users/{target.id}/edit").get_data(as_text=True)
    assert f"/admin/users/{target.id}/tokens" in page


def test_admin_creates_a_token_shown_once(app, client, auth, make_user):
    admin, target = make_user("admin"), make_user("checkin")
    auth.login(admin.email)
    response = client.post(f"/admin/users/{target.id}/tokens", data={"name": "Gate 2"})
    assert response.status_code == 200
    token = _token_in(response.get_data(as_text=True))
    with app.app_context():
        assert api_tokens.authenticate(token).id == target.id
    listing = client.get(f"/admin/users/{target.id}/tokens").get_data(as_text=True)
    assert token not in listing and "Gate 2" in listing


def test_admin_revokes_a_token(app, client, auth, make_user):
    admin, target = make_user("admin"), make_user("checkin")
    auth.login(admin.email)
    page = client.post(f"/admin/users/{target.id}/tokens", data={"name": "x"})
    token = _token_in(page.get_data(as_text=True))
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = client.post(f"/admin/users/{target.id}/tokens/revoke", data={"token_id": token_id})
    assert response.status_code == 302
    with app.app_context():
        assert api_tokens.authenticate(token) is None


def test_token_of_another_user_cannot_be_revoked_through_this_one(app, client, auth, make_user):
    admin, first, second = make_user("admin"), make_user("checkin"), make_user("checkin")
    auth.login(admin.email)
    token = _token_in(
        client.post(f"/admin/users/{first.id}/tokens", data={"name": "x"}).get_data(as_text=True)
    )
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    client.post(f"/admin/users/{second.id}/tokens/revoke", data={"token_id": token_id})
    with app.app_context():
        assert api_tokens.authenticate(token) is not None


def test_organiser_cannot_open_token_pages(client, auth, make_user):
    organiser, target = make_user("organizer"), make_user("checkin")
    auth.login(organiser.email)
    assert client.get(f"/admin/users/{target.id}/tokens").status_code == 403
    assert client.post(f"/admin/users/{target.id}/tokens", data={}).status_code == 403


def test_cli_prints_a_working_token_once(app, runner, make_user):
    target = make_user("checkin")
    result = runner.invoke(args=["users", "token", target.email, "--name", "Handheld 3"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    with app.app_context():
        identity = api_tokens.authenticate(token)
        assert (identity.id, identity.token_name) == (target.id, "Handheld 3")


def test_cli_revokes_tokens(app, runner, make_user):
    target = make_user("checkin")
    token = runner.invoke(args=["users", "token", target.email]).stdout.strip().splitlines()[0]
    result = runner.invoke(args=["users", "revoke-token", target.email, token[:12]])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert api_tokens.authenticate(token) is None


def test_cli_token_for_unknown_account_fails(runner):
    result = runner.invoke(args=["users", "token", "nobody@example.org"])
    assert result.exit_code != 0
