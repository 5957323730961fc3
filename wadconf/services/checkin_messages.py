"""The sentences staff see for each verdict, translated once per language."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from flask import has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _

from wadconf.i18n import select_locale
from wadconf.models import Verdict


def N_(msgid: str) -> str:  # noqa: N802  (Babel's default marker for "translate later")
    """Mark ``msgid`` for extraction; it is translated when used (:func:`_translated`)."""
    return msgid


_VERDICT_MSGIDS = {
    Verdict.OK: N_("Welcome."),
    Verdict.UNKNOWN_CODE: N_("Unknown code: not a badge of this event."),
    Verdict.REISSUED: N_("This badge was replaced by a new one. Ask for the new badge."),
    Verdict.CANCELLED: N_("This registration was cancelled."),
    Verdict.NOT_CONFIRMED: N_("This registration is not confirmed yet."),
    Verdict.NOT_ALLOWED: N_("This delegate may not enter here."),
    Verdict.NOT_OPEN: N_("This checkpoint is not open now."),
}
_EXIT_MSGID = N_("Exit recorded.")
_ALREADY_MSGIDS = (
    N_("Already checked in at %(time)s at %(device)s."),
    N_("Already checked in at %(time)s."),
    N_("Already checked in."),
)
#: (locale, msgid) -> translation. Flask-Babel resolves the locale and catalogue on each
#: call (a tenth of a scan's CPU); the dozen verdict sentences are looked up once per locale.
_translations: dict[tuple[str, str], str] = {}


#: The language of verdict messages when set (the scan API's fast path runs outside a
#: Flask request, so it cannot ask :func:`select_locale`).
message_locale: ContextVar[str | None] = ContextVar("wadconf_message_locale", default=None)


def _translated(msgid: str) -> str:
    locale = message_locale.get()
    if locale is None:
        if not has_request_context():
            return _(msgid)
        locale = select_locale()
    text = _translations.get((locale, msgid))
    if text is None:
        with force_locale(locale):
            text = _translations[(locale, msgid)] = _(msgid)
    return text


def verdict_message(verdict: Verdict | str, **context: Any) -> str:
    """The translated sentence staff see for ``verdict``.

    ``already_checked_in`` takes ``time`` (already formatted) and ``device``; ``ok``
    takes ``exit=True`` for an exit scan.
    """
    verdict = Verdict(verdict)
    if verdict == Verdict.OK and context.get("exit"):
        return _translated(_EXIT_MSGID)
    if verdict == Verdict.ALREADY_CHECKED_IN:
        time, device = context.get("time"), context.get("device")
        if time and device:
            return _translated(_ALREADY_MSGIDS[0]) % {"time": time, "device": device}
        if time:
            return _translated(_ALREADY_MSGIDS[1]) % {"time": time}
        return _translated(_ALREADY_MSGIDS[2])
    return _translated(_VERDICT_MSGIDS[verdict])
