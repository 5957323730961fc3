"""Per-staff bearer tokens for scanning devices: created and revoked by an administrator.

Only the SHA-256 of a token is stored; the token itself is shown once. Checking a
token is one indexed query (``token_hash`` is unique) joined to its account, and
``last_used_at`` is written at most once a minute, so a busy gate does not turn
every scan into an extra write.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import ApiToken, Role, StaffUser
from wadconf.services import DomainError, checkin_sql

#: Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "wadt_"
#: ``last_used_at`` is refreshed when older than this.
LAST_USED_RESOLUTION = timedelta(minutes=1)

# The scan path's first statement: plain SQL like the rest of it (see checkin_sql).
_AUTH_SQL = """
SELECT t.id, t.name, t.last_used_at, u.id, u.email, u.role, u.event_id
FROM api_tokens t JOIN staff_users u ON u.id = t.user_id
WHERE t.token_hash = :hash AND t.revoked_at IS NULL AND u.is_active_account
"""


def hash_token(token: str) -> str:
    """Hex SHA-256 of ``token``: what is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenIdentity:
    """The account a valid bearer token acts for: just what scanning needs, no ORM load."""

    id: int
    email: str
    role: Role
    event_id: int | None
    token_id: int
    token_name: str
    last_used_at: datetime | None = None

    #: Like StaffUser: lets audit.record and the scan log take either.
    is_authenticated = True

    def has_role(self, *roles: Role) -> bool:
        """Whether the account holds one of ``roles``; admin holds them all."""
        return self.role == Role.ADMIN or self.role in roles

    def may_act_for_event(self, event_id: int) -> bool:
        """Whether the account may work on event ``event_id``."""
        return self.event_id is None or self.event_id == event_id


def create_token(
    user: StaffUser, *, name: str = "", by: StaffUser | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token text (shown once, never stored)."""
    from wadconf.services import audit

    if not user.is_active_account:
        raise DomainError("account_disabled", _("This account is disabled."))
    if user.role == Role.REPORTER:
        raise DomainError("role_cannot_scan", _("This account's role may not scan."))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=(name or "").strip()[:100],
        token_hash=hash_token(token),
        token_prefix=token[:12],
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api_token.create",
        obj=row,
        actor=by,
        details={"user": user.email, "name": row.name, "prefix": row.token_prefix},
    )
    return row, token


def revoke_token(
    token: ApiToken, *, by: StaffUser | None = None, now: datetime | None = None
) -> ApiToken:
    """Stop ``token`` from working (idempotent)."""
    from wadconf.services import audit

    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()
        audit.record(
            "api_token.revoke",
            obj=token,
            actor=by,
            details={"user_id": token.user_id, "name": token.name, "prefix": token.token_prefix},
        )
    return token


def tokens_of(user: StaffUser) -> list[ApiToken]:
    """``user``'s tokens, newest first (revoked ones included, marked)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def get_token(user: StaffUser, token_id: int) -> ApiToken | None:
    """Token ``token_id`` if it belongs to ``user``."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def authenticate(token: str) -> TokenIdentity | None:
    """The identity of a valid, unrevoked token of an active account, else None (one query).

    Writes nothing: call :func:`touch` in the request's write transaction.
    """
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = checkin_sql.fetch_one(_AUTH_SQL, {"hash": hash_token(token)})
    if row is None:
        return None
    token_id, token_name, last_used_at, user_id, email, role, event_id = row
    return TokenIdentity(
        id=user_id,
        email=email,
        role=Role(role),
        event_id=event_id,
        token_id=token_id,
        token_name=token_name,
        last_used_at=checkin_sql.as_datetime(last_used_at),
    )


def touch(identity: TokenIdentity, *, now: datetime | None = None) -> bool:
    """Record that the token was used, unless that was done less than a minute ago."""
    now = now or utcnow()
    if identity.last_used_at is not None and now - identity.last_used_at < LAST_USED_RESOLUTION:
        return False
    checkin_sql.execute(
        "UPDATE api_tokens SET last_used_at = :now WHERE id = :id",
        {"now": now, "id": identity.token_id},
    )
    return True
