"""Organisers' invitation pages that concern the e-mail: send one, send many, preview."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wadconf.extensions import db
from wadconf.forms.invitations import ActionForm, locale_choices
from wadconf.models import Role
from wadconf.security import roles_required
from wadconf.services import DomainError
from wadconf.services import invitation_sending as sending
from wadconf.views.admin import bp, event_or_404
from wadconf.views.admin.invitations import invitation_or_404

#: Why a bulk send left some out, in people's words.
SKIP_REASONS = {
    "invitation_revoked": _l("revoked"),
    "invitation_declined": _l("declined"),
    "invitation_expired": _l("expired"),
    "no_email": _l("no e-mail address"),
    "recently_sent": _l("sent less than a minute ago"),
    "batch_limit": _l("over the batch limit"),
}


@bp.post("/events/<slug>/invitations/<int:invitation_id>/send")
@roles_required(Role.ORGANIZER)
def invitation_send(slug: str, invitation_id: int):
    """Send (or send again) one invitation."""
    event = event_or_404(slug)
    invitation = invitation_or_404(event, invitation_id)
    if ActionForm().validate_on_submit():
        try:
            sending.send_invitation(invitation, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("The invitation e-mail is in the outbox."), "success")
    return redirect(url_for("admin.invitation_detail", slug=slug, invitation_id=invitation_id))


@bp.post("/events/<slug>/invitations/send")
@roles_required(Role.ORGANIZER)
def invitations_send(slug: str):
    """Send the ticked invitations (``scope=selected``) or all unsent ones (``scope=unsent``)."""
    event = event_or_404(slug)
    back = request.form.get("back", "")
    target = (
        back
        if back.startswith(url_for("admin.invitations", slug=slug))
        else url_for("admin.invitations", slug=slug)
    )
    if not ActionForm().validate_on_submit():
        return redirect(target)
    if request.form.get("scope") == "unsent":
        report = sending.send_all_unsent(event, by=current_user)
    else:
        ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
        if not ids:
            flash(_l("Tick the invitations to send first."), "info")
            return redirect(target)
        report = sending.send_selected(event, ids, by=current_user)
    db.session.commit()
    _flash_report(report)
    return redirect(target)


def _flash_report(report: sending.SendReport) -> None:
    """Tell the organiser how many were queued, which were skipped and why, what remains."""
    flash(gettext("%(n)d invitation e-mails are in the outbox.", n=report.sent), "success")
    if report.skipped:
        reasons = ", ".join(
            f"{SKIP_REASONS.get(code, code)}: {n}" for code, n in report.skipped.items()
        )
        flash(gettext("Not sent: %(reasons)s.", reasons=reasons), "info")
    if report.remaining:
        flash(
            gettext("%(n)d unsent invitations remain; send again to continue.", n=report.remaining),
            "info",
        )


@bp.get("/events/<slug>/invitations/<int:invitation_id>/preview")
@roles_required(Role.ORGANIZER)
def invitation_preview(slug: str, invitation_id: int):
    """The invitation e-mail in Chinese and English as the invitee would get it; nothing is sent."""
    event = event_or_404(slug)
    invitation = invitation_or_404(event, invitation_id)
    return render_template(
        "admin/invitations/preview.html",
        event=event,
        invitation=invitation,
        versions=sending.preview(invitation),
        locales=dict(locale_choices()),
    )


#: The e-mail's own inline styles may apply; nothing else may load or run, and only our pages
#: may frame it.
PREVIEW_FRAME_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "script-src 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)


@bp.get("/events/<slug>/invitations/<int:invitation_id>/preview/frame")
@roles_required(Role.ORGANIZER)
def invitation_preview_frame(slug: str, invitation_id: int):
    """The HTML part of the e-mail in ``?locale=``, alone, for the preview page's iframe."""
    event = event_or_404(slug)
    invitation = invitation_or_404(event, invitation_id)
    locale = request.args.get("locale", "zh_Hans")
    versions = sending.preview(invitation)
    if locale not in versions:
        abort(404)
    # The mail template escaped every value people typed; the CSP below also sandboxes the
    # document and forbids scripts, in case a template ever forgot.
    html = versions[locale][2]
    lang = "zh-Hans" if locale == "zh_Hans" else "en"
    body = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"></head>'
        f"<body>{html}</body></html>"
    )
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_FRAME_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
