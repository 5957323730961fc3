"""What a badge scan costs through gunicorn, against a bare Flask JSON route in the same run.

Run from the repository root (about 2 minutes; loopback traffic only; needs ``wrk``,
``apt-get install -y wrk``)::

    /tmp/venv/bin/python -m tests.perf.bench_scan
    /tmp/venv/bin/python -m tests.perf.bench_scan --pg postgresql://postgres@127.0.0.1:5432/mine
    /tmp/venv/bin/pytest tests/perf/bench_scan.py -s      # SQLite only, short, as a test

``--pg`` drops and recreates every table of that database: give it one of your own.

Each server is ``gunicorn -k sync -w N`` (default 2) on 127.0.0.1, loaded by ``wrk`` with
50 connections for 15 s after a 3 s warm-up:

- **bare**: a Flask app with one route that parses the same JSON body and answers JSON;
- **scan**: wadconf's ``POST /api/v1/scans`` with a bearer token (verdict, scan log,
  accepted entry, commit), production configuration (CSRF on, the session, Babel,
  Flask-Login, Flask-Limiter, security headers), cycling through 50,000 badges of one
  event, each run starting at fresh badges, so nearly every scan is a first entry
  (``ok``: an entry and a scan inserted);
  on SQLite with ``SQLITE_SYNCHRONOUS`` FULL (the default) and NORMAL, and on
  PostgreSQL when given.

Figures: requests/s, p50/p99/max latency from wrk, status counts, and the **server CPU
per request**: utime+stime of the gunicorn workers (and, for PostgreSQL, of the
database backends serving them) read from ``/proc`` before and after, divided by the
requests wrk completed. On a shared 2-core box wrk and other people's jobs take CPU
too, so requests/s understates the server; CPU per request does not.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # also runnable as ``python tests/perf/bench_scan.py``
    sys.path.insert(0, str(ROOT))

from flask import Flask, request  # noqa: E402

VENV_BIN = Path(sys.executable).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")

LUA = r"""
local pause = tonumber(os.getenv("BENCH_DELAY") or "0")
if pause > 0 then
  function delay() return pause end
end
local threads = {}
local count = 0
function setup(thread)
  thread:set("tid", count)
  count = count + 1
  table.insert(threads, thread)
