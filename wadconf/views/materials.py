"""Publicity materials that reporting bodies and the public download (no login needed)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from wadconf.extensions import db, limiter
from wadconf.services import materials as service
from wadconf.services.events import current_event, get_event
from wadconf.services.uploads import send_stored

bp = Blueprint("materials", __name__, url_prefix="/materials")


@bp.get("/")
def current():
    """The current event's materials."""
    event = current_event()
    if event is None:
        abort(404)
    return redirect(url_for("materials.index", slug=event.slug))


@bp.get("/<slug>/")
def index(slug: str):
    """An event's published materials, with titles in the visitor's language."""
    event = get_event(slug)
    # Reporters need the materials even while the event is not on the public site.
    if event is None:
        abort(404)
    return render_template(
        "materials/index.html",
        event=event,
        materials=service.list_materials(event, published_only=True),
    )


@bp.get("/file/<token>")
@limiter.limit(lambda: current_app.config["PUBLIC_LINK_LIMIT"])
def download(token: str):
    """Download a published material; the download is counted."""
    material = service.published_by_token(token)
    if material is None:
        abort(404)
    response = send_stored(material)
    # A resumed download (206), a revalidation (304) or a HEAD is not another download.
    if request.method == "GET" and response.status_code == 200:
        service.count_download(material)
        db.session.commit()
    return response
