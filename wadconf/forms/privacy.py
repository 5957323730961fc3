"""Organisers' forms about delegates' personal data (PIPL)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class EraseForm(FlaskForm):
    """Erase a registration's personal data: irreversible, so the organiser ticks a box first."""

    confirm = BooleanField(
        _l("I understand that the personal data is erased for good and cannot be restored."),
        validators=[DataRequired(message=_l("Tick the box to confirm the erasure."))],
    )
