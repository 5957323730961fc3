"""How fast the schedule-wide clash check, a checked save and a snapshot are on a big programme.

Run from the repository root (about 20 s on SQLite; add PostgreSQL with ``--pg URL``)::

    /tmp/venv/bin/python -m tests.perf.bench_schedule_clashes          # --rooms 10 --days 3
    /tmp/venv/bin/python -m tests.perf.bench_schedule_clashes --pg postgresql://postgres@127.0.0.1/wadconf_bench
    /tmp/venv/bin/pytest tests/perf/bench_schedule_clashes.py -s       # small, as a test

It seeds one event with ``--rooms`` rooms (each available 08:00-18:00 every day) and
``--days`` days of hourly 45-minute sessions in every room (300 sessions at the
defaults), three people per session drawn from 400 delegates (so some are in two
rooms at once), ``--delegates`` delegates each enrolled in four random sessions, and
three signing ceremonies. Then it times, in one process, the median of ``--seconds``
worth of calls of: ``schedule_clashes`` (the editor's clash page), ``session_clashes``
(what the editor shows beside one session), a checked move of one session (two checks
and a flush, undone after each call) and ``programme_snapshot`` (a publication). It also
counts the SQL statements of one ``schedule_clashes``, which must not grow with size.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event as sa_event  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from wadconf import create_app  # noqa: E402
from wadconf.database import write_intent  # noqa: E402
from wadconf.extensions import db  # noqa: E402
from wadconf.models import (  # noqa: E402
    Agreement,
    AgreementParty,
    Enrolment,
    Event,
    ProgrammeKind,
    Registration,
    RegistrationStatus,
    Room,
    RoomAvailability,
    Session,
    SessionPerson,
    Signatory,
)
from wadconf.services import clashes, schedule, schedule_publish  # noqa: E402
from wadconf.services.events import EventData, create_event  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2025, 6, 5)
SLUG = "bench-schedule"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def seed(url: str, instance: Path, *, rooms: int, days: int, delegates: int):
    """A fresh schema with the event and its programme."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)}
    )
    rng = random.Random(7)
    with app.app_context(), write_intent():
        db.drop_all()
        db.create_all()
        last_day = FIRST_DAY + timedelta(days=days - 1)
        event = create_event(
            EventData(
                slug=SLUG, name_zh="测试", name_en="Bench", starts_on=FIRST_DAY, ends_on=last_day
            )
        )
        db.session.flush()
        db.session.execute(
            insert(Registration),
            [
                {
                    "event_id": event.id,
                    "name_zh": f"代表{n}",
                    "name_en": f"Delegate {n}",
                    "email": f"d{n}@example.org",
                    # One in fifty not confirmed: some signatories will be warned about.
                    "status": RegistrationStatus.PENDING if n % 50 == 0 else "confirmed",
                    "badge_code": f"WAD1-SCHED{n:08d}",
                }
                for n in range(max(delegates, 400))
            ],
        )
        registration_ids = list(db.session.scalars(select(Registration.id)))
        room_rows = [
            Room(event_id=event.id, code=f"r{i}", name_en=f"Room {i}", capacity=100, position=i)
            for i in range(rooms)
        ]
        db.session.add_all(room_rows)
        db.session.flush()
        days_list = [FIRST_DAY + timedelta(days=d) for d in range(days)]
        db.session.execute(
            insert(RoomAvailability),
            [
                {"room_id": r.id, "starts_at": _at(d, 8), "ends_at": _at(d, 18)}
                for r in room_rows
                for d in days_list
            ],
        )
        session_rows = [
            {
                "event_id": event.id,
                "token": f"bench{r.id}-{d.isoformat()}-{hour}",
                "kind": ProgrammeKind.THEMATIC_EXCHANGE,
                "title_en": f"Session {r.code} {d.isoformat()} {hour}:00",
                "title_zh": f"议程{r.code}-{hour}",
                "room_id": r.id,
                "starts_at": _at(d, hour),
                "ends_at": _at(d, hour, 45),
                "requires_enrolment": True,
            }
            for r in room_rows
            for d in days_list
            for hour in range(8, 18)
        ]
        session_ids = list(
            db.session.scalars(
                insert(Session).returning(Session.id, sort_by_parameter_order=True),
                session_rows,
            )
        )
        pool = registration_ids[:400]
        db.session.execute(
            insert(SessionPerson),
            [
                {"session_id": sid, "registration_id": rid, "role": "speaker"}
                for sid in session_ids
                for rid in rng.sample(pool, 3)
            ],
        )
        db.session.execute(
            insert(Enrolment),
            [
                {"session_id": sid, "registration_id": rid, "status": "enrolled"}
                for rid in registration_ids[:delegates]
                for sid in rng.sample(session_ids, 4)
            ],
        )
        for ceremony_id in session_ids[:3]:
            agreement = Agreement(session_id=ceremony_id, title_en="Agreement")
            for p in range(2):
                party = AgreementParty(name_en=f"Party {p}")
                party.signatories = [
                    Signatory(registration_id=rid, signing_order=i)
                    for i, rid in enumerate(rng.sample(pool, 2))
                ]
                agreement.parties.append(party)
            db.session.add(agreement)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return app


