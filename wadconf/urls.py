"""Absolute links for e-mails, letters and QR codes, inside or outside a web request."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint``: from the request when there is one, else ``BASE_URL``."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = current_app.config["BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)
