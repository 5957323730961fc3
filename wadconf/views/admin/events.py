"""Creating and editing events."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wadconf.extensions import db
from wadconf.forms.events import EventForm
from wadconf.models import Role
from wadconf.security import roles_required
from wadconf.services import DomainError
from wadconf.services import events as event_service
from wadconf.services.events import EventData
from wadconf.views.admin import bp, event_or_404

_FIELDS = [f for f in EventData.__dataclass_fields__]


def _to_local(value: datetime | None, zone: str) -> datetime | None:
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if value else None


def _from_local(value: datetime | None, zone: str) -> datetime | None:
    return value.replace(tzinfo=ZoneInfo(zone)) if value else None


def _data_from(form: EventForm) -> EventData:
    values = {name: getattr(form, name).data for name in _FIELDS}
    for name in ("registration_opens_at", "registration_closes_at"):
        values[name] = _from_local(values[name], form.timezone.data)
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    return EventData(**values)


@bp.get("/events/")
@roles_required(Role.ORGANIZER)
def events():
    """All events."""
    return render_template("admin/events.html", events=event_service.list_events())


@bp.route("/events/new", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def event_new():
    """Create an event."""
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = event_service.create_event(_data_from(form), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("The event was created."), "success")
            return redirect(url_for("admin.event_edit", slug=event.slug))
    return render_template("admin/event_form.html", form=form, event=None)


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def event_edit(slug: str):
    """Edit an event."""
    event = event_or_404(slug)
    form = EventForm(obj=event)
    if not form.is_submitted():
        form.registration_opens_at.data = _to_local(event.registration_opens_at, event.timezone)
        form.registration_closes_at.data = _to_local(event.registration_closes_at, event.timezone)
    if form.validate_on_submit():
        try:
            changed = event_service.update_event(event, _data_from(form), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("Saved.") if changed else _l("Nothing changed."), "success")
            return redirect(url_for("admin.event_edit", slug=event.slug))
    return render_template("admin/event_form.html", form=form, event=event)


@bp.post("/events/<slug>/current")
@roles_required(Role.ORGANIZER)
def event_make_current(slug: str):
    """Make this the event used when none is named."""
    event = event_or_404(slug)
    event_service.make_current(event, by=current_user)
    db.session.commit()
    flash(_l("This is now the current event."), "success")
    return redirect(url_for("admin.events"))
