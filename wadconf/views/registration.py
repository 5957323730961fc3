"""Public registration pages reached from an invitation link or a manage link.

Placeholder routes so links can be built; the registration work replaces them.
"""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("registration", __name__)


@bp.get("/i/<token>")
def invitation(token: str):
    """The invitation's registration page."""
    abort(404)


@bp.get("/r/<token>")
def manage(token: str):
    """A registration's private manage page."""
    abort(404)
