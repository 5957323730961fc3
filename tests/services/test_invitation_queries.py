"""The admin list of invitations: status filters (expired derived), counts, search, category."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import Event, Invitation, InvitationState
from wadconf.services import invitations as service

NOW = datetime(2025, 5, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def mixed(make_event, make_invitation):
    """An event with one invitation in each state, one expired, and another event's invitation."""
    event = make_event()
    made = {
        state.value: make_invitation(event, state=state, name_en=f"{state.value} person")
        for state in InvitationState
    }
    made["expired"] = make_invitation(
        event,
        state=InvitationState.SENT,
        name_en="late person",
        expires_at=NOW - timedelta(hours=1),
    )
    made["future"] = make_invitation(
        event,
        state=InvitationState.SENT,
        name_en="future person",
        expires_at=NOW + timedelta(hours=1),
    )
    make_invitation(make_event(), state=InvitationState.DRAFT, name_en="elsewhere")
    return event, made


def listed(app, event, **filters) -> list[str]:
    """English names of the invitations the admin list shows for ``filters``."""
    with app.app_context():
        query = service.filtered_invitations(db.session.get(Event, event.id), now=NOW, **filters)
        return sorted(inv.name_en for inv in db.session.scalars(query))


def test_expired_filter_finds_open_invitations_past_their_expiry(app, mixed):
    event, _ = mixed
    assert listed(app, event, status="expired") == ["late person"]


def test_sent_filter_leaves_out_expired_ones(app, mixed):
    event, _ = mixed
    assert listed(app, event, status="sent") == ["future person", "sent person"]


@pytest.mark.parametrize("state", ["draft", "opened", "registered", "declined", "revoked"])
def test_state_filter_lists_that_state_only(app, mixed, state):
    event, _ = mixed
    assert listed(app, event, status=state) == [f"{state} person"]


def test_all_lists_only_this_events_invitations(app, mixed):
    event, made = mixed
    assert len(listed(app, event)) == len(made)


def test_status_counts_match_the_filters(app, mixed):
    event, made = mixed
    with app.app_context():
        counts = service.status_counts(db.session.get(Event, event.id), now=NOW)
    assert counts == {
        "all": len(made),
        "draft": 1,
        "sent": 2,
        "opened": 1,
        "registered": 1,
        "declined": 1,
        "revoked": 1,
        "expired": 1,
    }


@pytest.mark.parametrize(
    ("q", "field"),
    [
        ("wang", "name_en"),
        ("王五", "name_zh"),
        ("rare body", "organisation"),
        ("WANG.WU@", "email"),
    ],
)
def test_search_matches_name_organisation_and_email(app, make_event, make_invitation, q, field):
    event = make_event()
    make_invitation(
        event,
        name_zh="王五",
        name_en="Wang Wu",
        organisation="Rare Body 稀有机构",
        email="wang.wu@example.org",
    )
    make_invitation(event, name_en="Other", organisation="Common", email="other@example.org")
    assert listed(app, event, q=q) == ["Wang Wu"]


def test_search_treats_percent_literally(app, make_event, make_invitation):
    event = make_event()
    make_invitation(event, name_en="Plain")
    assert listed(app, event, q="%") == []


def test_category_filter(app, make_event, make_invitation):
    event = make_event()
    make_invitation(event, name_en="Journalist", category="media")
    make_invitation(event, name_en="Minister", category="government")
    with app.app_context():
        media = db.session.scalar(
            select(Invitation.category_id).where(Invitation.name_en == "Journalist")
        )
    assert listed(app, event, category_id=media) == ["Journalist"]


def test_mask_mobile_hides_the_middle_digits():
    from wadconf.services.privacy import mask_mobile

    assert mask_mobile("+8613812345678") == "+86138****5678"
