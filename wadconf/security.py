"""Response headers, roles, safe redirects, idle sessions."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from wadconf.models import Role

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; media-src 'self' blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def roles_required(*roles: Role) -> Callable:
    """Allow the view to staff holding one of ``roles`` (admins always pass)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the route-walk test
        return wrapped

    return decorator


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


#: Endpoints that serve files, not pages: no login bookkeeping, cacheable.
_PUBLIC_ASSETS = frozenset({"static", "public.font"})


def security_headers(https: bool) -> list[tuple[str, str]]:
    """The headers every answer carries (also the scan fast path's, views/api_fast.py)."""
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if https:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def _security_headers(response):
    headers = response.headers
    for name, value in security_headers(bool(current_app.config.get("HTTPS"))):
        headers.setdefault(name, value)
    # Pages of a logged-in staff member are never stored; static files (fonts, the
    # scanner's decoder) carry no personal data and stay cacheable.
    if request.endpoint not in _PUBLIC_ASSETS and current_user and current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    return response


def _end_idle_session():
    if request.endpoint in _PUBLIC_ASSETS or not current_user.is_authenticated:
        return None
    now = int(time.time())
    idle = int(current_app.config["IDLE_MINUTES"]) * 60
    seen = session.get("seen")
    if seen is not None and now - int(seen) > idle:
        logout_user()
        session.clear()
        flash(_l("You were signed out after a period of inactivity."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    session["seen"] = now
    return None


def init_app(app: Flask) -> None:
    """Install the headers and the idle-session check."""
    app.after_request(_security_headers)
    app.before_request(_end_idle_session)
