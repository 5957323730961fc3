"""How long badges take: the phone PNG one by one, and a 2,000-badge print PDF in each layout.

Run from the repository root (about 1-2 minutes)::

    /tmp/venv/bin/python -m tests.perf.bench_badges        # --badges N, --pngs N, --layouts a6,cr80
    /tmp/venv/bin/pytest tests/perf/bench_badges.py -s     # a small run, as a test

It prints:

(a) ``badge_png`` for ``--pngs`` registrations of fictional delegates (demo generator: Chinese
    and foreign names, long organisation names), CPU per badge: mean, median, 95th percentile,
    worst, and the mean file size; then the same for a badge with extreme names (100 Latin
    characters, 50 Chinese ones, a 200-character organisation);
(b) ``badges_for_print`` + ``badge_pdf`` for ``--badges`` registrations in each layout: CPU and
    wall time, pages, file size, and a check that the file holds no raster image (the QR codes
    are vector paths);
(c) the organisers' ``POST /admin/events/<slug>/badges/print`` for all of them (A6) through
    Flask's test client: the whole request, print counts and audit included.

One process uses one core: on the 2-core machine the other core stays free for the app.
See README.md next to this file for the figures measured when it was written.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # also runnable as ``python tests/perf/bench_badges.py``
    sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from wadconf import create_app  # noqa: E402
from wadconf.database import write_intent  # noqa: E402
from wadconf.extensions import db  # noqa: E402
from wadconf.models import Event, Registration  # noqa: E402
from wadconf.services import accounts, badges  # noqa: E402
from wadconf.services.categories import category_by_code  # noqa: E402
from wadconf.services.demo_people import PeopleGenerator  # noqa: E402
from wadconf.services.events import EventData, create_event  # noqa: E402

PASSWORD = "benchmark password"
CATEGORIES = ("government", "intl_org", "expert", "industry_body", "ccti_body", "enterprise")


def seed(app, count: int) -> int:
    """An event like the demo's with ``count`` confirmed registrations (one with extreme names)."""
    with app.app_context(), write_intent():
        db.create_all()
        event = create_event(
            EventData(
                slug="bench",
                name_zh="2024年“世界认可日”活动暨中国认证认可大会",
                name_en="World Accreditation Day 2024 and China Certification and Accreditation"
                " Conference",
                starts_on=date(2024, 6, 6),
                ends_on=date(2024, 6, 7),
            )
        )
        categories = {code: category_by_code(event, code) for code in CATEGORIES}
        people = PeopleGenerator()
        for n in range(count - 1):
            person = people.person(CATEGORIES[n % len(CATEGORIES)])
            db.session.add(
                Registration(
                    event_id=event.id,
                    category=categories[person.category],
                    name_zh=person.name_zh,
                    name_en=person.name_en,
                    organisation=person.organisation,
                    position=person.position,
                    country=person.country,
                    email=person.email,
                    mobile=person.mobile,
                    locale=person.locale,
                )
            )
        db.session.add(
            Registration(
                event_id=event.id,
                name_zh="欧阳" + "娜" * 48,
                name_en=(
                    "Maximilian Alexander Christopher Wolfeschlegelsteinhausenbergerdorff " * 2
                )[:100],
                organisation=(
                    "国家认证认可监督管理委员会国际合作司 China National Accreditation " * 4
                )[:200],
                country="TW",
                locale="en",
                submission_key="extreme",
            )
        )
        accounts.create_user("bench@example.org", role="organizer", password=PASSWORD)
        db.session.commit()
        return event.id


def bench_png(app, event_id: int, count: int) -> dict:
    """(a) one PNG per registration, CPU per badge."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        rows = badges.badges_for_print(event, order="name")
        extreme = next(r for r in rows if r.submission_key == "extreme")
        rows = [r for r in rows if r is not extreme][:count]
        badges.badge_png(rows[0])  # fonts loaded once per process, as in a running worker
        times, sizes = [], []
        for registration in rows:
            cpu = time.process_time()
            data = badges.badge_png(registration)
            times.append(1000 * (time.process_time() - cpu))
            sizes.append(len(data))
        extreme_times = []
        for _ in range(20):
            cpu = time.process_time()
            badges.badge_png(extreme)
            extreme_times.append(1000 * (time.process_time() - cpu))
    times.sort()
    return {
        "count": len(times),
        "mean": statistics.fmean(times),
        "median": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "max": times[-1],
        "bytes": statistics.fmean(sizes),
        "extreme_median": statistics.median(extreme_times),
    }


def _raster_images(data: bytes) -> int:
    """How many image XObjects the PDF's pages use (0: everything is text and paths)."""
    count = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        xobjects = page["/Resources"].get("/XObject")
        if xobjects:
            count += sum(
                1 for x in xobjects.get_object().values() if x.get_object()["/Subtype"] == "/Image"
            )
    return count


