"""Staff login and logout."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from wadconf.extensions import db, limiter
from wadconf.forms.auth import LoginForm
from wadconf.security import safe_next
from wadconf.services import DomainError, accounts, audit

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "login-account:" + (request.form.get("email") or "").strip().lower()


def _home_of(user) -> str:
    """Where a login lands without ``next``: reporting bodies go to their portal."""
    from wadconf.models import Role

    return url_for("series.home") if user.role == Role.REPORTER else url_for("staff.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_CLIENT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"], key_func=_account_key
)
def login():
    """Log a staff member in; the session is renewed so no earlier cookie carries over."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_home_of(current_user))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except DomainError as exc:
            db.session.commit()  # keep the audit entry of a failed attempt
            form.password.errors.append(exc.message)
        else:
            accounts.start_session(
                user,
                ip_address=request.remote_addr or "",
                user_agent=request.headers.get("User-Agent", ""),
            )
            db.session.commit()
            target = safe_next(form.next.data, _home_of(user))
            session.clear()
            login_user(user)
            session.permanent = True
            session["seen"] = int(time.time())
            return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """End the session."""
    audit.record("auth.logout")
    accounts.end_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_l("You are logged out."), "info")
    return redirect(url_for("auth.login"))
