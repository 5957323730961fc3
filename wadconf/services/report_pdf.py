"""The one-page report (A4 PDF) for the organiser's records, drawn with fpdf2.

Everything is placed in fixed boxes, so the page stays one page however many categories,
sessions or organisations there are: each table shows its first rows and says how many
more there are. The arrivals chart is drawn as vector bars. Text is in the language of the
page that asked for it; names come from the data and are printed as typed.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from fpdf import FPDF

from wadconf import pdf as pdfkit
from wadconf.i18n import bi
from wadconf.models import Event
from wadconf.services.badge_layouts import event_dates
from wadconf.services.reports import BUCKET_MINUTES, ArrivalDay, Report

#: A4 portrait, millimetres.
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 14.0
CONTENT_W = PAGE_W - 2 * MARGIN
#: Rows shown in each small table (the rest are counted in an "and N more" line).
TABLE_ROWS = 10
ROW_H = 5.2
BLUE = (11, 79, 138)
PALE = (201, 217, 234)
GREY = (90, 90, 90)
BLACK = (0, 0, 0)


def _pct(part: int, whole: int | None) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def _clip(pdf: FPDF, text: str, w: float) -> str:
    """``text`` cut with an ellipsis to fit ``w`` mm at the current font (one line)."""
    text = " ".join(pdfkit.clean(text).split())
    if pdf.get_string_width(text) <= w:
        return text
    while text and pdf.get_string_width(text + "…") > w:
        text = text[:-1]
    return text + "…"


def _cell(pdf: FPDF, x: float, y: float, w: float, text: str, *, align: str = "L") -> None:
    pdf.set_xy(x, y)
    pdf.cell(w, ROW_H, _clip(pdf, text, w - 1), align=align)


def _heading(pdf: FPDF, text: str, x: float, y: float, w: float) -> float:
    """A section heading with a rule under it; returns the ``y`` below."""
    pdf.set_font(pdfkit.SANS, size=10.5)
    pdf.set_text_color(*BLUE)
    _cell(pdf, x, y, w, text)
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(0.3)
    pdf.line(x, y + ROW_H + 0.3, x + w, y + ROW_H + 0.3)
    pdf.set_text_color(*BLACK)
    return y + ROW_H + 1.5


def _table(
    pdf: FPDF,
    *,
    x: float,
    y: float,
    widths: list[float],
    header: list[str],
    rows: list[list[str]],
    more: int,
) -> float:
    """A small table (first column left, the others right-aligned); returns the ``y`` below."""
    pdf.set_font(pdfkit.SANS, size=6.5)
    pdf.set_text_color(*GREY)
    cx = x
    for index, (w, text) in enumerate(zip(widths, header, strict=True)):
        _cell(pdf, cx, y, w, text, align="L" if index == 0 else "R")
        cx += w
    y += ROW_H
    pdf.set_text_color(*BLACK)
    pdf.set_font(pdfkit.SANS, size=8)
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.1)
    for row in rows:
        cx = x
        for index, (w, text) in enumerate(zip(widths, row, strict=True)):
            _cell(pdf, cx, y, w, text, align="L" if index == 0 else "R")
            cx += w
        pdf.line(x, y + ROW_H, x + sum(widths), y + ROW_H)
        y += ROW_H
    if more:
        pdf.set_font(pdfkit.SANS, size=7.5)
        pdf.set_text_color(*GREY)
        _cell(pdf, x, y, sum(widths), _("and %(n)d more", n=more))
        pdf.set_text_color(*BLACK)
        y += ROW_H
    return y


def _head(pdf: FPDF, event: Event, locale: str) -> float:
    """Event name, dates and venue; returns the ``y`` below."""
    y = MARGIN
    fitted = pdfkit.fit_text(
        pdf, bi(event, "name"), x=MARGIN, y=y, w=CONTENT_W, h=16, size=17, min_size=12
    )
    y += fitted.height + 1
    subtitle = " · ".join(
        part for part in (_("Event report"), event_dates(event, locale), bi(event, "venue")) if part
    )
    pdf.set_font(pdfkit.SANS, size=9.5)
    pdf.set_text_color(*GREY)
    _cell(pdf, MARGIN, y, CONTENT_W, subtitle)
    pdf.set_text_color(*BLACK)
    return y + ROW_H + 3


def _headline(pdf: FPDF, report: Report, y: float) -> float:
    """The headline figures in a row of boxes; returns the ``y`` below."""
    t = report.totals
    figures = [
        (_("Invited"), t.invited),
        (_("Registered"), t.registered),
        (_("Confirmed"), t.confirmed),
        (_("Checked in"), t.checked_in),
        (_("Cancelled"), t.cancelled),
        (_("Declined"), t.declined),
    ]
    gap = 2.0
    w = (CONTENT_W - gap * (len(figures) - 1)) / len(figures)
    h = 17.0
    pdf.set_line_width(0.3)
    for index, (label, value) in enumerate(figures):
        x = MARGIN + index * (w + gap)
        pdf.set_draw_color(*BLUE)
        pdf.rect(x, y, w, h)
        pdf.set_font(pdfkit.SANS, size=16)
        pdf.set_xy(x, y + 1.5)
        pdf.cell(w, 8, str(value), align="C")
        pdf.set_font(pdfkit.SANS, size=7.5)
        pdf.set_xy(x, y + 10)
        pdf.cell(w, 5, _clip(pdf, label, w - 2), align="C")
    pdf.set_font(pdfkit.SANS, size=7.5)
    pdf.set_text_color(*GREY)
    note = _(
        "Checked in: delegates admitted at an entrance, each counted once; "
        "%(rate)s of the confirmed. Invited: invitations sent (%(seats)d seats).",
        rate=_pct(t.checked_in, t.confirmed),
        seats=t.seats,
    )
    _cell(pdf, MARGIN, y + h + 1, CONTENT_W, note)
    pdf.set_text_color(*BLACK)
    return y + h + ROW_H + 3


def _categories(pdf: FPDF, report: Report, x: float, y: float, w: float) -> float:
    y = _heading(pdf, _("By category"), x, y, w)
    rows = [r for r in report.by_category if r.registered or r.invited or r.checked_in]
    shown = rows[:TABLE_ROWS]
    number = (w - 38) / 3
    return _table(
        pdf,
        x=x,
        y=y,
        widths=[38, number, number, number],
        header=[_("Category"), _("Registered"), _("Confirmed"), _("Checked in")],
        rows=[[r.label, str(r.registered), str(r.confirmed), str(r.checked_in)] for r in shown],
        more=len(rows) - len(shown),
    )


def _sessions(pdf: FPDF, report: Report, x: float, y: float, w: float) -> float:
    y = _heading(pdf, _("Best attended sessions"), x, y, w)
    ranked = sorted(report.sessions, key=lambda s: (-s.attended, s.starts_at))
    shown = ranked[:TABLE_ROWS]
    return _table(
        pdf,
        x=x,
        y=y,
        widths=[w - 48, 14, 22, 12],
        header=[_("Session"), _("Attended"), _("Enrolled or seats"), _("Rate")],
        rows=[
            [s.title, str(s.attended), str(s.base) if s.base else "–", _pct(s.attended, s.base)]
            for s in shown
        ],
        more=len(ranked) - len(shown),
    )


def _breakdown(
    pdf: FPDF, rows, title: str, first: str, x: float, y: float, w: float, *, limit: int
) -> float:
    y = _heading(pdf, title, x, y, w)
    shown = rows[:limit]
    number = (w - 42) / 3
    # An "others" row already sums up the rest: it counts for the organisations it folds.
    more = len(rows) - len(shown) + sum(r.folded - 1 for r in rows[limit:] if r.folded)
    return _table(
        pdf,
        x=x,
        y=y,
        widths=[42, number, number, number],
        header=[first, _("Registered"), _("Confirmed"), _("Checked in")],
        rows=[[r.label, str(r.registered), str(r.confirmed), str(r.checked_in)] for r in shown],
        more=more,
    )


def _arrivals(pdf: FPDF, day: ArrivalDay | None, locale: str, y: float, h: float) -> None:
    """Arrivals of the busiest day as a column chart in a ``h`` mm high band at ``y``."""
    from babel.dates import format_date

    title = _("Arrivals per %(n)d minutes", n=BUCKET_MINUTES)
    if day is not None:
        title += " · " + format_date(day.day, "long", locale=locale)
    top = y
    y = _heading(pdf, title, MARGIN, y, CONTENT_W)
    h -= y - top
    if day is None:
        pdf.set_font(pdfkit.SANS, size=8.5)
        _cell(pdf, MARGIN, y, CONTENT_W, _("No arrivals yet."))
        return
    left, bottom = MARGIN + 10, y + h - 11
    plot_w, plot_h = CONTENT_W - 10, h - 14
    peak = max(b.count for b in day.buckets) or 1
    pdf.set_font(pdfkit.SANS, size=7)
    pdf.set_text_color(*GREY)
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.1)
    for value in sorted({0, peak // 2, peak}):
        ty = bottom - plot_h * value / peak
        pdf.line(left, ty, left + plot_w, ty)
        pdf.set_xy(MARGIN, ty - 2)
        pdf.cell(9, 4, str(value), align="R")
    step = plot_w / len(day.buckets)
    pdf.set_fill_color(*BLUE)
    labels_every = max(1, round(len(day.buckets) / 12))
    for index, bucket in enumerate(day.buckets):
        bar_h = plot_h * bucket.count / peak
        x = left + index * step + step * 0.1
        if bar_h > 0:
            pdf.rect(x, bottom - bar_h, step * 0.8, bar_h, style="F")
        if bucket.starts_at.minute == 0 and (bucket.starts_at.hour % labels_every == 0):
            pdf.set_xy(x - 3, bottom + 0.8)
            pdf.cell(10, 4, bucket.starts_at.strftime("%H:%M"))
    pdf.set_font(pdfkit.SANS, size=7.5)
    summary = _(
        "%(n)d arrivals; busiest: %(time)s (%(count)d)",
        n=day.total,
        time=day.peak.starts_at.strftime("%H:%M"),
        count=day.peak.count,
    )
    _cell(pdf, MARGIN, bottom + 4.5, CONTENT_W, summary)
    pdf.set_text_color(*BLACK)


def _footer(pdf: FPDF, report: Report, locale: str) -> None:
    from babel.dates import format_datetime

    local = report.generated_at.astimezone(report.event.zone)
    when = format_datetime(local.replace(tzinfo=None), "medium", locale=locale)
    text = _("Generated %(time)s (%(zone)s) by wadconf.", time=when, zone=report.event.timezone)
    pdf.set_font(pdfkit.SANS, size=7.5)
    pdf.set_text_color(*GREY)
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.1)
    pdf.line(MARGIN, PAGE_H - MARGIN - 6, PAGE_W - MARGIN, PAGE_H - MARGIN - 6)
    _cell(pdf, MARGIN, PAGE_H - MARGIN - 5, CONTENT_W, text)
    pdf.set_text_color(*BLACK)


def render_report(report: Report, *, locale: str) -> bytes:
    """The one-page A4 report of ``report`` in ``locale`` (``zh_Hans`` or ``en``)."""
    event = report.event
    pdf = pdfkit.new_document(
        title=f"{bi(event, 'name')} · {_('Event report')}",
        author=bi(event, "organiser"),
        lang="zh-CN" if locale == "zh_Hans" else "en",
    )
    pdf.add_page()
    y = _head(pdf, event, locale)
    y = _headline(pdf, report, y)
    half = (CONTENT_W - 8) / 2
    right = MARGIN + half + 8
    bottom = max(_categories(pdf, report, MARGIN, y, half), _sessions(pdf, report, right, y, half))
    y = bottom + 4
    bottom = max(
        _breakdown(
            pdf,
            report.by_country,
            _("By country or region"),
            _("Country or region"),
            MARGIN,
            y,
            half,
            limit=6,
        ),
        _breakdown(
            pdf,
            report.by_organisation,
            _("By organisation"),
            _("Organisation"),
            right,
            y,
            half,
            limit=6,
        ),
    )
    _arrivals(pdf, report.busiest_day, locale, bottom + 4, PAGE_H - MARGIN - 8 - (bottom + 4))
    _footer(pdf, report, locale)
    return pdfkit.to_bytes(pdf)


def report_filename(event: Event, when: datetime) -> str:
    """A download name such as ``report-wad2024-20240520-1430.pdf``."""
    return f"report-{event.slug}-{when.astimezone(event.zone):%Y%m%d-%H%M}.pdf"
