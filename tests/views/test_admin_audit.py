"""The audit log page lists entries and filters them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.services import audit


@pytest.fixture
def admin(client, auth, make_user):
    """Log the client in as an administrator, reading pages in English."""
    user = make_user(role="admin", email="boss@example.org")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


@pytest.fixture
def entries(app, make_event):
    """Entries by different actors on different actions and events."""
    first, second = make_event(slug="first"), make_event(slug="second")
    with app.app_context(), write_intent():
        audit.record(
            "thing.alpha",
            actor_label="alice@example.org",
            event_id=first.id,
            details={"marker": "alpha-marker"},
        )
        audit.record(
            "thing.beta",
            actor_label="bob@example.org",
            event_id=second.id,
            details={"marker": "beta-marker"},
        )
        audit.record(
            "other.gamma", actor_label="alice@example.org", details={"marker": "gamma-marker"}
        )
        db.session.commit()


def _page(client, **params) -> str:
    response = client.get("/admin/audit/", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_audit_page_lists_entries(client, admin, entries):
    page = _page(client)
    for marker in ("alpha-marker", "beta-marker", "gamma-marker"):
        assert marker in page
    assert "auth.login" in page  # the administrator's own login


def test_audit_page_filters_by_action_prefix(client, admin, entries):
    page = _page(client, action="thing.")
    assert "alpha-marker" in page and "beta-marker" in page
    assert "gamma-marker" not in page
    assert "auth.login" not in page


def test_audit_page_filters_by_exact_action(client, admin, entries):
    page = _page(client, action="thing.beta")
    assert "beta-marker" in page
    assert "alpha-marker" not in page and "gamma-marker" not in page


def test_audit_page_filters_by_actor(client, admin, entries):
    page = _page(client, actor="alice")
    assert "alpha-marker" in page and "gamma-marker" in page
    assert "beta-marker" not in page
    assert "boss@example.org" not in page.split("<tbody>")[1]


def test_audit_actor_filter_ignores_case(client, admin, entries):
    page = _page(client, actor="BOB@Example.org")
    assert "beta-marker" in page
    assert "alpha-marker" not in page


def test_audit_filters_treat_like_wildcards_literally(client, admin, entries):
    assert "No entries match." in _page(client, actor="%")
    assert "No entries match." in _page(client, actor="b_b@")
    assert "No entries match." in _page(client, action="thing_")


def test_audit_page_combines_action_and_actor(client, admin, entries):
    page = _page(client, action="thing.", actor="alice")
    assert "alpha-marker" in page
    assert "beta-marker" not in page and "gamma-marker" not in page


def test_audit_page_filters_by_event(client, admin, entries):
    page = _page(client, event="second")
    assert "beta-marker" in page
    assert "alpha-marker" not in page and "gamma-marker" not in page


def test_audit_page_filters_by_dates(client, admin, entries):
    later = date.today() + timedelta(days=2)  # after today in any zone
    assert "No entries match." in _page(client, since=later.isoformat())
    assert "alpha-marker" in _page(client, until=later.isoformat())


def test_audit_page_says_when_nothing_matches(client, admin, entries):
    page = _page(client, action="no.such.action")
    assert "No entries match." in page
    assert "0 entries" in page
