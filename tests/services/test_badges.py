"""Badges as a service: codes, reissue, print batches and counts, the e-badge in confirmation mail.

Drawing (PNG and PDF read back by a decoder) is in ``test_badges_render.py``.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import qrcode
import zxingcpp
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    Event,
    OutboxAttachment,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    RetiredBadgeCode,
    StaffUser,
)
from wadconf.models.checkin import BADGE_PREFIX
from wadconf.services import DomainError, badges, review
from wadconf.services import registration as registration_service


@pytest.fixture
def event(make_event):
    return make_event()


def act(app, fn, registration, **kwargs):
    """Run ``fn`` on a fresh copy of ``registration`` in one write transaction, then commit."""
    with app.app_context(), write_intent():
        try:
            result = fn(db.session.get(Registration, registration.id), **kwargs)
        except DomainError:
            db.session.rollback()
            raise
        db.session.commit()
        return result


def reload(app, registration) -> Registration:
    with app.app_context():
        row = db.session.get(Registration, registration.id)
        db.session.expunge(row)
        return row


def batch(app, event, **filters) -> list[str]:
    """English names of the badges :func:`badges.badges_for_print` selects, in its order."""
    with app.app_context():
        return [
            r.name_en for r in badges.badges_for_print(db.session.get(Event, event.id), **filters)
        ]


def decode_png(data: bytes) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


# --- the code --------------------------------------------------------------------------


def test_badge_code_has_the_wadconf_prefix(app, event, make_registration):
    assert make_registration(event).badge_code.startswith(BADGE_PREFIX)


def test_badge_code_fits_a_qr_of_version_4_or_lower_at_level_m(app, event, make_registration):
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(make_registration(event).badge_code)
    code.make(fit=True)
    assert code.version <= 4


# --- reissue ---------------------------------------------------------------------------


def _reissue(app, registration, reason="Lost at the hotel", by=None):
    def run(row):
        staff = db.session.get(StaffUser, by.id) if by else None
        return badges.reissue_badge(row, by=staff, reason=reason)

    return act(app, run, registration)


def test_reissue_gives_a_new_code_with_the_prefix(app, event, make_registration):
    registration = make_registration(event)
    new_code = _reissue(app, registration)
    assert new_code != registration.badge_code
    assert new_code.startswith(BADGE_PREFIX)
    assert reload(app, registration).badge_code == new_code


def test_reissue_retires_the_old_code_with_who_and_why(app, event, make_registration, make_user):
    organiser = make_user("organizer")
    registration = make_registration(event)
    _reissue(app, registration, reason="Lost  at\nthe hotel", by=organiser)
    with app.app_context():
        retired = db.session.scalar(
            select(RetiredBadgeCode).where(RetiredBadgeCode.code == registration.badge_code)
        )
        assert (retired.registration_id, retired.retired_by_id, retired.reason) == (
            registration.id,
            organiser.id,
            "Lost at the hotel",
        )


def test_reissue_updates_the_issue_time(app, event, make_registration):
    registration = make_registration(event)
    before = datetime.now(UTC)
    _reissue(app, registration)
    assert reload(app, registration).badge_issued_at >= before.replace(microsecond=0)


def test_reissue_starts_the_print_count_again(app, event, make_registration):
    registration = make_registration(event, badge_print_count=2, badge_printed_at=datetime.now(UTC))
    _reissue(app, registration)
    row = reload(app, registration)
    assert (row.badge_print_count, row.badge_printed_at) == (0, None)


def test_reissue_is_audited_with_the_reason(app, event, make_registration):
    registration = make_registration(event, badge_print_count=3)
    _reissue(app, registration, reason="Stolen")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "badge.reissue"))
        assert entry.object_id == str(registration.id)
        assert entry.details == {"reason": "Stolen", "previous_print_count": 3}


def test_reissue_without_a_reason_is_refused(app, event, make_registration):
    registration = make_registration(event)
    with pytest.raises(DomainError) as excinfo:
        _reissue(app, registration, reason="   ")
    assert excinfo.value.code == "reason_required"
    assert reload(app, registration).badge_code == registration.badge_code


def test_reissue_of_an_erased_registration_is_refused(app, event, make_registration):
    registration = make_registration(event, personal_data_erased_at=datetime.now(UTC))
    with pytest.raises(DomainError) as excinfo:
        _reissue(app, registration)
    assert excinfo.value.code == "erased"


def test_two_reissues_retire_both_earlier_codes(app, event, make_registration):
    registration = make_registration(event)
    second = _reissue(app, registration)
    _reissue(app, registration)
    with app.app_context():
        retired = set(db.session.scalars(select(RetiredBadgeCode.code)))
    assert retired == {registration.badge_code, second}


# --- batches ---------------------------------------------------------------------------


def test_batch_is_confirmed_registrations_by_default(app, event, make_registration):
    make_registration(event, name_en="Confirmed")
    make_registration(event, name_en="Pending", status=RegistrationStatus.PENDING)
    make_registration(event, name_en="Cancelled", status=RegistrationStatus.CANCELLED)
    assert batch(app, event) == ["Confirmed"]


def test_batch_never_holds_an_erased_registration(app, event, make_registration):
    make_registration(event, name_en="Erased", personal_data_erased_at=datetime.now(UTC))
    assert batch(app, event, status=None) == []


def test_batch_never_holds_another_events_registration(app, event, make_event, make_registration):
    make_registration(make_event(), name_en="Elsewhere")
    assert batch(app, event) == []


def test_batch_orders_by_organisation_then_name(app, event, make_registration):
    make_registration(event, name_en="B", organisation="Zeta")
    make_registration(event, name_en="C", organisation="alpha")
    make_registration(event, name_en="A", organisation="Zeta")
    assert batch(app, event, order="organisation") == ["C", "A", "B"]


def test_batch_orders_by_name(app, event, make_registration):
    make_registration(event, name_en="bob", organisation="A")
    make_registration(event, name_en="Alice", organisation="B")
    assert batch(app, event, order="name") == ["Alice", "bob"]


def test_batch_orders_by_category_position(app, event, make_registration):
    # The default categories come in position order: government before media.
    make_registration(event, name_en="Press", category="media", organisation="A")
    make_registration(event, name_en="Official", category="government", organisation="B")
    make_registration(event, name_en="None", category=None, organisation="C")
    assert batch(app, event, order="category") == ["Official", "Press", "None"]


def test_batch_filters_by_category(app, event, make_registration):
    make_registration(event, name_en="Press", category="media")
    make_registration(event, name_en="Official", category="government")
    with app.app_context():
        from wadconf.services.categories import category_by_code

        media = category_by_code(db.session.get(Event, event.id), "media").id
    assert batch(app, event, category_id=media) == ["Press"]


def test_batch_searches_organisation_and_names(app, event, make_registration):
    make_registration(event, name_en="One", organisation="China National Accreditation")
    make_registration(event, name_en="Two", organisation="Other", name_zh="认可张")
    make_registration(event, name_en="Three", organisation="Other", name_zh="王五")
    assert batch(app, event, q="national") == ["One"]
    assert batch(app, event, q="认可") == ["Two"]


def test_batch_of_a_selection(app, event, make_registration):
    make_registration(event, name_en="Left out")
    chosen = make_registration(event, name_en="Chosen")
    assert batch(app, event, ids=[chosen.id]) == ["Chosen"]


def test_batch_of_never_printed_badges(app, event, make_registration):
    make_registration(event, name_en="Printed", badge_print_count=1)
    make_registration(event, name_en="New")
    assert batch(app, event, printed="never") == ["New"]
    assert batch(app, event, printed="yes") == ["Printed"]


# --- print counts ----------------------------------------------------------------------


def _print(app, event, registrations, layout="a6", now=None):
    with app.app_context(), write_intent():
        badges.record_printing(
            db.session.get(Event, event.id), [r.id for r in registrations], layout=layout, now=now
        )
        db.session.commit()


def test_printing_counts_one_print_and_keeps_the_time(app, event, make_registration):
    registration = make_registration(event)
    when = datetime(2025, 6, 4, 8, 30, tzinfo=UTC)
    _print(app, event, [registration], now=when)
    row = reload(app, registration)
    assert (row.badge_print_count, row.badge_printed_at) == (1, when)


def test_reprinting_counts_again(app, event, make_registration):
    registration = make_registration(event)
    _print(app, event, [registration])
    _print(app, event, [registration])
    assert reload(app, registration).badge_print_count == 2


def test_printing_leaves_other_badges_uncounted(app, event, make_registration):
    printed, other = make_registration(event), make_registration(event)
    _print(app, event, [printed])
    assert reload(app, other).badge_print_count == 0


def test_printing_is_audited_with_count_reprints_and_layout(app, event, make_registration):
    first, second = make_registration(event), make_registration(event, badge_print_count=1)
    _print(app, event, [first, second], layout="cr80")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "badge.print"))
        assert entry.event_id == event.id
        assert entry.details == {
            "count": 2,
            "reprints": 1,
            "layout": "cr80",
            "registration_ids": [first.id, second.id],
        }


def test_printing_counts_more_than_one_chunk_of_ids(app, event, make_registration):
    registration = make_registration(event)
    with app.app_context(), write_intent():
        # 600 ids (most unknown) span two IN lists; the known one is in the second.
        ids = list(range(10_000, 10_599)) + [registration.id]
        badges.record_printing(db.session.get(Event, event.id), ids, layout="a6")
        db.session.commit()
    assert reload(app, registration).badge_print_count == 1


def test_printing_in_an_unknown_layout_is_refused(app, event, make_registration):
    registration = make_registration(event)
    with pytest.raises(DomainError) as excinfo:
        _print(app, event, [registration], layout="poster")
    assert excinfo.value.code == "bad_layout"


# --- the e-badge in the confirmation mail ----------------------------------------------


def _badge_attachments(app, registration_id: int) -> list[tuple[str, str, bytes]]:
    """(kind, filename, data) of every PNG attached to mail about the registration."""
    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.kind, OutboxAttachment.filename, OutboxAttachment.data)
            .join(OutboxAttachment, OutboxAttachment.message_id == OutboxMessage.id)
            .where(OutboxMessage.subject_ref == f"Registration:{registration_id}")
        )
        return [tuple(row) for row in rows]


def test_a_confirmed_walk_in_gets_the_e_badge_attached(app, event):
    with app.app_context(), write_intent():
        registration = review.register_directly(
            db.session.get(Event, event.id),
            review.delegate_data(
                name_zh="张三",
                name_en="Zhang San",
                organisation="示例认证中心",
                country="CN",
                email="zs@example.org",
            ),
        )
        db.session.commit()
        registration_id, code = registration.id, registration.badge_code
    [(kind, filename, data)] = _badge_attachments(app, registration_id)
    assert kind == "registration_received_confirmed"
    assert filename == f"badge-{event.slug}.png"
    assert decode_png(data) == [code]


def test_a_pending_registration_gets_no_badge(app, event):
    with app.app_context(), write_intent():
        registration = registration_service.create_registration(
            db.session.get(Event, event.id),
            review.delegate_data(
                name_en="Waiting", organisation="Body", country="CN", email="w@example.org"
            ),
            registered_by_staff=True,
            status=RegistrationStatus.PENDING,
        )
        db.session.commit()
        registration_id = registration.id
    assert _badge_attachments(app, registration_id) == []


def test_approval_mail_carries_the_e_badge(app, event, make_registration):
    registration = make_registration(event, status=RegistrationStatus.PENDING)
    act(app, review.approve_registration, registration)
    [(kind, _filename, data)] = _badge_attachments(app, registration.id)
    assert kind == "registration_approved"
    assert decode_png(data) == [registration.badge_code]


def test_rejection_mail_carries_no_badge(app, event, make_registration):
    registration = make_registration(event, status=RegistrationStatus.PENDING)
    act(app, review.reject_registration, registration)
    assert _badge_attachments(app, registration.id) == []


def test_promotion_to_confirmed_mail_carries_the_e_badge(app, event, make_registration):
    with app.app_context(), write_intent():
        db.session.get(Event, event.id).capacity = 1
        db.session.commit()
    seated = make_registration(event)
    waiting = make_registration(event, status=RegistrationStatus.WAITLISTED)
    act(app, registration_service.cancel_registration, seated)
    [(kind, _filename, data)] = _badge_attachments(app, waiting.id)
    assert kind == "registration_promoted_confirmed"
    assert decode_png(data) == [waiting.badge_code]


def _mail_text(app, registration_id: int) -> str:
    with app.app_context():
        return db.session.scalar(
            select(OutboxMessage.body_text).where(
                OutboxMessage.subject_ref == f"Registration:{registration_id}"
            )
        )


def test_approval_mail_says_the_e_badge_is_attached(app, event, make_registration):
    registration = make_registration(event, status=RegistrationStatus.PENDING, locale="en")
    act(app, review.approve_registration, registration)
    assert "e-badge is attached" in _mail_text(app, registration.id)


def test_rejection_mail_mentions_no_badge(app, event, make_registration):
    registration = make_registration(event, status=RegistrationStatus.PENDING, locale="en")
    act(app, review.reject_registration, registration)
    assert "e-badge" not in _mail_text(app, registration.id)
