"""The organisers' list (search, filters, sorting, paging), its history and summary."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import DelegateCategory, Event, Invitation, InvitationState, RegistrationStatus
from wadconf.services import audit
from wadconf.services import registration_queries as queries
from wadconf.services.registration_queries import RegistrationQuery


@pytest.fixture
def event(make_event):
    return make_event()


def search(app, event, **params) -> list[str]:
    """English names of the matching registrations on the first page, in list order."""
    with app.app_context(), force_locale(params.pop("locale", "en")):
        page = queries.search_registrations(
            db.session.get(Event, event.id), RegistrationQuery(**params)
        )
        return [r.name_en for r in page.items]


def category_id(app, event, code: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(DelegateCategory.id).where(
                DelegateCategory.event_id == event.id, DelegateCategory.code == code
            )
        )


# --- search -----------------------------------------------------------------------------


def test_search_by_chinese_name(app, event, make_registration):
    make_registration(event, name_zh="张伟", name_en="Zhang Wei")
    make_registration(event, name_zh="李娜", name_en="Li Na")
    assert search(app, event, q="张") == ["Zhang Wei"]


def test_search_by_english_name_ignores_case(app, event, make_registration):
    make_registration(event, name_en="Maria Schmidt")
    make_registration(event, name_en="Li Na")
    assert search(app, event, q="SCHMIDT") == ["Maria Schmidt"]


def test_search_by_organisation(app, event, make_registration):
    make_registration(event, name_en="A", organisation="Example Testing Lab Co.")
    make_registration(event, name_en="B", organisation="岚川市市场监督管理局")
    assert search(app, event, q="testing lab") == ["A"]
    assert search(app, event, q="市场监督") == ["B"]


def test_search_by_email(app, event, make_registration):
    make_registration(event, name_en="A", email="zhang.wei@example.org")
    make_registration(event, name_en="B", email="li.na@example.com")
    assert search(app, event, q="li.na@") == ["B"]


def test_search_by_phone_as_people_type_it(app, event, make_registration):
    make_registration(event, name_en="A", mobile="+8613812345678")
    make_registration(event, name_en="B", mobile="+8613900001111")
    assert search(app, event, q="138 1234 5678") == ["A"]
    assert search(app, event, q="+86-138-1234-5678") == ["A"]
    assert search(app, event, q="5678") == ["A"]


def test_search_treats_percent_and_underscore_literally(app, event, make_registration):
    make_registration(event, name_en="A", organisation="100% Example")
    make_registration(event, name_en="B", organisation="1000 Example")
    assert search(app, event, q="100%") == ["A"]
    assert search(app, event, q="_") == []


def test_search_stays_within_the_event(app, event, make_event, make_registration):
    other = make_event()
    make_registration(other, name_en="Elsewhere Person")
    assert search(app, event, q="Elsewhere") == []


# --- filters ----------------------------------------------------------------------------


def test_filter_by_status(app, event, make_registration):
    make_registration(event, name_en="A")
    make_registration(event, name_en="B", status=RegistrationStatus.PENDING)
    assert search(app, event, status="pending") == ["B"]


def test_unknown_status_filter_is_ignored(app, event, make_registration):
    make_registration(event, name_en="A")
    assert search(app, event, status="nonsense") == ["A"]


def test_filter_by_category(app, event, make_registration):
    make_registration(event, name_en="A", category="media")
    make_registration(event, name_en="B", category="expert")
    assert search(app, event, category_id=category_id(app, event, "media")) == ["A"]


def test_filter_by_country(app, event, make_registration):
    make_registration(event, name_en="A", country="DE")
    make_registration(event, name_en="B", country="CN")
    assert search(app, event, country="de") == ["A"]


def test_filter_without_invitation(app, event, make_invitation, make_registration):
    invitation = make_invitation(event, seats=3)
    make_registration(event, name_en="A", invitation=invitation)
    make_registration(event, name_en="B")
    assert search(app, event, invitation="none") == ["B"]
    assert search(app, event, invitation="any") == ["A"]


def test_filter_by_one_invitation(app, event, make_invitation, make_registration):
    delegation = make_invitation(event, seats=5)
    person = make_invitation(event)
    make_registration(event, name_en="A", invitation=delegation)
    make_registration(event, name_en="B", invitation=person)
    assert search(app, event, invitation=str(delegation.id)) == ["A"]


def test_filters_combine(app, event, make_registration):
    make_registration(event, name_en="Anna Kern", country="DE", status=RegistrationStatus.PENDING)
    make_registration(event, name_en="Anna Berg", country="SE", status=RegistrationStatus.PENDING)
    make_registration(event, name_en="Anna Roth", country="DE")
    assert search(app, event, q="anna", country="DE", status="pending") == ["Anna Kern"]


# --- sorting and paging -----------------------------------------------------------------


def test_default_order_is_newest_first(app, event, make_registration):
    for name in ("First", "Second", "Third"):
        make_registration(event, name_en=name)
    assert search(app, event) == ["Third", "Second", "First"]


def test_sort_by_english_name_and_back(app, event, make_registration):
    for name in ("Chen Jie", "Adams Mary", "Brown Tom"):
        make_registration(event, name_en=name)
    assert search(app, event, sort="name") == ["Adams Mary", "Brown Tom", "Chen Jie"]
    assert search(app, event, sort="name", descending=True) == [
        "Chen Jie",
        "Brown Tom",
        "Adams Mary",
    ]


def test_sort_by_name_in_chinese_uses_the_chinese_name_and_puts_missing_ones_last(
    app, event, make_registration
):
    make_registration(event, name_zh="", name_en="Adams Mary")
    make_registration(event, name_zh="王芳", name_en="Wang Fang")
    make_registration(event, name_zh="李娜", name_en="Li Na")
    assert search(app, event, sort="name", locale="zh_Hans") == ["Li Na", "Wang Fang", "Adams Mary"]


def test_sort_by_organisation(app, event, make_registration):
    make_registration(event, name_en="A", organisation="Zeta Lab")
    make_registration(event, name_en="B", organisation="Alpha Lab")
    assert search(app, event, sort="organisation") == ["B", "A"]


def test_sort_by_status_puts_pending_first_then_follows_the_work_order(
    app, event, make_registration
):
    for status in ("rejected", "cancelled", "waitlisted", "confirmed", "pending"):
        make_registration(event, name_en=status, status=RegistrationStatus(status))
    assert search(app, event, sort="status") == [
        "pending",
        "confirmed",
        "waitlisted",
        "cancelled",
        "rejected",
    ]


def test_paging_splits_the_result_and_counts_it(app, event, make_registration):
    for n in range(5):
        make_registration(event, name_en=f"P{n}")
    with app.app_context():
        row = db.session.get(Event, event.id)
        first = queries.search_registrations(row, RegistrationQuery(sort="name", per_page=2))
        last = queries.search_registrations(row, RegistrationQuery(sort="name", per_page=2, page=3))
        assert (first.total, first.pages) == (5, 3)
        assert [r.name_en for r in first.items] == ["P0", "P1"]
        assert [r.name_en for r in last.items] == ["P4"]


def test_a_search_counts_all_its_matches_not_just_the_page(app, event, make_registration):
    for n in range(5):
        make_registration(event, name_en=f"Match {n}")
    make_registration(event, name_en="Other")
    with app.app_context():
        row = db.session.get(Event, event.id)
        second = queries.search_registrations(
            row, RegistrationQuery(q="match", sort="name", per_page=2, page=2)
        )
        assert (second.total, second.pages, second.page) == (5, 3, 2)
        assert [r.name_en for r in second.items] == ["Match 2", "Match 3"]


def test_a_search_page_past_the_end_shows_its_last_page(app, event, make_registration):
    for n in range(3):
        make_registration(event, name_en=f"Match {n}")
    with app.app_context():
        row = db.session.get(Event, event.id)
        late = queries.search_registrations(
            row, RegistrationQuery(q="match", sort="name", per_page=2, page=9)
        )
        assert (late.total, late.page, [r.name_en for r in late.items]) == (3, 2, ["Match 2"])


def test_a_page_past_the_end_shows_the_last_page(app, event, make_registration):
    make_registration(event, name_en="Only")
    assert search(app, event, page=99) == ["Only"]


# --- history ----------------------------------------------------------------------------


def test_history_lists_the_registrations_audit_entries_only(app, event, make_registration):
    mine = make_registration(event)
    other = make_registration(event)
    with app.app_context(), write_intent():
        from wadconf.models import Registration

        audit.record("registration.update", obj=db.session.get(Registration, mine.id))
        audit.record("registration.update", obj=db.session.get(Registration, other.id))
        audit.record("registration.cancel", obj=db.session.get(Registration, mine.id))
        db.session.commit()
        history = queries.registration_history(db.session.get(Registration, mine.id))
        assert [e.action for e in history] == ["registration.update", "registration.cancel"]


# --- summary ----------------------------------------------------------------------------


def _summary(app, event):
    with app.app_context():
        summary = queries.registration_summary(db.session.get(Event, event.id))
        by_code = {row.category.code if row.category else None: row for row in summary.rows}
        return summary, by_code


def test_summary_counts_registrations_per_category_and_status(app, event, make_registration):
    make_registration(event, category="media")
    make_registration(event, category="media", status=RegistrationStatus.PENDING)
    make_registration(event, category="expert", status=RegistrationStatus.WAITLISTED)
    make_registration(event, category="expert", status=RegistrationStatus.CANCELLED)
    summary, rows = _summary(app, event)
    assert (rows["media"].count("confirmed"), rows["media"].count("pending")) == (1, 1)
    assert (rows["expert"].count("waitlisted"), rows["expert"].count("cancelled")) == (1, 1)
    assert summary.totals.count("confirmed") == 1
    assert sum(summary.totals.statuses.values()) == 4


def test_summary_counts_invitations_seats_and_declines_but_not_revoked(app, event, make_invitation):
    make_invitation(event, category="intl_org", seats=3)
    make_invitation(event, category="intl_org", state=InvitationState.DECLINED)
    make_invitation(event, category="intl_org", state=InvitationState.REVOKED, seats=4)
    _summary_, rows = _summary(app, event)
    row = rows["intl_org"]
    assert (row.invitations, row.seats, row.declined) == (2, 4, 1)


def test_summary_has_a_row_for_registrations_without_category(app, event, make_registration):
    make_registration(event, category=None)
    summary, rows = _summary(app, event)
    assert rows[None].count("confirmed") == 1
    assert summary.rows[-1].category is None


def test_summary_shows_each_delegations_seats_from_its_registrations(
    app, event, make_invitation, make_registration
):
    delegation = make_invitation(event, seats=5, organisation="岚川省市场监督管理局")
    make_invitation(event, seats=1)
    make_registration(event, invitation=delegation)
    make_registration(event, invitation=delegation, status=RegistrationStatus.PENDING)
    make_registration(event, invitation=delegation, status=RegistrationStatus.CANCELLED)
    summary, _rows = _summary(app, event)
    [seats] = summary.delegations
    assert seats.invitation.id == delegation.id
    assert (seats.seats_taken, seats.seats_left) == (2, 3)


def test_delegation_invitations_are_the_multi_seat_ones(app, event, make_invitation):
    make_invitation(event, seats=3)
    make_invitation(event, seats=1)
    with app.app_context():
        found = queries.delegation_invitations(db.session.get(Event, event.id))
        assert [i.seats for i in found] == [3]
        assert isinstance(found[0], Invitation)
