"""The outbox's rules: queueing in the caller's transaction, leases, backoff, retry, and the
MIME message built from a row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.mailer import DeliveryError, build_email
from wadconf.models import AuditEntry, OutboxAttachment, OutboxMessage, OutboxStatus
from wadconf.services import DomainError
from wadconf.services import mail as mail_service
from wadconf.services.mail import Attachment

LEASE = timedelta(seconds=300)


def _add(app, **fields) -> int:
    """A committed outbox row (queued and due unless ``fields`` say otherwise)."""
    values = {
        "to_address": "li.si@example.org",
        "to_name": "李四",
        "subject": "通知",
        "body_text": "正文",
    }
    values.update(fields)
    with app.app_context(), write_intent():
        message = OutboxMessage(**values)
        db.session.add(message)
        db.session.commit()
        return message.id


def _claim(app, now, limit=10) -> tuple[str, list[int]]:
    with app.app_context(), write_intent():
        claimed = mail_service.claim_due(now=now, limit=limit, lease=LEASE)
        db.session.commit()
        return claimed


def _get(app, message_id) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


# --------------------------------------------------------------------------- queueing


def test_queue_mail_stores_the_rendered_message_and_attachments(app):
    with app.app_context(), write_intent():
        message = mail_service.queue_mail(
            "ops@example.org",
            template="test_message",
            locale="en",
            context={"backend": "log"},
            to_name="Ops",
            kind="test",
            attachments=[Attachment("a.txt", "text/plain", b"hi")],
        )
        db.session.commit()
        message_id = message.id
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        assert row.subject == "Test message from wadconf"
        assert "Delivery backend: log" in row.body_text
        assert "<p>" in row.body_html
        assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 0)
        assert [(a.filename, a.data) for a in row.attachments] == [("a.txt", b"hi")]


def test_queue_mail_leaves_the_commit_to_the_caller(app):
    with app.app_context(), write_intent():
        mail_service.queue_mail(
            "ops@example.org", template="test_message", locale="en", context={"backend": "log"}
        )
        db.session.rollback()
    assert _count(app) == 0


# --------------------------------------------------------------------------- claiming


def test_claim_leases_due_messages(app):
    message_id = _add(app)
    now = utcnow()
    token, ids = _claim(app, now)
    row = _get(app, message_id)
    assert ids == [message_id]
    assert (row.attempts, row.lease_token, row.status) == (1, token, OutboxStatus.QUEUED)
    assert row.next_attempt_at == now + LEASE


def test_claimed_message_is_not_claimed_again_during_its_lease(app):
    _add(app)
    now = utcnow()
    _claim(app, now)
    assert _claim(app, now + LEASE - timedelta(seconds=1))[1] == []


def test_claim_skips_messages_not_yet_due(app):
    _add(app, next_attempt_at=utcnow() + timedelta(minutes=5))
    assert _claim(app, utcnow())[1] == []


def test_claim_skips_sent_and_failed_messages(app):
    _add(app, status=OutboxStatus.SENT)
    _add(app, status=OutboxStatus.FAILED)
    assert _claim(app, utcnow())[1] == []


def test_claim_takes_at_most_the_limit_oldest_first(app):
    now = utcnow()
    ids = [_add(app, next_attempt_at=now - timedelta(minutes=n)) for n in range(3)]
    assert _claim(app, now, limit=2)[1] == [ids[2], ids[1]]


# --------------------------------------------------------------------------- recording outcomes


def test_record_sent_marks_the_message_sent(app):
    message_id = _add(app)
    now = utcnow()
    token, _ids = _claim(app, now)
    with app.app_context(), write_intent():
        assert mail_service.record_sent(message_id, token, now=now) is True
        db.session.commit()
    row = _get(app, message_id)
    assert (row.status, row.sent_at, row.lease_token) == (OutboxStatus.SENT, now, "")


def test_outcome_with_a_lost_lease_changes_nothing(app):
    message_id = _add(app)
    now = utcnow()
    stale, _ids = _claim(app, now)
    fresh, _ids = _claim(app, now + LEASE)  # the lease ran out; another worker took over
    with app.app_context(), write_intent():
        assert mail_service.record_sent(message_id, stale, now=now) is False
        assert (
            mail_service.record_error(
                message_id,
                stale,
                now=now,
                error="x",
                permanent=True,
                max_attempts=8,
                backoff_base_seconds=60,
            )
            is None
        )
        db.session.commit()
    row = _get(app, message_id)
    assert (row.status, row.lease_token, row.attempts) == (OutboxStatus.QUEUED, fresh, 2)


def _fail(app, message_id, token, now, *, permanent=False, max_attempts=8):
    with app.app_context(), write_intent():
        mail_service.record_error(
            message_id,
            token,
            now=now,
            error="451 busy",
            permanent=permanent,
            max_attempts=max_attempts,
            backoff_base_seconds=60,
        )
        db.session.commit()


def test_temporary_error_waits_the_first_backoff(app):
    message_id = _add(app)
    now = utcnow()
    token, _ids = _claim(app, now)
    _fail(app, message_id, token, now)
    row = _get(app, message_id)
    assert (row.status, row.last_error, row.lease_token) == (OutboxStatus.QUEUED, "451 busy", "")
    assert row.next_attempt_at == now + timedelta(seconds=60)


def test_third_temporary_error_waits_four_times_as_long(app):
    message_id = _add(app)
    now = utcnow()
    for _attempt in range(3):
        now = max(now, _get(app, message_id).next_attempt_at)  # step to when it is due
        token, _ids = _claim(app, now)
        _fail(app, message_id, token, now)
    assert _get(app, message_id).next_attempt_at == now + timedelta(seconds=240)


def test_backoff_doubles_and_is_capped():
    delays = [mail_service.backoff_delay(n, base_seconds=60).total_seconds() for n in (1, 2, 3)]
    assert delays == [60, 120, 240]
    assert mail_service.backoff_delay(30, base_seconds=60) == timedelta(hours=6)


def test_permanent_error_fails_at_once(app):
    message_id = _add(app)
    now = utcnow()
    token, _ids = _claim(app, now)
    _fail(app, message_id, token, now, permanent=True)
    assert _get(app, message_id).status == OutboxStatus.FAILED


def test_temporary_error_on_the_last_attempt_fails(app):
    message_id = _add(app, attempts=7)
    now = utcnow()
    token, _ids = _claim(app, now)
    _fail(app, message_id, token, now, max_attempts=8)
    assert _get(app, message_id).status == OutboxStatus.FAILED


def test_failure_is_audited(app):
    message_id = _add(app)
    now = utcnow()
    token, _ids = _claim(app, now)
    _fail(app, message_id, token, now, permanent=True)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.failed"))
        assert (entry.object_id, entry.details["error"]) == (str(message_id), "451 busy")


def test_release_gives_the_attempt_back_and_makes_it_due(app):
    message_id = _add(app)
    now = utcnow()
    token, _ids = _claim(app, now)
    with app.app_context(), write_intent():
        assert mail_service.release(message_id, token, now=now) is True
        db.session.commit()
    row = _get(app, message_id)
    assert (row.attempts, row.next_attempt_at, row.lease_token) == (0, now, "")


# --------------------------------------------------------------------------- retry now


def _retry(app, message_id, now=None):
    with app.app_context(), write_intent():
        try:
            mail_service.retry_now(db.session.get(OutboxMessage, message_id), now=now)
            db.session.commit()
        except DomainError:
            db.session.rollback()
            raise


def test_retry_now_makes_a_failed_message_due_with_fresh_attempts(app):
    message_id = _add(app, status=OutboxStatus.FAILED, attempts=8, last_error="550 no")
    now = utcnow()
    _retry(app, message_id, now)
    row = _get(app, message_id)
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.QUEUED, 0, now)


def test_retry_now_brings_a_backing_off_message_forward(app):
    message_id = _add(app, attempts=2, next_attempt_at=utcnow() + timedelta(hours=1))
    now = utcnow()
    _retry(app, message_id, now)
    row = _get(app, message_id)
    assert (row.next_attempt_at, row.attempts) == (now, 2)


def test_retry_now_refuses_a_sent_message(app):
    message_id = _add(app, status=OutboxStatus.SENT)
    with pytest.raises(DomainError) as excinfo:
        _retry(app, message_id)
    assert excinfo.value.code == "mail_already_sent"


def test_retry_now_refuses_a_message_being_sent(app):
    message_id = _add(app)
    now = utcnow()
    _claim(app, now)
    with pytest.raises(DomainError) as excinfo:
        _retry(app, message_id, now + timedelta(seconds=10))
    assert excinfo.value.code == "mail_in_flight"
    assert _get(app, message_id).next_attempt_at == now + LEASE


def test_retry_now_is_audited(app):
    message_id = _add(app, status=OutboxStatus.FAILED)
    _retry(app, message_id)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.retry"))
        assert (entry.object_id, entry.details) == (str(message_id), {"was": "failed"})


def test_status_counts_per_event(app, make_event):
    first, second = make_event(), make_event()
    _add(app, event_id=first.id)
    _add(app, event_id=first.id, status=OutboxStatus.FAILED)
    _add(app, event_id=second.id, status=OutboxStatus.SENT)
    with app.app_context():
        counts = mail_service.status_counts(event_id=first.id)
        assert counts == {"queued": 1, "sent": 0, "failed": 1}
        assert mail_service.status_counts() == {"queued": 1, "sent": 1, "failed": 1}


# --------------------------------------------------------------------------- the MIME message


def _build(app, **fields):
    message_id = _add(app, **fields)
    with app.app_context():
        return build_email(db.session.get(OutboxMessage, message_id))


def test_message_id_is_stable_for_a_row(app):
    message_id = _add(app)
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        assert build_email(row)["Message-ID"] == build_email(row)["Message-ID"]
        assert f"wadconf.{message_id}." in build_email(row)["Message-ID"]


def test_line_break_in_a_name_cannot_add_a_header(app):
    email = _build(app, to_name="张三\r\nBcc: victim@example.org")
    assert email["Bcc"] is None
    assert email["To"].addresses[0].display_name == "张三 Bcc: victim@example.org"


def test_invalid_address_is_a_permanent_error(app):
    with pytest.raises(DeliveryError) as excinfo:
        _build(app, to_address="not an address@@")
    assert excinfo.value.permanent is True


def test_inline_images_without_html_become_attachments(app):
    message_id = _add(app)
    with app.app_context(), write_intent():
        db.session.add(
            OutboxAttachment(
                message_id=message_id,
                filename="qr.png",
                content_type="image/png",
                data=b"png",
                content_id="qr",
            )
        )
        db.session.commit()
    with app.app_context():
        email = build_email(db.session.get(OutboxMessage, message_id))
    assert [part.get_filename() for part in email.iter_attachments()] == ["qr.png"]