end
function init(args)
  codes = {}
  for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
  n = tid + tonumber(os.getenv("BENCH_OFFSET") or "0")
  step = tonumber(os.getenv("BENCH_THREADS"))
  s201 = 0; s409 = 0; s2xx = 0; s5xx = 0; other = 0
  headers = {["Content-Type"] = "application/json",
             ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
  cp = os.getenv("BENCH_CHECKPOINT")
  path = os.getenv("BENCH_PATH")
end
function request()
  n = n + step
  local code = codes[(n % #codes) + 1]
  return wrk.format("POST", path, headers, '{"checkpoint": ' .. cp .. ', "code": "' .. code .. '"}')
end
function response(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1
  elseif status == 201 then s201 = s201 + 1
  elseif status == 409 then s409 = s409 + 1
  elseif status < 300 then s2xx = s2xx + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local t = {s201 = 0, s409 = 0, s2xx = 0, s5xx = 0, other = 0}
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
  end
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %.3f %.3f %.3f %d\n",
    summary.requests, t.s201, t.s409, t.s2xx, t.s5xx, t.other,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout))
end
"""


def bare_app() -> Flask:
    """The floor: Flask parsing the same JSON body and answering JSON, nothing else."""
    app = Flask("bare")

    @app.post("/ping")
    def ping():
        data = request.get_json()
        return {"result": "ok", "checkpoint": data["checkpoint"]}, 201

    return app


# --- databases -------------------------------------------------------------------------------


def seed(url: str, instance: str, registrations: int) -> tuple[int, str, list[str]]:
    """Schema, one event, a checkpoint, ``registrations`` confirmed delegates, a gate token."""
    from sqlalchemy import insert

    from wadconf import create_app
    from wadconf.database import write_intent
    from wadconf.extensions import db
    from wadconf.models import Checkpoint, Registration, StaffUser
    from wadconf.models.checkin import new_badge_code
    from wadconf.services import accounts, api_tokens, events

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench"}
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        with write_intent():
            event = events.create_event(
                events.EventData(
                    slug="bench",
                    name_zh="压测",
                    name_en="Bench",
                    starts_on=date(2025, 6, 5),
                    ends_on=date(2025, 6, 5),
                )
            )
            checkpoint = Checkpoint(event_id=event.id, code="main", name_en="Main entrance")
            db.session.add(checkpoint)
            codes = [new_badge_code() for _ in range(registrations)]
            db.session.execute(
                insert(Registration),
                [
                    {
                        "event_id": event.id,
                        "name_zh": f"代表{i}",
                        "name_en": f"Delegate {i}",
                        "organisation": "示例机构 Example Body",
                        "country": "CN",
                        "badge_code": code,
                        "manage_token": f"bench-manage-{i}",
                    }
                    for i, code in enumerate(codes)
                ],
            )
            user = accounts.create_user(
                "gate@example.org", role="checkin", password="bench-password-1"
            )
            db.session.flush()
            _row, token = api_tokens.create_token(db.session.get(StaffUser, user.id), name="Gate 1")
            db.session.commit()
            checkpoint_id = checkpoint.id
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()
    return checkpoint_id, token, codes


def counts(url: str, instance: str) -> dict[str, int]:
    """Rows written: scans, live entries."""
    from sqlalchemy import func, select

    from wadconf import create_app
    from wadconf.extensions import db
    from wadconf.models import CheckIn, Scan

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench"}
    )
    with app.app_context():
        result = {
            "scans": db.session.scalar(select(func.count()).select_from(Scan)),
            "entries": db.session.scalar(select(func.count()).select_from(CheckIn)),
        }
        db.session.remove()
        db.engine.dispose()
    return result


# --- processes and CPU --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, utime+stime seconds) of ``pid`` from /proc, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK


def _children_cpu(parent: int) -> float:
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat and stat[0] == parent:
                total += stat[1]
    return total


def _pg_backends_cpu(url: str) -> float:
    """CPU of the PostgreSQL backends connected to the bench database (same machine)."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        pids = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (parsed.database,),
            )
        ]
    return sum((_stat(pid) or (0, 0.0))[1] for pid in pids)


