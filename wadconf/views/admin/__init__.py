"""Organiser and administrator pages. Every route declares its roles."""

from flask import Blueprint, abort, g

bp = Blueprint("admin", __name__, url_prefix="/admin")


def event_or_404(slug: str):
    """The event named in the URL, else 404; 403 for an account limited to another event.

    Its time zone becomes the page's.
    """
    from flask_login import current_user

    from wadconf.services.events import get_event

    event = get_event(slug)
    if event is None:
        abort(404)
    if current_user.is_authenticated and not current_user.may_act_for_event(event.id):
        abort(403)
    g.event = event
    return event


@bp.app_template_global("nav_event")
def nav_event():
    """The event the menu links open: the one shown, else the current one (once a request)."""
    from wadconf.services.events import current_event

    if "_nav_event" not in g:
        g._nav_event = g.get("event") or current_event()
    return g._nav_event


from wadconf.views.admin import (  # noqa: E402,F401
    api_tokens,
    audit,
    badges,
    categories,
    checkin_dashboard,
    checkpoints,
    enrolments,
    events,
    imports,
    invitations,
    letters,
    list_prints,
    lists,
    materials,
    outbox,
    readiness,
    registration_walkin,
    registrations,
    reports,
    schedule_editor,
    schedule_publish,
    schedule_signing,
    series_admin,
    series_board,
    users,
)
