"""The README's first command: `wadconf serve` migrates, loads the demo, prints a login, serves."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from tests.serving import read_until, serve, wait_for


@pytest.fixture
def served(tmp_path):
    instance = tmp_path / "instance"
    with serve(instance, "--workers", "2") as (proc, port):
        yield proc, port, instance


def test_serve_prints_a_working_admin_login_and_serves_the_demo(served):
    proc, port, instance = served
    match = read_until(proc, r"log in at (\S+) as (\S+) with password: (\S+)")
    login_url, email, password = match.groups()
    assert login_url == f"http://127.0.0.1:{port}/login"
    wait_for(f"http://127.0.0.1:{port}/healthz")

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    event_page = opener.open(f"http://127.0.0.1:{port}/").read().decode()
    assert "中国认证认可大会" in event_page  # the demo conference, followed from /

    form = opener.open(login_url).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    token = token or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', form)
    assert token, "the login form carries a CSRF token"
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": email, "password": password, "next": ""}
    ).encode()
    response = opener.open(login_url, data=body)
    assert response.geturl().endswith("/staff/")
    page = response.read().decode()
    assert 'action="/logout"' in page  # logged in
    assert "管理员" in page  # role shown on the staff home page, in Chinese by default
    assert (instance / "wadconf.sqlite3").exists()
    assert (instance / "secret_key").exists()


def test_second_start_creates_no_new_password(served, tmp_path):
    proc, port, instance = served
    read_until(proc, r"with password: ")
    wait_for(f"http://127.0.0.1:{port}/healthz")
    proc.terminate()
    proc.wait(timeout=20)
    with serve(instance, port=port) as (again, _port):
        match = read_until(again, r"(log in with an existing account|with password: )")
        assert match.group(1) == "log in with an existing account"
