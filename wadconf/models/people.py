"""Staff accounts. Delegates arrive with the registration issue."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from wadconf.database import UTCDateTime, utcnow
from wadconf.extensions import db


class Role(enum.StrEnum):
    """What a staff member may do. ``admin`` may do everything."""

    ADMIN = "admin"
    ORGANIZER = "organizer"
    CHECKIN = "checkin"
    #: A reporting body (provincial regulator) of the series activities: its own data only.
    REPORTER = "reporter"


def new_session_token() -> str:
    """A random token naming the current credentials of an account."""
    return secrets.token_urlsafe(24)


class StaffUser(UserMixin, db.Model):
    """A person who runs the conference: administrator, organiser or gate staff."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name, stored lower-case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    password_hash: Mapped[str] = mapped_column(String(256))
    #: Stored in the session instead of the id; changing it signs the account out everywhere.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    #: Limits the account to one event (gate staff hired for one conference); None: all events.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    #: The reporting body a ``reporter`` account speaks for (series activities); None otherwise.
    reporting_body_id: Mapped[int | None] = mapped_column(
        ForeignKey("reporting_bodies.id", ondelete="SET NULL"), index=True
    )
    #: Preferred interface language, if chosen.
    locale: Mapped[str | None] = mapped_column(String(10))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def set_password(self, password: str) -> None:
        """Hash and store ``password``; other sessions of this account end."""
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    #: Set by :func:`wadconf.services.accounts.start_session` before Flask-Login stores the id.
    login_session_token = None  # a plain attribute, not a column

    def get_id(self) -> str:
        # "<credentials token>.<login session token>": a password change ends every session,
        # a logout ends only its own.
        return f"{self.session_token}.{self.login_session_token or ''}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def has_role(self, *roles: Role) -> bool:
        """Whether this account holds one of ``roles``; admin holds them all."""
        return self.role == Role.ADMIN or self.role in roles

    def may_act_for_event(self, event_id: int) -> bool:
        """Whether this account may work on event ``event_id`` (its own, or any when unlimited)."""
        return self.event_id is None or self.event_id == event_id

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"


class StaffSession(db.Model):
    """One login of a staff account; logging out ends it, so a copied cookie stops working."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
