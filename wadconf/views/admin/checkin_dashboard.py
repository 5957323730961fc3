"""Admin pages: the live check-in dashboard (refreshed by static/js/live_refresh.js)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template, request

from wadconf.database import utcnow
from wadconf.models import Event, Role
from wadconf.security import roles_required
from wadconf.services import checkin_stats
from wadconf.services.checkin_stats import Bucket
from wadconf.views.admin import bp, event_or_404

#: The chart's drawing area in SVG user units (it scales with the page).
CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM = 720, 220, 40, 24
REFRESH_SECONDS = 10


@dataclass(frozen=True)
class Bar:
    """One bar of the arrivals chart."""

    x: float
    y: float
    width: float
    height: float
    bucket: Bucket
    #: Whether the time is written under this bar (every hour, or the only bar).
    labelled: bool


def chart(buckets: list[Bucket]) -> dict:
    """Bars and a y scale for an SVG bar chart of ``buckets``."""
    if not buckets:
        return {"bars": [], "ticks": []}
    peak = max(b.count for b in buckets) or 1
    plot_width = CHART_WIDTH - CHART_LEFT
    plot_height = CHART_HEIGHT - CHART_BOTTOM - 8
    step = plot_width / len(buckets)
    bars = []
    for index, bucket in enumerate(buckets):
        height = plot_height * bucket.count / peak
        bars.append(
            Bar(
                x=round(CHART_LEFT + index * step + step * 0.1, 1),
                y=round(CHART_HEIGHT - CHART_BOTTOM - height, 1),
                width=round(step * 0.8, 1),
                height=round(height, 1),
                bucket=bucket,
                labelled=bucket.starts_at.minute == 0 or len(buckets) == 1,
            )
        )
    ticks = [
        {"value": value, "y": round(CHART_HEIGHT - CHART_BOTTOM - plot_height * value / peak, 1)}
        for value in sorted({0, peak // 2, peak})
    ]
    return {"bars": bars, "ticks": ticks}


def _figures(event: Event) -> dict:
    """Everything the live part of the page shows, for the page and the fragment alike."""
    figures = checkin_stats.checkpoint_figures(event)
    checkpoints = [f.checkpoint for f in figures]
    chosen = request.args.get("checkpoint", type=int)
    if chosen is not None and chosen in {c.id for c in checkpoints}:
        ids = [chosen]
    else:
        chosen, ids = None, checkin_stats.arrival_checkpoint_ids(checkpoints)
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = checkin_stats.latest_arrival_day(event, ids)
    buckets = checkin_stats.arrivals_per_bucket(event, day=day, checkpoint_ids=ids) if day else []
    return {
        "event": event,
        "figures": figures,
        "chosen": chosen,
        "day": day,
        "buckets": buckets,
        "chart": chart(buckets),
        "chart_size": (CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM),
        "highlighted": checkin_stats.latest_highlighted(event),
        "bucket_minutes": checkin_stats.BUCKET_MINUTES,
        "now_local": utcnow().astimezone(event.zone),
    }


@bp.get("/events/<slug>/checkin")
@roles_required(Role.ORGANIZER)
def checkin_dashboard(slug: str):
    """Admitted versus expected per checkpoint, arrivals per 10 minutes, highlighted arrivals."""
    event = event_or_404(slug)
    return render_template(
        "admin/checkin_dashboard/page.html",
        refresh_seconds=REFRESH_SECONDS,
        **_figures(event),
    )


@bp.get("/events/<slug>/checkin/live")
@roles_required(Role.ORGANIZER)
def checkin_dashboard_live(slug: str):
    """The live part of the dashboard alone, fetched again every few seconds by the page."""
    event = event_or_404(slug)
    return render_template("admin/checkin_dashboard/_live.html", **_figures(event))
