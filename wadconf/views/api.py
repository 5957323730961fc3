"""The scan API for gates and handheld devices (``/api/v1``), described by an OpenAPI document.

Credentials are a bearer token (``Authorization: Bearer wadt_...``) or the logged-in
staff session; a session POST must carry the page's CSRF token in ``X-CSRFToken``
(the blueprint is exempt from Flask-WTF's automatic check, which would answer an HTML
page, and checks it itself). Every answer is JSON, errors included:
``{"error": code, "message": translated}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from wadconf.database import set_begin_immediate
from wadconf.extensions import csrf, db, limiter
from wadconf.i18n import bi
from wadconf.models import Checkpoint, Event, ScanDirection, ScanMethod, Verdict
from wadconf.services import DomainError, api_tokens, checkin

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.record_once
def _install_fast_path(state) -> None:
    from wadconf.views.api_fast import install

    install(state.app)


@limiter.request_filter
def _api_is_not_rate_limited() -> bool:
    # Nothing here can be guessed (256-bit tokens, 130-bit badge codes, no passwords),
    # and checking limits that do not exist cost a scan about a tenth of its time.
    return request.blueprint == "api"


#: HTTP status of each verdict.
VERDICT_STATUS = {
    Verdict.OK: 201,
    Verdict.ALREADY_CHECKED_IN: 409,
    Verdict.UNKNOWN_CODE: 404,
}
#: HTTP status of each DomainError code the API passes on.
ERROR_STATUS = {
    "checkpoint_not_found": 404,
    "not_found": 404,
    "forbidden": 403,
    "exit_not_allowed": 400,
    "reason_required": 400,
    "not_an_entry": 409,
    "already_annulled": 409,
    "undo_too_late": 409,
}
_PUBLIC_ENDPOINTS = {"api.openapi"}
_METHODS = {m.value for m in ScanMethod if m != ScanMethod.SEARCH}


def error(code: str, message: str, status: int):
    """A JSON error answer."""
    return jsonify(error=code, message=str(message)), status


def _read_phase() -> None:
    """SQLite: what follows reads in a deferred transaction, not holding the write lock.

    A POST normally runs as one ``BEGIN IMMEDIATE`` transaction (wadconf.database). A
    scan holds the lock only for its two inserts instead: the token check and the
    decision read first, then :func:`_write_phase`. Under load that was the difference
    between the gunicorn workers taking turns and queueing behind a lock held through
    JSON parsing and a preempted process.
    """
    g.api_sqlite = db.engine.dialect.name == "sqlite"
    if g.api_sqlite:
        # A session caller's account was loaded in a write transaction: end it.
        if db.session().in_transaction():
            db.session.commit()
        set_begin_immediate(False)


def _write_phase() -> None:
    """End the read transaction; what follows is a write transaction (``BEGIN IMMEDIATE``)."""
    if g.get("api_sqlite"):
        db.session.commit()
        set_begin_immediate(True)


def _touch_token() -> None:
    if g.api_token_id is not None:
        api_tokens.touch(g.api_staff)


@bp.before_request
def _authenticate():
    """Find the caller: bearer token first, else the session (with CSRF on writes)."""
    if request.endpoint in _PUBLIC_ENDPOINTS:
        return None
    _read_phase()
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, token = header.partition(" ")
        identity = None
        if scheme.lower() == "bearer":
            identity = api_tokens.authenticate(token.strip())
        if identity is None:
            response = error("unauthorized", _("The token is not valid."), 401)
            response[0].headers["WWW-Authenticate"] = 'Bearer realm="wadconf"'
            return response
        g.api_staff = identity
        g.api_token_id = identity.token_id
    elif current_user.is_authenticated:
        if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
            try:
                csrf.protect()
            except CSRFError:
                return error(
                    "csrf",
                    _("The page has expired. Reload it and try again."),
                    400,
                )
        g.api_staff = current_user._get_current_object()
        g.api_token_id = None
    else:
        response = error("unauthorized", _("Log in or send an API token."), 401)
        response[0].headers["WWW-Authenticate"] = 'Bearer realm="wadconf"'
        return response
    if not g.api_staff.has_role(*checkin.SCAN_ROLES):
        return error("forbidden", _("Your account may not scan."), 403)
    return None


@bp.after_request
def _json_not_redirect(response):
    # The idle-session check answers a redirect to the login page; a client of the API
    # cannot follow it, so it becomes the 401 it means.
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        response = jsonify(error="unauthorized", message=_("Your session has ended. Log in again."))
        response.status_code = 401
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error(exc.name.lower().replace(" ", "_"), exc.description or exc.name, exc.code or 500)


@bp.errorhandler(500)
def _server_error(exc):
    db.session.rollback()
    return error("server_error", _("An error on our side stopped this request. Try again."), 500)


def _body() -> dict[str, Any] | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 12:
        return int(value)
    return None


def _short_text(data: dict, name: str, limit: int) -> str | None:
    """``data[name]`` as text of at most ``limit`` characters ("" when absent); None if wrong."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        return None
    return value


def _malformed(message: str):
    return error("malformed", message, 400)


def scan_json(result: checkin.ScanResult) -> dict[str, Any]:
    """A ScanResult as the API answers it."""
    return {
        "result": result.verdict.value,
        "message": result.message,
        "scan_id": result.scan_id,
        "registration": result.registration,
        "checked_in_at": result.checked_in_at.isoformat() if result.checked_in_at else None,
        "checked_in_device": result.checked_in_device,
        "check_in_id": result.check_in_id,
        "replayed": result.replayed,
    }


