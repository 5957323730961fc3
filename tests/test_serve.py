"""The README's first command: `wadconf serve` migrates, loads the demo, prints a login, serves."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

WADCONF = Path(sys.executable).parent / "wadconf"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _read_until(proc: subprocess.Popen, pattern: str, timeout: float = 60) -> re.Match:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError("serve did not print {!r}; output:\n{}".format(pattern, "".join(seen)))


@pytest.fixture
def served(tmp_path):
    if not WADCONF.exists():
        pytest.skip(f"console script not installed at {WADCONF}")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(WADCONF_INSTANCE_PATH=str(tmp_path / "instance"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [str(WADCONF), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        yield proc, port, tmp_path / "instance"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_prints_a_working_admin_login_and_serves_the_demo(served):
    proc, port, instance = served
    match = _read_until(proc, r"log in at (\S+) as (\S+) with password: (\S+)")
    login_url, email, password = match.groups()
    assert login_url == f"http://127.0.0.1:{port}/login"
    _wait_for(f"http://127.0.0.1:{port}/healthz")

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
    _read_until(proc, r"with password: ")
    _wait_for(f"http://127.0.0.1:{port}/healthz")
    proc.terminate()
    proc.wait(timeout=20)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(WADCONF_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1")
    again = subprocess.Popen(
        [str(WADCONF), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        match = _read_until(again, r"(log in with an existing account|with password: )")
        assert match.group(1) == "log in with an existing account"
    finally:
        again.terminate()
        again.wait(timeout=20)
