"""Response headers, cookies, CSRF, translated error pages and the 500 page."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from datetime import date
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import build_app
from tests.factories import PASSWORD
from tests.serving import read_until, serve, wait_for
from wadconf import ROOT
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, Role, StaffUser
from wadconf.services import events as event_service
from wadconf.services.events import EventData

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
#: Policies that keep addresses (and their tokens) from other sites but still send a
#: same-origin Referer, which Flask-WTF's strict CSRF check wants over HTTPS.
SAFE_REFERRER_POLICIES = {"same-origin", "strict-origin", "strict-origin-when-cross-origin"}
_instances = count(1)


@pytest.fixture
def make_app(app, backend, database_urls, tmp_path):
    """``make_app(**config)`` -> another app on the same (wiped) database with ``config``."""

    def make(**overrides):
        return build_app(
            database_urls[backend], tmp_path / f"instance{next(_instances)}", **overrides
        )

    return make


def csp_directives(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def csrf_token(response) -> str:
    """The CSRF token of the form in an HTML page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no csrf_token field on the page"
    return match.group(1)


def login_with_token(client, email: str) -> None:
    """Log in the way a browser does: read the form, send its token back."""
    token = csrf_token(client.get("/login"))
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code


def event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Event))


# Headers on every response


@pytest.fixture
def sample_responses(client, make_event):
    """One response of each kind: page, 404, 405, redirect, static file, font, health."""
    event = make_event()
    return {
        "page": client.get(f"/events/{event.slug}/"),
        "login page": client.get("/login"),
        "not found": client.get("/no/such/page"),
        "method not allowed": client.get("/logout"),
        "redirect": client.get("/admin/events/"),
        "static file": client.get("/static/css/app.css"),
        "font": client.get("/fonts/cjk-sans.otf"),
        "health": client.get("/healthz"),
    }


def test_sample_responses_are_of_the_kinds_named(sample_responses):
    codes = {kind: response.status_code for kind, response in sample_responses.items()}
    assert codes == {
        "page": 200,
        "login page": 200,
        "not found": 404,
        "method not allowed": 405,
        "redirect": 302,
        "static file": 200,
        "font": 200,
        "health": 200,
    }
    for response in sample_responses.values():
        response.close()


@pytest.mark.parametrize(
    "kind",
    [
        "page",
        "login page",
        "not found",
        "method not allowed",
        "redirect",
        "static file",
        "font",
        "health",
    ],
)
def test_every_response_carries_the_security_headers(sample_responses, kind):
    response = sample_responses[kind]
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in SAFE_REFERRER_POLICIES
    for other in sample_responses.values():
        other.close()


def test_styles_allow_no_inline_code(client):
    directives = csp_directives(client.get("/login"))
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]


def _rendered_templates() -> list[Path]:
    # Mail bodies are read by mail clients, where inline styles are the norm and CSP does not apply.
    return [
        path
        for path in (ROOT / "templates").rglob("*.html")
        if "mail" not in path.relative_to(ROOT / "templates").parts
    ]


@pytest.mark.parametrize(
    "path", _rendered_templates(), ids=lambda path: str(path.relative_to(ROOT / "templates"))
)
def test_templates_hold_nothing_the_policy_would_block(path):
    source = path.read_text(encoding="utf-8")
    # A JSON data block (type="application/json") is data the CSP never runs.
    inline = r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>"
    assert not re.search(inline, source), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", source), "inline event handler"
    assert not re.search(r"\sstyle\s*=", source), "inline style attribute"
    assert "javascript:" not in source


def test_no_hsts_without_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_hsts_with_https(make_app):
    client = make_app(HTTPS=True).test_client()
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    max_age = int(response.headers["Strict-Transport-Security"].split("=")[1].split(";")[0])
    assert max_age >= 180 * 24 * 3600


def test_pages_may_not_be_framed(client):
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"


# Cookies


def cookie_attributes(response, name: str) -> dict[str, str]:
    """The attributes of the Set-Cookie header for ``name``, keyed by lower-case name."""
    [header] = [
        value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}=")
    ]
    attributes = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return attributes


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    response = client.post("/login", data={"email": make_user().email, "password": PASSWORD})
    attributes = cookie_attributes(response, "wadconf_session")
    assert "httponly" in attributes
    assert attributes["samesite"] == "Lax"


def test_session_cookie_is_not_secure_without_https(client, make_user):
    response = client.post("/login", data={"email": make_user().email, "password": PASSWORD})
    assert "secure" not in cookie_attributes(response, "wadconf_session")


