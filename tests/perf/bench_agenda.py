"""How fast the public agenda and its exports are on a big published programme.

Run from the repository root (about 30 s on SQLite; add PostgreSQL with ``--pg URL``)::

    /tmp/venv/bin/python -m tests.perf.bench_agenda            # --rooms 10 --days 3
    /tmp/venv/bin/pytest tests/perf/bench_agenda.py -s         # small, as a test

It seeds the clash benchmark's programme (``bench_schedule_clashes.seed``: ``--rooms``
rooms, ``--days`` days of hourly sessions, 300 sessions at the defaults, three speakers
each, signing ceremonies), publishes it, and times through the test client, in one
process, the median of ``--seconds`` worth of requests of: the agenda grid, the list
view, one track-less day as list, one session's page, ``programme.ics`` and
``programme.json``; and, as the floor, a bare Flask route on the same app returning a
string. Figures are wall milliseconds and the ratio to the bare route.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from tests.perf.bench_schedule_clashes import SLUG, median_ms, seed  # noqa: E402
from wadconf.database import write_intent  # noqa: E402
from wadconf.extensions import db  # noqa: E402
from wadconf.models import Event, Session  # noqa: E402
from wadconf.services.schedule_publish import publish_schedule  # noqa: E402


def prepare(url: str, instance: Path, *, rooms: int, days: int):
    """The seeded app with its programme published and a bare route; a session token."""
    app = seed(url, instance, rooms=rooms, days=days, delegates=400)
    app.add_url_rule("/bench-bare", "bench_bare", lambda: "ok")
    with app.app_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        publish_schedule(event)
        db.session.commit()
        token = db.session.scalar(select(Session.token).order_by(Session.starts_at).limit(1))
    return app, token


def measure(app, token: str, seconds: float) -> dict[str, float]:
    """Median wall ms per request of each page, and the bare route's."""
    client = app.test_client()
    base = f"/events/{SLUG}/programme"
    pages = {
        "bare Flask route": "/bench-bare",
        "agenda grid": f"{base}?view=grid",
        "agenda list": f"{base}?view=list",
        "session page": f"{base}/s/{token}",
        "programme.ics": f"{base}.ics",
        "programme.json": f"{base}.json",
    }
    figures = {}
    for name, path in pages.items():
        assert client.get(path).status_code == 200, path

        def call(path=path):
            client.get(path)

        figures[name] = median_ms(call, seconds)
    return figures


def report(label: str, figures: dict[str, float]) -> None:
    bare = figures["bare Flask route"]
    print(f"== {label}: median wall ms, ratio to the bare route")
    for name, ms in figures.items():
        print(f"  {name:<20} {ms:9.1f}  {ms / bare:7.1f}x")


def run(url: str | None, *, rooms: int, days: int, seconds: float) -> dict[str, float]:
    instance = Path(tempfile.mkdtemp(prefix="bench-agenda-"))
    try:
        app, token = prepare(
            url or f"sqlite:///{instance / 'bench.sqlite3'}", instance, rooms=rooms, days=days
        )
        return measure(app, token, seconds)
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def test_agenda_pages_of_a_small_programme(capsys):
    """Smoke run as a test: every page answers, and the figures are printed."""
    figures = run(None, rooms=3, days=1, seconds=0.3)
    with capsys.disabled():
        report("sqlite, 30 sessions", figures)
    assert figures["agenda grid"] < 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--pg", help="a PostgreSQL URL to run on as well")
    args = parser.parse_args()
    sessions = args.rooms * args.days * 10
    report(
        f"sqlite, {sessions} sessions",
        run(None, rooms=args.rooms, days=args.days, seconds=args.seconds),
    )
    if args.pg:
        from tests.conftest import normalise_pg_url

        report(
            f"postgresql, {sessions} sessions",
            run(normalise_pg_url(args.pg), rooms=args.rooms, days=args.days, seconds=args.seconds),
        )


if __name__ == "__main__":
    main()
