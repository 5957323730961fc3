"""Organiser and administrator pages. Every route declares its roles."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from wadconf.views.admin import audit, events, users  # noqa: E402,F401
