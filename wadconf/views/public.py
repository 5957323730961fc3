"""Public pages: home, event page, language switch, the web font, health."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import text

from wadconf.extensions import db
from wadconf.fonts import cjk_font_path
from wadconf.i18n import LANG_COOKIE, LANGUAGE_NAMES
from wadconf.security import safe_next
from wadconf.services import events as event_service

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """The current event's page, or the list of published events."""
    event = event_service.current_event()
    if event is not None and event.is_published:
        return redirect(url_for("public.event", slug=event.slug))
    return render_template(
        "public/index.html", events=event_service.list_events(published_only=True)
    )


@bp.get("/events/<slug>/")
def event(slug: str):
    """An event's public page: themes, date, venue, programme outline."""
    found = event_service.get_event(slug)
    if found is None or not found.is_published:
        abort(404)
    g.event = found
    return render_template("public/event.html", event=found)


@bp.get("/lang/<code>")
def set_language(code: str):
    """Remember the chosen language for a year, then go back where the visitor was."""
    if code not in LANGUAGE_NAMES:
        abort(404)
    response = make_response(redirect(safe_next(request.args.get("next"), url_for("public.index"))))
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.get("/fonts/cjk-sans.otf")
def font():
    """The CJK web font, used only by browsers without a Chinese system font."""
    return send_file(cjk_font_path(), mimetype="font/otf", max_age=30 * 24 * 3600, conditional=True)


@bp.get("/healthz")
def health():
    """For load balancers: 200 when the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
