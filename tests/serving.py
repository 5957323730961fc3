"""Running the real `wadconf serve` in a subprocess, for the tests of the README's first command."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

WADCONF = Path(sys.executable).parent / "wadconf"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(instance: Path, *args: str, port: int | None = None, **env: str) -> Iterator[tuple]:
    """``wadconf serve --port PORT ARGS`` on ``instance``; yields (process, port), then stops it."""
    if not WADCONF.exists():
        pytest.skip(f"console script not installed at {WADCONF}")
    port = port or free_port()
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    environ.update(WADCONF_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1", **env)
    proc = subprocess.Popen(
        [str(WADCONF), "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environ,
    )
    try:
        yield proc, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def read_until(proc: subprocess.Popen, pattern: str, timeout: float = 60) -> re.Match:
    """The first line of ``proc``'s output matching ``pattern``; fails with the output seen."""
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
    raise AssertionError(f"serve did not print {pattern!r}; output:\n{''.join(seen)}")


def wait_for(url: str, timeout: float = 30) -> None:
    """Return once ``url`` answers; polling, since the server gives no other signal."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