def median_ms(call, seconds: float) -> float:
    """The median duration of ``call`` over ``seconds`` of back-to-back calls (at least 3)."""
    durations: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(durations) < 3:
        start = time.perf_counter()
        call()
        durations.append((time.perf_counter() - start) * 1000)
    return statistics.median(durations)


def count_statements(call) -> int:
    """SQL statements ``call`` sends."""
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


def measure(app, seconds: float) -> dict[str, object]:
    """Time each call on the seeded event."""
    results: dict[str, object] = {}
    with app.app_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        sessions = schedule.sessions_of(event)
        target = sessions[len(sessions) // 2]
        found = clashes.schedule_clashes(event)
        results["sessions"] = len(sessions)
        results["clashes by code"] = dict(Counter(c.code for c in found))
        results["statements per schedule_clashes"] = count_statements(
            lambda: clashes.schedule_clashes(event)
        )
        results["schedule_clashes, ms"] = median_ms(
            lambda: clashes.schedule_clashes(event), seconds
        )
        results["session_clashes, ms"] = median_ms(
            lambda: clashes.session_clashes(event, target.id), seconds
        )

        def checked_move() -> None:
            savepoint = db.session.begin_nested()
            schedule.move_session(
                target, starts_at=target.starts_at + timedelta(minutes=30), confirm_clashes=True
            )
            savepoint.rollback()

        results["checked move (2 checks + flush), ms"] = median_ms(checked_move, seconds)
        results["programme_snapshot, ms"] = median_ms(
            lambda: schedule_publish.programme_snapshot(event), seconds
        )
        db.session.rollback()
    return results


def run(url: str | None, *, rooms: int, days: int, delegates: int, seconds: float) -> dict:
    """Seed (a temporary SQLite file unless ``url``), measure, print, return the figures."""
    folder = Path(tempfile.mkdtemp(prefix="bench-schedule-"))
    try:
        db_url = url or "sqlite:///" + str(folder / "bench.sqlite3")
        started = time.perf_counter()
        app = seed(db_url, folder / "instance", rooms=rooms, days=days, delegates=delegates)
        print(f"\n{db_url.split(':')[0]}: seeded in {time.perf_counter() - started:.1f} s")
        results = measure(app, seconds)
        for name, value in results.items():
            shown = f"{value:.1f}" if isinstance(value, float) else value
            print(f"  {name}: {shown}")
        with app.app_context():
            db.engine.dispose()
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_schedule_checks_stay_few_queries():
    """As a test: a small programme, and the statement count of the schedule-wide check."""
    results = run(None, rooms=3, days=1, delegates=200, seconds=0.2)
    assert results["sessions"] == 30
    assert results["statements per schedule_clashes"] <= 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--delegates", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--pg", help="also run on this PostgreSQL database (it is emptied)")
    args = parser.parse_args()
    sizes = {"rooms": args.rooms, "days": args.days, "delegates": args.delegates}
    run(None, seconds=args.seconds, **sizes)
    if args.pg:
        url = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        run(url, seconds=args.seconds, **sizes)


if __name__ == "__main__":
    main()
