"""The check-in service: verdicts in the contract's order, the scan log, idempotency, undo."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    AuditEntry,
    CheckIn,
    Checkpoint,
    DelegateCategory,
    ReentryPolicy,
    RegistrationStatus,
    RetiredBadgeCode,
    Scan,
    ScanDirection,
    ScanMethod,
    StaffUser,
    Verdict,
)
from wadconf.services import DomainError
from wadconf.services.checkin import (
    _enrolled_in_linked_session,
    annul_check_in,
    check_in_registration,
    perform_scan,
)


def add_checkpoint(app, event, **fields) -> int:
    """A checkpoint of ``event``; ``categories=[code, ...]`` for the categories rule."""
    categories = fields.pop("categories", [])
    with app.app_context(), write_intent():
        checkpoint = Checkpoint(
            event_id=event.id,
            code=fields.pop("code", "main"),
            name_zh=fields.pop("name_zh", "主入口"),
            name_en=fields.pop("name_en", "Main entrance"),
            **fields,
        )
        if categories:
            checkpoint.categories = list(
                db.session.scalars(
                    select(DelegateCategory).where(
                        DelegateCategory.event_id == event.id, DelegateCategory.code.in_(categories)
                    )
                )
            )
        db.session.add(checkpoint)
        db.session.commit()
        return checkpoint.id


def scan(app, code, checkpoint_id, *, staff_id=None, **kwargs):
    """perform_scan in its own committed unit of work, as a request does it."""
    with app.app_context(), write_intent():
        staff = db.session.get(StaffUser, staff_id) if staff_id else None
        result = perform_scan(code, checkpoint=checkpoint_id, staff=staff, **kwargs)
        db.session.commit()
        return result


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def setting(app, make_event, make_registration, make_user):
    event = make_event()
    registration = make_registration(event)
    checkpoint_id = add_checkpoint(app, event)
    staff = make_user("checkin")
    return event, registration, checkpoint_id, staff


def test_first_scan_is_ok_and_records_one_entry(app, setting):
    _event, registration, checkpoint_id, staff = setting
    result = scan(app, registration.badge_code, checkpoint_id, staff_id=staff.id, device="Gate 1")
    assert result.verdict == Verdict.OK
    assert result.registration["id"] == registration.id
    assert result.registration["category"]["code"] == "government"
    assert result.checked_in_device == "Gate 1"
    assert count(app, CheckIn) == 1


def test_second_scan_is_already_checked_in_with_first_time_and_gate(app, setting):
    _event, registration, checkpoint_id, staff = setting
    first = scan(app, registration.badge_code, checkpoint_id, device="Gate 1")
    second = scan(app, registration.badge_code, checkpoint_id, device="Gate 2")
    assert second.verdict == Verdict.ALREADY_CHECKED_IN
    assert second.checked_in_at == first.checked_in_at
    assert second.checked_in_device == "Gate 1"
    assert "Gate 1" in second.message
    assert count(app, CheckIn) == 1


def test_every_scan_is_logged_with_verdict_staff_device_and_time(app, setting):
    _event, registration, checkpoint_id, staff = setting
    scan(app, registration.badge_code, checkpoint_id, staff_id=staff.id, device="G1")
    scan(app, registration.badge_code, checkpoint_id, staff_id=staff.id, device="G2")
    scan(app, "WAD1-NOPE", checkpoint_id, staff_id=staff.id, device="G3")
    with app.app_context():
        scans = db.session.scalars(select(Scan).order_by(Scan.id)).all()
        assert [s.verdict for s in scans] == [
            Verdict.OK,
            Verdict.ALREADY_CHECKED_IN,
            Verdict.UNKNOWN_CODE,
        ]
        assert [s.device for s in scans] == ["G1", "G2", "G3"]
        assert all(s.staff_user_id == staff.id and s.scanned_at for s in scans)
        assert all(s.checkpoint_id == checkpoint_id for s in scans)


def test_code_is_trimmed_and_upper_cased(app, setting):
    _event, registration, checkpoint_id, _staff = setting
    result = scan(app, f"  {registration.badge_code.lower()}\r\n", checkpoint_id)
    assert result.verdict == Verdict.OK


# --- forged codes: never ok -------------------------------------------------------------


def test_random_badge_shaped_code_is_unknown(app, setting):
    from wadconf.models.checkin import new_badge_code

    _event, _registration, checkpoint_id, _staff = setting
    assert scan(app, new_badge_code(), checkpoint_id).verdict == Verdict.UNKNOWN_CODE


def test_code_with_one_character_changed_is_unknown(app, setting):
    _event, registration, checkpoint_id, _staff = setting
    code = registration.badge_code
    last = "0" if code[-1] != "0" else "1"
    assert scan(app, code[:-1] + last, checkpoint_id).verdict == Verdict.UNKNOWN_CODE
    assert count(app, CheckIn) == 0


def test_code_of_another_event_is_unknown(app, setting, make_event, make_registration):
    _event, _registration, checkpoint_id, _staff = setting
    other = make_registration(make_event())
    assert scan(app, other.badge_code, checkpoint_id).verdict == Verdict.UNKNOWN_CODE


def test_manage_token_scans_as_unknown(app, setting):
    _event, registration, checkpoint_id, _staff = setting
    assert scan(app, registration.manage_token, checkpoint_id).verdict == Verdict.UNKNOWN_CODE


def test_invitation_token_scans_as_unknown(app, setting, make_invitation):
    event, _registration, checkpoint_id, _staff = setting
    invitation = make_invitation(event)
    assert scan(app, invitation.token, checkpoint_id).verdict == Verdict.UNKNOWN_CODE


@pytest.mark.parametrize("shape", ["{id}", "WAD1-{id}", "WAD1-"])
def test_database_id_scans_as_unknown(app, setting, shape):
    _event, registration, checkpoint_id, _staff = setting
    code = shape.format(id=registration.id)
    assert scan(app, code, checkpoint_id).verdict == Verdict.UNKNOWN_CODE


def test_badge_without_code_cannot_be_matched_by_an_empty_scan(app, setting, make_registration):
    event, _registration, checkpoint_id, _staff = setting
    make_registration(event, badge_code=None)
    assert scan(app, "", checkpoint_id).verdict == Verdict.UNKNOWN_CODE
    assert scan(app, "WAD1-", checkpoint_id).verdict == Verdict.UNKNOWN_CODE


# --- refusals in order ------------------------------------------------------------------


def test_retired_code_is_reissued(app, setting):
    _event, registration, checkpoint_id, _staff = setting
    with app.app_context(), write_intent():
        db.session.add(RetiredBadgeCode(code="WAD1-OLDCODE", registration_id=registration.id))
        db.session.commit()
    result = scan(app, "wad1-oldcode", checkpoint_id)
    assert result.verdict == Verdict.REISSUED
    assert count(app, CheckIn) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"status": RegistrationStatus.CANCELLED},
        {"status": RegistrationStatus.REJECTED},
        {"personal_data_erased_at": utcnow()},
    ],
    ids=["cancelled", "rejected", "erased"],
)
def test_cancelled_rejected_or_erased_is_cancelled(app, setting, make_registration, fields):
    event, _registration, checkpoint_id, _staff = setting
    registration = make_registration(event, **fields)
    assert scan(app, registration.badge_code, checkpoint_id).verdict == Verdict.CANCELLED


@pytest.mark.parametrize("status", [RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED])
def test_pending_or_waitlisted_is_not_confirmed(app, setting, make_registration, status):
    event, _registration, checkpoint_id, _staff = setting
    registration = make_registration(event, status=status)
    assert scan(app, registration.badge_code, checkpoint_id).verdict == Verdict.NOT_CONFIRMED


@pytest.mark.parametrize(
    "fields",
    [
        {"is_active": False},
        {"opens_at": utcnow() + timedelta(hours=1)},
        {"closes_at": utcnow() - timedelta(minutes=1)},
    ],
    ids=["inactive", "before-opening", "after-closing"],
)
def test_closed_checkpoint_is_not_open(app, setting, fields):
    event, registration, _checkpoint_id, _staff = setting
    closed = add_checkpoint(app, event, code="closed", **fields)
    assert scan(app, registration.badge_code, closed).verdict == Verdict.NOT_OPEN


def test_unknown_code_comes_before_not_open(app, setting):
    event, _registration, _checkpoint_id, _staff = setting
    closed = add_checkpoint(app, event, code="closed", is_active=False)
    assert scan(app, "WAD1-NOPE", closed).verdict == Verdict.UNKNOWN_CODE


def test_categories_rule_admits_listed_category(app, setting):
    event, registration, _checkpoint_id, _staff = setting
    hall = add_checkpoint(
        app, event, code="hall", rule=AdmissionRule.CATEGORIES, categories=["government"]
    )
    assert scan(app, registration.badge_code, hall).verdict == Verdict.OK


def test_categories_rule_refuses_other_category(app, setting, make_registration):
    event, _registration, _checkpoint_id, _staff = setting
    hall = add_checkpoint(
        app, event, code="hall", rule=AdmissionRule.CATEGORIES, categories=["government"]
    )
    with app.app_context():
        other_code = db.session.scalar(
            select(DelegateCategory.code).where(
                DelegateCategory.event_id == event.id, DelegateCategory.code != "government"
            )
        )
    registration = make_registration(event, category=other_code)
    assert scan(app, registration.badge_code, hall).verdict == Verdict.NOT_ALLOWED


def test_categories_rule_refuses_delegate_without_category(app, setting, make_registration):
    event, _registration, _checkpoint_id, _staff = setting
    hall = add_checkpoint(
        app, event, code="hall", rule=AdmissionRule.CATEGORIES, categories=["government"]
    )
    registration = make_registration(event, category=None)
    assert scan(app, registration.badge_code, hall).verdict == Verdict.NOT_ALLOWED


def test_enrolled_rule_refuses_at_a_checkpoint_without_a_session(app, setting):
    event, registration, _checkpoint_id, _staff = setting
    room = add_checkpoint(app, event, code="room", rule=AdmissionRule.ENROLLED)
    assert scan(app, registration.badge_code, room).verdict == Verdict.NOT_ALLOWED
    with app.app_context():
        assert _enrolled_in_linked_session(registration.id, room) is False


def test_enrolled_rule_admits_when_the_hook_says_enrolled(app, setting, monkeypatch):
    from wadconf.services import checkin

    event, registration, _checkpoint_id, _staff = setting
    room = add_checkpoint(app, event, code="room", rule=AdmissionRule.ENROLLED)
    monkeypatch.setattr(checkin, "_enrolled_in_linked_session", lambda reg, cp: True)
    assert scan(app, registration.badge_code, room).verdict == Verdict.OK


# --- idempotency --------------------------------------------------------------------------


def test_retry_with_same_nonce_replays_first_verdict_and_records_nothing(app, setting):
    _event, registration, checkpoint_id, _staff = setting
    first = scan(app, registration.badge_code, checkpoint_id, nonce="abc-1")
    again = scan(app, registration.badge_code, checkpoint_id, nonce="abc-1")
    assert first.verdict == again.verdict == Verdict.OK
    assert (again.replayed, first.replayed) == (True, False)
    assert again.scan_id == first.scan_id
    assert count(app, Scan) == 1
    assert count(app, CheckIn) == 1


def test_new_nonce_is_a_new_scan(app, setting):
    _event, registration, checkpoint_id, _staff = setting
    scan(app, registration.badge_code, checkpoint_id, nonce="abc-1")
    second = scan(app, registration.badge_code, checkpoint_id, nonce="abc-2")
    assert second.verdict == Verdict.ALREADY_CHECKED_IN
    assert not second.replayed


def test_replay_of_a_refusal_stays_a_refusal(app, setting):
    _event, _registration, checkpoint_id, _staff = setting
    scan(app, "WAD1-NOPE", checkpoint_id, nonce="n")
    again = scan(app, "WAD1-NOPE", checkpoint_id, nonce="n")
    assert again.verdict == Verdict.UNKNOWN_CODE and again.replayed


# --- in/out ------------------------------------------------------------------------------


def test_exit_then_reentry_is_ok_without_a_second_entry_row(app, setting):
    event, registration, _checkpoint_id, _staff = setting
    hall = add_checkpoint(app, event, code="hall", reentry=ReentryPolicy.IN_OUT)
    code = registration.badge_code
    assert scan(app, code, hall).verdict == Verdict.OK
    assert scan(app, code, hall).verdict == Verdict.ALREADY_CHECKED_IN
    assert scan(app, code, hall, direction=ScanDirection.OUT).verdict == Verdict.OK
    with app.app_context():
        assert db.session.scalar(select(CheckIn.is_inside)) is False
    assert scan(app, code, hall).verdict == Verdict.OK
    assert count(app, CheckIn) == 1
    with app.app_context():
        assert db.session.scalar(select(CheckIn.is_inside)) is True
    assert count(app, Scan, Scan.direction == ScanDirection.OUT) == 1


def test_exit_scan_at_entry_only_checkpoint_is_refused(app, setting):
    _event, registration, checkpoint_id, _staff = setting
    with pytest.raises(DomainError) as excinfo:
        scan(app, registration.badge_code, checkpoint_id, direction=ScanDirection.OUT)
    assert excinfo.value.code == "exit_not_allowed"


# --- who may scan ----------------------------------------------------------------------------


def test_staff_of_another_event_may_not_scan(app, setting, make_event, make_user):
    _event, registration, checkpoint_id, _staff = setting
    other_event = make_event()
    user = make_user("checkin")
    with app.app_context(), write_intent():
        db.session.get(StaffUser, user.id).event_id = other_event.id
        db.session.commit()
    with pytest.raises(DomainError) as excinfo:
        scan(app, registration.badge_code, checkpoint_id, staff_id=user.id)
    assert excinfo.value.code == "forbidden"
    assert count(app, Scan) == 0


def test_reporter_may_not_scan(app, setting, make_user):
    _event, registration, checkpoint_id, _staff = setting
    reporter = make_user("reporter")
    with pytest.raises(DomainError) as excinfo:
        scan(app, registration.badge_code, checkpoint_id, staff_id=reporter.id)
    assert excinfo.value.code == "forbidden"


def test_unknown_checkpoint_is_an_error(app, setting):
    _event, registration, _checkpoint_id, _staff = setting
    with pytest.raises(DomainError) as excinfo:
        scan(app, registration.badge_code, 999_999)
    assert excinfo.value.code == "checkpoint_not_found"


# --- search path ------------------------------------------------------------------------------


def test_check_in_by_registration_follows_the_same_rules(app, setting):
    _event, registration, checkpoint_id, staff = setting
    with app.app_context(), write_intent():
        user = db.session.get(StaffUser, staff.id)
        first = check_in_registration(registration.id, checkpoint=checkpoint_id, staff=user)
        second = check_in_registration(registration.id, checkpoint=checkpoint_id, staff=user)
        db.session.commit()
    assert (first.verdict, second.verdict) == (Verdict.OK, Verdict.ALREADY_CHECKED_IN)
    assert count(app, Scan, Scan.method == ScanMethod.SEARCH) == 2


def test_check_in_of_another_events_registration_is_unknown(
    app, setting, make_event, make_registration
):
    _event, _registration, checkpoint_id, staff = setting
    other = make_registration(make_event())
    with app.app_context(), write_intent():
        user = db.session.get(StaffUser, staff.id)
        result = check_in_registration(other.id, checkpoint=checkpoint_id, staff=user)
        db.session.commit()
    assert result.verdict == Verdict.UNKNOWN_CODE


# --- undo ------------------------------------------------------------------------------------


def annul(app, scan_id, staff_id, reason="wrong person", now=None):
    with app.app_context(), write_intent():
        entry = annul_check_in(
            scan_id, staff=db.session.get(StaffUser, staff_id), reason=reason, now=now
        )
        db.session.commit()
        return entry.id


def test_undo_annuls_the_entry_and_keeps_the_scan(app, setting):
    _event, registration, checkpoint_id, staff = setting
    result = scan(app, registration.badge_code, checkpoint_id)
    annul(app, result.scan_id, staff.id)
    assert count(app, CheckIn, CheckIn.annulled_at.is_(None)) == 0
    assert count(app, Scan) == 1
    assert count(app, AuditEntry, AuditEntry.action == "checkin.annul") == 1


def test_after_undo_the_badge_scans_ok_again(app, setting):
    _event, registration, checkpoint_id, staff = setting
    result = scan(app, registration.badge_code, checkpoint_id)
    annul(app, result.scan_id, staff.id)
    assert scan(app, registration.badge_code, checkpoint_id).verdict == Verdict.OK


def test_undo_twice_is_already_annulled(app, setting):
    _event, registration, checkpoint_id, staff = setting
    result = scan(app, registration.badge_code, checkpoint_id)
    annul(app, result.scan_id, staff.id)
    with pytest.raises(DomainError) as excinfo:
        annul(app, result.scan_id, staff.id)
    assert excinfo.value.code == "already_annulled"


def test_undo_after_ten_minutes_is_too_late(app, setting):
    _event, registration, checkpoint_id, staff = setting
    result = scan(app, registration.badge_code, checkpoint_id)
    with pytest.raises(DomainError) as excinfo:
        annul(app, result.scan_id, staff.id, now=utcnow() + timedelta(minutes=10, seconds=1))
    assert excinfo.value.code == "undo_too_late"


def test_undo_needs_a_reason(app, setting):
    _event, registration, checkpoint_id, staff = setting
    result = scan(app, registration.badge_code, checkpoint_id)
    with pytest.raises(DomainError) as excinfo:
        annul(app, result.scan_id, staff.id, reason="  ")
    assert excinfo.value.code == "reason_required"


def test_undo_of_a_refused_scan_is_not_an_entry(app, setting):
    _event, registration, checkpoint_id, staff = setting
    scan(app, registration.badge_code, checkpoint_id)
    second = scan(app, registration.badge_code, checkpoint_id)
    with pytest.raises(DomainError) as excinfo:
        annul(app, second.scan_id, staff.id)
    assert excinfo.value.code == "not_an_entry"


def test_undo_of_a_missing_scan_is_not_found(app, setting):
    _event, _registration, _checkpoint_id, staff = setting
    with pytest.raises(DomainError) as excinfo:
        annul(app, 424242, staff.id)
    assert excinfo.value.code == "not_found"


def test_entry_counts_once_in_the_database(app, setting):
    """The partial unique index refuses a second live entry even past the service."""
    from sqlalchemy.exc import IntegrityError

    event, registration, checkpoint_id, _staff = setting
    scan(app, registration.badge_code, checkpoint_id)
    with app.app_context(), write_intent():
        db.session.add(
            CheckIn(event_id=event.id, registration_id=registration.id, checkpoint_id=checkpoint_id)
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert count(app, CheckIn) == 1
