"""Organisers' badge forms: which badges to list and print, and a reissue with its reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from wadconf.services.badges import REASON_MAX


def layout_choices() -> list[tuple[str, str]]:
    """The printed formats."""
    return [
        ("a6", _l("A6 portrait, one per page (lanyard holders)")),
        ("a4x4", _l("Four A6 on an A4 sheet, with cut marks")),
        ("cr80", _l("CR80 card (86 × 54 mm)")),
    ]


def order_choices() -> list[tuple[str, str]]:
    """The orders of a print batch."""
    return [
        ("organisation", _l("Organisation")),
        ("category", _l("Category")),
        ("name", _l("Name")),
    ]


class BadgeFilterForm(FlaskForm):
    """Which badges the page lists (a GET form; the print form repeats its values)."""

    class Meta:
        csrf = False

    q = StringField(_l("Organisation or name"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    printed = SelectField(
        _l("Printed"),
        choices=[
            ("", _l("All")),
            ("never", _l("Never printed")),
            ("yes", _l("Printed before")),
        ],
        validate_choice=False,
    )
    order = SelectField(_l("Order"), choices=order_choices(), validate_choice=False)


class BadgePrintForm(FlaskForm):
    """Print the listed or the selected badges in one format (POST: print counts change)."""

    layout = SelectField(_l("Format"), choices=layout_choices(), default="a6")


class ReissueForm(FlaskForm):
    """A new badge for a delegate (the old one stops working)."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Give the reason for the new badge.")),
            Length(max=REASON_MAX),
        ],
    )
