"""Public registration pages: the invitation link ``/i/<token>`` and the manage link ``/r/<token>``.

Both carry random tokens and are rate-limited per client: every request counts against a
generous limit, and requests that end in 404 (a guessed token) against a tight one.
Pages speak the invitee's or delegate's language unless the visitor chose another.
"""

from __future__ import annotations

import json
from dataclasses import fields

import flask_babel
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db, limiter
from wadconf.forms.enrolment import chosen_sessions, offer_sessions
from wadconf.forms.registration import (
    ActionForm,
    DeclineForm,
    DelegateForm,
    RegistrationForm,
    fit_to_event,
    new_submission_key,
)
from wadconf.i18n import locale_code
from wadconf.models import Invitation, InvitationState, Registration
from wadconf.services import DomainError, privacy
from wadconf.services import enrolments as enrolment_service
from wadconf.services import invitations as invitation_service
from wadconf.services import registration as service
from wadconf.services.registration import DelegateData

bp = Blueprint("registration", __name__)

_all_requests = limiter.shared_limit(
    lambda: current_app.config["PUBLIC_LINK_LIMIT"], scope="public-link"
)
# Only 404s are deducted: guessing tokens is what this limit stops, and a 404 costs one query.
_misses = limiter.shared_limit(
    lambda: current_app.config["PUBLIC_LINK_MISS_LIMIT"],
    scope="public-link-miss",
    deduct_when=lambda response: response.status_code == 404,
)


@bp.after_request
def _private(response: Response) -> Response:
    """These pages show personal data: no cache, shared or private, keeps a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response


def limited(view):
    """Both limits on ``view``."""
    return _all_requests(_misses(view))


def _speak(locale: str) -> None:
    """Show this page in ``locale`` ('both' reads Chinese first) unless the visitor chose one."""
    g.preferred_locale = "zh_Hans" if locale == "both" else locale
    flask_babel.refresh()  # the locale may already have been looked up for this request


def _invitation(token: str) -> Invitation:
    """The invitation of a public link, or the same 404 for unknown and revoked tokens."""
    invitation = invitation_service.find_invitation_for_public(token)
    if invitation is None:
        abort(404)
    g.event = invitation.event
    _speak(invitation.locale.value)
    return invitation


def _registration(token: str) -> Registration:
    """The registration of a manage link, or 404 (badge codes and invitation tokens never match)."""
    registration = service.find_by_manage_token(token)
    if registration is None:
        abort(404)
    g.event = registration.event
    _speak(registration.locale)
    return registration


def _not_yet_open(invitation: Invitation, now) -> bool:
    opens = invitation.event.registration_opens_at
    return bool(opens and now < opens)


def _unavailable(invitation: Invitation):
    """The page for an invitation that takes no registration now, or ``None`` when it does."""
    now = utcnow()
    if invitation.is_expired(now):
        reason, status = "expired", 410
    elif not invitation.event.registration_is_open(now):
        reason, status = "closed", 403
    else:
        return None
    return render_template(
        "public/registration/unavailable.html",
        reason=reason,
        invitation=invitation,
        event=invitation.event,
        not_yet_open=_not_yet_open(invitation, now),
    ), status


def _data_from(form: DelegateForm) -> DelegateData:
    """Only the fields the form offers; anything else posted is never read (no mass assignment)."""
    values = {}
    for f in fields(DelegateData):
        field = getattr(form, f.name, None)
        if field is not None:
            values[f.name] = bool(field.data) if f.name == "id_consent" else (field.data or "")
    return DelegateData(**values)


def _show_errors(form: DelegateForm, exc: DomainError) -> None:
    """Put a service refusal next to the fields it names, else at the top of the page."""
    errors = exc.params.get("errors") or {}
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")
    if not errors:
        flash(exc.message, "error")


def _version(value: str | None) -> int | None:
    """The notice version the form was shown with; ``None`` when missing or tampered with."""
    try:
        return int(value or "")
    except ValueError:
        return None


def _add_rule_errors(form: DelegateForm, event) -> None:
    """After the form refused a submission, also show what the service rules say, so the
    delegate sees every problem at once rather than one round at a time. Reads only."""
    try:
        service.validate_delegate(event, _data_from(form))
    except DomainError as exc:
        for name, message in (exc.params.get("errors") or {}).items():
            field = getattr(form, name, None)
            if field is not None and not field.errors:
                field.errors = [*field.errors, message]


@bp.get("/i/<token>")
@limited
def invitation(token: str):
    """The invitation: accept or decline; a delegation's page lists and adds its delegates."""
    invitation = _invitation(token)
    if invitation.opened_at is None or invitation.state in {
        InvitationState.DRAFT,
        InvitationState.SENT,
    }:
        # A GET only reads; the first opening is recorded in a write transaction of its own.
        db.session.commit()
        with write_intent():
            invitation_service.mark_opened(invitation)
            db.session.commit()
    now = utcnow()
    registrations = service.invitation_registrations(invitation)
    return render_template(
        "public/registration/invitation.html",
        invitation=invitation,
        event=invitation.event,
        registrations=registrations,
        active=[r for r in registrations if r.is_active],
        expired=invitation.is_expired(now),
        is_open=invitation.event.registration_is_open(now),
        not_yet_open=_not_yet_open(invitation, now),
        can_edit=lambda r: service.can_edit(r, now),
    )


