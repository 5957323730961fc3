"""How long 200 invitation letters take, against plain fpdf2 loops doing less.

Run from the repository root (about 30 s)::

    /tmp/venv/bin/python -m tests.perf.bench_letters            # --letters N, --rounds N
    /tmp/venv/bin/pytest tests/perf/bench_letters.py -s         # same, as a test

It prints CPU and wall time, each the run with the least CPU of ``--rounds``:

(a) ``letters.render_letters`` for N invitations, split into opening the document (the two
    CJK fonts are parsed), drawing the pages, and writing the file (font subsetting);
(b) a plain loop over the same texts: one ``multi_cell`` per text at a fixed size, no
    shrink-to-fit, no line-breaking rules, no QR code;
(c) the plain loop plus the QR code as a PNG image (``qr_png``), the usual raster way;
(d) the whole request, ``GET .../letters.pdf`` through Flask's test client, which adds
    the database query, the URL building and the audit entry.

See README.md next to this file for the figures measured when it was written.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # also runnable as ``python tests/perf/bench_letters.py``
    sys.path.insert(0, str(ROOT))

from fpdf import FPDF  # noqa: E402

from wadconf import create_app  # noqa: E402
from wadconf import pdf as pdfkit  # noqa: E402
from wadconf.database import write_intent  # noqa: E402
from wadconf.extensions import db  # noqa: E402
from wadconf.models import Event, Invitation, InvitationLocale  # noqa: E402
from wadconf.services import accounts, letters  # noqa: E402
from wadconf.services.events import EventData, create_event  # noqa: E402
from wadconf.services.qr import qr_png  # noqa: E402
from wadconf.urls import public_url  # noqa: E402

ISSUED = date(2024, 5, 10)
PASSWORD = "benchmark password"


def seed(app, count: int) -> int:
    """An event like the demo's with ``count`` invitations of mixed languages and sizes; its id."""
    with app.app_context(), write_intent():
        db.create_all()
        # The demo's texts, without the demo's own invitations: exactly ``count`` letters.
        event = create_event(
            EventData(
                slug="bench",
                name_zh="2024年“世界认可日”活动暨中国认证认可大会",
                name_en="World Accreditation Day 2024 and China Certification and Accreditation"
                " Conference",
                starts_on=date(2024, 6, 6),
                ends_on=date(2024, 6, 6),
                intl_theme_zh="认可：赋能明天，塑造未来",
                intl_theme_en="Accreditation: Empowering Tomorrow and Shaping the Future",
                theme_zh="认证认可检验检测：创新 合作 未来",
                theme_en="Certification, accreditation, inspection and testing: innovation,"
                " cooperation, future",
                organiser_zh="市场监管总局（国家认监委）",
                organiser_en="State Administration for Market Regulation (CNCA)",
                venue_zh="河北雄安新区",
                venue_en="Xiong'an New Area, Hebei",
            )
        )
        locales = (InvitationLocale.ZH, InvitationLocale.EN, InvitationLocale.BOTH)
        for n in range(count):
            db.session.add(
                Invitation(
                    event_id=event.id,
                    name_zh=f"测试代表{n}号",
                    name_en=f"Delegate Number {n}",
                    organisation=(
                        "中国合格评定国家认可中心 China National Accreditation Service"
                        if n % 2
                        else f"Example Body {n}"
                    ),
                    email=f"bench{n}@example.org",
                    locale=locales[n % 3],
                    seats=1 if n % 5 else 4,
                )
            )
        accounts.create_user("bench@example.org", role="organizer", password=PASSWORD)
        db.session.commit()
        return event.id


def _best(runs: list[dict]) -> dict:
    """The run that used the least CPU: other jobs on the machine inflate wall time most."""
    return min(runs, key=lambda r: r["cpu"])


def bench_render(app, event_id: int, rounds: int) -> dict:
    """(a) the service, with its phases timed separately."""
    runs = []
    with app.app_context():
        event = db.session.get(Event, event_id)
        chosen = letters.invitations_for_letters(event)
        for _ in range(rounds):
            began, cpu = time.perf_counter(), time.process_time()
            document = pdfkit.new_document(title="bench")
            opened = time.perf_counter()
            for invitation in chosen:
                letters.draw_letter(document, invitation, event, issued_on=ISSUED)
            drawn = time.perf_counter()
            data = pdfkit.to_bytes(document)
            done = time.perf_counter()
            runs.append(
                {
                    "open": opened - began,
                    "draw": drawn - opened,
                    "write": done - drawn,
                    "total": done - began,
                    "cpu": time.process_time() - cpu,
                    "bytes": len(data),
                    "pages": len(chosen),
                }
            )
    return _best(runs)


