"""Organisers' forms for registrations: the list filter, review, edit, direct registration."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from wadconf.forms.registration import DelegateForm, country_choices
from wadconf.i18n import locale_code
from wadconf.models import RegistrationStatus


def status_choices() -> list[tuple[str, str]]:
    """Registration statuses with their translated names."""
    return [
        (RegistrationStatus.CONFIRMED.value, _l("Confirmed")),
        (RegistrationStatus.PENDING.value, _l("Pending approval")),
        (RegistrationStatus.WAITLISTED.value, _l("Waitlisted")),
        (RegistrationStatus.CANCELLED.value, _l("Cancelled")),
        (RegistrationStatus.REJECTED.value, _l("Rejected")),
    ]


def country_names() -> dict[str, str]:
    """ISO 3166 alpha-2 code -> name of the country or region in the reader's language."""
    return _country_names(locale_code())


@functools.cache
def _country_names(locale: str) -> dict[str, str]:
    """Code -> name for ``locale``, computed once."""
    # Built once per language: sorting Babel's ~250 territories cost 3 ms on every list page.
    return dict(country_choices(locale))


class RegistrationFilterForm(FlaskForm):
    """Search, filters and sorting of the list (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    country = SelectField(_l("Country or region"), choices=[], validate_choice=False)
    invitation = SelectField(_l("Invitation"), choices=[], validate_choice=False)
    deletion = SelectField(_l("Personal data"), choices=[], validate_choice=False)
    sort = SelectField(
        _l("Sort by"),
        choices=[
            ("created", _l("Newest first")),
            ("name", _l("Name")),
            ("organisation", _l("Organisation")),
            ("status", _l("Status")),
        ],
        validate_choice=False,
    )


class ReviewForm(FlaskForm):
    """Approve or reject, with a message to the delegate."""

    message = TextAreaField(
        _l("Message to the delegate (optional)"), validators=[Optional(), Length(max=2000)]
    )


class RegistrationEditForm(DelegateForm):
    """The delegate's details as an organiser corrects them, plus the category.

    No status, event or invitation: those change only through their own actions. E-mail and
    mobile may stay empty (a walk-in may have neither); the service checks them when given.
    """

    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    mobile = TelField(_l("Mobile phone"), validators=[Optional(), Length(max=40)])
    organisation = StringField(
        _l("Organisation"),
        validators=[DataRequired(message=_l("Give the organisation.")), Length(max=300)],
    )
    id_number = StringField(_l("Document number"), validators=[Optional(), Length(max=40)])
    id_consent = BooleanField(
        _l("The delegate agrees that this document number is used for venue security only.")
    )
    category = SelectField(_l("Delegate category"), choices=[], validate_choice=False)


class WalkInForm(RegistrationEditForm):
    """An organiser registers someone directly, with or without an invitation."""

    invitation = SelectField(_l("Invitation"), choices=[], validate_choice=False)