def test_session_cookie_is_secure_with_https(make_app, make_user):
    client = make_app(HTTPS=True).test_client()
    response = client.post(
        "/login",
        data={"email": make_user().email, "password": PASSWORD},
        base_url="https://localhost",
    )
    attributes = cookie_attributes(response, "wadconf_session")
    assert "secure" in attributes
    assert "httponly" in attributes
    assert attributes["samesite"] == "Lax"


def test_language_cookie_is_httponly_and_samesite_lax(client):
    attributes = cookie_attributes(client.get("/lang/en"), "wadconf_lang")
    assert "httponly" in attributes
    assert attributes["samesite"] == "Lax"


def test_language_cookie_is_secure_with_https(make_app):
    client = make_app(HTTPS=True).test_client()
    response = client.get("/lang/en", base_url="https://localhost")
    assert "secure" in cookie_attributes(response, "wadconf_lang")


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example"])
def test_language_switch_ignores_next_outside_the_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_a_local_path(client):
    response = client.get("/lang/en", query_string={"next": "/login"})
    assert response.headers["Location"] == "/login"


# Caching


@pytest.mark.parametrize("path", ["/staff/", "/admin/events/"])
def test_authenticated_pages_are_not_stored(client, auth, make_user, path):
    auth.login(make_user("organizer").email)
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_static_files_stay_cacheable_for_logged_in_staff(client, auth, make_user):
    # The scanner's decoder is 257 KB: a gate must not fetch it again on every page load.
    auth.login(make_user("checkin").email)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_authenticated_error_pages_are_not_stored(client, auth, make_user):
    auth.login(make_user("checkin").email)
    response = client.get("/admin/events/")
    assert response.status_code == 403
    assert "no-store" in response.headers["Cache-Control"]


# CSRF


def test_login_without_csrf_token_gets_translated_400(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, headers=EN)
    assert response.status_code == 400
    assert b"Bad request" in response.data
    assert b"did not come from this site" in response.data
    assert client.get("/staff/").status_code == 302


def test_csrf_error_page_is_in_chinese(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, headers=ZH)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请求有误" in page
    assert "表单已过期或并非来自本网站" in page


