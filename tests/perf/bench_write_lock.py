"""What the SQLite write lock costs and what it buys, measured on this machine.

Run from the repository root (about 30-40 s, loopback traffic only)::

    /tmp/venv/bin/python -m tests.perf.bench_write_lock
    /tmp/venv/bin/pytest tests/perf/bench_write_lock.py -s      # same, as a test

It prints:

(a)/(b) requests per second of a bare Flask JSON route and of a wadconf write request
        (POST: look up the event, look up an earlier scan, insert, commit; the POST makes
        it ``BEGIN IMMEDIATE`` on SQLite WAL), through Flask's test client in one process
        and through ``gunicorn -w 2`` with client processes on 127.0.0.1; for gunicorn
        also the server CPU per request, which is the figure that limits a 2-core box;
(c)     N processes doing look-up-then-insert on one key at the same moment: with
        ``write_intent()`` (expect 1 row), without it (wadconf's deferred ``BEGIN``),
        and with plain ``sqlite3`` in Python's default transaction mode;
(d)     commits per second with ``SQLITE_SYNCHRONOUS`` FULL and NORMAL.

See README.md next to this file for the figures measured when it was written.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # also runnable as ``python tests/perf/bench_write_lock.py``
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from tests.test_database import RACE_ACTION, record_once  # noqa: E402
from wadconf import create_app  # noqa: E402
from wadconf.database import write_intent  # noqa: E402
from wadconf.extensions import db  # noqa: E402
from wadconf.models import AuditEntry, Event  # noqa: E402

BENCH_EVENT = "bench"
SCAN_ACTION = "bench.scan"


# --- the two applications ----------------------------------------------------------------


def bare_app() -> Flask:
    """The floor: Flask answering JSON, nothing else."""
    app = Flask("bare")

    @app.get("/ping")
    def ping():
        return {"ok": True}

    return app


def wadconf_app(url: str, instance: str, synchronous: str) -> Flask:
    """wadconf (test config: no CSRF) plus ``POST /_bench/scan/<code>``, a check-in-like write."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": instance,
            "SQLITE_SYNCHRONOUS": synchronous,
        }
    )

    def scan(code: str):
        event_id = db.session.scalar(select(Event.id).where(Event.slug == BENCH_EVENT))
        seen = db.session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.object_id == code, AuditEntry.action == SCAN_ACTION
            )
        )
        if seen is None:
            db.session.add(
                AuditEntry(
                    action=SCAN_ACTION,
                    event_id=event_id,
                    object_type="Badge",
                    object_id=code,
                    actor_label="bench",
                )
            )
        db.session.commit()
        return {"code": code, "status": "already" if seen else "checked_in"}

    app.add_url_rule("/_bench/scan/<code>", "bench_scan", scan, methods=["POST"])
    return app


def gunicorn_wadconf_app() -> Flask:
    """Factory for ``gunicorn 'tests.perf.bench_write_lock:gunicorn_wadconf_app()'``."""
    return wadconf_app(
        os.environ["BENCH_DATABASE_URL"],
        os.environ["BENCH_INSTANCE"],
        os.environ.get("BENCH_SYNCHRONOUS", "FULL"),
    )


def prepare_database(folder: Path, name: str) -> tuple[str, str, int]:
    """A fresh SQLite file with the schema and one event; ``(url, instance, event_id)``."""
    url = "sqlite:///" + str(folder / f"{name}.sqlite3")
    instance = str(folder / "instance")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
    with app.app_context(), write_intent():
        db.create_all()
        # Only here: the bench looks scans up by code, as a real check-in looks up its badge.
        db.session.execute(text("CREATE INDEX bench_ix_object_id ON audit_entries (object_id)"))
        event = Event(
            slug=BENCH_EVENT,
            name_zh="基准",
            name_en="Bench",
            starts_on=date(2025, 6, 5),
            ends_on=date(2025, 6, 5),
        )
        db.session.add(event)
        db.session.commit()
        event_id = event.id
        db.engine.dispose()
    return url, instance, event_id


