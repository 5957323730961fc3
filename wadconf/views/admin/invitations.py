"""Organisers' invitation pages: list, create, edit, detail, revoke, export.

Sending and the e-mail preview are in :mod:`wadconf.views.admin.invitation_mail`.
"""

from __future__ import annotations

import base64
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.forms.invitations import ActionForm, InvitationForm, locale_choices
from wadconf.forms.review import status_choices as registration_status_choices
from wadconf.models import AuditEntry, Event, Invitation, Role
from wadconf.security import roles_required
from wadconf.services import DomainError, audit, exports
from wadconf.services import categories as category_service
from wadconf.services import invitation_sending as sending
from wadconf.services import invitations as service
from wadconf.services.invitations import STATUS_FILTERS, InvitationData
from wadconf.services.qr import qr_png
from wadconf.views.admin import bp, event_or_404

PAGE_SIZE = 50
STATUS_LABELS = {
    "all": _l("All"),
    "draft": _l("Draft"),
    "sent": _l("Sent"),
    "opened": _l("Opened"),
    "registered": _l("Registered"),
    "declined": _l("Declined"),
    "revoked": _l("Revoked"),
    "expired": _l("Expired"),
}
#: Audit actions shown in an invitation's history, in people's words.
HISTORY_LABELS = {
    "invitation.create": _l("Created"),
    "invitation.update": _l("Edited"),
    "invitation.send": _l("Sent"),
    "invitation.resend": _l("Sent again"),
    "invitation.revoke": _l("Revoked"),
    "invitation.decline": _l("Declined"),
    "invitation.import": _l("Imported"),
}


