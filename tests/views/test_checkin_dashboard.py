"""The live check-in dashboard and the highlighted-arrivals setting of categories."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import CheckIn, Checkpoint, CheckpointKind, DelegateCategory, Event
from wadconf.services.categories import category_by_code

URL = "/admin/events/wad2025/checkin"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def event(make_event):
    return make_event(slug="wad2025")


@pytest.fixture
def organiser(client, auth, make_user):
    user = make_user(role="organizer")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


def _gate(app, event, code="main-entrance", **fields) -> int:
    with app.app_context(), write_intent():
        checkpoint = Checkpoint(event_id=event.id, code=code, name_en=code.title(), **fields)
        db.session.add(checkpoint)
        db.session.commit()
        return checkpoint.id


def _admit(app, registration, checkpoint_id, hour, minute):
    with app.app_context(), write_intent():
        db.session.add(
            CheckIn(
                event_id=registration.event_id,
                registration_id=registration.id,
                checkpoint_id=checkpoint_id,
                checked_in_at=datetime(2025, 6, 5, hour, minute, tzinfo=SHANGHAI),
            )
        )
        db.session.commit()


def _flag(app, event, code):
    with app.app_context(), write_intent():
        category_by_code(db.session.get(Event, event.id), code).highlight_arrivals = True
        db.session.commit()


def test_dashboard_shows_admitted_and_expected(app, client, organiser, event, make_registration):
    gate = _gate(app, event)
    people = [make_registration(event) for _ in range(4)]
    _admit(app, people[0], gate, 8, 0)
    page = client.get(URL)
    assert page.status_code == 200
    row = re.search(rb'<tr id="figures-\d+">.*?</tr>', page.data, re.S).group(0)
    assert b'class="num admitted">1<' in row
    assert b'class="num expected">4 ' in row
    assert b"25%" in row


def test_dashboard_draws_arrivals_as_svg_and_as_a_table(
    app, client, organiser, event, make_registration
):
    gate = _gate(app, event)
    _admit(app, make_registration(event), gate, 8, 3)
    _admit(app, make_registration(event), gate, 8, 27)
    page = client.get(URL)
    assert page.data.count(b'<rect class="bar"') == 3  # 08:00, 08:10 (empty), 08:20
    assert b'<td>08:20</td><td class="num">1</td>' in page.data


def test_arrivals_chart_counts_entrances_not_halls(
    app, client, organiser, event, make_registration
):
    gate = _gate(app, event)
    hall = _gate(app, event, code="hall", kind=CheckpointKind.SESSION_ROOM)
    person = make_registration(event)
    _admit(app, person, gate, 8, 0)
    _admit(app, person, hall, 8, 40)
    page = client.get(URL)
    assert page.data.count(b'<rect class="bar"') == 1
    chosen = client.get(f"{URL}?checkpoint={hall}")
    assert b"<td>08:40</td>" in chosen.data and b"<td>08:00</td>" not in chosen.data


def test_arrivals_of_a_chosen_day(app, client, organiser, event, make_registration):
    gate = _gate(app, event)
    _admit(app, make_registration(event), gate, 8, 0)
    assert b"No arrivals yet." in client.get(f"{URL}?day=2025-06-04").data
    assert b'<rect class="bar"' in client.get(f"{URL}?day=2025-06-05").data


def test_dashboard_calls_out_arrivals_of_highlighted_categories(
    app, client, organiser, event, make_registration
):
    gate = _gate(app, event)
    _flag(app, event, "speaker")
    leader = make_registration(
        event, category="speaker", name_en="<b>Leader</b>", organisation="Ministry"
    )
    _admit(app, leader, gate, 8, 42)
    _admit(app, make_registration(event, category="media", name_en="Reporter"), gate, 8, 43)
    page = client.get(URL)
    section = page.data.split(b"Latest arrivals of highlighted categories")[1]
    assert b"&lt;b&gt;Leader&lt;/b&gt;" in section  # escaped
    assert b"Ministry" in section and b"08:42" in section
    assert b"Reporter" not in section


def test_live_fragment_is_the_figures_without_the_page(
    app, client, organiser, event, make_registration
):
    _gate(app, event)
    fragment = client.get(f"{URL}/live")
    assert fragment.status_code == 200
    assert b"Admitted and expected" in fragment.data
    assert b"<html" not in fragment.data and b"<form" not in fragment.data


def test_page_refreshes_through_a_static_script_only(client, organiser, event):
    page = client.get(f"{URL}?day=2025-06-05")
    assert b'<script src="/static/js/live_refresh.js" defer></script>' in page.data
    assert not re.search(rb"<script>(?!</script>)", page.data)  # no inline script (CSP)
    assert b'data-refresh-url="/admin/events/wad2025/checkin/live?day=2025-06-05"' in page.data


def test_dashboard_script_is_served(client):
    response = client.get("/static/js/live_refresh.js")
    assert response.status_code == 200
    assert b"data" in response.data and b"setInterval" in response.data


def test_dashboard_of_an_event_without_checkpoints(client, organiser, event):
    page = client.get(URL)
    assert page.status_code == 200
    assert b"No checkpoints yet." in page.data


def test_checkin_staff_cannot_open_the_dashboard(client, auth, make_user, event):
    user = make_user(role="checkin")
    auth.login(user.email)
    assert client.get(URL).status_code == 403


# The categories page: "call out arrivals on the dashboard".


def test_organiser_flags_a_category_for_the_dashboard(app, client, organiser, event):
    with app.app_context():
        speaker = category_by_code(db.session.get(Event, event.id), "speaker")
    prefix = f"c{speaker.id}-"
    response = client.post(
        f"/admin/events/wad2025/categories/{speaker.id}",
        data={
            prefix + "name_zh": speaker.name_zh,
            prefix + "name_en": speaker.name_en,
            prefix + "colour": speaker.colour,
            prefix + "highlight_arrivals": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(DelegateCategory, speaker.id).highlight_arrivals is True


def test_categories_page_offers_the_dashboard_call_out(client, organiser, event):
    page = client.get("/admin/events/wad2025/categories/")
    assert b"Call out arrivals on the check-in dashboard" in page.data


def test_unexpected_query_parameters_are_ignored(client, organiser, event):
    page = client.get(f"{URL}?slug=other&checkpoint=abc&day=June")
    assert page.status_code == 200
    refresh = re.search(rb'data-refresh-url="([^"]*)"', page.data).group(1)
    assert refresh.startswith(b"/admin/events/wad2025/checkin/live?")
    assert b"slug=" not in refresh