# --- (a)/(b) in one process --------------------------------------------------------------


def requests_per_second(send, seconds: float) -> float:
    """Call ``send(i)`` for ``seconds``; return calls per second."""
    send(-1)  # warm up (first connection, template caches)
    count, started = 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        send(count)
        count += 1
    return count / (time.perf_counter() - started)


def bench_test_client(folder: Path, seconds: float) -> dict[str, float]:
    """Bare route vs the write request through Flask's test client (one core)."""
    figures = {}
    bare = bare_app().test_client()

    def ping(_i):
        assert bare.get("/ping").status_code == 200

    figures["bare"] = requests_per_second(ping, seconds)
    for sync in ("FULL", "NORMAL"):
        url, instance, _ = prepare_database(folder, f"client-{sync}")
        client = wadconf_app(url, instance, sync).test_client()
        if sync == "FULL":

            def health(_i, client=client):
                assert client.get("/healthz").status_code == 200

            figures["wadconf read"] = requests_per_second(health, seconds)

        def post(i, client=client, sync=sync):
            assert client.post(f"/_bench/scan/{sync}-{i}").status_code == 200

        figures[f"write {sync}"] = requests_per_second(post, seconds)
    return figures


# --- (a)/(b) through gunicorn ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_seconds_of_children(parent: int) -> float:
    """User + system CPU of ``parent``'s child processes (gunicorn's workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == parent:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def http_client(port: int, method: str, path: str, name: str, go, stop, results) -> None:
    """One client process: requests back to back from ``go`` until ``stop``; reports its count."""
    count = errors = 0
    go.wait()
    while not stop.is_set():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request(method, path.format(name=name, i=count + errors))
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                count += 1
            else:
                errors += 1
        except OSError:
            errors += 1
        finally:
            conn.close()
    results.put((count, errors))


def bench_gunicorn(
    spec: str, method: str, path: str, seconds: float, clients: int, env: dict[str, str]
) -> dict[str, float]:
    """Run ``gunicorn -w 2 spec`` on loopback; ``clients`` processes hit it for ``seconds``."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--chdir",
            str(ROOT),
            "-w",
            "2",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            spec,
        ],
        env={**os.environ, **env},
    )
    ctx = multiprocessing.get_context("spawn")
    go, stop, results = ctx.Event(), ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=http_client, args=(port, method, path, f"c{n}", go, stop, results))
        for n in range(clients)
    ]
    try:
        for proc in procs:
            proc.start()
        _wait_until_answering(port, method, path.format(name="warm", i=0))
        cpu_before = _cpu_seconds_of_children(server.pid)
        started = time.perf_counter()
        go.set()
        time.sleep(seconds)
        stop.set()
        counts = [results.get(timeout=30) for _ in procs]
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds_of_children(server.pid) - cpu_before
    finally:
        stop.set()
        go.set()
        for proc in procs:
            proc.join(timeout=10)
        server.terminate()
        server.wait(timeout=20)
    done = sum(c for c, _ in counts)
    return {
        "rps": done / elapsed,
        "errors": sum(e for _, e in counts),
        "server_cpu_ms": 1000 * cpu / max(done, 1),
    }