def test_login_with_csrf_token_works(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    login_with_token(client, make_user().email)
    assert client.get("/staff/").status_code == 200


def test_login_with_a_forged_csrf_token_is_refused(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client.get("/login")
    response = client.post(
        "/login", data={"email": make_user().email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400


def test_https_login_with_token_and_same_origin_referer_works(make_app, make_user):
    client = make_app(HTTPS=True, WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/login", base_url="https://localhost")
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"email": make_user().email, "password": PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


def test_https_post_with_foreign_referer_is_refused(make_app, make_user):
    client = make_app(HTTPS=True, WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/login", base_url="https://localhost")
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://evil.example/login"},
        data={"email": make_user().email, "password": PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 400


def _event_form(slug: str, token: str | None = None) -> dict[str, str]:
    data = {
        "slug": slug,
        "name_zh": "伪造大会",
        "name_en": "Forged Conference",
        "starts_on": "2025-06-05",
        "ends_on": "2025-06-05",
        "timezone": "Asia/Shanghai",
        "default_locale": "zh_Hans",
        "is_published": "y",
    }
    if token is not None:
        data["csrf_token"] = token
    return data


def test_event_creation_without_csrf_token_is_refused_and_creates_nothing(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    login_with_token(client, make_user("organizer").email)
    response = client.post("/admin/events/new", data=_event_form("forged"), headers=EN)
    assert response.status_code == 400
    assert b"did not come from this site" in response.data
    assert event_count(app) == 0


def test_event_creation_with_csrf_token_creates_the_event(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    login_with_token(client, make_user("organizer").email)
    token = csrf_token(client.get("/admin/events/new"))
    response = client.post("/admin/events/new", data=_event_form("genuine", token))
    assert response.status_code == 302
    assert event_count(app) == 1


def test_logout_without_csrf_token_is_refused(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    login_with_token(client, make_user().email)
    assert client.post("/logout").status_code == 400
    assert client.get("/staff/").status_code == 200


def test_csrf_token_from_before_login_is_refused_after_login(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    planted = csrf_token(client.get("/login"))  # a token an attacker could know in advance
    response = client.post(
        "/login",
        data={"email": make_user("organizer").email, "password": PASSWORD, "csrf_token": planted},
    )
    assert response.status_code == 302
    response = client.post("/admin/events/new", data=_event_form("planted", planted))
    assert response.status_code == 400
    assert event_count(app) == 0


def test_csrf_token_of_another_session_is_refused(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    attacker = app.test_client()
    foreign_token = csrf_token(attacker.get("/login"))
    login_with_token(client, make_user("organizer").email)
    response = client.post("/admin/events/new", data=_event_form("foreign", foreign_token))
    assert response.status_code == 400
    assert event_count(app) == 0


# Translated error pages


def test_not_found_page_in_english(client):
    response = client.get("/no/such/page", headers=EN)
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_not_found_page_in_chinese(client):
    response = client.get("/no/such/page", headers=ZH)
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "未找到" in page
    assert "Not found" not in page


def test_forbidden_page_in_english(client, auth, make_user):
    auth.login(make_user("organizer").email)
    response = client.get("/admin/users/", headers=EN)
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


def test_forbidden_page_in_chinese(client, auth, make_user):
    auth.login(make_user("organizer").email)
    response = client.get("/admin/users/", headers=ZH)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "无权访问" in page
    assert "Not allowed" not in page


# A view that fails half-way


def _add_failing_route(app):
    """``POST /_test/fail``: writes an event and an audit entry, then raises."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.post("/_test/fail")
    def fail_half_way():
        event_service.create_event(
            EventData(
                slug="half-done",
                name_zh="半途",
                name_en="Half way",
                starts_on=date(2025, 6, 5),
                ends_on=date(2025, 6, 5),
            )
        )
        raise RuntimeError("failed after writing")


def _add_duplicate_account_route(app, email: str):
    """``POST /_test/duplicate``: inserts an account whose e-mail is taken, so the flush fails."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.post("/_test/duplicate")
    def duplicate_account():
        db.session.add(StaffUser(email=email, role=Role.CHECKIN, password_hash="x"))
        db.session.flush()
        return "unreachable"


def _row_counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Event)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
        )


def test_failing_view_gets_the_translated_500_page(app, client):
    _add_failing_route(app)
    english = client.post("/_test/fail", headers=EN)
    chinese = client.post("/_test/fail", headers=ZH)
    assert english.status_code == chinese.status_code == 500
    assert "Something went wrong" in english.get_data(as_text=True)
    assert "出错了" in chinese.get_data(as_text=True)
    assert "Something went wrong" not in chinese.get_data(as_text=True)
    assert "RuntimeError" not in english.get_data(as_text=True)


def test_failing_view_leaves_no_partial_rows(app, client, make_event):
    _add_failing_route(app)
    make_event(slug="already-there")
    before = _row_counts(app)
    assert client.post("/_test/fail").status_code == 500
    assert _row_counts(app) == before
    with app.app_context():
        assert event_service.get_event("half-done") is None


def test_500_page_carries_the_security_headers(app, client):
    _add_failing_route(app)
    response = client.post("/_test/fail")
    assert response.status_code == 500
    assert csp_directives(response)["script-src"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_app_answers_normally_after_a_failed_request(app, client, make_event):
    _add_failing_route(app)
    event = make_event()
    client.post("/_test/fail")
    assert client.get(f"/events/{event.slug}/").status_code == 200


def test_database_error_still_renders_the_500_page_for_a_logged_in_user(
    app, client, auth, make_user
):
    user = make_user("organizer", display_name="Wang Fang")
    _add_duplicate_account_route(app, user.email)
    auth.login(user.email)
    response = client.post("/_test/duplicate", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "Wang Fang" in page


# The real server: visitors must not share a login


@pytest.fixture
def served_login(tmp_path):
    """``wadconf serve`` with ONE worker; yields (base url, admin e-mail, password)."""
    with serve(tmp_path / "instance", "--workers", "1") as (proc, port):
        match = read_until(proc, r"log in at \S+ as (\S+) with password: (\S+)")
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz")
        yield base, match.group(1), match.group(2)


def _browser():
    cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    return urllib.request.build_opener(cookies)


def test_served_app_does_not_share_a_login_between_visitors(served_login):
    base, email, password = served_login
    staff = _browser()
    form = staff.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    assert staff.open(base + "/login", data=body.encode()).geturl() == base + "/staff/"

    stranger = _browser()
    response = stranger.open(base + "/staff/")
    assert urllib.parse.urlsplit(response.geturl()).path == "/login"
    assert email not in response.read().decode()
