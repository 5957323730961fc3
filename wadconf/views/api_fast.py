"""The scan API's hot path: ``POST /api/v1/scans`` with a bearer token, outside Flask's stack.

Measured through gunicorn on this machine (tests/perf/bench_scan.py): a bare Flask JSON
route costs about 0.38 ms of CPU; wadconf's full request stack (sessions, Flask-Login,
Babel, Flask-Limiter, CSRF, security headers, Flask-SQLAlchemy teardown) costs 0.6 ms
more before a view runs, so ``GET /healthz`` is already 2.9x bare and a scan through it
4.8x. A gate scanner posting scans with a token needs none of that stack, so this WSGI
layer in front of the app answers exactly that request itself: parse, check the token,
:func:`decide_scan`, :func:`record_scan`, commit, JSON, the same security headers.

Anything else, and anything unusual on this route (no or bad token, a malformed body,
a checkpoint the account may not use, an error), is passed to the Flask app untouched
(the body is replayed), which answers it as documented. Nothing has been written when
that happens: the fast path only writes after every check passed.
"""

from __future__ import annotations

import contextvars
import io
import json
from typing import Any

from flask import Flask
from werkzeug.http import parse_accept_header, parse_cookie

from wadconf.database import set_begin_immediate
from wadconf.extensions import db
from wadconf.i18n import LANG_COOKIE, normalise_locale
from wadconf.models import ScanDirection, ScanMethod
from wadconf.security import security_headers
from wadconf.services import DomainError, api_tokens, checkin, checkin_sql

PATH = "/api/v1/scans"
#: Bodies larger than this go to Flask (which refuses or handles them).
MAX_BODY = 4096
_STATUS = {
    201: "201 Created",
    409: "409 Conflict",
    404: "404 Not Found",
    403: "403 Forbidden",
    500: "500 Internal Server Error",
}
_METHODS = {"camera", "keyboard", "api"}


class _PassOn(Exception):
    """This request is for the Flask app."""


def _locale(environ: dict, default: str) -> str:
    chosen = normalise_locale(parse_cookie(environ.get("HTTP_COOKIE", "")).get(LANG_COOKIE))
    if chosen:
        return chosen
    for value, _quality in parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE", "")):
        found = normalise_locale(value)
        if found:
            return found
    return default


def _request(body: bytes) -> dict[str, Any]:
    """The scan fields when the body is exactly what the API expects, else pass on."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise _PassOn from exc
    if not isinstance(data, dict):
        raise _PassOn
    checkpoint, code = data.get("checkpoint"), data.get("code")
    nonce, device = data.get("nonce") or "", data.get("device") or ""
    direction, method = data.get("direction") or "in", data.get("method") or "api"
    if (
        not isinstance(checkpoint, int)
        or isinstance(checkpoint, bool)
        or not isinstance(code, str)
        or not code.strip()
        or len(code) > 1000
        or not isinstance(nonce, str)
        or len(nonce) > 64
        or not isinstance(device, str)
        or len(device) > 100
        or direction not in {"in", "out"}
        or method not in _METHODS
    ):
        raise _PassOn
    return {
        "checkpoint": checkpoint,
        "code": code,
        "nonce": nonce or None,
        "device": device,
        "direction": ScanDirection(direction),
        "method": ScanMethod(method),
    }


def _scan(app: Flask, environ: dict, body: bytes) -> tuple[int, bytes]:
    """Answer the scan, or raise _PassOn having written nothing.

    Runs in a copy of the context (see :func:`install`), so the language and the
    transaction mode set here end with the request.
    """
    from wadconf.views.api import VERDICT_STATUS, scan_json

    scheme, _sep, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer":
        raise _PassOn
    fields = _request(body)
    checkin.message_locale.set(_locale(environ, app.config["BABEL_DEFAULT_LOCALE"]))
    set_begin_immediate(False)  # reads first, outside SQLite's write lock
    # Its own connection rather than the ORM session: two transactions, a read one
    # (token, decision) and a write one (entry, scan), without the session's bookkeeping.
    with app.app_context(), db.engine.connect() as connection:
        checkin_sql.connection_in_use.set(connection)
        try:
            identity = api_tokens.authenticate(token.strip())
            if identity is None or not identity.has_role(*checkin.SCAN_ROLES):
                raise _PassOn
            try:
                decision = checkin.decide_scan(
                    fields["code"],
                    checkpoint=fields["checkpoint"],
                    staff=identity,
                    nonce=fields["nonce"],
                    direction=fields["direction"],
                )
            except DomainError as exc:
                raise _PassOn from exc
            connection.commit()  # ends the read transaction
            set_begin_immediate(True)
            api_tokens.touch(identity)
            result = checkin.record_scan(
                decision,
                staff=identity,
                api_token=identity.token_id,
                device=fields["device"] or identity.token_name,
                method=fields["method"],
            )
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            db.session.remove()  # replays and rare look-ups go through the session
    try:
        status = VERDICT_STATUS.get(result.verdict, 403)
        return status, json.dumps(scan_json(result), ensure_ascii=False).encode("utf-8")
    except Exception:  # committed: answering again through Flask would log a second scan
        app.logger.exception("scan %s recorded but not answered", result.scan_id)
        return 500, b'{"error": "server_error", "message": "server error"}'


def install(app: Flask) -> None:
    """Put the fast path in front of ``app`` (idempotent)."""
    if getattr(app.wsgi_app, "_wadconf_scan_fast_path", False):
        return
    inner = app.wsgi_app

    def wsgi_app(environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return inner(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY or "HTTP_AUTHORIZATION" not in environ:
            return inner(environ, start_response)
        body = environ["wsgi.input"].read(length)
        try:
            status, payload = contextvars.copy_context().run(_scan, app, environ, body)
        except _PassOn:
            environ["wsgi.input"] = io.BytesIO(body)
            return inner(environ, start_response)
        except Exception:
            # Raised before the commit, so rolled back and nothing written: Flask answers
            # (and logs) it as it would.
            app.logger.exception("scan fast path failed; passing the request to Flask")
            environ["wsgi.input"] = io.BytesIO(body)
            return inner(environ, start_response)
        headers = [
            ("Content-Type", "application/json"),
            ("Cache-Control", "no-store"),
            *security_headers(bool(app.config.get("HTTPS"))),
            ("Content-Length", str(len(payload))),
        ]
        start_response(_STATUS[status], headers)
        return [payload]

    wsgi_app._wadconf_scan_fast_path = True  # type: ignore[attr-defined]
    app.wsgi_app = wsgi_app
