"""A delegate's details and the rules they must meet, online and at the registration desk.

The form checks what one field can say alone; :func:`validate_delegate` holds the rules that
tie fields together or depend on the event, so that staff-registered walk-ins obey them too.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, fields, replace

import phonenumbers
from babel import Locale
from flask_babel import lazy_gettext as _l

from wadconf.models import Event, Registration
from wadconf.services import DomainError
from wadconf.services.accounts import normalise_email

GENDERS = ("female", "male", "other")  # the organiser side (review.py) uses the same codes
ID_TYPES = ("cn_id", "passport", "hkmo_permit", "tw_permit", "other")
LOCALES = ("zh_Hans", "en")
_ID_NUMBER_RE = re.compile(r"^[A-Z0-9-]{4,40}$")
#: Maximum lengths, the model's columns (the form repeats them to refuse early).
#: Babel territories that are not places a delegate comes from (EU, UN, pseudo-locales,
#: unknown) or are parts of a country listed on its own (Canary Islands, Ceuta...).
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "CP", "DG", "EA", "IC", "AC", "TA"}
MAX_LENGTHS = {
    "name_zh": 100,
    "name_en": 100,
    "organisation": 300,
    "position": 200,
    "email": 254,
    "mobile": 40,
    "id_number": 40,
    "dietary": 300,
    "accessibility": 300,
}


@functools.cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes offered as country or region (Babel's list, no new dependency)."""
    return frozenset(
        code
        for code in Locale.parse("en").territories
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


@dataclass
class DelegateData:
    """What a delegate (or staff on their behalf) may set. Nothing else reaches a Registration."""

    name_zh: str = ""
    name_en: str = ""
    gender: str = ""
    organisation: str = ""
    position: str = ""
    #: ISO 3166-1 alpha-2.
    country: str = ""
    email: str = ""
    #: As typed; stored as E.164.
    mobile: str = ""
    id_type: str = ""
    id_number: str = ""
    #: The separate consent to processing the identity document.
    id_consent: bool = False
    dietary: str = ""
    accessibility: str = ""
    #: Language of the delegate's e-mails.
    locale: str = "zh_Hans"

    @classmethod
    def from_registration(cls, registration: Registration) -> DelegateData:
        """The editable fields of a stored registration."""
        values = {
            f.name: getattr(registration, f.name) for f in fields(cls) if f.name != "id_consent"
        }
        return cls(**values, id_consent=registration.id_consent_at is not None)


def invalid(errors: dict[str, str]) -> DomainError:
    """The error for field-level problems; ``params["errors"]`` maps field name -> message."""
    return DomainError("invalid", _l("Please correct the marked fields."), errors=errors)


def normalise_mobile(value: str, country: str = "") -> str:
    """``value`` as E.164; national numbers are read in ``country``. Raises ``invalid``."""
    region = country if country in phonenumbers.SUPPORTED_REGIONS else None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise invalid(
            {
                "mobile": _l(
                    "Enter a valid mobile number in international format, e.g. +86 138 1234 5678."
                )
            }
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _cn_id_is_valid(number: str) -> bool:
    """GB 11643 resident identity number: 17 digits and an ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17]


def needs_english_name(data: DelegateData) -> bool:
    """The rule for the English/pinyin name: required unless mainland China and Chinese.

    Badges and lists for anyone writing in English or from outside the mainland (Hong Kong,
    Macao and Taiwan included) print the Latin-script name; a mainland delegate who reads
    Chinese may give the Chinese name alone.
    """
    return data.locale == "en" or data.country != "CN"


def validate_delegate(event: Event, data: DelegateData, *, staff: bool = False) -> DelegateData:
    """A cleaned copy of ``data`` (trimmed, E.164 mobile, normalised e-mail); raises ``invalid``.

    ``staff``: an organiser registering a walk-in may leave e-mail and mobile empty.
    """
    clean = replace(
        data,
        **{
            f.name: getattr(data, f.name).strip()
            for f in fields(data)
            if isinstance(getattr(data, f.name), str)
        },
    )
    clean.id_number = clean.id_number.upper().replace(" ", "")
    clean.country = clean.country.upper()
    errors: dict[str, str] = {}
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(clean, name)) > limit:
            errors[name] = str(_l("At most %(n)d characters.", n=limit))
    if clean.locale not in LOCALES:
        errors["locale"] = str(_l("Choose a language."))
    if clean.country not in country_codes():
        errors["country"] = str(_l("Choose a country or region."))
    if not (clean.name_zh or clean.name_en):
        errors["name_zh"] = str(_l("Give your name in Chinese or in English."))
    elif not clean.name_en and needs_english_name(clean):
        errors["name_en"] = str(
            _l("Give your name in English or pinyin, as it should appear on the badge.")
        )
    if event.asks_gender and clean.gender not in GENDERS:
        errors["gender"] = str(_l("Choose an answer."))
    if not event.asks_gender:
        clean.gender = ""
    if not clean.organisation:
        errors["organisation"] = str(_l("Give your organisation."))
    if clean.email or not staff:
        try:
            clean.email = normalise_email(clean.email)
        except DomainError as exc:
            errors["email"] = str(exc.message)
    if (clean.mobile or not staff) and "mobile" not in errors:
        try:
            clean.mobile = normalise_mobile(clean.mobile, clean.country)
        except DomainError as exc:
            errors.update(exc.params["errors"])
    if event.requires_id_document:
        _validate_id(clean, errors)
    else:
        clean.id_type, clean.id_number, clean.id_consent = "", "", False
    if errors:
        raise DomainError("invalid", _l("Please correct the marked fields."), errors=errors)
    return clean


def _validate_id(clean: DelegateData, errors: dict[str, str]) -> None:
    if clean.id_type not in ID_TYPES:
        errors["id_type"] = str(_l("Choose the type of identity document."))
    elif clean.id_type == "cn_id" and not _cn_id_is_valid(clean.id_number):
        errors["id_number"] = str(_l("This is not a valid resident identity card number."))
    elif not _ID_NUMBER_RE.match(clean.id_number) and "id_number" not in errors:
        errors["id_number"] = str(_l("Give the document number (letters and digits)."))
    if not clean.id_consent:
        errors["id_consent"] = str(
            _l("Venue security needs your consent to use this document number.")
        )