def _wait_until_answering(port: int, method: str, path: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request(method, path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# --- (c) the race ------------------------------------------------------------------------

RACE_MODES = ("write_intent", "deferred", "sqlite3-default")


def _sqlite3_default_once(path: str, event_id: int, pause: float) -> bool:
    """Look-up-then-insert as naive code writes it: Python's default sqlite3 transactions."""
    conn = sqlite3.connect(path, timeout=5)  # BEGIN (deferred) only before the INSERT
    try:
        seen = conn.execute(
            "SELECT id FROM audit_entries WHERE event_id = ? AND action = ?",
            (event_id, RACE_ACTION),
        ).fetchone()
        time.sleep(pause)
        if seen is None:
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
            conn.execute(
                "INSERT INTO audit_entries (created_at, actor_label, action, object_type,"
                " object_id, event_id, ip_address, details) VALUES (?, 'race', ?, 'Event', ?, ?,"
                " '', '{}')",
                (now, RACE_ACTION, str(event_id), event_id),
            )
        conn.commit()
        return seen is None
    finally:
        conn.close()


def race_rounds_worker(
    url: str, instance: str, rounds: list[tuple[str, int]], pause: float, barrier, results
) -> None:
    """One racer for several rounds, so that spawning is paid once: wait, race, report."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
    path = url.removeprefix("sqlite:///")
    with app.app_context():
        db.session.execute(select(1))
        db.session.rollback()
        for number, (mode, event_id) in enumerate(rounds):
            barrier.wait(timeout=120)
            started = time.perf_counter()
            try:
                if mode == "sqlite3-default":
                    inserted = _sqlite3_default_once(path, event_id, pause)
                else:
                    with write_intent() if mode == "write_intent" else nullcontext():
                        inserted = record_once(event_id, pause=pause)
                outcome = "inserted" if inserted else "saw it"
            except Exception as exc:
                db.session.rollback()
                outcome = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            results.put((number, outcome, time.perf_counter() - started))
        db.engine.dispose()


def bench_race(folder: Path, workers: int, pause: float) -> dict[str, dict]:
    """Each mode once, all ``workers`` processes released together; rows written per mode."""
    url, instance, _ = prepare_database(folder, "race")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
    rounds = []
    with app.app_context(), write_intent():
        for mode in RACE_MODES:
            event = Event(slug=f"race-{mode}", starts_on=date(2025, 6, 5), ends_on=date(2025, 6, 5))
            db.session.add(event)
            db.session.flush()
            rounds.append((mode, event.id))
        db.session.commit()

    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(workers), ctx.Queue()
    procs = [
        ctx.Process(
            target=race_rounds_worker, args=(url, instance, rounds, pause, barrier, results)
        )
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    try:
        collected = [results.get(timeout=180) for _ in range(workers * len(rounds))]
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()

    figures = {}
    with app.app_context():
        for number, (mode, event_id) in enumerate(rounds):
            outcomes = [r for r in collected if r[0] == number]
            errors: dict[str, int] = {}
            for _, outcome, _ in outcomes:
                if outcome not in {"inserted", "saw it"}:
                    errors[outcome] = errors.get(outcome, 0) + 1
            rows = db.session.scalar(
                select(func.count(AuditEntry.id)).where(
                    AuditEntry.event_id == event_id, AuditEntry.action == RACE_ACTION
                )
            )
            figures[mode] = {
                "rows": rows,
                "errors": errors,
                "slowest_ms": 1000 * max(r[2] for r in outcomes),
            }
        db.engine.dispose()
    return figures


# --- (d) synchronous ---------------------------------------------------------------------


def bench_synchronous(folder: Path, seconds: float) -> dict[str, float]:
    """Small write transactions (one insert, commit) per second, FULL vs NORMAL, one process."""
    figures = {}
    for sync in ("FULL", "NORMAL"):
        url, instance, event_id = prepare_database(folder, f"sync-{sync}")
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": instance,
                "SQLITE_SYNCHRONOUS": sync,
            }
        )
        with app.app_context():
            assert (
                db.session.execute(text("PRAGMA synchronous")).scalar()
                == {"FULL": 2, "NORMAL": 1}[sync]
            )
            db.session.rollback()

            def commit(i, event_id=event_id):
                with write_intent():
                    db.session.add(
                        AuditEntry(action="bench.commit", event_id=event_id, object_id=str(i))
                    )
                    db.session.commit()

            figures[sync] = requests_per_second(commit, seconds)
            db.engine.dispose()
    return figures


# --- main --------------------------------------------------------------------------------


def run(
    seconds: float = 2.0,
    workers: int = 16,
    pause: float = 0.005,
    clients: int = 2,
    use_gunicorn: bool = True,
) -> dict:
    """Run every measurement, print as it goes, return the figures."""
    folder = Path(tempfile.mkdtemp(prefix="wadconf-bench-"))
    figures: dict = {}
    began = time.perf_counter()
    try:
        print(
            f"wadconf write-lock bench: {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.2f}, SQLite {sqlite3.sqlite_version}, files in {folder}"
        )

        tc = figures["test_client"] = bench_test_client(folder, seconds)
        print("\n(a)/(b) Flask test client, one process, requests/s")
        print(f"  bare JSON route             {tc['bare']:8.0f}")
        print(
            f"  wadconf GET /healthz        {tc['wadconf read']:8.0f}"
            f"   bare/read = {tc['bare'] / tc['wadconf read']:.1f}x  (full stack, SELECT 1)"
        )
        for sync in ("FULL", "NORMAL"):
            print(
                f"  write request, sync={sync:<6}  {tc[f'write {sync}']:8.0f}"
                f"   bare/write = {tc['bare'] / tc[f'write {sync}']:.1f}x"
            )

        if use_gunicorn:
            url, instance, _ = prepare_database(folder, "gunicorn")
            bare = bench_gunicorn(
                "tests.perf.bench_write_lock:bare_app()", "GET", "/ping", seconds, clients, {}
            )
            write = bench_gunicorn(
                "tests.perf.bench_write_lock:gunicorn_wadconf_app()",
                "POST",
                "/_bench/scan/{name}-{i}",
                seconds,
                clients,
                {
                    "BENCH_DATABASE_URL": url,
                    "BENCH_INSTANCE": instance,
                    "BENCH_SYNCHRONOUS": "FULL",
                },
            )
            figures["gunicorn"] = {"bare": bare, "write": write}
            print(
                f"\n(a)/(b) gunicorn -w 2 (sync), {clients} client processes on 127.0.0.1, "
                "a new connection per request"
            )
            for name, got in (("bare JSON route", bare), ("write request, FULL", write)):
                print(
                    f"  {name:<22} {got['rps']:8.0f} req/s  {got['server_cpu_ms']:.2f} ms "
                    f"server CPU/request  errors {got['errors']}"
                )
            print(
                f"  ratio bare/write: {bare['rps'] / write['rps']:.1f}x by req/s, "
                f"{write['server_cpu_ms'] / bare['server_cpu_ms']:.1f}x by server CPU"
            )

        race = figures["race"] = bench_race(folder, workers, pause)
        print(
            f"\n(c) {workers} processes, look up then insert on one key, {pause * 1000:.0f} ms "
            "between look-up and insert"
        )
        for mode in RACE_MODES:
            got = race[mode]
            print(
                f"  {mode:<16} rows {got['rows']:3d}   slowest {got['slowest_ms']:6.0f} ms   "
                f"errors {got['errors'] or 'none'}"
            )

        sync = figures["synchronous"] = bench_synchronous(folder, seconds)
        print("\n(d) commits/s, one process, one insert per transaction")
        print(
            f"  FULL   {sync['FULL']:8.0f}\n  NORMAL {sync['NORMAL']:8.0f}"
            f"   NORMAL/FULL = {sync['NORMAL'] / sync['FULL']:.1f}x"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    figures["seconds_total"] = time.perf_counter() - began
    print(f"\ntotal {figures['seconds_total']:.0f} s")
    return figures


def test_benchmark():
    """``pytest tests/perf/bench_write_lock.py -s``: run it; only the locked race is asserted."""
    figures = run()
    assert figures["race"]["write_intent"]["rows"] == 1
    assert figures["race"]["write_intent"]["errors"] == {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=2.0, help="length of each rate measurement"
    )
    parser.add_argument("--workers", type=int, default=16, help="racing processes in (c)")
    parser.add_argument(
        "--pause", type=float, default=0.005, help="seconds between look-up and insert in (c)"
    )
    parser.add_argument("--clients", type=int, default=2, help="HTTP client processes")
    parser.add_argument("--no-gunicorn", action="store_true", help="skip the gunicorn runs")
    args = parser.parse_args(argv)
    run(args.seconds, args.workers, args.pause, args.clients, not args.no_gunicorn)


if __name__ == "__main__":
    main()