def _plain_texts(event, invitation) -> list[str]:
    first, second = (
        letters.letter_block(invitation, event, locale, ISSUED)
        for locale in letters.letter_languages(invitation)
    )
    return [
        first.event_name,
        second.event_name,
        *first.themes,
        first.title,
        first.salutation,
        first.organisation,
        first.body,
        second.salutation,
        second.body,
        first.organiser,
        second.organiser,
        first.issued,
        first.register_heading,
        public_url("registration.invitation", token=invitation.token),
        first.footer,
    ]


def bench_plain(app, event_id: int, rounds: int, *, with_qr: bool) -> dict:
    """(b)/(c) the same texts, written the simplest way fpdf2 allows."""
    runs = []
    with app.app_context():
        event = db.session.get(Event, event_id)
        chosen = letters.invitations_for_letters(event)
        for _ in range(rounds):
            began, cpu = time.perf_counter(), time.process_time()
            document: FPDF = pdfkit.new_document(title="bench")
            opened = time.perf_counter()
            for invitation in chosen:
                document.add_page()
                document.set_xy(22, 15)
                document.set_font(pdfkit.SANS, size=10)
                for text in _plain_texts(event, invitation):
                    document.multi_cell(166, 5, text, new_x="LMARGIN", new_y="NEXT")
                if with_qr:
                    url = public_url("registration.invitation", token=invitation.token)
                    document.image(io.BytesIO(qr_png(url)), x=26, y=222, w=44, h=44)
            drawn = time.perf_counter()
            data = pdfkit.to_bytes(document)
            done = time.perf_counter()
            runs.append(
                {
                    "open": opened - began,
                    "draw": drawn - opened,
                    "write": done - drawn,
                    "total": done - began,
                    "cpu": time.process_time() - cpu,
                    "bytes": len(data),
                    "pages": len(chosen),
                }
            )
    return _best(runs)


def bench_request(app, event_id: int, rounds: int) -> dict:
    """(d) the route end to end, logged in as an organiser."""
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        slug = db.session.get(Event, event_id).slug
    runs = []
    for _ in range(rounds):
        began, cpu = time.perf_counter(), time.process_time()
        response = client.get(f"/admin/events/{slug}/invitations/letters.pdf")
        elapsed = time.perf_counter() - began
        assert response.status_code == 200, response.status_code
        runs.append(
            {"total": elapsed, "cpu": time.process_time() - cpu, "bytes": len(response.data)}
        )
    return _best(runs)


def run(count: int = 200, rounds: int = 3) -> dict:
    """Every measurement; prints as it goes and returns the figures."""
    folder = Path(tempfile.mkdtemp(prefix="wadconf-letters-"))
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
            f"wadconf letters bench: {count} letters, best of {rounds}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        figures = {
            "render": bench_render(app, event_id, rounds),
            "plain": bench_plain(app, event_id, rounds, with_qr=False),
            "plain+png": bench_plain(app, event_id, rounds, with_qr=True),
        }
        for name, got in figures.items():
            per = 1000 * got["cpu"] / count
            print(
                f"  {name:<10} CPU {got['cpu']:5.2f} s ({per:4.1f} ms/letter), wall "
                f"{got['total']:5.2f} s  [open {got['open']:.2f}  draw {got['draw']:.2f}  "
                f"write {got['write']:.2f}]  {got['bytes'] / 1024:5.0f} KiB"
            )
        figures["request"] = bench_request(app, event_id, rounds)
        got = figures["request"]
        per = 1000 * got["cpu"] / count
        print(
            f"  {'request':<10} CPU {got['cpu']:5.2f} s ({per:4.1f} ms/letter), wall "
            f"{got['total']:5.2f} s  {got['bytes'] / 1024:5.0f} KiB"
        )
        cpu = {name: got["cpu"] for name, got in figures.items()}
        print(
            f"  by CPU: render / plain = {cpu['render'] / cpu['plain']:.1f}x, render / "
            f"plain+png = {cpu['render'] / cpu['plain+png']:.1f}x, request / render = "
            f"{cpu['request'] / cpu['render']:.1f}x"
        )
        with app.app_context():
            db.engine.dispose()
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_benchmark():
    """``pytest tests/perf/bench_letters.py -s``: run it; asserts only what is deterministic."""
    figures = run(count=200, rounds=1)
    assert figures["render"]["pages"] == 200


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    run(args.letters, args.rounds)


if __name__ == "__main__":
    main()
