"""The reporting bodies' portal for World Accreditation Day series activities."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("series", __name__, url_prefix="/series")
