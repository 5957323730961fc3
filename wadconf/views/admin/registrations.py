"""Organisers' registration pages: list, summary, detail and history, edit, review, erasure.

Direct registration (walk-ins) is in :mod:`wadconf.views.admin.registration_walkin`.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.forms.privacy import EraseForm
from wadconf.forms.registration import ActionForm, fit_to_event, gender_choices, id_type_choices
from wadconf.forms.review import (
    RegistrationEditForm,
    RegistrationFilterForm,
    ReviewForm,
    country_names,
    status_choices,
)
from wadconf.i18n import bi, locale_code
from wadconf.models import Event, Invitation, Registration, Role
from wadconf.security import roles_required
from wadconf.services import DomainError, privacy, review
from wadconf.services import registration_queries as queries
from wadconf.services.categories import list_categories
from wadconf.views.admin import bp, event_or_404


def _registration(event: Event, registration_id: int) -> Registration:
    """The event's registration; another event's id is as absent as a missing one."""
    registration = queries.get_registration(event, registration_id)
    if registration is None:
        abort(404)
    return registration


def _display_helpers(event: Event) -> dict:
    """Names, masks and formats the registration templates share."""
    zone = event.zone

    def minute(value: datetime | None) -> str:
        """``value`` to the minute in the event's zone."""
        # "2024-05-21 09:30" in the event's zone reads the same in both languages, and costs a
        # fraction of Babel's format_datetime, which was a third of the list page's time.
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    return {
        "status_labels": dict(status_choices()),
        "country_names": country_names(),
        "gender_labels": dict(gender_choices()[1:]),
        "id_type_labels": dict(id_type_choices()[1:]),
        "minute": minute,
    }


def _category_choices(event: Event, empty_label) -> list[tuple[str, str]]:
    """The event's categories as select choices, after an empty one."""
    return [("", empty_label)] + [(str(c.id), bi(c, "name")) for c in list_categories(event)]


# --- the list and the summary -----------------------------------------------------------


def _invitation_choice(event: Event, value: str) -> tuple[str, str] | None:
    """The filter choice naming the invitation ``value`` (an id) of ``event``, if it is one."""
    if not value.isdigit():
        return None
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.id == int(value), Invitation.event_id == event.id)
    )
    if invitation is None:
        return None
    return value, f"{invitation.organisation or bi(invitation, 'name')} ({invitation.seats})"


@bp.get("/events/<slug>/registrations/")
@roles_required(Role.ORGANIZER)
def registrations(slug: str):
    """Search, filter, sort and page the event's registrations."""
    event = event_or_404(slug)
    form = RegistrationFilterForm(request.args)
    form.status.choices = [("", _l("All statuses"))] + status_choices()
    form.category.choices = _category_choices(event, _l("All categories"))
    category_names = dict(form.category.choices[1:])
    names = country_names()
    form.country.choices = [("", _l("All countries and regions"))] + [
        (code, names.get(code, code)) for code in queries.countries_in_use(event)
    ]
    form.invitation.choices = [
        ("", _l("With or without invitation")),
        (queries.INVITATION_ANY, _l("With an invitation")),
        (queries.INVITATION_NONE, _l("Without invitation (added by organisers)")),
    ]
    # One invitation is chosen from the summary's delegation table or an invitation page,
    # not from a select of every invitation (hundreds of options cost more than the query).
    chosen = _invitation_choice(event, request.args.get("invitation", ""))
    if chosen:
        form.invitation.choices.append(chosen)
    form.deletion.choices = [
        ("", _l("Any")),
        (queries.DELETION_REQUESTED, _l("Deletion requested")),
        (queries.DELETION_ERASED, _l("Erased")),
    ]
    valid = form.validate()
    category = form.category.data or ""
    query = queries.RegistrationQuery(
        q=(form.q.data or "") if valid else "",
        status=form.status.data or "",
        category_id=int(category) if category.isdigit() else None,
        country=form.country.data or "",
        invitation=form.invitation.data or "",
        deletion=form.deletion.data or "",
        sort=form.sort.data or "created",
        descending=request.args.get("desc") == "1",
        page=request.args.get("page", 1, type=int),
    )
    result = queries.search_registrations(event, query)
    return render_template(
        "admin/registrations/list.html",
        event=event,
        form=form,
        result=result,
        query=query,
        category_names=category_names,
        **_display_helpers(event),
        sort_args={k: v for k, v in request.args.items() if k not in {"page", "sort", "desc"}},
    )


@bp.get("/events/<slug>/registrations/summary")
@roles_required(Role.ORGANIZER)
def registration_summary(slug: str):
    """Invited, declined, registered, pending... per category; the delegations' seats."""
    event = event_or_404(slug)
    return render_template(
        "admin/registrations/summary.html", event=event, summary=queries.registration_summary(event)
    )


# --- one registration -------------------------------------------------------------------


@bp.get("/events/<slug>/registrations/<int:registration_id>")
@roles_required(Role.ORGANIZER)
def registration_detail(slug: str, registration_id: int):
    """Everything about one registration except its full ID number, with its history."""
    event = event_or_404(slug)
    registration = _registration(event, registration_id)
    return render_template(
        "admin/registrations/detail.html",
        event=event,
        registration=registration,
        history=queries.registration_history(registration),
        review_form=ReviewForm(),
        action_form=ActionForm(),
        erase_form=EraseForm(),
        **_display_helpers(event),
    )


def _back(event: Event, registration: Registration):
    """Redirect to the registration's detail page."""
    return redirect(
        url_for("admin.registration_detail", slug=event.slug, registration_id=registration.id)
    )


