"""The scanner page for gate staff."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("checkin", __name__, url_prefix="/checkin")
