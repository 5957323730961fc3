"""The delegate's registration form, its edit form, and the small forms of the public pages.

The form checks what one field can say alone (present, not too long, one of the choices); the
rules that tie fields together or depend on the event (which name is required, gender, identity
document, mobile per country) live in :func:`wadconf.services.registration.validate_delegate`
so that walk-ins registered by staff obey them too.
"""

from __future__ import annotations

import secrets
from typing import Any

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from wadconf.models import Event
from wadconf.services.registration_data import LOCALES, MAX_LENGTHS, country_codes

#: Names used by the organiser (a Chinese government body) where CLDR's differ.
_TERRITORY_NAMES = {"zh_Hans": {"TW": "中国台湾"}, "en": {"TW": "Taiwan, China"}}
#: Listed first: most delegates come from these.
_FIRST = ("CN", "HK", "MO", "TW")


def country_choices(locale: str) -> list[tuple[str, str]]:
    """(code, name in ``locale``) for every country or region; the usual ones first."""
    names = dict(Locale.parse(locale).territories)
    names.update(_TERRITORY_NAMES.get(locale, {}))
    codes = country_codes()
    rest = sorted((c for c in codes if c not in _FIRST), key=lambda c: names.get(c, c).casefold())
    return [(code, names.get(code, code)) for code in (*_FIRST, *rest)]


def gender_choices() -> list[tuple[str, Any]]:
    """Answers to the gender question."""
    return [
        ("", _l("Choose…")),
        ("female", _l("Female")),
        ("male", _l("Male")),
        ("other", _l("Other or prefer not to say")),
    ]


def id_type_choices() -> list[tuple[str, Any]]:
    """Identity documents accepted at the venue."""
    return [
        ("", _l("Choose…")),
        ("cn_id", _l("Resident identity card (PRC)")),
        ("passport", _l("Passport")),
        ("hkmo_permit", _l("Mainland travel permit for Hong Kong and Macao residents")),
        ("tw_permit", _l("Mainland travel permit for Taiwan residents")),
        ("other", _l("Other document")),
    ]


def _length(name: str):
    return Length(max=MAX_LENGTHS[name], message=_l("At most %(max)d characters."))


def _required(message):
    return DataRequired(message=message)


class DelegateForm(FlaskForm):
    """The delegate's details, shared by registration and edit."""

    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), _length("name_zh")])
    name_en = StringField(
        _l("Name in English or pinyin"), validators=[Optional(), _length("name_en")]
    )
    gender = SelectField(_l("Gender"), choices=gender_choices, validate_choice=False)
    organisation = StringField(
        _l("Organisation"),
        validators=[_required(_l("Give your organisation.")), _length("organisation")],
    )
    position = StringField(_l("Position or title"), validators=[Optional(), _length("position")])
    country = SelectField(_l("Country or region"), validate_choice=False)
    email = EmailField(
        _l("E-mail"), validators=[_required(_l("Give your e-mail address.")), _length("email")]
    )
    mobile = TelField(
        _l("Mobile phone"),
        validators=[_required(_l("Give your mobile number.")), _length("mobile")],
    )
    id_type = SelectField(_l("Identity document"), choices=id_type_choices, validate_choice=False)
    id_number = StringField(_l("Document number"), validators=[Optional(), _length("id_number")])
    id_consent = BooleanField(
        _l("I agree that this document number is used for venue security only.")
    )
    dietary = StringField(_l("Dietary needs"), validators=[Optional(), _length("dietary")])
    accessibility = StringField(
        _l("Accessibility needs"), validators=[Optional(), _length("accessibility")]
    )
    locale = SelectField(
        _l("Language for e-mails"),
        choices=[("zh_Hans", "中文"), ("en", "English")],
        validate_choice=False,
    )


class RegistrationForm(DelegateForm):
    """A new registration: the details plus consent and a key that makes a repeat harmless."""

    consent = BooleanField(
        _l("I have read the privacy notice and agree to it."),
        validators=[_required(_l("Registration needs your consent to the privacy notice."))],
    )
    notice_version = HiddenField()
    #: Made on GET; the same key submitted twice (a double click) registers once.
    submission_key = HiddenField(
        validators=[
            _required(_l("This form is damaged. Reload the page and try again.")),
            Regexp(
                r"^[A-Za-z0-9_-]{16,64}$",
                message=_l("This form is damaged. Reload the page and try again."),
            ),
        ]
    )
    #: Sessions requiring enrolment, by token (filled or dropped by ``offer_sessions``).
    sessions = SelectMultipleField(
        _l("Sessions you wish to attend"),
        choices=[],
        invalid_choice_message=_l("This session can no longer be chosen. Reload the page."),
    )


def new_submission_key() -> str:
    """A random key for one filling-in of the registration form."""
    return secrets.token_urlsafe(24)


def fit_to_event(form: DelegateForm, event: Event, locale: str) -> DelegateForm:
    """Offer only what ``event`` asks for, with countries named in ``locale``."""
    if not event.asks_gender:
        del form.gender
    if not event.requires_id_document:
        del form.id_type
        del form.id_number
        del form.id_consent
    form.country.choices = [("", _l("Choose…")), *country_choices(locale)]
    if form.locale.data not in LOCALES:
        form.locale.data = locale
    return form


class DeclineForm(FlaskForm):
    """Declining an invitation, with an optional message to the organisers."""

    message = TextAreaField(
        _l("Message to the organisers (optional)"),
        validators=[Optional(), Length(max=2000, message=_l("At most %(max)d characters."))],
    )


class ActionForm(FlaskForm):
    """A button that changes something (cancel, ask for deletion): only the CSRF token."""
