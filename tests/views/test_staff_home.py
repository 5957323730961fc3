"""The staff home page links each role to its work on the current event."""

from __future__ import annotations

import re

EN = {"Accept-Language": "en"}


def test_organiser_home_links_badges_dashboard_and_series(client, auth, make_user, make_event):
    event = make_event()  # the first event is the current one
    auth.login(make_user("organizer").email)
    page = client.get("/staff/", headers=EN).get_data(as_text=True)
    assert f"/admin/events/{event.slug}/badges" in page
    assert f"/admin/events/{event.slug}/checkin" in page
    assert f"/admin/events/{event.slug}/series/" in page


def test_organiser_home_links_programme_lists_and_reports(client, auth, make_user, make_event):
    event = make_event()
    auth.login(make_user("organizer").email)
    page = client.get("/staff/", headers=EN).get_data(as_text=True)
    assert f"/admin/events/{event.slug}/schedule/" in page
    assert f"/admin/events/{event.slug}/lists/" in page
    assert f"/admin/events/{event.slug}/reports" in page


def test_checkin_home_links_the_scanner_and_only_the_readiness_page(
    client, auth, make_user, make_event
):
    event = make_event()  # the first event is the current one
    auth.login(make_user("checkin").email)
    page = client.get("/staff/", headers=EN).get_data(as_text=True)
    assert "/checkin/" in page
    # The one admin page gate staff open: who of the signatories has arrived.
    admin_links = re.findall(r'href="(/admin/[^"]*)"', page)
    assert admin_links == [f"/admin/events/{event.slug}/signing-readiness"]
