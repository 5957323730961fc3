"""How fast the live check-in dashboard answers at 5,000 registrations and 20,000 scans.

Run from the repository root (about 30 s on SQLite; add PostgreSQL with ``--pg URL``)::

    /tmp/venv/bin/python -m tests.perf.bench_checkin_dashboard
    /tmp/venv/bin/python -m tests.perf.bench_checkin_dashboard --pg postgresql://postgres@127.0.0.1/wadconf_bench
    /tmp/venv/bin/pytest tests/perf/bench_checkin_dashboard.py -s      # SQLite, as a test

It seeds one event with ``--registrations`` confirmed registrations (default 5,000) in
nine categories (two highlighted), six checkpoints and ``--scans`` scans (default 20,000):
about three quarters of them accepted entries spread over a morning, the rest refusals.
Then it times, in one process, each figure of the dashboard (the service functions) and
the whole page and the live fragment through Flask's test client, logged in as an
organiser: the median of ``--seconds`` worth of calls each. The dashboard polls every
10 s per open browser, so what matters is that each figure stays a few milliseconds.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from wadconf import create_app  # noqa: E402
from wadconf.database import write_intent  # noqa: E402
from wadconf.extensions import db  # noqa: E402
from wadconf.models import (  # noqa: E402
    CheckIn,
    Checkpoint,
    CheckpointKind,
    Event,
    Registration,
    RegistrationStatus,
    Scan,
    Verdict,
)
from wadconf.services import accounts, checkin_stats, events  # noqa: E402
from wadconf.services.categories import ensure_default_categories  # noqa: E402
from wadconf.services.events import EventData  # noqa: E402

PASSWORD = "benchmark password"
SLUG = "bench"
ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2025, 6, 5)
CHECKPOINTS = [
    ("main-entrance", CheckpointKind.ENTRANCE, 1.0),
    ("plenary-hall", CheckpointKind.SESSION_ROOM, 0.9),
    ("signing-hall", CheckpointKind.SIGNING_HALL, 0.2),
    ("room-a", CheckpointKind.SESSION_ROOM, 0.3),
    ("room-b", CheckpointKind.SESSION_ROOM, 0.3),
    ("room-c", CheckpointKind.SESSION_ROOM, 0.3),
]


def seed(url: str, instance: Path, *, registrations: int, scans: int):
    """A fresh schema with the event, its registrations, checkpoints and scans."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)}
    )
    rng = random.Random(5)
    with app.app_context(), write_intent():
        db.drop_all()
        db.create_all()
        event = events.create_event(
            EventData(slug=SLUG, name_zh="测试", name_en="Bench", starts_on=DAY, ends_on=DAY)
        )
        categories = ensure_default_categories(event)
        for category in categories:
            category.highlight_arrivals = category.code in ("speaker", "intl_org")
        accounts.create_user("org@example.org", role="organizer", password=PASSWORD)
        db.session.flush()
        db.session.execute(
            insert(Registration),
            [
                {
                    "event_id": event.id,
                    "name_zh": f"代表{n}",
                    "name_en": f"Delegate {n}",
                    "organisation": f"Organisation {n % 400}",
                    "country": "CN",
                    "email": f"d{n}@example.org",
                    "category_id": categories[n % len(categories)].id,
                    "status": RegistrationStatus.CONFIRMED,
                    "badge_code": f"WAD1-BENCH{n:08d}",
                }
                for n in range(registrations)
            ],
        )
        checkpoints = []
        for position, (code, kind, _share) in enumerate(CHECKPOINTS):
            checkpoint = Checkpoint(
                event_id=event.id, code=code, name_en=code, kind=kind, position=position
            )
            db.session.add(checkpoint)
            checkpoints.append(checkpoint)
        db.session.flush()
        ids = list(db.session.scalars(select(Registration.id)))
        start = datetime(2025, 6, 5, 7, 30, tzinfo=ZONE)
        entries = []
        for checkpoint, (_code, _kind, share) in zip(checkpoints, CHECKPOINTS, strict=True):
            for registration_id in rng.sample(ids, int(len(ids) * share)):
                entries.append(
                    {
                        "event_id": event.id,
                        "registration_id": registration_id,
                        "checkpoint_id": checkpoint.id,
                        "checked_in_at": start + timedelta(seconds=rng.randrange(6 * 3600)),
                    }
                )
        entries = entries[: int(scans * 0.75)]
        entry_ids = list(
            db.session.scalars(
                insert(CheckIn).returning(CheckIn.id, sort_by_parameter_order=True), entries
            )
        )
        rows = [
            {
                "event_id": event.id,
                "checkpoint_id": e["checkpoint_id"],
                "registration_id": e["registration_id"],
                "check_in_id": entry_id,
                "code": "WAD1-X",
                "verdict": Verdict.OK,
                "scanned_at": e["checked_in_at"],
            }
            for e, entry_id in zip(entries, entry_ids, strict=True)
        ]
        for _ in range(scans - len(rows)):
            rows.append(
                {
                    "event_id": event.id,
                    "checkpoint_id": rng.choice(checkpoints).id,
                    "code": "WAD1-NOPE",
                    "verdict": rng.choice([Verdict.UNKNOWN_CODE, Verdict.ALREADY_CHECKED_IN]),
                    "scanned_at": start + timedelta(seconds=rng.randrange(6 * 3600)),
                }
            )
        db.session.execute(insert(Scan), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return app


def median_ms(call, seconds: float) -> float:
    """The median duration of ``call`` over ``seconds`` of back-to-back calls."""
    call()  # warm up
    times = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < 5:
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def measure(app, seconds: float) -> dict[str, float]:
    """ms per call of each figure and page."""
    results = {}
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        checkpoints = list(db.session.scalars(select(Checkpoint)))
        ids = checkin_stats.arrival_checkpoint_ids(checkpoints)
        gate = checkpoints[0]
        gate_id = gate.id
        calls = {
            "checkpoint_figures (admitted/expected/refused)": lambda: (
                checkin_stats.checkpoint_figures(event)
            ),
            "arrivals_per_bucket (entrance, one day)": lambda: checkin_stats.arrivals_per_bucket(
                event, day=DAY, checkpoint_ids=ids
            ),
            "latest_arrival_day": lambda: checkin_stats.latest_arrival_day(event, ids),
            "latest_highlighted (15)": lambda: checkin_stats.latest_highlighted(event),
            "scan_log (100 rows)": lambda: checkin_stats.scan_log(gate),
        }
        for name, call in calls.items():
            results[name] = median_ms(call, seconds)
            db.session.rollback()
        buckets = checkin_stats.arrivals_per_bucket(event, day=DAY, checkpoint_ids=ids)
        results["(buckets)"] = len(buckets)
        results["(entries at the entrance)"] = sum(b.count for b in buckets)
    client = app.test_client()
    client.post("/login", data={"email": "org@example.org", "password": PASSWORD})
    for name, url in (
        ("page /checkin", f"/admin/events/{SLUG}/checkin"),
        ("fragment /checkin/live", f"/admin/events/{SLUG}/checkin/live"),
        ("scan log page", f"/admin/events/{SLUG}/checkpoints/{gate_id}/log"),
    ):
        assert client.get(url).status_code == 200, url
        results[name] = median_ms(lambda url=url: client.get(url), seconds)
    return results


def run(url: str | None, *, registrations: int, scans: int, seconds: float) -> dict:
    """Seed and measure on ``url`` (a temporary SQLite file when None)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    try:
        url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
        began = time.perf_counter()
        app = seed(url, folder / "instance", registrations=registrations, scans=scans)
        print(f"seeded in {time.perf_counter() - began:.1f} s: {url.split('@')[-1]}")
        results = measure(app, seconds)
        for name, value in results.items():
            unit = "" if name.startswith("(") else " ms"
            print(f"  {name:52s} {value:8.2f}{unit}")
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_dashboard_figures_stay_fast():
    """As a test: the seed is what was asked for and each figure answers (no timing asserts)."""
    results = run(None, registrations=5000, scans=20000, seconds=0.3)
    assert results["(entries at the entrance)"] == 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--scans", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--pg", help="also run on this PostgreSQL database (it is emptied)")
    args = parser.parse_args()
    run(None, registrations=args.registrations, scans=args.scans, seconds=args.seconds)
    if args.pg:
        url = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        run(url, registrations=args.registrations, scans=args.scans, seconds=args.seconds)


if __name__ == "__main__":
    main()
