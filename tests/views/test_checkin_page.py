"""The scanner page: who may open it and what it hands its script."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wadconf.security import CSP

ROOT = Path(__file__).resolve().parents[2]


def page_config(html: str) -> dict:
    """The JSON data block the scanner script reads."""
    match = re.search(
        r'<script type="application/json" id="scanner-config">(.*?)</script>', html, re.S
    )
    assert match, "no scanner-config data block"
    return json.loads(match.group(1))


def test_scanner_page_sends_visitors_to_login(client):
    response = client.get("/checkin/")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["checkin", "organizer", "admin"])
def test_scanning_roles_open_the_scanner(client, auth, make_user, role):
    user = make_user(role=role)
    auth.login(user.email)

    response = client.get("/checkin/")

    assert response.status_code == 200
    assert 'id="scan-input"' in response.get_data(as_text=True)


def test_reporter_may_not_open_the_scanner(client, auth, make_user):
    user = make_user(role="reporter")
    auth.login(user.email)

    assert client.get("/checkin/").status_code == 403


def test_page_hands_the_script_api_decoder_and_badge_prefix(client, auth, make_user):
    user = make_user(role="checkin")
    auth.login(user.email)

    config = page_config(client.get("/checkin/").get_data(as_text=True))

    assert config["api"] == "/api/v1"
    assert config["prefix"] == "WAD1-"
    assert config["decoder"].endswith("/vendor/jsqr-1.4.0/jsQR.js")
    assert config["worker"].endswith("/js/scanner-worker.js")
    assert config["undoMinutes"] == 10
    assert config["storageKey"] == f"wadconf.scanner.{user.id}"


def test_page_hands_the_events_time_zones(client, auth, make_user, make_event):
    make_event(slug="tz-event", timezone="Europe/Paris")
    user = make_user(role="checkin")
    auth.login(user.email)

    config = page_config(client.get("/checkin/").get_data(as_text=True))

    assert config["zones"]["tz-event"] == "Europe/Paris"


def test_script_strings_are_translated_to_chinese(client, auth, make_user):
    user = make_user(role="checkin")
    auth.login(user.email)
    client.set_cookie("wadconf_lang", "zh_Hans")

    html = client.get("/checkin/").get_data(as_text=True)
    config = page_config(html)

    assert config["locale"] == "zh-Hans"
    assert config["strings"]["admitted"] != "Admitted"
    assert "%(time)s" in config["strings"]["already_at_device"]
    assert "%(device)s" in config["strings"]["already_at_device"]


def test_script_strings_keep_placeholders_in_english(client, auth, make_user):
    user = make_user(role="checkin")
    auth.login(user.email)
    client.set_cookie("wadconf_lang", "en")

    config = page_config(client.get("/checkin/").get_data(as_text=True))

    assert config["strings"]["already_at_device"] == "Already checked in at %(time)s at %(device)s."


def test_page_carries_the_csrf_token_the_api_wants(client, auth, make_user):
    user = make_user(role="checkin")
    auth.login(user.email)

    html = client.get("/checkin/").get_data(as_text=True)

    assert re.search(r'<meta name="csrf-token" content="[^"]+"', html)
    assert page_config(html)["csrf"]


def test_page_has_no_inline_script_and_the_csp_allows_none():
    template = (ROOT / "templates/checkin/scanner.html").read_text()

    scripts = re.findall(r"<script([^>]*)>", template)
    assert scripts
    for attributes in scripts:
        assert 'type="application/json"' in attributes or "src=" in attributes
    assert "unsafe-inline" not in CSP
    assert "unsafe-eval" not in CSP  # jsQR needs no WebAssembly
    assert 'style="' not in template


def test_camera_video_is_inline_and_muted_for_ios():
    template = (ROOT / "templates/checkin/scanner.html").read_text()

    video = re.search(r"<video[^>]*>", template).group(0)
    assert "playsinline" in video and "muted" in video


def test_vendored_decoder_is_pinned_with_its_licence(client):
    folder = ROOT / "static/vendor/jsqr-1.4.0"

    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "jsqr" in (folder / "README.md").read_text()
    response = client.get("/static/vendor/jsqr-1.4.0/jsQR.js")
    assert response.status_code == 200
    assert b"jsQR" in response.data


def test_staff_home_links_to_the_scanner(client, auth, make_user):
    user = make_user(role="checkin")
    auth.login(user.email)

    html = client.get("/staff/").get_data(as_text=True)

    assert 'href="/checkin/"' in html
