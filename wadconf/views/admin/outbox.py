"""The mail outbox: what was sent, what waits, what failed and why; "retry now"."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.forms.outbox import STATUS_LABELS, OutboxFilterForm, RetryForm
from wadconf.mailer import DeliveryError, build_email
from wadconf.models import OutboxMessage, OutboxStatus, Role
from wadconf.security import roles_required
from wadconf.services import DomainError
from wadconf.services import events as event_service
from wadconf.services import mail as mail_service
from wadconf.views.admin import bp

PAGE_SIZE = 100


def _get(message_id: int) -> OutboxMessage:
    message = mail_service.get_message(message_id)
    if message is None:
        abort(404)
    return message


@bp.get("/outbox/")
@roles_required(Role.ORGANIZER)
def outbox():
    """Messages, newest first, filtered by status and event, with counts per status."""
    form = OutboxFilterForm(request.args)
    events = event_service.list_events()
    form.event.choices = [("", "—")] + [(e.slug, e.slug) for e in events]
    status, event_id = None, None
    if form.validate():
        status = form.status.data or None
        if form.event.data:
            # An unknown short name matches nothing (id 0), rather than silently everything.
            event_id = next((e.id for e in events if e.slug == form.event.data), 0)
    query = mail_service.outbox_query(status=status, event_id=event_id)
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    messages = list(db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return render_template(
        "admin/outbox.html",
        form=form,
        messages=messages,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        counts=mail_service.status_counts(event_id=event_id),
        labels=STATUS_LABELS,
        now=utcnow(),
        retry_form=RetryForm(),
    )


@bp.get("/outbox/<int:message_id>")
@roles_required(Role.ORGANIZER)
def outbox_message(message_id: int):
    """One message: its headers as they go out, text, HTML source, attachments, last error."""
    message = _get(message_id)
    headers, header_error = [], ""
    try:
        email = build_email(message)
        headers = [
            (name, str(email[name]))
            for name in ("From", "To", "Subject", "Message-ID", "Auto-Submitted")
        ]
    except DeliveryError as exc:
        header_error = str(exc)
    return render_template(
        "admin/outbox_message.html",
        message=message,
        headers=headers,
        header_error=header_error,
        labels=STATUS_LABELS,
        now=utcnow(),
        retry_form=RetryForm(),
        backend=current_app.config["MAIL_BACKEND"],
    )


@bp.post("/outbox/<int:message_id>/retry")
@roles_required(Role.ORGANIZER)
def outbox_retry(message_id: int):
    """Make a queued or failed message due now; the worker picks it up on its next pass."""
    message = _get(message_id)
    if not RetryForm().validate_on_submit():
        abort(400)
    try:
        mail_service.retry_now(message)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_l("The message will be sent on the worker's next pass."), "success")
    return redirect(url_for("admin.outbox_message", message_id=message_id))


@bp.app_template_global("outbox_state")
def outbox_state(message: OutboxMessage, now) -> str:
    """``sending`` for a queued message a worker holds now, else its status."""
    if message.status == OutboxStatus.QUEUED and message.is_in_flight(now):
        return "sending"
    return message.status.value