def _scan_answer(call):
    try:
        result = call()
    except DomainError as exc:
        db.session.rollback()
        return error(exc.code, exc.message, ERROR_STATUS.get(exc.code, 400))
    db.session.commit()
    return jsonify(scan_json(result)), VERDICT_STATUS.get(result.verdict, 403)


@bp.post("/scans")
def scans():
    """Decide and record one scan."""
    data = _body()
    if data is None:
        return _malformed(_("Send a JSON object."))
    checkpoint_id = _int(data.get("checkpoint"))
    code = data.get("code")
    nonce = _short_text(data, "nonce", 64)
    device = _short_text(data, "device", 100)
    direction = data.get("direction") or "in"
    method = data.get("method") or "api"
    if checkpoint_id is None:
        return _malformed(_("Name the checkpoint by its id."))
    if not isinstance(code, str) or not code.strip() or len(code) > 1000:
        return _malformed(_('Send the text read from the badge as "code".'))
    if nonce is None or device is None:
        return _malformed(_("The nonce or device is too long."))
    if direction not in {"in", "out"} or method not in _METHODS:
        return _malformed(_("Unknown direction or method."))
    staff = g.api_staff

    def scan() -> checkin.ScanResult:
        decision = checkin.decide_scan(
            code,
            checkpoint=checkpoint_id,
            staff=staff,
            nonce=nonce or None,
            direction=ScanDirection(direction),
        )
        _write_phase()
        _touch_token()
        return checkin.record_scan(
            decision,
            staff=staff,
            api_token=g.api_token_id,
            device=device or getattr(staff, "token_name", ""),
            method=ScanMethod(method),
        )

    return _scan_answer(scan)


@bp.post("/checkpoints/<int:checkpoint_id>/checkins")
def checkins(checkpoint_id: int):
    """Check in a delegate found by search (no badge at hand)."""
    data = _body()
    if data is None:
        return _malformed(_("Send a JSON object."))
    registration_id = _int(data.get("registration"))
    nonce = _short_text(data, "nonce", 64)
    device = _short_text(data, "device", 100)
    if registration_id is None:
        return _malformed(_("Name the registration by its id."))
    if nonce is None or device is None:
        return _malformed(_("The nonce or device is too long."))
    staff = g.api_staff
    _write_phase()
    _touch_token()
    return _scan_answer(
        lambda: checkin.check_in_registration(
            registration_id,
            checkpoint=checkpoint_id,
            staff=staff,
            api_token=g.api_token_id,
            device=device or getattr(staff, "token_name", ""),
            nonce=nonce or None,
        )
    )


@bp.post("/scans/<int:scan_id>/undo")
def undo(scan_id: int):
    """Annul the entry a scan recorded (within 10 minutes, once, with a reason)."""
    data = _body()
    if data is None:
        return _malformed(_("Send a JSON object."))
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 300:
        return _malformed(_("The reason must be text of at most 300 characters."))
    _write_phase()
    try:
        _touch_token()
        entry = checkin.annul_check_in(scan_id, staff=g.api_staff, reason=reason)
    except DomainError as exc:
        db.session.rollback()
        return error(exc.code, exc.message, ERROR_STATUS.get(exc.code, 400))
    db.session.commit()
    return jsonify(
        result="annulled",
        message=_("The entry was undone."),
        scan_id=scan_id,
        check_in_id=entry.id,
        annulled_at=entry.annulled_at.isoformat(),
    ), 200


def _checkpoint_for_caller(checkpoint_id: int):
    checkpoint = db.session.get(Checkpoint, checkpoint_id)
    if checkpoint is None:
        return None, error("checkpoint_not_found", _("No such checkpoint."), 404)
    if not g.api_staff.may_act_for_event(checkpoint.event_id):
        return None, error("forbidden", _("Your account may not scan at this checkpoint."), 403)
    return checkpoint, None


@bp.get("/checkpoints/<int:checkpoint_id>/search")
def search(checkpoint_id: int):
    """Delegates of the checkpoint's event by name, organisation or phone tail."""
    checkpoint, refusal = _checkpoint_for_caller(checkpoint_id)
    if refusal:
        return refusal
    query = request.args.get("q", "")[:100]
    return jsonify(results=checkin.search_delegates(checkpoint, query))


@bp.get("/checkpoints")
def checkpoints():
    """The active checkpoints the caller may scan at."""
    from wadconf.database import utcnow

    staff = g.api_staff
    stmt = (
        select(Checkpoint, Event)
        .join(Event, Event.id == Checkpoint.event_id)
        .where(Checkpoint.is_active.is_(True))
        .order_by(Event.starts_on.desc(), Event.id, Checkpoint.position, Checkpoint.id)
    )
    if staff.event_id is not None:
        stmt = stmt.where(Checkpoint.event_id == staff.event_id)
    now = utcnow()
    return jsonify(
        checkpoints=[
            {
                "id": cp.id,
                "code": cp.code,
                "name": bi(cp, "name"),
                "name_zh": cp.name_zh,
                "name_en": cp.name_en,
                "kind": cp.kind.value,
                "rule": cp.rule.value,
                "reentry": cp.reentry.value,
                "opens_at": cp.opens_at.isoformat() if cp.opens_at else None,
                "closes_at": cp.closes_at.isoformat() if cp.closes_at else None,
                "is_open": cp.is_open(now),
                "event": {
                    "slug": event.slug,
                    "name": bi(event, "name"),
                    "timezone": event.timezone,
                },
            }
            for cp, event in db.session.execute(stmt)
        ]
    )


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API (public)."""
    from wadconf.openapi import document

    return jsonify(document())