def bench_pdf(app, event_id: int, layout: str) -> dict:
    """(b) the batch query and the PDF of every registration."""
    with app.app_context():
        began, cpu = time.perf_counter(), time.process_time()
        event = db.session.get(Event, event_id)
        rows = badges.badges_for_print(event)
        queried = time.perf_counter()
        data = badges.badge_pdf(rows, layout=layout, event=event)
        done = time.perf_counter()
        figures = {
            "badges": len(rows),
            "query": queried - began,
            "total": done - began,
            "cpu": time.process_time() - cpu,
            "bytes": len(data),
        }
    reader = PdfReader(io.BytesIO(data))
    figures["pages"] = len(reader.pages)
    figures["images"] = _raster_images(data)
    return figures


def bench_request(app, event_id: int) -> dict:
    """(c) the organisers' print request for every badge, A6."""
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    began, cpu = time.perf_counter(), time.process_time()
    response = client.post(
        "/admin/events/bench/badges/print", data={"scope": "all", "layout": "a6"}
    )
    elapsed = time.perf_counter() - began
    assert response.status_code == 200, response.status_code
    return {"total": elapsed, "cpu": time.process_time() - cpu, "bytes": len(response.data)}


def run(count: int = 2000, pngs: int = 200, layouts=("a6", "a4x4", "cr80"), request=True) -> dict:
    """Every measurement; prints as it goes and returns the figures."""
    folder = Path(tempfile.mkdtemp(prefix="wadconf-badges-"))
    try:
        app = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": str(folder),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            }
        )
        event_id = seed(app, count)
        print(
            f"wadconf badges bench: {count} badges, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        got = bench_png(app, event_id, pngs)
        print(
            f"  (a) PNG x{got['count']}: CPU mean {got['mean']:.1f} ms, median "
            f"{got['median']:.1f}, p95 {got['p95']:.1f}, max {got['max']:.1f}; "
            f"{got['bytes'] / 1024:.0f} KiB each; extreme names median "
            f"{got['extreme_median']:.1f} ms"
        )
        figures = {"png": got}
        for layout in layouts:
            got = bench_pdf(app, event_id, layout)
            figures[layout] = got
            print(
                f"  (b) PDF {layout:<5} {got['badges']} badges, {got['pages']} pages: CPU "
                f"{got['cpu']:5.1f} s ({1000 * got['cpu'] / got['badges']:.1f} ms/badge), wall "
                f"{got['total']:5.1f} s (query {got['query']:.2f} s), "
                f"{got['bytes'] / 1e6:.1f} MB, raster images: {got['images']}"
            )
        if request:
            got = bench_request(app, event_id)
            figures["request"] = got
            print(
                f"  (c) POST .../badges/print (A6, all): wall {got['total']:.1f} s, CPU "
                f"{got['cpu']:.1f} s, {got['bytes'] / 1e6:.1f} MB"
            )
        with app.app_context():
            db.engine.dispose()
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_benchmark():
    """``pytest tests/perf/bench_badges.py -s``: a small run; asserts only what is deterministic."""
    figures = run(count=40, pngs=20, layouts=("a6", "a4x4"), request=False)
    assert figures["a6"]["pages"] == 40
    assert figures["a4x4"]["pages"] == 10
    assert figures["a6"]["images"] == 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--badges", type=int, default=2000)
    parser.add_argument("--pngs", type=int, default=200)
    parser.add_argument("--layouts", default="a6,a4x4,cr80")
    parser.add_argument("--no-request", action="store_true")
    args = parser.parse_args(argv)
    run(args.badges, args.pngs, tuple(args.layouts.split(",")), not args.no_request)


if __name__ == "__main__":
    main()
