"""The staff home page links each role to its work on the current event."""

from __future__ import annotations

EN = {"Accept-Language": "en"}


def test_organiser_home_links_badges_dashboard_and_series(client, auth, make_user, make_event):
    event = make_event()  # the first event is the current one
    auth.login(make_user("organizer").email)
    page = client.get("/staff/", headers=EN).get_data(as_text=True)
    assert f"/admin/events/{event.slug}/badges" in page
    assert f"/admin/events/{event.slug}/checkin" in page
    assert f"/admin/events/{event.slug}/series/" in page


def test_checkin_home_links_the_scanner_and_no_admin_page(client, auth, make_user, make_event):
    make_event()  # the first event is the current one
    auth.login(make_user("checkin").email)
    page = client.get("/staff/", headers=EN).get_data(as_text=True)
    assert "/checkin/" in page
    assert "/admin/events/" not in page
