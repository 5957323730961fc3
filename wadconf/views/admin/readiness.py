"""Admin pages: signing readiness (refreshed by static/js/live_refresh.js) and the
"Entry control for this session" action of the schedule editor.

Gate staff at the signing hall may watch readiness too (``checkin``), since they are
the ones who fetch a missing signatory; only organisers give a session its checkpoint.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.forms.invitations import ActionForm
from wadconf.models import Event, Role, Session
from wadconf.security import roles_required, safe_next
from wadconf.services import DomainError
from wadconf.services import signing_readiness as service
from wadconf.services.session_checkpoints import ensure_session_checkpoint
from wadconf.views.admin import bp, event_or_404

REFRESH_SECONDS = 10


def _session_or_404(event: Event, session_id: int) -> Session:
    session = db.session.scalar(
        select(Session).where(Session.id == session_id, Session.event_id == event.id)
    )
    if session is None:
        abort(404)
    return session


def _figures(event: Event, session_id: int | None) -> dict:
    """What the live part of the page shows, for the page and the fragment alike."""
    now = utcnow()
    return {
        "event": event,
        "ceremonies": service.readiness(event, session_id=session_id, now=now),
        "session_id": session_id,
        "now_local": now.astimezone(event.zone),
        "zone": event.zone,
    }


@bp.get("/events/<slug>/signing-readiness")
@roles_required(Role.ORGANIZER, Role.CHECKIN)
def signing_readiness(slug: str):
    """Every signing ceremony: which signatories are at the venue and in the hall."""
    event = event_or_404(slug)
    return render_template(
        "admin/readiness/page.html",
        refresh_seconds=REFRESH_SECONDS,
        live_url=url_for("admin.signing_readiness_live", slug=slug),
        **_figures(event, None),
    )


@bp.get("/events/<slug>/signing-readiness/<int:session_id>")
@roles_required(Role.ORGANIZER, Role.CHECKIN)
def signing_readiness_ceremony(slug: str, session_id: int):
    """One ceremony's readiness (for a screen at the signing hall)."""
    event = event_or_404(slug)
    _session_or_404(event, session_id)
    return render_template(
        "admin/readiness/page.html",
        refresh_seconds=REFRESH_SECONDS,
        live_url=url_for("admin.signing_readiness_live", slug=slug, session=session_id),
        **_figures(event, session_id),
    )


@bp.get("/events/<slug>/signing-readiness/live")
@roles_required(Role.ORGANIZER, Role.CHECKIN)
def signing_readiness_live(slug: str):
    """The live part alone (``?session=`` for one ceremony), fetched again every few seconds."""
    event = event_or_404(slug)
    session_id = request.args.get("session", type=int)
    if session_id is not None:
        _session_or_404(event, session_id)
    return render_template("admin/readiness/_live.html", **_figures(event, session_id))


@bp.post("/events/<slug>/sessions/<int:session_id>/checkpoint")
@roles_required(Role.ORGANIZER)
def session_checkpoint(slug: str, session_id: int):
    """Give the session its checkpoint ("Entry control for this session"), or update it."""
    event = event_or_404(slug)
    session = _session_or_404(event, session_id)
    back = safe_next(request.form.get("next"), url_for("admin.checkpoints", slug=slug))
    if not ActionForm().validate_on_submit():
        flash(_l("The form expired; please try again."), "error")
        return redirect(back)
    try:
        checkpoint = ensure_session_checkpoint(session, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(
            _l(
                "Entry control is on: checkpoint %(code)s follows the session.",
                code=checkpoint.code,
            ),
            "success",
        )
    return redirect(back)
