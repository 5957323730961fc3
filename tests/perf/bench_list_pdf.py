"""How long a 5,000-row list takes as a PDF, against plain fpdf2 writing the same text.

Run from the repository root (about a minute)::

    /tmp/venv/bin/python -m tests.perf.bench_list_pdf             # --rows N, --rounds N
    /tmp/venv/bin/pytest tests/perf/bench_list_pdf.py -s          # same, as a test

It prints CPU and wall time, each the run with the least CPU of ``--rounds``:

(a) ``list_pdf`` of a grouped, bilingual list of N rows (six columns, long organisation
    names that wrap), portrait;
(b) the same as a landscape sign-in sheet (12 mm rows, a signature column);
(c) a plain fpdf2 loop writing the same cell texts with one ``cell()`` each at a fixed
    size: no wrapping, no headers or footers, no groups;
(d) fpdf2's own ``table()`` given the same rows (the bundled font registered again as
    its bold style, which ``table()`` needs for the header row).

The issue asks for under 15 s on 2 cores; see README.md next to this file for figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # also runnable as ``python tests/perf/bench_list_pdf.py``
    sys.path.insert(0, str(ROOT))

from fpdf import FPDF  # noqa: E402

from wadconf.fonts import cjk_font_path  # noqa: E402
from wadconf.services.list_pdf import cell_text, list_pdf  # noqa: E402
from wadconf.services.list_table import ListColumn, ListGroup, ListRow, ListTable  # noqa: E402

LIMIT_S = 15.0
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗欧阳司马"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
ORGANISATIONS = [
    "国家认证认可监督管理委员会",
    "中国合格评定国家认可中心",
    "河北省市场监督管理局认证认可处",
    "Deutsche Akkreditierungsstelle GmbH (DAkkS)",
    "China National Accreditation Service for Conformity Assessment, "
    "International Cooperation Department",
    "中国质量认证中心 China Quality Certification Centre",
    "Standards Council of Canada",
    "上海市市场监督管理局",
]
COLUMNS = [
    ListColumn("number", "序号", "No.", 0.5, "right"),
    ListColumn("name_zh", "中文姓名", "Chinese name", 1.1),
    ListColumn("name_en", "英文姓名", "English name", 1.5),
    ListColumn("organisation", "单位", "Organisation", 3.0),
    ListColumn("phone", "手机", "Mobile", 1.2),
    ListColumn("checked_in_at", "签到时间", "Checked in", 1.2),
]


def build(rows: int, *, signin: bool = False) -> ListTable:
    """A grouped bilingual list of ``rows`` delegates over eight organisations."""
    start = datetime(2026, 6, 9, 0, 30, tzinfo=UTC)
    groups = [ListGroup(name) for name in ORGANISATIONS]
    for n in range(1, rows + 1):
        organisation = ORGANISATIONS[n % len(ORGANISATIONS)]
        surname = SURNAMES[n % len(SURNAMES)]
        cells = {
            "name_zh": surname + GIVEN[n % len(GIVEN)] + GIVEN[(n * 7) % len(GIVEN)],
            "name_en": f"{GIVEN[n % 5]} Delegate {n:05d}",
            "organisation": organisation,
            "phone": f"13{n % 10}****{n % 10000:04d}",
            "checked_in_at": start + timedelta(seconds=7 * n),
        }
        groups[n % len(ORGANISATIONS)].rows.append(ListRow(n, n, cells))
    columns = COLUMNS[:4] if signin else COLUMNS
    return ListTable(
        event_title="2026年世界认可日大会 World Accreditation Day 2026",
        title="签到表 Sign-in sheet" if signin else "参会人员名单 List of participants",
        columns=list(columns),
        groups=groups,
        language="bilingual",
        orientation="landscape" if signin else "portrait",
        generated_at=datetime.now(UTC),
        timezone="Asia/Shanghai",
        is_signin_sheet=signin,
        grouped=True,
    )


def texts(table: ListTable) -> list[list[str]]:
    """Each row's cell texts as the list prints them."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(table.timezone)
    return [
        [cell_text(row.cells.get(c.key, row.number), c, zone) for c in table.columns]
        for row in table.rows()
    ]


def plain_loop(table: ListTable) -> bytes:
    """One ``cell()`` per text at a fixed size, automatic page breaks: the floor."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("cjk", "", str(cjk_font_path()))
    pdf.set_font("cjk", size=9)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    widths = [186 * c.width / sum(c.width for c in table.columns) for c in table.columns]
    for row in texts(table):
        for text, w in zip(row, widths, strict=True):
            pdf.cell(w, 6, text, border=1)
        pdf.ln(6)
    return bytes(pdf.output())


def fpdf_table(table: ListTable) -> bytes:
    """fpdf2's ``table()``: wraps, repeats headings, but builds an object per cell."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("cjk", "", str(cjk_font_path()))
    pdf.add_font("cjk", "B", str(cjk_font_path()))
    pdf.set_font("cjk", size=9)
    pdf.add_page()
    widths = tuple(c.width for c in table.columns)
    with pdf.table(col_widths=widths, line_height=4.5) as grid:
        heading = grid.row()
        for column in table.columns:
            heading.cell(column.label(table.language))
        for row in texts(table):
            line = grid.row()
            for text in row:
                line.cell(text)
    return bytes(pdf.output())


def measure(function, *args, rounds: int) -> tuple[float, float, int]:
    """(CPU s, wall s, bytes) of the run with the least CPU."""
    best = None
    for _ in range(rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        data = function(*args)
        result = (time.process_time() - cpu, time.perf_counter() - wall, len(data))
        if best is None or result[0] < best[0]:
            best = result
    return best


def run(rows: int = 5000, rounds: int = 2, with_table: bool = True) -> dict[str, tuple]:
    listing, sheet = build(rows), build(rows, signin=True)
    figures = {
        "(a) list_pdf, grouped list": measure(list_pdf, listing, rounds=rounds),
        "(b) list_pdf, sign-in sheet": measure(list_pdf, sheet, rounds=rounds),
        "(c) plain fpdf2 cell() loop": measure(plain_loop, listing, rounds=rounds),
    }
    if with_table:
        figures["(d) fpdf2 table()"] = measure(fpdf_table, listing, rounds=1)
    print(f"\n{rows} rows, best of {rounds} (fpdf2 table(): 1 run)")
    for name, (cpu, wall, size) in figures.items():
        print(f"  {name:32s} CPU {cpu:6.2f} s   wall {wall:6.2f} s   {size / 1e6:5.2f} MB")
    return figures


def test_a_5000_row_list_renders_in_under_15_seconds():
    figures = run(rows=5000, rounds=1, with_table=False)
    cpu, wall, _size = figures["(a) list_pdf, grouped list"]
    assert cpu < LIMIT_S and wall < LIMIT_S * 2
    assert figures["(b) list_pdf, sign-in sheet"][0] < LIMIT_S


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-table", action="store_true", help="skip fpdf2's table()")
    options = parser.parse_args()
    run(options.rows, options.rounds, not options.no_table)