def _flash_form_errors(form) -> None:
    """Show a form's validation errors as flash messages."""
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


def _review(slug: str, registration_id: int, *, approve: bool):
    """Approve or reject from the detail page's review form."""
    event = event_or_404(slug)
    registration = _registration(event, registration_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(event, registration)
    action = review.approve_registration if approve else review.reject_registration
    try:
        action(registration, message=form.message.data or "", by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(
            _l("Approved; the delegate will receive an e-mail.")
            if approve
            else _l("Rejected; the delegate will receive an e-mail."),
            "success",
        )
    return _back(event, registration)


@bp.post("/events/<slug>/registrations/<int:registration_id>/approve")
@roles_required(Role.ORGANIZER)
def registration_approve(slug: str, registration_id: int):
    """Confirm a pending registration and tell the delegate."""
    return _review(slug, registration_id, approve=True)


@bp.post("/events/<slug>/registrations/<int:registration_id>/reject")
@roles_required(Role.ORGANIZER)
def registration_reject(slug: str, registration_id: int):
    """Reject a pending registration and tell the delegate."""
    return _review(slug, registration_id, approve=False)


def _change_state(slug: str, registration_id: int, action, done_message):
    """Run ``action`` (cancel or restore) on the registration, behind a CSRF-checked form."""
    event = event_or_404(slug)
    registration = _registration(event, registration_id)
    if ActionForm().validate_on_submit():
        try:
            action(registration, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(done_message, "success")
    return _back(event, registration)


@bp.post("/events/<slug>/registrations/<int:registration_id>/cancel")
@roles_required(Role.ORGANIZER)
def registration_cancel(slug: str, registration_id: int):
    """Cancel a registration; its invitation's seat becomes free."""
    return _change_state(
        slug, registration_id, review.cancel_registration, _l("The registration was cancelled.")
    )


@bp.post("/events/<slug>/registrations/<int:registration_id>/restore")
@roles_required(Role.ORGANIZER)
def registration_restore(slug: str, registration_id: int):
    """Restore a cancelled registration if its invitation and the event still have room."""
    return _change_state(
        slug, registration_id, review.restore_registration, _l("The registration was restored.")
    )


@bp.post("/events/<slug>/registrations/<int:registration_id>/erase")
@roles_required(Role.ORGANIZER)
def registration_erase(slug: str, registration_id: int):
    """Erase the delegate's personal data (PIPL), after the organiser ticked the confirmation."""
    event = event_or_404(slug)
    registration = _registration(event, registration_id)
    form = EraseForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(event, registration)
    try:
        privacy.erase_personal_data(registration, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(
            _l("The personal data was erased. The registration stays, anonymised, for the counts."),
            "success",
        )
    return _back(event, registration)


#: DelegateData fields an organiser's form may carry (gender and ID only when the event asks).
_DELEGATE_FIELDS = (
    "name_zh",
    "name_en",
    "gender",
    "organisation",
    "position",
    "country",
    "email",
    "mobile",
    "id_type",
    "id_number",
    "id_consent",
    "dietary",
    "accessibility",
    "locale",
)


def _delegate_data(form: RegistrationEditForm, registration: Registration | None):
    """The explicit fields of the form, and nothing else the request may carry.

    An empty document number keeps the stored one: the edit form never shows it in full.
    """
    values = {name: form[name].data for name in _DELEGATE_FIELDS if name in form}
    values = {k: (v or "") if k != "id_consent" else bool(v) for k, v in values.items()}
    if registration is not None and "id_number" in values and not values["id_number"]:
        del values["id_number"]
        values["id_consent"] = values.get("id_consent") or registration.id_consent_at is not None
    return review.delegate_data(registration, **values)


def _category_id(form: RegistrationEditForm) -> int | None:
    """The chosen category id, or ``None``."""
    category = form.category.data or ""
    return int(category) if category.isdigit() else None


def _show_errors(form: RegistrationEditForm, exc: DomainError) -> None:
    """Put a service's field errors next to their fields; anything else goes to the top."""
    flash(exc.message, "error")
    for name, message in (exc.params.get("errors") or {}).items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            flash(message, "error")


def _prepare(form: RegistrationEditForm, event: Event) -> RegistrationEditForm:
    """Fit the form to what the event asks, with its categories."""
    fit_to_event(form, event, locale_code())
    form.country.choices = [("", "—"), *form.country.choices[1:]]
    form.category.choices = _category_choices(event, "—")
    return form


@bp.route("/events/<slug>/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def registration_edit(slug: str, registration_id: int):
    """Correct a registration's personal and contact details and its category."""
    event = event_or_404(slug)
    registration = _registration(event, registration_id)
    if registration.is_erased:
        flash(
            _l("The personal data of this registration was erased; it can no longer be changed."),
            "error",
        )
        return _back(event, registration)
    data = {
        name: getattr(registration, name)
        for name in _DELEGATE_FIELDS
        if name not in {"id_number", "id_consent"}
    }
    data["category"] = str(registration.category_id or "")
    form = _prepare(RegistrationEditForm(data=data), event)
    if form.validate_on_submit():
        try:
            changed = review.edit_registration(
                registration,
                _delegate_data(form, registration),
                category_id=_category_id(form),
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(_l("Saved.") if changed else _l("Nothing changed."), "success")
            return _back(event, registration)
    return render_template(
        "admin/registrations/form.html",
        event=event,
        form=form,
        registration=registration,
    )
