"""Reading registrations for organisers: the searchable list, a registration's history, the summary.

Nothing here writes. The list is built for 10,000 registrations per event: one
filtered ``COUNT`` (folded into the page query for text searches), one page of rows,
and one query for that page's invitations, never one query per row;
``tests/perf/bench_registration_list.py`` measures it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import selectinload

from wadconf.extensions import db
from wadconf.i18n import locale_code
from wadconf.models import (
    ACTIVE_STATUSES,
    AuditEntry,
    DelegateCategory,
    Event,
    Invitation,
    InvitationState,
    Registration,
    RegistrationStatus,
)
from wadconf.services.categories import list_categories

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
SORTS = ("created", "name", "organisation", "status")
#: Invitation filter values besides an invitation id.
INVITATION_NONE = "none"  # walk-ins and late additions without invitation
INVITATION_ANY = "any"
#: Deletion filter values (PIPL): asked for and not yet erased; erased.
DELETION_REQUESTED = "requested"
DELETION_ERASED = "erased"

#: How "sort by status" orders the list.
STATUS_ORDER = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
    RegistrationStatus.REJECTED,
)

_PHONE_PUNCTUATION = re.compile(r"[\s\-().+]")


@dataclass
class RegistrationQuery:
    """What the organiser asked the list for. Unknown values are ignored, never an error."""

    q: str = ""
    status: str = ""
    category_id: int | None = None
    country: str = ""
    #: ``""`` (all), :data:`INVITATION_NONE`, :data:`INVITATION_ANY` or an invitation id.
    invitation: str = ""
    #: ``""`` (all), :data:`DELETION_REQUESTED` or :data:`DELETION_ERASED`.
    deletion: str = ""
    sort: str = "created"
    descending: bool = False
    page: int = 1
    per_page: int = PAGE_SIZE


@dataclass
class RegistrationPage:
    """One page of the list and the size of the whole result."""

    items: list[Registration]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least one, so that "page 1 of 1" reads right when empty)."""
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def _search_clause(text: str):
    """Rows where a searchable column contains ``text``, ignoring case; ``%`` ``_`` are literal."""
    columns = (
        Registration.name_zh,
        Registration.name_en,
        Registration.organisation,
        Registration.email,
    )
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite's LIKE already ignores (ASCII) case, and its lower() folds nothing more:
        # icontains' lower() on every row and column only doubled the time of a search.
        clauses = [column.contains(text, autoescape=True) for column in columns]
    else:
        clauses = [column.icontains(text, autoescape=True) for column in columns]
    digits = _PHONE_PUNCTUATION.sub("", text)
    # "138 1234 5678" and "+86-138..." find the stored E.164 "+8613812345678".
    if digits.isdigit() and len(digits) >= 3:
        clauses.append(Registration.mobile.contains(digits, autoescape=True))
    return or_(*clauses)


def _filtered(event: Event, query: RegistrationQuery) -> Select:
    """``SELECT registrations`` of ``event`` narrowed by ``query``'s search and filters."""
    stmt = select(Registration).where(Registration.event_id == event.id)
    text = query.q.strip()
    if text:
        stmt = stmt.where(_search_clause(text[:200]))
    if query.status in {s.value for s in RegistrationStatus}:
        stmt = stmt.where(Registration.status == RegistrationStatus(query.status))
    if query.category_id:
        stmt = stmt.where(Registration.category_id == query.category_id)
    if query.country:
        stmt = stmt.where(Registration.country == query.country.strip().upper()[:2])
    if query.invitation == INVITATION_NONE:
        stmt = stmt.where(Registration.invitation_id.is_(None))
    elif query.invitation == INVITATION_ANY:
        stmt = stmt.where(Registration.invitation_id.is_not(None))
    elif query.invitation.isdigit():
        stmt = stmt.where(Registration.invitation_id == int(query.invitation))
    if query.deletion == DELETION_REQUESTED:
        stmt = stmt.where(
            Registration.deletion_requested_at.is_not(None),
            Registration.personal_data_erased_at.is_(None),
        )
    elif query.deletion == DELETION_ERASED:
        stmt = stmt.where(Registration.personal_data_erased_at.is_not(None))
    return stmt


def _name_order(descending: bool) -> list:
    """Sort by the name in the reader's script, rows lacking it after the others."""
    first, second = (
        (Registration.name_zh, Registration.name_en)
        if locale_code() == "zh_Hans"
        else (Registration.name_en, Registration.name_zh)
    )
    missing = case((first == "", 1), else_=0)
    return [missing, first.desc() if descending else first, second]


def _order(query: RegistrationQuery) -> list:
    """ORDER BY terms for ``query.sort``; the id last so that paging is stable."""
    sort = query.sort if query.sort in SORTS else "created"
    desc = query.descending
    if sort == "name":
        terms = _name_order(desc)
    elif sort == "organisation":
        terms = [Registration.organisation.desc() if desc else Registration.organisation]
    elif sort == "status":
        # Work order, not alphabetical: what needs a decision first.
        rank = case(
            {status: n for n, status in enumerate(STATUS_ORDER)},
            value=Registration.status,
            else_=len(STATUS_ORDER),
        )
        terms = [rank.desc() if desc else rank]
    else:
        # "created" reads newest first unless reversed: what an organiser checks most.
        desc = not desc
        terms = [Registration.created_at.desc() if desc else Registration.created_at]
    terms.append(Registration.id.desc() if desc else Registration.id)
    return terms


