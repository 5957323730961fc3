"""Staff accounts: creation, login, roles, passwords."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import Role, StaffSession, StaffUser
from wadconf.models.people import new_session_token
from wadconf.services import DomainError, audit

# Compared against when the account does not exist, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("wadconf-no-such-account")


def normalise_email(email: str) -> str:
    """Lower-case, validated e-mail address; raises ``bad_email``."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError("bad_email", _l("This is not a valid e-mail address.")) from exc


def check_password_policy(password: str, *, email: str = "") -> None:
    """Refuse passwords that are too short or equal to the login name."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"] if has_app_context() else 10
    if len(password) < minimum:
        raise DomainError(
            "password_too_short",
            _l("The password must have at least %(n)d characters.", n=minimum),
        )
    if email and password.strip().lower() == email.lower():
        raise DomainError("password_is_email", _l("The password must not be the e-mail address."))


def get_by_email(email: str) -> StaffUser | None:
    """The account with this login name, if any."""
    return db.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))


def create_user(
    email: str,
    *,
    role: Role | str,
    password: str,
    display_name: str = "",
    by: StaffUser | None = None,
) -> StaffUser:
    """Create a staff account; raises ``bad_email``, ``email_taken`` or a password error."""
    email = normalise_email(email)
    try:
        role = Role(role)
    except ValueError as exc:
        raise DomainError("bad_role", _l("Unknown role.")) from exc
    if get_by_email(email) is not None:
        raise DomainError("email_taken", _l("An account with this e-mail address already exists."))
    check_password_policy(password, email=email)
    user = StaffUser(email=email, role=role, display_name=display_name.strip())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", obj=user, actor=by, details={"email": email, "role": role.value})
    return user


def authenticate(email: str, password: str) -> StaffUser:
    """The account whose credentials these are; raises ``bad_credentials``."""
    user = get_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise DomainError("bad_credentials", _l("Wrong e-mail address or password."))
    if not user.check_password(password):
        audit.record("auth.login_failed", obj=user, actor_label=user.email)
        raise DomainError("bad_credentials", _l("Wrong e-mail address or password."))
    if not user.is_active_account:
        raise DomainError("account_disabled", _l("This account is disabled."))
    user.last_login_at = utcnow()
    audit.record("auth.login", obj=user, actor=user)
    return user


def start_session(user: StaffUser, *, ip_address: str = "", user_agent: str = "") -> StaffSession:
    """Record a new login of ``user``; its token becomes part of the id Flask-Login stores."""
    login = StaffSession(user_id=user.id, ip_address=ip_address[:64], user_agent=user_agent[:200])
    db.session.add(login)
    db.session.flush()
    user.login_session_token = login.token
    return login


def end_session(user: StaffUser) -> None:
    """End the login ``user`` is using now (logout); their other devices stay logged in."""
    if not user.login_session_token:
        return
    login = db.session.scalar(
        select(StaffSession).where(StaffSession.token == user.login_session_token)
    )
    if login is not None and login.ended_at is None:
        login.ended_at = utcnow()
        db.session.flush()


def set_password(user: StaffUser, password: str, *, by: StaffUser | None = None) -> None:
    """Replace the password; every session of the account ends (the caller may start a new one)."""
    check_password_policy(password, email=user.email)
    user.set_password(password)
    db.session.flush()
    audit.record("user.password_reset", obj=user, actor=by)


def _active_admins() -> int:
    # Row locks on PostgreSQL so two concurrent demotions cannot both see "another admin left";
    # on SQLite the write transaction's lock already serialises them.
    ids = db.session.scalars(
        select(StaffUser.id)
        .where(StaffUser.role == Role.ADMIN, StaffUser.is_active_account.is_(True))
        .with_for_update()
    ).all()
    return len(ids)


def change_role(user: StaffUser, role: Role | str, *, by: StaffUser | None = None) -> None:
    """Give ``user`` another role; the last active administrator keeps theirs."""
    role = Role(role)
    if user.role == role:
        return
    if user.role == Role.ADMIN and user.is_active_account and _active_admins() <= 1:
        raise DomainError("last_admin", _l("The last administrator cannot lose that role."))
    old = user.role
    user.role = role
    db.session.flush()
    audit.record(
        "user.role_change", obj=user, actor=by, details={"from": old.value, "to": role.value}
    )


def set_active(user: StaffUser, active: bool, *, by: StaffUser | None = None) -> None:
    """Enable or disable an account; disabling ends its sessions."""
    if user.is_active_account == active:
        return
    if not active and user.role == Role.ADMIN and _active_admins() <= 1:
        raise DomainError("last_admin", _l("The last administrator cannot be disabled."))
    user.is_active_account = active
    if not active:
        user.session_token = new_session_token()
    db.session.flush()
    audit.record("user.enable" if active else "user.disable", obj=user, actor=by)


def list_users() -> list[StaffUser]:
    """All staff accounts, by role then e-mail."""
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.role, StaffUser.email)))


def limit_to_event(user: StaffUser, event_id: int | None, *, by: StaffUser | None = None) -> bool:
    """Let ``user`` act for one event only (``None``: every event); whether it changed.

    The check-in service and API refuse scans at other events' checkpoints for a limited
    account; raises ``unknown_event`` for an id that names no event.
    """
    from wadconf.models import Event

    if event_id is not None and db.session.get(Event, event_id) is None:
        raise DomainError("unknown_event", _l("No such event."))
    if user.event_id == event_id:
        return False
    old = user.event_id
    user.event_id = event_id
    db.session.flush()
    audit.record("user.event_limit", obj=user, actor=by, details={"from": old, "to": event_id})
    return True
