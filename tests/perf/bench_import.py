"""How long importing 10,000 invitations takes, against merely parsing the same CSV.

Run from the repository root (about 15-30 s)::

    /tmp/venv/bin/python -m tests.perf.bench_import
    /tmp/venv/bin/python -m tests.perf.bench_import --rows 20000 --runs 5
    /tmp/venv/bin/pytest tests/perf/bench_import.py -s          # same, as a test

With ``WADCONF_TEST_DATABASE_URL`` (or ``--pg URL``) it also runs on PostgreSQL; it
drops and recreates every table there, so name a database of your own.

For each backend, in the same run, best of ``--runs``:

(a) parse: the CSV read with the ``csv`` module and nothing else (the floor);
(b) check: :func:`wadconf.services.imports.check_file`: decode, map headers, validate
    every row, one query for existing invitations; writes nothing (the preview);
(c) import: :func:`import_invitations` into an empty event plus the commit;
(d) re-import: the same file again (every row already invited, nothing written);
(e) XLSX: the same rows saved as XLSX, read with openpyxl (read-only) and nothing else,
    then checked;
(f) web: the upload (preview) and confirm requests through Flask's test client.

See README.md next to this file for figures measured when it was written.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # also runnable as ``python tests/perf/bench_import.py``
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, select  # noqa: E402

from tests.conftest import normalise_pg_url  # noqa: E402
from wadconf import create_app  # noqa: E402
from wadconf.database import write_intent  # noqa: E402
from wadconf.extensions import db  # noqa: E402
from wadconf.models import AuditEntry, Event, Invitation, Role  # noqa: E402
from wadconf.services import accounts, imports  # noqa: E402
from wadconf.services.events import EventData, create_event  # noqa: E402

HEADER = ["中文姓名", "英文姓名", "单位", "类别", "邮箱", "手机", "语言", "名额", "备注"]
CATEGORIES = ["government", "专家学者", "Enterprise", "媒体", "intl_org"]
PASSWORD = "bench password 123"


def sample_rows(n: int) -> list[list[str]]:
    """``n`` fictional invitees with every column filled."""
    return [
        [
            f"代表{i}",
            f"Delegate {i}",
            f"示例机构{i % 300}",
            CATEGORIES[i % len(CATEGORIES)],
            f"delegate{i}@example.org",
            f"139{i:08d}",
            ("中文", "en", "both")[i % 3],
            str(1 + (i % 7 == 0) * 4),
            "" if i % 5 else "备注 note",
        ]
        for i in range(n)
    ]


def csv_file(folder: Path, rows: list[list[str]]) -> Path:
    """The rows as a UTF-8 CSV with BOM, as Excel's "CSV UTF-8" writes it."""
    path = folder / "invitations.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def xlsx_file(folder: Path, rows: list[list[str]]) -> Path:
    """The rows as XLSX."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for cells in rows:
        sheet.append(cells)
    path = folder / "invitations.xlsx"
    workbook.save(path)
    return path


def best(runs: int, work: Callable[[], object], reset: Callable[[], None] | None = None) -> float:
    """Shortest wall time of ``runs`` calls of ``work`` (``reset`` before each, untimed)."""
    times = []
    for _ in range(runs):
        if reset:
            reset()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def parse_only(path: Path) -> int:
    """(a) The floor: decode and split the CSV into lists, no checking."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh))


