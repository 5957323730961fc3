"""Staff accounts (administrators only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from wadconf.extensions import db
from wadconf.forms.users import PasswordForm, UserCreateForm, UserEditForm
from wadconf.models import Role, StaffUser
from wadconf.security import roles_required
from wadconf.services import DomainError, accounts
from wadconf.views.admin import bp


def _event_choices(form) -> None:
    """Offer every event as the one an account may be limited to, or none (all events)."""
    from wadconf.i18n import bi
    from wadconf.services.events import list_events

    form.event_id.choices = [("", _l("All events"))] + [
        (str(event.id), bi(event, "name")) for event in list_events()
    ]


def _event_id(form, current: int | None) -> int | None:
    """The chosen event id, ``None`` for all events, ``current`` when the field was not sent.

    Raises ``unknown_event`` for a value that is no id (the service checks that it exists).
    """
    if not form.event_id.raw_data:
        return current
    value = form.event_id.raw_data[0]
    if not value:
        return None
    if not value.isdigit():
        raise DomainError("unknown_event", _l("No such event."))
    return int(value)


def _get(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users/")
@roles_required(Role.ADMIN)
def users():
    """All staff accounts."""
    return render_template("admin/users.html", users=accounts.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_new():
    """Create a staff account."""
    form = UserCreateForm()
    _event_choices(form)
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.email.data,
                role=form.role.data,
                password=form.password.data,
                display_name=form.display_name.data or "",
                by=current_user,
            )
            accounts.limit_to_event(user, _event_id(form, None), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("The account was created."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int):
    """Change an account's name, role or whether it may log in."""
    user = _get(user_id)
    form = UserEditForm(obj=user, role=user.role.value, is_active=user.is_active_account)
    _event_choices(form)
    if not form.is_submitted():
        form.event_id.data = str(user.event_id or "")
    password_form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            user.display_name = (form.display_name.data or "").strip()
            accounts.change_role(user, form.role.data, by=current_user)
            accounts.limit_to_event(user, _event_id(form, user.event_id), by=current_user)
            accounts.set_active(user, bool(form.is_active.data), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("Saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, password_form=password_form
    )


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
def user_password(user_id: int):
    """Set a new password for an account."""
    user = _get(user_id)
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        is_self = user.id == current_user.id
        try:
            accounts.set_password(user, form.password.data, by=current_user)
            if is_self:  # keep the admin who changed their own password logged in here
                accounts.start_session(
                    user,
                    ip_address=request.remote_addr or "",
                    user_agent=request.headers.get("User-Agent", ""),
                )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            if is_self:
                login_user(user)
            flash(
                _l("The password was changed; the account's other sessions have ended."), "success"
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("admin.user_edit", user_id=user.id))
