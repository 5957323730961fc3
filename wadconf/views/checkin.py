"""The scanner page for gate staff.

The page itself is static markup plus ``static/js/scanner*.js``; everything it does
goes through the scan API (``/api/v1``) with the staff's session and CSRF token. The
view only hands the script what it cannot know: the API's address, the events' time
zones (the API answers in UTC) and the translated strings (the CSP forbids inline
script, so they travel in a JSON data block).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from wadconf.i18n import html_lang
from wadconf.models import Role
from wadconf.models.checkin import BADGE_PREFIX
from wadconf.security import roles_required
from wadconf.services import events as event_service

bp = Blueprint("checkin", __name__, url_prefix="/checkin")

#: Minutes within which an accepted entry can be undone (the service enforces it too).
UNDO_MINUTES = 10


def scanner_strings() -> dict[str, str]:
    """Every text the scanner script shows, translated; ``%(name)s`` is filled in by the script."""
    return {
        "admitted": _("Admitted"),
        "already": _("Already checked in"),
        "already_at": _("Already checked in at %(time)s."),
        "already_at_device": _("Already checked in at %(time)s at %(device)s."),
        "refused": _("Not admitted"),
        "exit": _("Exit recorded"),
        "pending": _("Not sent yet: do not admit"),
        "pending_detail": _(
            "The server cannot be reached. The scan will be sent again automatically."
        ),
        "sending": _("Sending…"),
        "not_badge": _("This QR code is not a wadconf badge."),
        "camera_failed": _("The camera could not be started: %(error)s"),
        "camera_unsupported": _("This browser cannot use the camera here. Use the input field."),
        "load_failed": _("The checkpoints could not be loaded. Reload the page."),
        "no_checkpoints": _("There is no checkpoint you may scan at."),
        "signed_out": _("You are signed out. Sign in again; waiting scans will then be sent."),
        "server_error": _("The server answered with an error. The scan will be sent again."),
        "server_gave_up": _(
            "The server could not decide this scan. Do not admit: scan again or search."
        ),
        "pick_checkpoint": _("Choose a checkpoint first."),
        "closed": _("closed now"),
        "undo_done": _("The admission of %(name)s was undone."),
        "undo_failed": _("Undo failed: %(message)s"),
        "reason_required": _("Give a reason for the undo."),
        "search_none": _("Nobody found."),
        "search_failed": _("The search failed. Try again."),
        "search_short": _("Type at least two characters."),
        "checked_in_at": _("checked in at %(time)s"),
        "confirm_identity": _(
            "Compare the person with their identity document. Admit %(name)s without a badge?"
        ),
        "status_pending": _("pending"),
        "status_annulled": _("undone"),
        "no_name": _("(no name)"),
        "verdict_ok": _("admitted"),
        "verdict_already_checked_in": _("already checked in"),
        "verdict_unknown_code": _("unknown code"),
        "verdict_reissued": _("replaced badge"),
        "verdict_cancelled": _("cancelled"),
        "verdict_not_confirmed": _("not confirmed"),
        "verdict_not_allowed": _("not allowed here"),
        "verdict_not_open": _("not open"),
        "verdict_error": _("error"),
    }


def scanner_config() -> dict:
    """What the scanner script reads from the page's JSON data block."""
    zones = {event.slug: event.timezone for event in event_service.list_events()}
    current = event_service.current_event()
    return {
        "api": request.script_root + "/api/v1",
        "worker": url_for("static", filename="js/scanner-worker.js"),
        "decoder": url_for("static", filename="vendor/jsqr-1.4.0/jsQR.js"),
        "prefix": BADGE_PREFIX,
        "csrf": generate_csrf(),
        "locale": html_lang(),
        "zones": zones,
        "zone": current.timezone if current else current_app.config["BABEL_DEFAULT_TIMEZONE"],
        "undoMinutes": UNDO_MINUTES,
        # One device may serve several staff in turn: waiting scans stay with their account.
        "storageKey": f"wadconf.scanner.{current_user.id}",
        "strings": scanner_strings(),
    }


@bp.get("/")
@roles_required(Role.ADMIN, Role.ORGANIZER, Role.CHECKIN)
def scanner():
    """The scanner: camera, handheld input, verdict, recent scans, undo and search."""
    return render_template("checkin/scanner.html", config=scanner_config())
