"""Admin pages: the organisers' report (tables and SVG charts, printable) and its one-page PDF."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask import Response, render_template
from flask_login import current_user

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.i18n import locale_code
from wadconf.models import Role
from wadconf.security import roles_required
from wadconf.services import report_pdf, reports
from wadconf.services.checkin_stats import Bucket
from wadconf.views.admin import bp, event_or_404
from wadconf.views.admin.checkin_dashboard import (
    CHART_BOTTOM,
    CHART_HEIGHT,
    CHART_LEFT,
    CHART_WIDTH,
)
from wadconf.views.admin.checkin_dashboard import chart as column_chart

#: Horizontal bar charts, in SVG user units: label column, bar area, row height.
HBAR_WIDTH, HBAR_LABEL, HBAR_VALUE, HBAR_ROW = 720, 220, 80, 22
#: Sessions drawn in the attendance chart (all are in the table).
CHART_SESSIONS = 30
#: Width of a label beside a bar, in Latin characters (a CJK character counts 2); the full
#: text is in the bar's tooltip and in the table.
LABEL_UNITS = 34


@dataclass(frozen=True)
class HBar:
    """One row of a horizontal bar chart: a pale bar for the whole, a dark one for the part."""

    label: str
    short_label: str
    y: float
    whole_width: float
    part_width: float
    whole: int | None
    part: int
    #: Text after the bars ("2 / 3").
    value: str


def _short(text: str) -> str:
    """``text`` cut with an ellipsis to fit the label column (CJK characters are twice as wide)."""
    width, kept = 0.0, []
    for ch in text:
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1.1
        if width > LABEL_UNITS:
            return "".join(kept[:-1]) + "…"
        kept.append(ch)
    return text


def hbar_chart(items: list[tuple[str, int, int | None]]) -> dict:
    """Geometry of a horizontal bar chart of ``(label, part, whole)``; ``whole`` may be None.

    Both bars share one scale (the largest part or whole), so lengths compare across rows.
    """
    plot = HBAR_WIDTH - HBAR_LABEL - HBAR_VALUE
    peak = max([max(part, whole or 0) for _label, part, whole in items] or [0]) or 1
    bars = []
    for index, (label, part, whole) in enumerate(items):
        bars.append(
            HBar(
                label=label,
                short_label=_short(label),
                y=index * HBAR_ROW + 4,
                whole_width=round(plot * (whole or 0) / peak, 1),
                part_width=round(plot * part / peak, 1),
                whole=whole,
                part=part,
                value=f"{part} / {whole}" if whole is not None else str(part),
            )
        )
    return {
        "bars": bars,
        "height": len(items) * HBAR_ROW + 8,
        "width": HBAR_WIDTH,
        "left": HBAR_LABEL,
        "value_x": HBAR_WIDTH - HBAR_VALUE + 6,
        "bar_height": HBAR_ROW - 8,
    }


@dataclass(frozen=True)
class HourRow:
    """One row of the arrivals table: an hour, its buckets (None: outside the chart), total."""

    hour: int
    counts: tuple[int | None, ...]
    total: int


def hour_rows(buckets: list[Bucket]) -> list[HourRow]:
    """The buckets laid out one hour a row (four columns of 15 minutes), for the table."""
    per_hour = 60 // reports.BUCKET_MINUTES
    rows: dict[int, list[int | None]] = {}
    for bucket in buckets:
        counts = rows.setdefault(bucket.starts_at.hour, [None] * per_hour)
        counts[bucket.starts_at.minute // reports.BUCKET_MINUTES] = bucket.count
    return [
        HourRow(hour=hour, counts=tuple(counts), total=sum(c or 0 for c in counts))
        for hour, counts in sorted(rows.items())
    ]


def _charts(report: reports.Report) -> dict:
    """The page's charts, built from the same rows its tables show."""
    sessions = sorted(report.sessions, key=lambda s: (-s.attended, s.starts_at))[:CHART_SESSIONS]
    return {
        "categories": hbar_chart(
            [(r.label, r.checked_in, r.confirmed) for r in report.by_category]
        ),
        "countries": hbar_chart([(r.label, r.checked_in, r.confirmed) for r in report.by_country]),
        "organisations": hbar_chart(
            # The "others" row would dwarf the named ones: it stays in the table only.
            [(r.label, r.checked_in, r.confirmed) for r in report.by_organisation if not r.folded]
        ),
        "sessions": hbar_chart([(s.title, s.attended, s.base) for s in sessions]),
        "arrivals": [
            (day, column_chart(day.buckets), hour_rows(day.buckets)) for day in report.arrivals
        ],
    }


@bp.get("/events/<slug>/reports", endpoint="reports")
@roles_required(Role.ORGANIZER)
def reports_page(slug: str):
    """Invited, registered, confirmed and checked in, by category, country and organisation;
    attendance per session; arrivals over the day. Tables and charts; prints on A4."""
    event = event_or_404(slug)
    report = reports.build_report(event, locale=locale_code())
    return render_template(
        "admin/reports/page.html",
        event=event,
        report=report,
        charts=_charts(report),
        chart_size=(CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM),
        bucket_minutes=reports.BUCKET_MINUTES,
        chart_sessions=CHART_SESSIONS,
        hour_minutes=range(0, 60, reports.BUCKET_MINUTES),
    )


@bp.get("/events/<slug>/reports/report.pdf", endpoint="report_pdf")
@roles_required(Role.ORGANIZER)
def report_pdf_download(slug: str):
    """The one-page report for the organiser's records (A4 PDF, in the page's language)."""
    event = event_or_404(slug)
    locale = locale_code()
    report = reports.build_report(event, locale=locale)
    data = report_pdf.render_report(report, locale=locale)
    filename = report_pdf.report_filename(event, report.generated_at)
    # Built in this GET's read transaction; the audit entry gets a short write transaction.
    db.session.rollback()
    with write_intent():
        reports.record_download(event, locale=locale, by=current_user._get_current_object())
        db.session.commit()
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
