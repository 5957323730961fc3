"""Chinese and English: picking the language and the zone, and bilingual fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from wadconf.extensions import babel

LANG_COOKIE = "wadconf_lang"
#: Locale code -> name of the language in that language, for the switcher.
LANGUAGE_NAMES = {"zh_Hans": "中文", "en": "English"}


def normalise_locale(value: str | None) -> str | None:
    """Map ``zh``, ``zh-CN``, ``zh_Hans``, ``en-GB``... onto a supported locale, or ``None``."""
    if not value:
        return None
    value = value.strip().replace("-", "_").lower()
    if value.startswith("zh"):
        return "zh_Hans"
    if value.startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    """The visitor's choice, else their browser's, else the event's default, else Chinese."""
    if has_request_context():
        chosen = normalise_locale(request.cookies.get(LANG_COOKIE))
        if chosen:
            return chosen
        # Set by a page about one person (an invitation, a registration): their language
        # beats the browser's, since the link may be opened on someone else's computer.
        preferred = normalise_locale(g.get("preferred_locale"))
        if preferred:
            return preferred
        if current_user and current_user.is_authenticated and current_user.locale:
            return current_user.locale
        for value, _quality in request.accept_languages:
            found = normalise_locale(value)
            if found:
                return found
        event = g.get("event")
        if event is not None and event.default_locale:
            return event.default_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The zone of the event being shown, else the configured default."""
    event = g.get("event") if has_request_context() else None
    return event.timezone if event is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]


def locale_code() -> str:
    """The current locale as used in our catalogues (``zh_Hans`` or ``en``)."""
    return normalise_locale(str(get_locale())) or "zh_Hans"


def html_lang() -> str:
    """The current locale as a BCP 47 tag for ``<html lang>``."""
    return "zh-Hans" if locale_code() == "zh_Hans" else "en"


def bi(obj: Any, field: str) -> str:
    """The ``field_zh`` or ``field_en`` of ``obj`` in the current language, else the other one."""
    zh, en = getattr(obj, f"{field}_zh", "") or "", getattr(obj, f"{field}_en", "") or ""
    first, second = (zh, en) if locale_code() == "zh_Hans" else (en, zh)
    return first or second


def fmt_datetime(value: datetime | None, zone: str | None = None, style: str = "medium") -> str:
    """An aware datetime in ``zone`` (default: the event's), formatted for the locale."""
    if value is None:
        return ""
    if zone:
        value = value.astimezone(ZoneInfo(zone))
        return format_datetime(value.replace(tzinfo=None), style, rebase=False)
    return format_datetime(value, style)


def fmt_date(value: date | None, style: str = "long") -> str:
    """A date formatted for the locale."""
    return format_date(value, style) if value else ""


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and expose the helpers to templates."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        bi=bi, locale_code=locale_code, html_lang=html_lang, LANGUAGE_NAMES=LANGUAGE_NAMES
    )
    app.jinja_env.filters.update(dt=fmt_datetime, d=fmt_date)
