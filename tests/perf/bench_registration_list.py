"""How fast the organisers' registration list answers at 10,000 registrations, against bare Flask.

Run from the repository root (about 1 minute on SQLite; add PostgreSQL with ``--pg URL``)::

    /tmp/venv/bin/python -m tests.perf.bench_registration_list
    /tmp/venv/bin/python -m tests.perf.bench_registration_list --pg postgresql://postgres@127.0.0.1/wadconf_bench
    /tmp/venv/bin/pytest tests/perf/bench_registration_list.py -s      # SQLite, as a test

It seeds one event with ``--rows`` registrations (default 10,000; fictional, generated from
the demo's name lists) and times, through Flask's test client in one process, each page
an organiser opens: the default list (newest first), a search by a Chinese name, an
English name, a phone number, filters, sorts, a deep page, the summary, the detail page.
Next to them, a bare Flask route returning a 50-row HTML table in the same run is the
floor. Each figure is the median of ``--seconds`` worth of requests; the ratio to the bare
route is what to read, absolutes drift with the machine's load.

It also prints SQLite's query plan of the default list, to show that the
``(event_id, created_at)`` index serves "newest first" without sorting 10,000 rows.

See README.md next to this file for the figures measured when it was written.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # also runnable as ``python tests/perf/bench_registration_list.py``
    sys.path.insert(0, str(ROOT))

from flask import Flask, render_template_string  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from wadconf import create_app  # noqa: E402
from wadconf.database import write_intent  # noqa: E402
from wadconf.extensions import db  # noqa: E402
from wadconf.models import Event, Invitation, Registration, RegistrationStatus  # noqa: E402
from wadconf.services import accounts, events  # noqa: E402
from wadconf.services.demo_people import (  # noqa: E402
    FIRST_NAMES,
    GIVEN,
    LAST_NAMES,
    PLACES,
    SURNAMES,
)
from wadconf.services.events import EventData  # noqa: E402

PASSWORD = "benchmark password"
SLUG = "bench"
STATUSES = (
    [RegistrationStatus.CONFIRMED] * 16
    + [RegistrationStatus.PENDING] * 2
    + [RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED]
)


# --- the two applications ----------------------------------------------------------------


def bare_app() -> Flask:
    """The floor: Flask rendering a 50-row table from memory, no database, no extensions."""
    app = Flask("bare")
    rows = [(f"Person {n}", f"Organisation {n}", f"p{n}@example.org") for n in range(50)]
    template = (
        "<table>{% for a, b, c in rows %}<tr><td>{{ a }}</td><td>{{ b }}</td>"
        "<td>{{ c }}</td></tr>{% endfor %}</table>"
    )

    @app.get("/list")
    def listing():
        """The 50-row table."""
        return render_template_string(template, rows=rows)

    return app


DELEGATIONS = 40


def _invitation_for(n: int, invitation_ids: list[int]) -> int | None:
    """Registration ``n``'s invitation: 10 per delegation, then one invitation each, then none."""
    filled = DELEGATIONS * 10
    if n < filled:
        return invitation_ids[n // 10]
    individual = DELEGATIONS + (n - filled)
    return invitation_ids[individual] if individual < len(invitation_ids) else None


def _rows(
    event_id: int, category_ids: list[int], invitation_ids: list[int], count: int
) -> list[dict]:
    """``count`` fictional registrations (names from the demo lists; example.org contacts)."""
    rng = random.Random(10_000)
    start = datetime(2024, 5, 21, 1, 0, tzinfo=UTC)
    rows = []
    for n in range(count):
        foreign = rng.random() < 0.15
        if foreign:
            name_zh, name_en = "", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            country = rng.choice(["DE", "FR", "US", "JP", "GB", "SG"])
            mobile = f"+120255501{n % 100:02d}"
        else:
            sur = rng.choice(SURNAMES)
            given = rng.sample(GIVEN, 2)
            name_zh = sur[0] + "".join(g[0] for g in given)
            name_en = f"{sur[1]} {''.join(g[1] for g in given).capitalize()}"
            country, mobile = "CN", f"+86138{n:08d}"
        place = rng.choice(PLACES)[0]
        rows.append(
            {
                "event_id": event_id,
                "name_zh": name_zh,
                "name_en": name_en,
                "organisation": (
                    "Example Testing Lab Co." if foreign else f"{place}示例检测认证有限公司"
                ),
                "position": "",
                "country": country,
                "email": f"bench{n}@example.org",
                "mobile": mobile,
                "category_id": rng.choice(category_ids),
                "status": rng.choice(STATUSES),
                "invitation_id": _invitation_for(n, invitation_ids),
                "manage_token": f"bench-token-{n:06d}",
                "locale": "zh_Hans",
                "created_at": start + timedelta(minutes=2 * n),
            }
        )
    return rows


def seed(url: str, instance: str, count: int) -> Flask:
    """A wadconf app on ``url`` with one event of ``count`` registrations and an organiser."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
    with app.app_context(), write_intent():
        db.drop_all()
        db.create_all()
        event = events.create_event(
            EventData(
                slug=SLUG,
                name_zh="基准大会",
                name_en="Bench",
                starts_on=date(2024, 6, 6),
                ends_on=date(2024, 6, 6),
            )
        )
        category_ids = list(
            db.session.scalars(select(text("id")).select_from(text("delegate_categories")))
        )
        # Most delegates come on their own invitation, some in 40 delegations of 10 seats,
        # the rest were added by organisers.
        db.session.execute(
            insert(Invitation),
            [
                {
                    "event_id": event.id,
                    "name_en": f"Invitee {n}",
                    "organisation": f"Body {n}",
                    "email": f"i{n}@example.org",
                    "seats": 10 if n < DELEGATIONS else 1,
                }
                for n in range(int(count * 0.8))
            ],
        )
        invitation_ids = list(db.session.scalars(select(Invitation.id).order_by(Invitation.id)))
        db.session.execute(
            insert(Registration), _rows(event.id, category_ids, invitation_ids, count)
        )
        accounts.create_user("bench@example.org", role="organizer", password=PASSWORD)
        db.session.commit()
    if url.startswith("postgresql"):
        # Planner statistics, as autovacuum would gather within a minute of a bulk load: without
        # them PostgreSQL guesses "3 rows" and picks plans no running system would use.
        with app.app_context(), db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return app


# --- measuring ---------------------------------------------------------------------------


def median_ms(send, seconds: float) -> float:
    """Call ``send()`` repeatedly for ``seconds`` (after one warm-up); the median in ms."""
    send()
    times = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < 5:
        started = time.perf_counter()
        send()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def scenarios(registration_id: int, invitation_id: int) -> list[tuple[str, str]]:
    """(label, path) of each page measured."""
    base = f"/admin/events/{SLUG}/registrations/"
    return [
        ("list, newest first (page 1)", base),
        ("search Chinese name '王'", base + "?q=王"),
        ("search English name 'smith'", base + "?q=smith"),
        ("search phone '138 0000 12'", base + "?q=138+0000+12"),
        ("filter status=pending & country=CN", base + "?status=pending&country=CN"),
        ("filter country=DE", base + "?country=DE"),
        ("filter by one invitation", base + f"?invitation={invitation_id}"),
        ("sort by name", base + "?sort=name"),
        ("sort by organisation, desc", base + "?sort=organisation&desc=1"),
        ("sort by status", base + "?sort=status"),
        ("page 150 of 200", base + "?page=150"),
        ("summary", base + "summary"),
        ("detail page", base + f"{registration_id}"),
    ]


def explain_default(app: Flask) -> list[str]:
    """SQLite's plan for the default page query (what index serves it)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return []
        event_id = db.session.scalar(select(Event.id).where(Event.slug == SLUG))
        stmt = (
            select(Registration.id)
            .where(Registration.event_id == event_id)
            .order_by(Registration.created_at.desc(), Registration.id.desc())
            .limit(50)
        )
        compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
        return [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]


def bench_backend(name: str, url: str, instance: str, count: int, seconds: float) -> dict:
    """Seed ``url`` and time each scenario; returns {label: ms}, with the checks' inputs."""
    started = time.perf_counter()
    app = seed(url, instance, count)
    seeded = time.perf_counter() - started
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id).limit(1))
        invitation_id = db.session.scalar(select(Invitation.id).limit(1))
    figures = {"seed_s": seeded, "pages": {}, "plan": explain_default(app)}
    first = client.get(f"/admin/events/{SLUG}/registrations/", headers={"Accept-Language": "en"})
    figures["first_page"] = first.get_data(as_text=True)
    for label, path in scenarios(registration_id, invitation_id):

        def send(path=path):
            """One request to ``path``."""
            assert client.get(path).status_code == 200

        figures["pages"][label] = median_ms(send, seconds)
    figures["without_indexes"] = without_list_indexes(app, client, seconds)
    with app.app_context():
        db.engine.dispose()
    return figures


