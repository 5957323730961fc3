"""Logins of reporting bodies: created by organisers, activated from an e-mailed link.

The link carries a signed, timed token (itsdangerous) naming the account and a digest of
its ``session_token``. Setting the password replaces the session token, so the link works
once; a new invitation replaces nothing but still dies with the next password change.
The account gets a random password nobody knows until then.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import Role, StaffUser
from wadconf.models.series import ReportingBody
from wadconf.services import DomainError, accounts, audit
from wadconf.services.mail import queue_mail
from wadconf.urls import public_url

_SALT = "wadconf.series.reporter-invitation"
TEMPLATE = "reporter_invitation"


def invitation_days() -> int:
    """How many days an invitation link works (``REPORTER_INVITATION_DAYS``, default 14)."""
    return int(current_app.config.get("REPORTER_INVITATION_DAYS", 14))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: StaffUser) -> str:
    # A digest, so the link does not reveal the session token that names logins.
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:32]


def invitation_token(user: StaffUser) -> str:
    """A signed token that lets ``user`` set a password until it expires or is used."""
    return _serializer().dumps([user.id, _fingerprint(user)])


def invitation_link(user: StaffUser) -> str:
    """The absolute link of the password page for ``user``."""
    return public_url("series.welcome", token=invitation_token(user))


def account_for_token(token: str) -> StaffUser:
    """The reporter account ``token`` names; raises ``invite_expired`` or ``invite_invalid``."""
    invalid = DomainError(
        "invite_invalid",
        _l("This link is not valid or was already used. Ask the organisers for a new one."),
    )
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=invitation_days() * 86400)
    except SignatureExpired as exc:
        raise DomainError(
            "invite_expired", _l("This link has expired. Ask the organisers for a new one.")
        ) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise invalid from exc
    user = db.session.get(StaffUser, user_id) if isinstance(user_id, int) else None
    if (
        user is None
        or user.role != Role.REPORTER
        or not user.is_active_account
        or not secrets.compare_digest(str(fingerprint), _fingerprint(user))
    ):
        raise invalid
    return user


def _queue_invitation(user: StaffUser, body: ReportingBody) -> None:
    event = body.event
    queue_mail(
        user.email,
        template=TEMPLATE,
        locale=user.locale or "both",
        context={
            "user": user,
            "body": body,
            "event": event,
            "link": invitation_link(user),
            "valid_until": utcnow() + timedelta(days=invitation_days()),
        },
        to_name=user.display_name,
        event_id=event.id,
        kind="series_reporter_invitation",
        subject_ref=f"staff_user:{user.id}",
    )


def create_reporter(
    body: ReportingBody,
    *,
    email: str,
    display_name: str = "",
    locale: str | None = None,
    by: StaffUser | None = None,
) -> StaffUser:
    """Create ``body``'s login and e-mail it the link to choose a password.

    Raises ``bad_email``, ``email_taken`` or ``body_inactive``.
    """
    if not body.is_active:
        raise DomainError("body_inactive", _l("This body is deactivated."))
    email = accounts.normalise_email(email)
    if accounts.get_by_email(email) is not None:
        raise DomainError(
            "email_taken", _l("An account with this e-mail address already exists."), field="email"
        )
    user = StaffUser(
        email=email,
        role=Role.REPORTER,
        display_name=(display_name or "").strip()[:200],
        reporting_body_id=body.id,
        event_id=body.event_id,
        locale=locale if locale in ("zh_Hans", "en") else None,
    )
    user.set_password(secrets.token_urlsafe(32))  # unknown to anyone: the link sets the real one
    db.session.add(user)
    db.session.flush()
    audit.record(
        "series.reporter_create",
        obj=user,
        actor=by,
        event_id=body.event_id,
        details={"email": email, "body": body.code},
    )
    _queue_invitation(user, body)
    return user


def resend_invitation(user: StaffUser, *, by: StaffUser | None = None) -> None:
    """E-mail ``user`` a fresh link (earlier links keep working until a password is set)."""
    body = db.session.get(ReportingBody, user.reporting_body_id) if user.reporting_body_id else None
    if user.role != Role.REPORTER or body is None:
        raise DomainError("not_a_reporter", _l("This account does not belong to a reporting body."))
    if not user.is_active_account or not body.is_active:
        raise DomainError("account_disabled", _l("This account is disabled."))
    _queue_invitation(user, body)
    audit.record("series.reporter_invite_resend", obj=user, actor=by, event_id=body.event_id)


def accept_invitation(token: str, password: str) -> StaffUser:
    """Set the password of the account ``token`` names; the token stops working."""
    user = account_for_token(token)
    accounts.check_password_policy(password, email=user.email)
    user.set_password(password)  # new session token: this link and older ones die
    db.session.flush()
    audit.record("series.reporter_password_set", obj=user, actor=user)
    return user


def reporters_of(body: ReportingBody) -> list[StaffUser]:
    """The accounts of ``body``."""
    return list(
        db.session.scalars(
            select(StaffUser)
            .where(StaffUser.reporting_body_id == body.id, StaffUser.role == Role.REPORTER)
            .order_by(StaffUser.email)
        )
    )


def reporter_of(body: ReportingBody, user_id: int) -> StaffUser | None:
    """``body``'s account ``user_id`` (None for anyone else's)."""
    user = db.session.get(StaffUser, user_id)
    if user is None or user.role != Role.REPORTER or user.reporting_body_id != body.id:
        return None
    return user


def set_reporter_active(user: StaffUser, active: bool, *, by: StaffUser | None = None) -> None:
    """Enable or disable a reporter's login (disabling ends its sessions)."""
    accounts.set_active(user, active, by=by)