def search_registrations(event: Event, query: RegistrationQuery) -> RegistrationPage:
    """One page of ``event``'s registrations matching ``query``, with the total."""
    per_page = min(max(query.per_page, 1), MAX_PAGE_SIZE)
    stmt = _filtered(event, query)
    page = max(query.page, 1)
    if query.q.strip():
        # A text search reads every row of the event whatever indexes exist; count the matches
        # in the same pass (a window function) instead of a second scan for the total.
        counted = stmt.add_columns(func.count().over())
        found = db.session.execute(_page(counted, query, page, per_page)).all()
        if found:
            return RegistrationPage(
                items=[row[0] for row in found], total=found[0][1], page=page, per_page=per_page
            )
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = min(page, max((total + per_page - 1) // per_page, 1))
    items = list(db.session.scalars(_page(stmt, query, page, per_page)))
    return RegistrationPage(items=items, total=total, page=page, per_page=per_page)


def _page(stmt: Select, query: RegistrationQuery, page: int, per_page: int) -> Select:
    """``stmt`` sorted and cut to ``page``; the page's invitations follow in one more query.

    Not a join: PostgreSQL then sorted every row of the event before the LIMIT instead of
    reading the first 50 from the ``(event_id, created_at)`` index.
    """
    return (
        stmt.options(selectinload(Registration.invitation))
        .order_by(*_order(query))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )


def get_registration(event: Event, registration_id: int) -> Registration | None:
    """``event``'s registration with this id; ``None`` when it belongs to another event."""
    return db.session.scalar(
        select(Registration).where(
            Registration.id == registration_id, Registration.event_id == event.id
        )
    )


def registration_history(registration: Registration) -> list[AuditEntry]:
    """Audit entries about ``registration``, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.event_id == registration.event_id,
                AuditEntry.object_type == "Registration",
                AuditEntry.object_id == str(registration.id),
            )
            .order_by(AuditEntry.id)
        )
    )


def countries_in_use(event: Event) -> list[str]:
    """Country codes that occur in ``event``'s registrations, for the filter."""
    return list(
        db.session.scalars(
            select(Registration.country)
            .where(Registration.event_id == event.id, Registration.country != "")
            .distinct()
            .order_by(Registration.country)
        )
    )


def delegation_invitations(event: Event) -> list[Invitation]:
    """``event``'s invitations for more than one seat, by organisation."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.event_id == event.id, Invitation.seats > 1)
            .order_by(Invitation.organisation, Invitation.id)
        )
    )


# --- summary ---------------------------------------------------------------------------


@dataclass
class SummaryRow:
    """Counts for one delegate category (``category`` ``None``: registrations without one)."""

    category: DelegateCategory | None
    #: Invitations not revoked, and the seats they offer.
    invitations: int = 0
    seats: int = 0
    declined: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def count(self, status: RegistrationStatus | str) -> int:
        """Registrations of this row in ``status``."""
        return self.statuses.get(str(status), 0)

    def add(self, other: SummaryRow) -> None:
        """Add ``other``'s counts to this row (for the totals)."""
        self.invitations += other.invitations
        self.seats += other.seats
        self.declined += other.declined
        for status, n in other.statuses.items():
            self.statuses[status] += n


@dataclass
class DelegationSeats:
    """A delegation invitation with the seats its registrations hold."""

    invitation: Invitation
    seats_taken: int

    @property
    def seats_left(self) -> int:
        """Seats the focal person may still fill."""
        return max(self.invitation.seats - self.seats_taken, 0)


@dataclass
class Summary:
    """Per-category rows, their totals, and the delegations."""

    rows: list[SummaryRow]
    totals: SummaryRow
    delegations: list[DelegationSeats]


def registration_summary(event: Event) -> Summary:
    """Invited, declined, registered, pending, waitlisted, cancelled per category; seats."""
    rows: dict[int | None, SummaryRow] = {c.id: SummaryRow(c) for c in list_categories(event)}

    def row(category_id: int | None) -> SummaryRow:
        """The summary row of ``category_id``, created on first use."""
        if category_id not in rows:
            rows[category_id] = SummaryRow(None)
        return rows[category_id]

    invitation_counts = db.session.execute(
        select(Invitation.category_id, Invitation.state, func.count(), func.sum(Invitation.seats))
        .where(Invitation.event_id == event.id)
        .group_by(Invitation.category_id, Invitation.state)
    )
    for category_id, state, count, seats in invitation_counts:
        if state == InvitationState.REVOKED:
            continue
        target = row(category_id)
        target.invitations += count
        target.seats += int(seats or 0)
        if state == InvitationState.DECLINED:
            target.declined += count

    registration_counts = db.session.execute(
        select(Registration.category_id, Registration.status, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.category_id, Registration.status)
    )
    for category_id, status, count in registration_counts:
        row(category_id).statuses[RegistrationStatus(status).value] += count

    ordered = [r for key, r in rows.items() if key is not None]
    if None in rows:
        ordered.append(rows[None])
    totals = SummaryRow(None)
    for r in ordered:
        totals.add(r)
    return Summary(rows=ordered, totals=totals, delegations=_delegation_seats(event))


def _delegation_seats(event: Event) -> list[DelegationSeats]:
    """Delegations with the seats held, counted from the registrations themselves."""
    delegations = delegation_invitations(event)
    if not delegations:
        return []
    taken = dict(
        db.session.execute(
            select(Registration.invitation_id, func.count())
            .where(
                Registration.event_id == event.id,
                Registration.invitation_id.in_([d.id for d in delegations]),
                Registration.status.in_(ACTIVE_STATUSES),
            )
            .group_by(Registration.invitation_id)
        ).all()
    )
    return [DelegationSeats(d, taken.get(d.id, 0)) for d in delegations]
