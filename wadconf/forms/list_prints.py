"""Organisers' card printing form: which cards (table or seat) and for whom."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired


def kind_choices() -> list[tuple[str, str]]:
    """The printed formats."""
    return [
        ("table", _l("Table cards: folded, A4 landscape, one per sheet")),
        ("seat", _l("Seat cards: eight on an A4 sheet, with cut marks")),
    ]


def source_choices() -> list[tuple[str, str]]:
    """Whose names are printed."""
    return [
        ("session", _l("A session's people and signatories (plenary, signing ceremony)")),
        ("category", _l("One category of confirmed delegates")),
        ("confirmed", _l("All confirmed delegates")),
    ]


class CardsForm(FlaskForm):
    """Cards to print; the view fills the session and category choices from the event."""

    kind = SelectField(_l("Cards"), choices=kind_choices(), validators=[DataRequired()])
    source = SelectField(_l("Names of"), choices=source_choices(), validators=[DataRequired()])
    session = SelectField(_l("Session"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)

    def validate(self, extra_validators=None) -> bool:
        """The session or category the source needs must be one of the event's."""
        if not super().validate(extra_validators):
            return False
        for name in ("session", "category"):
            if self.source.data != name:
                continue
            field = getattr(self, name)
            allowed = {value for value, _label in field.choices if value}
            if field.data not in allowed:
                field.errors.append(_l("Choose one from the list."))
                return False
        return True
