"""The audit log (administrators only)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from sqlalchemy import func, select

from wadconf.extensions import db
from wadconf.forms.audit import AuditFilterForm
from wadconf.models import AuditEntry, Event, Role
from wadconf.security import roles_required
from wadconf.services import events as event_service
from wadconf.views.admin import bp

PAGE_SIZE = 100


@bp.get("/audit/")
@roles_required(Role.ADMIN)
def audit_log():
    """Audit entries, newest first, filtered by action, actor, event and dates."""
    form = AuditFilterForm(request.args)
    events = event_service.list_events()
    form.event.choices = [("", "—")] + [(e.slug, e.slug) for e in events]
    query = select(AuditEntry)
    if form.validate():
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        if form.action.data:
            query = query.where(
                AuditEntry.action.startswith(form.action.data.strip(), autoescape=True)
            )
        if form.actor.data:
            query = query.where(
                AuditEntry.actor_label.contains(form.actor.data.strip().lower(), autoescape=True)
            )
        if form.event.data:
            query = query.join(Event, Event.id == AuditEntry.event_id).where(
                Event.slug == form.event.data
            )
        if form.since.data:
            query = query.where(
                AuditEntry.created_at >= datetime.combine(form.since.data, time(), zone)
            )
        if form.until.data:
            end = datetime.combine(form.until.data + timedelta(days=1), time(), zone)
            query = query.where(AuditEntry.created_at < end)
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    entries = list(
        db.session.scalars(
            query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        )
    )
    return render_template(
        "admin/audit.html",
        form=form,
        entries=entries,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
    )
