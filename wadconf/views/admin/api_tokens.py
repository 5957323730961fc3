"""API tokens of a staff account (administrators only): create (shown once) and revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional

from wadconf.extensions import db
from wadconf.models import Role, StaffUser
from wadconf.security import roles_required
from wadconf.services import DomainError, api_tokens
from wadconf.views.admin import bp


class TokenCreateForm(FlaskForm):
    """A new token: what it is for."""

    name = StringField(_l("What the token is for"), validators=[Optional(), Length(max=100)])


class TokenRevokeForm(FlaskForm):
    """Revoke one token."""

    token_id = IntegerField(validators=[DataRequired()])


def _user(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


def _page(user: StaffUser, form: TokenCreateForm, new_token: str | None = None):
    return render_template(
        "admin/api_tokens.html",
        user=user,
        tokens=api_tokens.tokens_of(user),
        form=form,
        revoke_form=TokenRevokeForm(),
        new_token=new_token,
    )


@bp.get("/users/<int:user_id>/tokens")
@roles_required(Role.ADMIN)
def api_tokens_list(user_id: int):
    """The account's API tokens and a form for a new one."""
    return _page(_user(user_id), TokenCreateForm())


@bp.post("/users/<int:user_id>/tokens")
@roles_required(Role.ADMIN)
def api_token_create(user_id: int):
    """Create a token and show it once (rendered, never put in a flash or a redirect)."""
    user = _user(user_id)
    form = TokenCreateForm()
    if not form.validate_on_submit():
        return _page(user, form), 400
    try:
        _row, token = api_tokens.create_token(user, name=form.name.data or "", by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.api_tokens_list", user_id=user.id))
    db.session.commit()
    return _page(user, TokenCreateForm(formdata=None), new_token=token)


@bp.post("/users/<int:user_id>/tokens/revoke")
@roles_required(Role.ADMIN)
def api_token_revoke(user_id: int):
    """Revoke one of the account's tokens."""
    user = _user(user_id)
    form = TokenRevokeForm()
    token = api_tokens.get_token(user, form.token_id.data) if form.validate_on_submit() else None
    if token is None:
        flash(_l("No such token."), "error")
    else:
        api_tokens.revoke_token(token, by=current_user)
        db.session.commit()
        flash(_l("The token was revoked; devices using it can no longer scan."), "success")
    return redirect(url_for("admin.api_tokens_list", user_id=user.id))
