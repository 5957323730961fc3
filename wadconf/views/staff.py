"""The staff home page, for every role."""

from __future__ import annotations

from flask import Blueprint, render_template

from wadconf.models import Role
from wadconf.security import roles_required
from wadconf.services import events as event_service

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@roles_required(Role.ADMIN, Role.ORGANIZER, Role.CHECKIN)
def dashboard():
    """What this staff member can do, and the events."""
    return render_template(
        "staff/dashboard.html",
        events=event_service.list_events(),
        current=event_service.current_event(),
    )
