"""Publicity materials that reporting bodies and the public download."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("materials", __name__, url_prefix="/materials")