def parse_xlsx_only(path: Path) -> int:
    """(e) The XLSX floor: openpyxl in read-only mode, rows as tuples, no checking."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def bench_backend(name: str, url: str, folder: Path, n: int, runs: int) -> dict[str, float]:
    """Every measurement on one database."""
    instance = folder / f"instance-{name}"
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)}
    )
    rows = sample_rows(n)
    path, xlsx = csv_file(folder, rows), xlsx_file(folder, rows)
    with app.app_context(), write_intent():
        db.drop_all()
        db.create_all()
        event = create_event(
            EventData(
                slug="bench",
                name_zh="基准",
                name_en="Bench",
                starts_on=date(2030, 6, 5),
                ends_on=date(2030, 6, 5),
            )
        )
        accounts.create_user("bench@example.org", role=Role.ORGANIZER, password=PASSWORD)
        db.session.commit()
        event_id = event.id

    def empty_event() -> None:
        with app.app_context(), write_intent():
            db.session.execute(delete(Invitation))
            db.session.execute(delete(AuditEntry).where(AuditEntry.action == "invitation.import"))
            db.session.commit()

    def check(file: Path) -> None:
        with app.app_context():
            plan = imports.check_file(db.session.get(Event, event_id), file)
            assert plan.ok and plan.count("new") + plan.count("existing") == n

    def run_import() -> imports.ImportPlan:
        with app.app_context(), write_intent():
            plan = imports.import_invitations(db.session.get(Event, event_id), path)
            db.session.commit()
            return plan

    figures = {
        "parse": best(runs, lambda: parse_only(path)),
        "check": best(runs, lambda: check(path)),
    }
    figures["import"] = best(runs, run_import, empty_event)
    figures["reimport"] = best(runs, run_import)
    with app.app_context():
        figures["count"] = db.session.scalar(select(func.count()).select_from(Invitation))
    assert figures["count"] == n, figures["count"]
    assert run_import().added == 0
    figures["xlsx_parse"] = best(runs, lambda: parse_xlsx_only(xlsx))
    figures["xlsx"] = best(runs, lambda: check(xlsx))

    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    upload_url = "/admin/events/bench/invitations/import"
    preview, confirm = [], []
    for _ in range(runs):
        empty_event()
        started = time.perf_counter()
        response = client.post(
            upload_url,
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(path.read_bytes()), "invitations.csv")},
        )
        preview.append(time.perf_counter() - started)
        key = response.get_data(as_text=True).split('name="upload" type="hidden" value="')[1]
        started = time.perf_counter()
        done = client.post(upload_url + "/confirm", data={"upload": key.split('"')[0]})
        confirm.append(time.perf_counter() - started)
        assert done.status_code == 302
    figures["web_preview"], figures["web_confirm"] = min(preview), min(confirm)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == n
        db.session.remove()
        db.engine.dispose()
    figures["csv_mb"] = path.stat().st_size / 1024 / 1024
    return figures


def report(name: str, n: int, f: dict[str, float]) -> None:
    """Print one backend's figures."""
    floor = f["parse"]
    print(f"\n{name}: {n:,} rows, CSV {f['csv_mb']:.2f} MB")
    for key, label in [
        ("parse", "(a) csv module only"),
        ("check", "(b) check (preview)"),
        ("import", "(c) import + commit"),
        ("reimport", "(d) re-import, all skipped"),
        ("xlsx_parse", "(e) openpyxl only"),
        ("xlsx", "(e) check of the XLSX"),
        ("web_preview", "(f) web upload + preview"),
        ("web_confirm", "(f) web confirm"),
    ]:
        print(
            f"  {label:30} {f[key] * 1000:8.0f} ms  {f[key] / floor:6.1f}x parse"
            f"  {n / f[key]:10,.0f} rows/s"
        )


def run(n: int = 10_000, runs: int = 3, pg_url: str | None = None) -> dict[str, dict[str, float]]:
    """Measure on SQLite (and PostgreSQL when a URL is given); print and return the figures."""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        backends = {"sqlite": "sqlite:///" + str(folder / "bench.sqlite3")}
        if pg_url:
            backends["postgresql"] = normalise_pg_url(pg_url)
        for name, url in backends.items():
            results[name] = bench_backend(name, url, folder, n, runs)
            report(name, n, results[name])
    return results


def test_benchmark():
    """``pytest tests/perf/bench_import.py -s``: run it; asserts counts, not times."""
    figures = run(pg_url=os.environ.get("WADCONF_TEST_DATABASE_URL") or None)
    assert all(f["count"] == 10_000 for f in figures.values())


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="repetitions; the best is shown")
    parser.add_argument(
        "--pg",
        default=os.environ.get("WADCONF_TEST_DATABASE_URL"),
        help="PostgreSQL URL (its tables are dropped and recreated)",
    )
    args = parser.parse_args(argv)
    run(args.rows, args.runs, args.pg or None)


if __name__ == "__main__":
    main()
