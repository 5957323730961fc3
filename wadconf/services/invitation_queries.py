"""Invitations as organisers list them: filters in SQL, counts per status, export rows.

Each filter is a SQL condition, so that a list of 10,000 invitations pages, searches and
counts in a few tens of milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import DelegateCategory, Event, Invitation, InvitationState

#: States in which an invitation can still expire.
OPEN_STATES = (InvitationState.DRAFT, InvitationState.SENT, InvitationState.OPENED)
#: Values of the admin list's status filter, in the order of its tabs.
STATUS_FILTERS = ("all", "draft", "sent", "opened", "registered", "declined", "revoked", "expired")


def _expired_clause(now: datetime):
    """SQL for "shown as expired": still open, with an expiry at or before ``now``."""
    return and_(
        Invitation.state.in_(OPEN_STATES),
        Invitation.expires_at.is_not(None),
        Invitation.expires_at <= now,
    )


def _search_clause(q: str):
    """SQL matching ``q`` in names, organisation or e-mail (case-insensitive, literal)."""
    q = " ".join((q or "").split())[:100]
    if not q:
        return None
    columns = (Invitation.name_zh, Invitation.name_en, Invitation.organisation, Invitation.email)
    return or_(*(column.icontains(q, autoescape=True) for column in columns))


def filtered_invitations(
    event: Event,
    *,
    status: str = "all",
    q: str = "",
    category_id: int | None = None,
    now: datetime | None = None,
) -> Select:
    """A ``select(Invitation)`` of ``event`` filtered in SQL, newest first.

    ``status`` is one of :data:`STATUS_FILTERS`; ``draft``, ``sent`` and ``opened`` leave out
    expired invitations and ``expired`` gathers them, as :meth:`Invitation.status` shows them.
    """
    now = now or utcnow()
    query = select(Invitation).where(Invitation.event_id == event.id)
    search = _search_clause(q)
    if search is not None:
        query = query.where(search)
    if category_id is not None:
        query = query.where(Invitation.category_id == category_id)
    if status == "expired":
        query = query.where(_expired_clause(now))
    elif status in {s.value for s in OPEN_STATES}:
        query = query.where(
            Invitation.state == InvitationState(status),
            or_(Invitation.expires_at.is_(None), Invitation.expires_at > now),
        )
    elif status in {s.value for s in InvitationState}:
        query = query.where(Invitation.state == InvitationState(status))
    return query.order_by(Invitation.id.desc())


def status_counts(
    event: Event, *, q: str = "", category_id: int | None = None, now: datetime | None = None
) -> dict[str, int]:
    """How many of ``event``'s invitations (matching ``q``/category) each status tab holds."""
    now = now or utcnow()
    expired = _expired_clause(now)
    query = select(Invitation.state, expired, func.count()).where(Invitation.event_id == event.id)
    search = _search_clause(q)
    if search is not None:
        query = query.where(search)
    if category_id is not None:
        query = query.where(Invitation.category_id == category_id)
    counts = dict.fromkeys(STATUS_FILTERS, 0)
    for state, is_expired, n in db.session.execute(query.group_by(Invitation.state, expired)):
        counts["expired" if is_expired else InvitationState(state).value] += n
        counts["all"] += n
    return counts


def export_rows(
    event: Event,
    *,
    now: datetime,
    zone: ZoneInfo,
    status: str = "all",
    q: str = "",
    category_id: int | None = None,
) -> Iterator[list]:
    """The filtered list as rows for a spreadsheet, times local to ``zone`` (naive).

    Columns: name_zh, name_en, organisation, category code, email, mobile, locale code, seats,
    seats_used, status code, expires, sent, created. Plain columns rather than ORM objects:
    10,000 rows export in a fraction of the time.
    """
    query = filtered_invitations(event, status=status, q=q, category_id=category_id, now=now)
    query = query.with_only_columns(
        Invitation.name_zh,
        Invitation.name_en,
        Invitation.organisation,
        DelegateCategory.code,
        Invitation.email,
        Invitation.mobile,
        Invitation.locale,
        Invitation.seats,
        Invitation.seats_used,
        Invitation.state,
        Invitation.expires_at,
        Invitation.sent_at,
        Invitation.created_at,
    ).outerjoin(DelegateCategory, DelegateCategory.id == Invitation.category_id)

    def local(value: datetime | None) -> datetime | None:
        """``value`` in ``zone`` without tzinfo (spreadsheets know no zones)."""
        return value.astimezone(zone).replace(tzinfo=None) if value else None

    for row in db.session.execute(query.execution_options(yield_per=1000)):
        (
            name_zh,
            name_en,
            organisation,
            code,
            email,
            mobile,
            locale,
            seats,
            used,
            state,
            expires,
            sent,
            created,
        ) = row
        expired = state in OPEN_STATES and expires is not None and expires <= now
        yield [
            name_zh,
            name_en,
            organisation,
            code or "",
            email,
            mobile,
            locale.value,
            seats,
            used,
            "expired" if expired else state.value,
            local(expires),
            local(sent),
            local(created),
        ]
