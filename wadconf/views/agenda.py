"""The public programme: agenda pages, iCalendar and JSON exports (being written)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("agenda", __name__)