#: The indexes added for the list, and the pages that should feel their absence.
LIST_INDEXES = ("ix_registrations_event_created", "ix_registrations_event_country")


def without_list_indexes(app: Flask, client, seconds: float) -> dict[str, float]:
    """The pages the list's indexes serve, timed again after dropping those indexes."""
    with app.app_context(), write_intent():
        for name in LIST_INDEXES:
            db.session.execute(text(f"DROP INDEX {name}"))
        db.session.commit()
    base = f"/admin/events/{SLUG}/registrations/"
    figures = {}
    pages = (
        ("list, newest first (page 1)", base),
        ("page 150 of 200", base + "?page=150"),
        ("filter country=DE", base + "?country=DE"),
    )
    for label, path in pages:

        def send(path=path):
            """One request to ``path``."""
            assert client.get(path).status_code == 200

        figures[label] = median_ms(send, seconds)
    return figures


def run(rows: int = 10_000, seconds: float = 2.0, pg_url: str | None = None) -> dict:
    """Everything, printed as it goes."""
    folder = Path(tempfile.mkdtemp(prefix="wadconf-bench-list-"))
    results: dict = {}
    try:
        bare = bare_app().test_client()
        results["bare_ms"] = median_ms(lambda: bare.get("/list"), seconds)
        print(f"bare Flask route (50-row table, no database): {results['bare_ms']:.2f} ms")
        backends = [("sqlite", f"sqlite:///{folder / 'list.sqlite3'}")]
        if pg_url:
            backends.append(
                ("postgresql", pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
            )
        for name, url in backends:
            instance = str(folder / f"instance-{name}")
            got = results[name] = bench_backend(name, url, instance, rows, seconds)
            print(f"\n{name}: {rows:,} registrations seeded in {got['seed_s']:.1f} s")
            for line in got["plan"]:
                print(f"  plan of the default page: {line}")
            print(f"  {'page':<40} {'ms':>8} {'x bare':>8}")
            for label, ms in got["pages"].items():
                print(f"  {label:<40} {ms:8.1f} {ms / results['bare_ms']:8.1f}")
            print(f"  without {' and '.join(LIST_INDEXES)}:")
            for label, ms in got["without_indexes"].items():
                print(
                    f"  {label:<40} {ms:8.1f} {ms / results['bare_ms']:8.1f}"
                    f"   (with them {got['pages'][label]:.1f})"
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


def test_benchmark():
    """``pytest tests/perf/bench_registration_list.py -s``: SQLite; asserts only what is certain."""
    results = run(seconds=0.5)
    page = results["sqlite"]["first_page"]
    assert "10000 registrations" in page
    assert "Page 1 of 200" in page
    assert any("ix_registrations_event_created" in line for line in results["sqlite"]["plan"])


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="registrations to seed")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per page measured")
    parser.add_argument("--pg", help="also measure on this PostgreSQL database (it is emptied)")
    args = parser.parse_args(argv)
    run(args.rows, args.seconds, args.pg)


if __name__ == "__main__":
    main()