def _wait_until_listening(port: int, server: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _wait_until_booted(port: int, limit: float = 120) -> None:
    """Until 10 requests in a row answer fast: every worker has imported the app.

    gunicorn binds the port before its workers have loaded the app (2-4 s of imports on
    a loaded box); without this the first measured seconds would include that.
    """
    import http.client

    fast, deadline = 0, time.monotonic() + limit
    while fast < 10 and time.monotonic() < deadline:
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
        finally:
            conn.close()
        fast = fast + 1 if time.perf_counter() - started < 0.1 else 0


def _wrk(
    port: int,
    path: str,
    seconds: float,
    connections: int,
    threads: int,
    env: dict,
    pause: int = 0,
    offset: int = 0,
):
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            env["BENCH_LUA"],
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            **env,
            "BENCH_PATH": path,
            "BENCH_THREADS": str(threads),
            "BENCH_DELAY": str(pause),
            # Where in the list of badges this run starts: each run scans fresh badges.
            "BENCH_OFFSET": str(offset),
        },
        check=True,
    ).stdout
    match = re.search(r"^BENCH (.+)$", out, re.M)
    values = match.group(1).split()
    keys = ["requests", "s201", "s409", "s2xx", "s5xx", "other", "p50", "p99", "max", "errors"]
    figures = {k: float(v) for k, v in zip(keys, values, strict=True)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    figures["rps"] = float(rps.group(1)) if rps else 0.0
    return figures


def bench_server(
    spec: str,
    path: str,
    *,
    env: dict,
    seconds: float,
    connections: int,
    threads: int,
    workers: int,
    log: Path,
    pg_url: str | None = None,
    pause: int = 0,
) -> dict:
    """Start gunicorn on ``spec``, warm up, measure one wrk run; figures plus CPU/request."""
    port = _free_port()
    with open(log, "a") as log_file:
        server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-k",
                "sync",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                spec,
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log_file,
            stderr=log_file,
        )
    try:
        _wait_until_listening(port, server)
        _wait_until_booted(port)
        _wrk(port, path, 3, connections, threads, env)  # warm-up: pools, caches
        cpu_before = _children_cpu(server.pid)
        db_before = _pg_backends_cpu(pg_url) if pg_url else 0.0
        figures = _wrk(port, path, seconds, connections, threads, env, offset=5_000)
        figures["cpu_ms"] = (_children_cpu(server.pid) - cpu_before) / figures["requests"] * 1e3
        if pg_url:
            db_cpu = _pg_backends_cpu(pg_url) - db_before
            figures["db_cpu_ms"] = db_cpu / figures["requests"] * 1e3
        if pause:
            # Paced: every connection waits ``pause`` ms after each answer, like a gate
            # that scans a badge every so often, instead of hammering at saturation.
            figures["paced"] = _wrk(
                port, path, seconds, connections, threads, env, pause, offset=45_000
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures


# --- the run ----------------------------------------------------------------------------------


def run(
    *,
    seconds: float = 15,
    connections: int = 50,
    threads: int = 2,
    workers: int = 2,
    registrations: int = 50_000,
    pg: str | None = None,
    modes: tuple[str, ...] = ("FULL", "NORMAL"),
    pause: int = 200,
) -> dict[str, dict]:
    """Every server once, bare first and last; returns the figures by name."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    folder = Path(tempfile.mkdtemp(prefix="bench_scan_"))
    log = folder / "gunicorn.log"
    lua = folder / "scan.lua"
    lua.write_text(LUA)
    results: dict[str, dict] = {}
    common = dict(
        seconds=seconds,
        connections=connections,
        threads=threads,
        workers=workers,
        log=log,
        pause=pause,
    )
    try:
        bare_env = {
            "BENCH_LUA": str(lua),
            "BENCH_CODES": str(folder / "bare_codes.txt"),
            "BENCH_TOKEN": "-",
            "BENCH_CHECKPOINT": "1",
        }
        (folder / "bare_codes.txt").write_text("WAD1-BARE\n")
        bare_spec = "tests.perf.bench_scan:bare_app()"
        results["bare"] = bench_server(bare_spec, "/ping", env=bare_env, **common)

        targets = [(f"sqlite {mode}", None, mode) for mode in modes]
        if pg:
            from tests.conftest import normalise_pg_url

            targets.append(("postgresql", normalise_pg_url(pg), None))
        for name, url, mode in targets:
            instance = folder / name.replace(" ", "_")
            instance.mkdir()
            url = url or "sqlite:///" + str(instance / "bench.sqlite3")
            checkpoint_id, token, codes = seed(url, str(instance), registrations)
            codes_file = instance / "codes.txt"
            codes_file.write_text("\n".join(codes) + "\n")
            env = {
                "BENCH_LUA": str(lua),
                "BENCH_CODES": str(codes_file),
                "BENCH_TOKEN": token,
                "BENCH_CHECKPOINT": str(checkpoint_id),
                "WADCONF_INSTANCE_PATH": str(instance),
                "DATABASE_URL": url,
                "SECRET_KEY": "bench-secret",
            }
            if mode:
                env["WADCONF_SQLITE_SYNCHRONOUS"] = mode
            results[name] = bench_server(
                "wsgi:app", "/api/v1/scans", env=env, pg_url=url if not mode else None, **common
            )
            results[name].update(counts(url, str(instance)))
        results["bare again"] = bench_server(bare_spec, "/ping", env=bare_env, **common)
        text = log.read_text()
        results["log"] = {
            "database_is_locked": text.count("database is locked"),
            "tracebacks": text.count("Traceback"),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


PAUSE_NOTE = "the pause given (--pause)"


def report(results: dict[str, dict]) -> None:
    """Print a table; ratios against the mean of the two bare runs."""
    bare_cpu = (results["bare"]["cpu_ms"] + results["bare again"]["cpu_ms"]) / 2
    bare_rps = (results["bare"]["rps"] + results["bare again"]["rps"]) / 2
    print(
        f"\n{'server':12} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'CPU ms/req':>10} {'x bare':>6} {'+db CPU':>8} {'x bare':>6} {'rps x':>5}  statuses"
    )
    for name, f in results.items():
        if name == "log":
            continue
        db_cpu = f.get("db_cpu_ms")
        total = f["cpu_ms"] + (db_cpu or 0)
        statuses = (
            f"201:{f['s201']:.0f} 409:{f['s409']:.0f} 2xx:{f['s2xx']:.0f} "
            f"5xx:{f['s5xx']:.0f} other:{f['other']:.0f} sock-err:{f['errors']:.0f}"
        )
        rows = f" scans:{f['scans']} entries:{f['entries']}" if "scans" in f else ""
        print(
            f"{name:12} {f['rps']:7.0f} {f['p50']:7.1f} {f['p99']:7.1f} {f['max']:7.1f} "
            f"{f['cpu_ms']:10.3f} {f['cpu_ms'] / bare_cpu:6.2f} "
            f"{(f'{total:8.3f}' if db_cpu is not None else ' ' * 8)} "
            f"{(f'{total / bare_cpu:6.2f}' if db_cpu is not None else ' ' * 6)} "
            f"{bare_rps / f['rps']:5.2f}  {statuses}{rows}"
        )
    print(f"\npaced: each of the connections waits {PAUSE_NOTE} after each answer")
    print(f"{'server':12} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}  statuses")
    for name, f in results.items():
        p = f.get("paced") if name != "log" else None
        if p:
            print(
                f"{name:12} {p['rps']:7.0f} {p['p50']:7.1f} {p['p99']:7.1f} {p['max']:7.1f}  "
                f"201:{p['s201']:.0f} 409:{p['s409']:.0f} 5xx:{p['s5xx']:.0f} "
                f"other:{p['other']:.0f} sock-err:{p['errors']:.0f}"
            )
    print(f"gunicorn log: {results['log']}")


def test_benchmark():
    """Short SQLite run: no 5xx, no lock errors, one entry per badge scanned."""
    results = run(seconds=4, registrations=3_000, modes=("NORMAL",), pause=0)
    report(results)
    scan = results["sqlite NORMAL"]
    assert scan["s5xx"] == 0 and scan["other"] == 0
    assert results["log"]["database_is_locked"] == 0
    assert scan["entries"] <= 3_000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--registrations", type=int, default=50_000)
    parser.add_argument("--pg", default=os.environ.get("WADCONF_BENCH_PG"), help="PostgreSQL URL")
    parser.add_argument("--modes", default="FULL,NORMAL", help="SQLITE_SYNCHRONOUS values")
    parser.add_argument(
        "--pause", type=int, default=200, help="ms each connection waits in the paced run; 0: none"
    )
    args = parser.parse_args(argv)
    results = run(
        seconds=args.seconds,
        connections=args.connections,
        threads=args.threads,
        workers=args.workers,
        registrations=args.registrations,
        pg=args.pg,
        modes=tuple(m for m in args.modes.split(",") if m),
        pause=args.pause,
    )
    report(results)


if __name__ == "__main__":
    main()