def invitation_or_404(event: Event, invitation_id: int) -> Invitation:
    """``event``'s invitation ``invitation_id``, else 404 (another event's id included)."""
    invitation = service.get_invitation(event, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


def list_filters(event: Event) -> dict:
    """The list's filters from the query string, cleaned."""
    status = request.args.get("status", "all")
    category = request.args.get("category", "")
    category_id = int(category) if category.isdigit() else None
    if category_id is not None and category_service.get_category(event, category_id) is None:
        category_id = None
    return {
        "status": status if status in STATUS_FILTERS else "all",
        "q": request.args.get("q", "").strip()[:100],
        "category_id": category_id,
    }


@bp.get("/events/<slug>/invitations/")
@roles_required(Role.ORGANIZER)
def invitations(slug: str):
    """Invitations of an event: status tabs with counts, search, category, paging."""
    event = event_or_404(slug)
    filters = list_filters(event)
    now = utcnow()
    query = service.filtered_invitations(event, now=now, **filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = list(
        db.session.scalars(
            query.options(selectinload(Invitation.category))
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return render_template(
        "admin/invitations/list.html",
        event=event,
        invitations=rows,
        total=total,
        page=page,
        pages=pages,
        now=now,
        filters=filters,
        status_labels=STATUS_LABELS,
        counts=service.status_counts(
            event, q=filters["q"], category_id=filters["category_id"], now=now
        ),
        categories=category_service.list_categories(event),
        unsent=sending.count_unsent(event, now=now),
        locales=dict(locale_choices()),
        action_form=ActionForm(),
        # Pages of other parts of the issue, linked when present.
    )


def _form(event: Event, invitation: Invitation | None = None) -> InvitationForm:
    """The invitation form with the event's categories, filled from ``invitation`` on GET."""
    form = InvitationForm(obj=invitation)
    form.category.choices = [("", "—")] + [
        (
            c.code,
            f"{c.name_zh} / {c.name_en}" if c.name_zh and c.name_en else c.name_zh or c.name_en,
        )
        for c in category_service.list_categories(event)
    ]
    if invitation is not None and not form.is_submitted():
        form.category.data = invitation.category.code if invitation.category else ""
        form.locale.data = invitation.locale.value
        if invitation.expires_at:
            form.expires_at.data = invitation.expires_at.astimezone(event.zone).replace(tzinfo=None)
    return form


def _data_from(form: InvitationForm, event: Event) -> InvitationData:
    # Only the fields the form offers: state, token, event or seats_used cannot be posted in.
    """The service's input from the form; the expiry is read in the event's zone."""
    expires = form.expires_at.data
    return InvitationData(
        name_zh=form.name_zh.data or "",
        name_en=form.name_en.data or "",
        organisation=form.organisation.data or "",
        category=form.category.data or "",
        email=form.email.data or "",
        mobile=form.mobile.data or "",
        locale=form.locale.data,
        seats=form.seats.data,
        note=form.note.data or "",
        expires_at=expires.replace(tzinfo=ZoneInfo(event.timezone)) if expires else None,
    )


def _show_error(form: InvitationForm, exc: DomainError) -> None:
    """Put the refusal under the field it concerns, else at the top of the page."""
    field = getattr(form, str(exc.params.get("field", "")), None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


@bp.route("/events/<slug>/invitations/new", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def invitation_new(slug: str):
    """Create an invitation (a draft until sent)."""
    event = event_or_404(slug)
    form = _form(event)
    if form.validate_on_submit():
        try:
            invitation = service.create_invitation(event, _data_from(form, event), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("The invitation was created."), "success")
            return redirect(
                url_for("admin.invitation_detail", slug=slug, invitation_id=invitation.id)
            )
    return render_template("admin/invitations/form.html", form=form, event=event, invitation=None)


@bp.route("/events/<slug>/invitations/<int:invitation_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def invitation_edit(slug: str, invitation_id: int):
    """Edit an invitation."""
    event = event_or_404(slug)
    invitation = invitation_or_404(event, invitation_id)
    form = _form(event, invitation)
    if form.validate_on_submit():
        try:
            changed = service.update_invitation(
                invitation, _data_from(form, event), by=current_user
            )
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("Saved.") if changed else _l("Nothing changed."), "success")
            return redirect(
                url_for("admin.invitation_detail", slug=slug, invitation_id=invitation_id)
            )
    return render_template(
        "admin/invitations/form.html", form=form, event=event, invitation=invitation
    )


def _history(invitation: Invitation) -> list[AuditEntry]:
    """The invitation's audit entries, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "Invitation", AuditEntry.object_id == str(invitation.id)
            )
            .order_by(AuditEntry.id)
        )
    )


@bp.get("/events/<slug>/invitations/<int:invitation_id>")
@roles_required(Role.ORGANIZER)
def invitation_detail(slug: str, invitation_id: int):
    """An invitation: its data, link and QR, history, and the registrations made from it."""
    event = event_or_404(slug)
    invitation = invitation_or_404(event, invitation_id)
    link = sending.invitation_link(invitation)
    qr = base64.b64encode(qr_png(link, box_size=6)).decode("ascii")
    return render_template(
        "admin/invitations/detail.html",
        event=event,
        invitation=invitation,
        link=link,
        qr=qr,
        history=_history(invitation),
        history_labels=HISTORY_LABELS,
        status_labels=STATUS_LABELS,
        status=invitation.status(utcnow()),
        registration_labels=dict(registration_status_choices()),
        locales=dict(locale_choices()),
        action_form=ActionForm(),
    )


@bp.route("/events/<slug>/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def invitation_revoke(slug: str, invitation_id: int):
    """Ask, then revoke: the link stops working, registrations made from it stay."""
    event = event_or_404(slug)
    invitation = invitation_or_404(event, invitation_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            service.revoke_invitation(invitation, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(
                _l("The invitation was revoked. Registrations made from it were kept."), "success"
            )
        return redirect(url_for("admin.invitation_detail", slug=slug, invitation_id=invitation_id))
    return render_template(
        "admin/invitations/revoke.html", event=event, invitation=invitation, form=form
    )


def _export_rows(event: Event, filters: dict):
    """Header and rows of the filtered list, times in the event's zone."""
    header = [
        gettext("Name (Chinese)"),
        gettext("Name (English)"),
        gettext("Organisation"),
        gettext("Delegate category"),
        gettext("E-mail"),
        gettext("Mobile"),
        gettext("Language"),
        gettext("Seats"),
        gettext("Seats used"),
        gettext("Status"),
        gettext("Expires"),
        gettext("Sent"),
        gettext("Created"),
    ]
    # Translated once: a lazy string looks its catalogue up again every time it is used.
    locales = {code: str(label) for code, label in locale_choices()}
    statuses = {code: str(label) for code, label in STATUS_LABELS.items()}
    now = utcnow()

    rows = (
        [*row[:6], locales.get(row[6], row[6]), row[7], row[8], statuses[row[9]], *row[10:]]
        for row in service.export_rows(event, now=now, zone=event.zone, **filters)
    )
    return header, rows


def _audit_export(event: Event, fmt: str, filters: dict) -> None:
    """Record who downloaded personal data (PIPL), in a write transaction of its own."""
    event_id = event.id
    db.session.commit()  # end the read transaction of this GET request
    with write_intent():
        audit.record(
            "invitation.export",
            actor=current_user._get_current_object(),
            event_id=event_id,
            details={"format": fmt, **filters},
        )
        db.session.commit()


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    """``data`` as a file download named ``filename``."""
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/events/<slug>/invitations/export.csv")
@roles_required(Role.ORGANIZER)
def invitations_export_csv(slug: str):
    """The filtered list as CSV (UTF-8 with BOM, for Excel)."""
    event = event_or_404(slug)
    filters = list_filters(event)
    header, rows = _export_rows(event, filters)
    data = exports.write_csv(header, rows)
    _audit_export(event, "csv", filters)
    return _download(data, exports.CSV_MIMETYPE, f"invitations-{event.slug}.csv")


@bp.get("/events/<slug>/invitations/export.xlsx")
@roles_required(Role.ORGANIZER)
def invitations_export_xlsx(slug: str):
    """The filtered list as an Excel workbook."""
    event = event_or_404(slug)
    filters = list_filters(event)
    header, rows = _export_rows(event, filters)
    data = exports.write_xlsx(header, rows, sheet_title=event.slug)
    _audit_export(event, "xlsx", filters)
    return _download(data, exports.XLSX_MIMETYPE, f"invitations-{event.slug}.xlsx")


# Sending and preview pages, in their own module to keep this one short.
from wadconf.views.admin import invitation_mail  # noqa: E402,F401
