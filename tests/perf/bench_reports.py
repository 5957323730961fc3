"""How fast the report page and the one-page report PDF answer at 5,000 registrations.

Run from the repository root (add PostgreSQL with ``--pg URL``)::

    /tmp/venv/bin/python -m tests.perf.bench_reports
    /tmp/venv/bin/python -m tests.perf.bench_reports --pg postgresql://postgres@127.0.0.1/wadconf_bench
    /tmp/venv/bin/pytest tests/perf/bench_reports.py -s      # SQLite, as a test

It reuses the check-in dashboard's seed (5,000 confirmed registrations in nine categories,
400 organisations, six checkpoints, 20,000 scans over a morning), then adds 5,000
invitations, 20 countries, three rooms whose checkpoints count attendance and 40 sessions
in them. It times the page and the PDF through Flask's test client, logged in as an
organiser (the median of ``--seconds`` worth of calls). The target for the page is 0.5 s.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, update  # noqa: E402

from tests.perf.bench_checkin_dashboard import (  # noqa: E402
    PASSWORD,
    SLUG,
    ZONE,
    median_ms,
    seed,
)
from wadconf.database import write_intent  # noqa: E402
from wadconf.extensions import db  # noqa: E402
from wadconf.models import (  # noqa: E402
    Checkpoint,
    Event,
    Invitation,
    InvitationState,
    Registration,
    Room,
    Session,
)

COUNTRIES = ["CN"] * 10 + ["HK", "MO", "US", "GB", "DE", "FR", "ZA", "KE", "BR", "JP"]


def add_report_data(app, *, invitations: int) -> None:
    """Invitations, countries, rooms linked to the room checkpoints and sessions in them."""
    with app.app_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        db.session.execute(
            insert(Invitation),
            [
                {
                    "event_id": event.id,
                    "token": f"bench-invitation-{n}",
                    "name_en": f"Invitee {n}",
                    "organisation": f"Organisation {n % 400}",
                    "state": InvitationState.REGISTERED if n % 7 else InvitationState.DECLINED,
                    "seats": 1 + (n % 50 == 0) * 4,
                }
                for n in range(invitations)
            ],
        )
        for index, country in enumerate(COUNTRIES):
            db.session.execute(
                update(Registration)
                .where(Registration.event_id == event.id, Registration.id % 20 == index)
                .values(country=country)
            )
        rooms = []
        for code in ("room-a", "room-b", "room-c"):
            room = Room(event_id=event.id, code=code, name_en=code, capacity=300)
            db.session.add(room)
            db.session.flush()
            db.session.execute(
                update(Checkpoint)
                .where(Checkpoint.event_id == event.id, Checkpoint.code == code)
                .values(room_id=room.id)
            )
            rooms.append(room)
        start = datetime(2025, 6, 5, 8, 0, tzinfo=ZONE)
        for n in range(40):
            begins = start + timedelta(minutes=30 * (n // 3))
            db.session.add(
                Session(
                    event_id=event.id,
                    title_en=f"Session {n}",
                    title_zh=f"分会{n}",
                    room_id=rooms[n % 3].id,
                    starts_at=begins,
                    ends_at=begins + timedelta(minutes=30),
                    requires_enrolment=n % 2 == 0,
                )
            )
        db.session.commit()


def measure(app, seconds: float) -> dict[str, float]:
    client = app.test_client()
    client.post("/login", data={"email": "org@example.org", "password": PASSWORD})
    results = {}
    for name, url in (
        ("report page (en)", f"/admin/events/{SLUG}/reports"),
        ("report PDF (en)", f"/admin/events/{SLUG}/reports/report.pdf"),
    ):
        assert client.get(url).status_code == 200, url
        results[name] = median_ms(lambda url=url: client.get(url), seconds)
    client.set_cookie("wadconf_lang", "zh_Hans")
    results["report PDF (zh)"] = median_ms(
        lambda: client.get(f"/admin/events/{SLUG}/reports/report.pdf"), seconds
    )
    return results


def run(url: str | None, *, registrations: int, scans: int, seconds: float) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    try:
        url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
        began = time.perf_counter()
        app = seed(url, folder / "instance", registrations=registrations, scans=scans)
        add_report_data(app, invitations=registrations)
        print(f"seeded in {time.perf_counter() - began:.1f} s: {url.split('@')[-1]}")
        results = measure(app, seconds)
        for name, value in results.items():
            print(f"  {name:30s} {value:8.1f} ms")
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_report_answers_at_5000_registrations():
    """As a test: the page and the PDF answer on the full seed (timings are printed)."""
    results = run(None, registrations=5000, scans=20000, seconds=0.5)
    assert set(results) == {"report page (en)", "report PDF (en)", "report PDF (zh)"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--scans", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--pg", help="also run on this PostgreSQL database (it is emptied)")
    args = parser.parse_args()
    run(None, registrations=args.registrations, scans=args.scans, seconds=args.seconds)
    if args.pg:
        url = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        run(url, registrations=args.registrations, scans=args.scans, seconds=args.seconds)


if __name__ == "__main__":
    main()