@bp.route("/i/<token>/register", methods=["GET", "POST"])
@limited
def register(token: str):
    """The registration form: the invitee themselves, or a delegate of a delegation."""
    invitation = _invitation(token)
    refusal = _unavailable(invitation)
    if refusal is not None:
        return refusal
    if invitation.seats_used >= invitation.seats and request.method == "GET":
        flash(_l("All seats of this invitation are taken."), "info")
        return redirect(url_for("registration.invitation", token=token))
    event = invitation.event
    form = fit_to_event(RegistrationForm(), event, locale_code())
    offered = offer_sessions(form, event)  # sessions requiring enrolment, as checkboxes
    notice = privacy.current_notice(event)
    if not form.is_submitted():
        form.submission_key.data = new_submission_key()
        form.notice_version.data = str(notice.version)
        form.organisation.data = invitation.organisation
        if not invitation.is_delegation:  # a person registers themselves: start from the invitation
            form.name_zh.data, form.name_en.data = invitation.name_zh, invitation.name_en
            form.email.data, form.mobile.data = invitation.email, invitation.mobile
    if form.validate_on_submit():
        try:
            version = _version(form.notice_version.data)
            registration = service.create_registration(
                event,
                _data_from(form),
                invitation=invitation,
                consent_version=version,
                submission_key=form.submission_key.data,
            )
            # All or nothing with the registration: a refused choice rolls both back.
            enrolment_service.enrol_choices(registration, chosen_sessions(form, offered))
        except DomainError as exc:
            db.session.rollback()
            if exc.code == "no_seats_left":
                flash(exc.message, "error")
                return redirect(url_for("registration.invitation", token=token))
            if exc.code == "notice_changed":
                form.notice_version.data = str(privacy.current_notice(event).version)
                form.consent.data = False
            _show_errors(form, exc)
            notice = privacy.current_notice(event)
        else:
            db.session.commit()
            return redirect(url_for("registration.done", token=registration.manage_token))
    elif form.is_submitted():
        _add_rule_errors(form, event)
    return render_template(
        "public/registration/register.html",
        form=form,
        invitation=invitation,
        event=event,
        notice=notice,
    )


@bp.route("/i/<token>/decline", methods=["GET", "POST"])
@limited
def decline(token: str):
    """Decline the invitation, with an optional message to the organisers."""
    invitation = _invitation(token)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            service.decline_invitation(invitation, message=form.message.data or "")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("Thank you for letting us know. The organisers have been told."), "success")
        return redirect(url_for("registration.invitation", token=token))
    return render_template(
        "public/registration/decline.html", form=form, invitation=invitation, event=invitation.event
    )


@bp.get("/r/<token>/done")
@limited
def done(token: str):
    """The confirmation page shown right after registering (and after a repeated submit)."""
    registration = _registration(token)
    return render_template(
        "public/registration/confirmation.html", registration=registration, event=registration.event
    )


@bp.get("/r/<token>")
@limited
def manage(token: str):
    """The delegate's private page: view, edit, cancel, download, ask for deletion."""
    registration = _registration(token)
    return render_template(
        "public/registration/manage.html",
        registration=registration,
        event=registration.event,
        can_edit=service.can_edit(registration, utcnow()),
        form=ActionForm(),
        mask_id_number=privacy.mask_id_number,
        notice=privacy.notice_by_version(registration.event, registration.consent_version),
    )


@bp.get("/r/<token>/badge.png")
@limited
def badge_image(token: str):
    """The delegate's e-badge (PNG), once the registration is confirmed."""
    from wadconf.models import RegistrationStatus
    from wadconf.services.badges import badge_png

    registration = _registration(token)
    if (
        registration.status != RegistrationStatus.CONFIRMED
        or registration.is_erased
        or not registration.badge_code
    ):
        abort(404)
    return Response(
        badge_png(registration),
        mimetype="image/png",
        headers={"Cache-Control": "private, no-store"},
    )


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
@limited
def edit(token: str):
    """Change the registration's details, until registration closes."""
    registration = _registration(token)
    if not service.can_edit(registration, utcnow()):
        flash(_l("This registration can no longer be changed."), "error")
        return redirect(url_for("registration.manage", token=token))
    event = registration.event
    form = fit_to_event(DelegateForm(obj=registration), event, locale_code())
    if not form.is_submitted() and form.id_consent is not None:
        form.id_consent.data = registration.id_consent_at is not None
    if form.validate_on_submit():
        try:
            changed = service.update_registration(registration, _data_from(form))
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(_l("Your changes were saved.") if changed else _l("Nothing changed."), "success")
            return redirect(url_for("registration.manage", token=token))
    elif form.is_submitted():
        _add_rule_errors(form, event)
    return render_template(
        "public/registration/edit.html", form=form, registration=registration, event=event
    )


@bp.post("/r/<token>/cancel")
@limited
def cancel(token: str):
    """Cancel the registration; the seat goes back to the invitation."""
    registration = _registration(token)
    if ActionForm().validate_on_submit():
        try:
            service.cancel_registration(registration)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(
                _l("Your registration is cancelled. A confirmation was sent by e-mail."), "success"
            )
    return redirect(url_for("registration.manage", token=token))


@bp.get("/r/<token>/data.json")
@limited
def export(token: str):
    """A copy of the delegate's personal data (PIPL), as a JSON download."""
    registration = _registration(token)
    data = privacy.export_personal_data(registration)
    db.session.commit()  # end the read; the audit entry below is a write of its own
    with write_intent():
        privacy.record_export(db.session.merge(registration))
        db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    slug = data["event"]["slug"]
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="registration-{slug}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/r/<token>/deletion")
@limited
def request_deletion(token: str):
    """Ask the organisers to delete the delegate's personal data."""
    registration = _registration(token)
    if ActionForm().validate_on_submit():
        privacy.request_deletion(registration)
        db.session.commit()
        flash(
            _l("Your request was recorded. The organisers will delete your data and tell you."),
            "success",
        )
    return redirect(url_for("registration.manage", token=token))
