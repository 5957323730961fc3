"""The public programme: agenda pages, iCalendar and JSON exports.

Delegates see the latest publication only (:mod:`wadconf.services.agenda`). The pages
and exports are public and cacheable for a few minutes (they vary with the visitor's
language); the personal calendar behind a manage token is private and never stored.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from wadconf.i18n import bi, locale_code
from wadconf.models import Event
from wadconf.services import agenda as service
from wadconf.services import events as event_service
from wadconf.services import ical
from wadconf.services import registration as registration_service
from wadconf.views.registration import limited

bp = Blueprint("agenda", __name__)


def _labels(name: str, build) -> dict[str, str]:
    """Translated labels built once a request (a big agenda shows thousands of them)."""
    cache = g.setdefault("_agenda_labels", {})
    if name not in cache:
        cache[name] = build()
    return cache[name]


@bp.app_template_global("agenda_role_label")
def agenda_role_label(role: str) -> str:
    """What a person does in a session, in the page language."""
    labels = _labels(
        "role",
        lambda: {
            "chair": _("Chair"),
            "speaker": _("Speaker"),
            "moderator": _("Moderator"),
            "guest_of_honour": _("Guest of honour"),
            "signatory": _("Signatory"),
            "witness": _("Witness"),
        },
    )
    return labels.get(role, role)


@bp.app_template_global("agenda_kind_label")
def agenda_kind_label(kind: str) -> str:
    """The kind of a session, in the page language."""
    labels = _labels(
        "kind",
        lambda: {
            "plenary": _("Plenary"),
            "release": _("Release"),
            "signing_ceremony": _("Signing ceremony"),
            "thematic_exchange": _("Thematic exchange"),
            "break": _("Break"),
            "other": _("Other"),
        },
    )
    return labels.get(kind, kind)


#: Public pages may be kept this long by browsers and proxies (a publication is rare).
PUBLIC_MAX_AGE = 300
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _event(slug: str) -> Event:
    event = event_service.get_event(slug)
    if event is None or not event.is_published:
        abort(404)
    g.event = event
    return event


def _public(response: Response, max_age: int = PUBLIC_MAX_AGE) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    # Calendar apps poll the .ics: an unchanged publication answers 304.
    response.add_etag()
    return response.make_conditional(request)


def _lang() -> str:
    """``zh`` or ``en``: the ``lang`` argument, else the page's language."""
    wanted = request.args.get("lang", "")
    if wanted in ("zh", "en"):
        return wanted
    return "zh" if locale_code() == "zh_Hans" else "en"


def _other(obj, field: str) -> str:
    """The field in the language not shown first, when it says something else."""
    zh, en = getattr(obj, f"{field}_zh", "") or "", getattr(obj, f"{field}_en", "") or ""
    second = en if locale_code() == "zh_Hans" else zh
    return second if second and second != bi(obj, field) else ""


def _other_lang() -> str:
    return "en" if locale_code() == "zh_Hans" else "zh-Hans"


@bp.context_processor
def _helpers():
    return {"other": _other, "other_lang": _other_lang}


def _calendar_response(body: bytes, filename: str) -> Response:
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _session_url(slug: str):
    return lambda token: url_for("agenda.session", slug=slug, token=token, _external=True)


@bp.get("/events/<slug>/programme")
def programme(slug: str):
    """The published programme: a grid by room and a list, filterable by track."""
    event = _event(slug)
    published = service.published_programme(event)
    if published is None:
        # Short: the first publication should show up soon.
        return _public(Response(render_template("agenda/unpublished.html", event=event)), 60)
    track = published.track(request.args.get("track"))
    view = request.args.get("view")
    if view not in ("grid", "list"):
        view = "auto"
    return _public(
        Response(
            render_template(
                "agenda/programme.html",
                event=event,
                programme=published,
                days=published.days(track),
                track=track,
                view=view,
            )
        )
    )


@bp.get("/events/<slug>/programme/tracks.css")
def track_css(slug: str):
    """The tracks' colours as a stylesheet (the CSP forbids inline styles)."""
    event = _event(slug)
    published = service.published_programme(event)
    rules = [
        f".track-{t.number} {{ --track-colour: {t.colour}; }}"
        for t in (published.tracks if published else [])
        if _COLOUR.match(t.colour)
    ]
    response = Response("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


@bp.get("/events/<slug>/programme/s/<token>")
def session(slug: str, token: str):
    """One published session: time, room, people, agreements in signing order."""
    event = _event(slug)
    published = service.published_programme(event)
    found = published.session(token) if published else None
    if found is None:
        abort(404)
    return _public(
        Response(
            render_template("agenda/session.html", event=event, programme=published, item=found)
        )
    )


@bp.get("/events/<slug>/programme.ics")
def programme_ics(slug: str):
    """The whole published programme (or one track's part of it, ``?track=``) as iCalendar."""
    event = _event(slug)
    published = service.published_programme(event)
    if published is None:
        abort(404)
    track = published.track(request.args.get("track"))
    body = ical.programme_calendar(
        published,
        published.filtered(track),
        lang=_lang(),
        url_for_session=_session_url(slug),
    )
    return _public(_calendar_response(body, f"{event.slug}-programme.ics"))


@bp.get("/events/<slug>/programme/s/<token>.ics")
def session_ics(slug: str, token: str):
    """One published session as iCalendar."""
    event = _event(slug)
    published = service.published_programme(event)
    found = published.session(token) if published else None
    if found is None:
        abort(404)
    body = ical.programme_calendar(
        published, [found], lang=_lang(), url_for_session=_session_url(slug)
    )
    return _public(_calendar_response(body, f"{event.slug}-{token}.ics"))


@bp.get("/events/<slug>/programme.json")
def programme_json(slug: str):
    """The published programme as JSON (keys documented in services.agenda.programme_json)."""
    event = _event(slug)
    published = service.published_programme(event)
    if published is None:
        abort(404)
    response = jsonify(service.programme_json(published, session_url=_session_url(slug)))
    return _public(response)


@bp.get("/r/<token>/agenda.ics")
@limited
def personal_ics(token: str):
    """A delegate's personal agenda from the manage link: private, never cached."""
    registration = registration_service.find_by_manage_token(token)
    if registration is None:
        abort(404)
    g.event = registration.event
    published = service.published_programme(registration.event)
    if published is None:
        abort(404)
    lang = request.args.get("lang", "")
    if lang not in ("zh", "en"):
        lang = "en" if registration.locale == "en" else "zh"
    event_name = ical.pick_text(registration.event, "name", lang)[0]
    person = registration.name_zh if lang == "zh" else registration.name_en
    body = ical.personal_calendar(
        published,
        service.personal_agenda(registration),
        lang=lang,
        name=" · ".join(part for part in (event_name, person or "") if part),
        url_for_session=_session_url(registration.event.slug),
    )
    response = _calendar_response(body, f"{registration.event.slug}-my-agenda.ics")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
