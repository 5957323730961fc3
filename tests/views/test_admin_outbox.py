"""The outbox pages: list with counts and filters, a message's detail, "retry now"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import OutboxAttachment, OutboxMessage, OutboxStatus
from wadconf.services import mail as mail_service

EN = {"Accept-Language": "en"}


@pytest.fixture
def organizer(client, auth, make_user):
    """Log the client in as an organiser."""
    user = make_user(role="organizer")
    assert auth.login(user.email).status_code == 302
    return user


def _add(app, **fields) -> int:
    values = {
        "to_address": "wang.wu@example.org",
        "to_name": "王五",
        "subject": "会议通知",
        "body_text": "正文",
    }
    values.update(fields)
    with app.app_context(), write_intent():
        message = OutboxMessage(**values)
        db.session.add(message)
        db.session.commit()
        return message.id


def _get(app, message_id) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def _page(client, path="/admin/outbox/", **params) -> str:
    response = client.get(path, query_string=params, headers=EN)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _count(page: str, status: str) -> int:
    return int(re.search(rf'data-count="{status}">(\d+)<', page).group(1))


def test_outbox_lists_messages_with_counts_per_status(app, client, organizer):
    _add(app, subject="subject-queued")
    _add(app, subject="subject-sent", status=OutboxStatus.SENT, sent_at=utcnow())
    _add(app, subject="subject-failed-1", status=OutboxStatus.FAILED)
    _add(app, subject="subject-failed-2", status=OutboxStatus.FAILED)
    page = _page(client)
    assert all(f"subject-{s}" in page for s in ("queued", "sent", "failed-1", "failed-2"))
    assert (_count(page, "queued"), _count(page, "sent"), _count(page, "failed")) == (1, 1, 2)


def test_outbox_filters_by_status(app, client, organizer):
    _add(app, subject="subject-queued")
    _add(app, subject="subject-failed", status=OutboxStatus.FAILED)
    page = _page(client, status="failed")
    assert "subject-failed" in page and "subject-queued" not in page


def test_outbox_filters_by_event_and_counts_that_event_only(app, client, organizer, make_event):
    first, second = make_event(slug="first"), make_event(slug="second")
    _add(app, subject="subject-first", event_id=first.id)
    _add(app, subject="subject-second", event_id=second.id, status=OutboxStatus.FAILED)
    page = _page(client, event="second")
    assert "subject-second" in page and "subject-first" not in page
    assert (_count(page, "queued"), _count(page, "failed")) == (0, 1)


def test_outbox_shows_a_message_being_sent_as_sending(app, client, organizer):
    message_id = _add(app)
    with app.app_context(), write_intent():
        mail_service.claim_due(now=utcnow(), limit=5, lease=timedelta(minutes=5))
        db.session.commit()
    page = _page(client, f"/admin/outbox/{message_id}")
    assert "status-sending" in page
    assert "Retry now" not in page


def test_detail_shows_headers_text_error_and_attachments(app, client, organizer):
    message_id = _add(
        app,
        subject="邀请函 subject",
        body_text="text-body-marker",
        body_html="<p>html-marker</p>",
        last_error="451 4.7.1 greylisted",
    )
    with app.app_context(), write_intent():
        db.session.add(
            OutboxAttachment(
                message_id=message_id,
                filename="邀请函.pdf",
                content_type="application/pdf",
                data=b"%PDF",
            )
        )
        db.session.commit()
    page = _page(client, f"/admin/outbox/{message_id}")
    assert f"wadconf.{message_id}." in page  # the Message-ID header
    assert "王五 &lt;wang.wu@example.org&gt;" in page
    assert "邀请函 subject" in page and "text-body-marker" in page
    assert "451 4.7.1 greylisted" in page
    assert "邀请函.pdf (application/pdf, 4 bytes)" in page


def test_detail_shows_markup_from_data_escaped(app, client, organizer):
    message_id = _add(
        app,
        to_name="<script>alert(1)</script>",
        body_html="<img src=x onerror=alert(2)>",
        last_error="<b>boom</b>",
    )
    page = _page(client, f"/admin/outbox/{message_id}")
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>boom" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_detail_of_a_missing_message_is_not_found(client, organizer):
    assert client.get("/admin/outbox/999999").status_code == 404


def test_retry_now_requeues_a_failed_message(app, client, organizer):
    message_id = _add(
        app, status=OutboxStatus.FAILED, attempts=8, next_attempt_at=utcnow() - timedelta(days=1)
    )
    response = client.post(f"/admin/outbox/{message_id}/retry", headers=EN)
    assert response.status_code == 302
    row = _get(app, message_id)
    assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 0)
    assert row.next_attempt_at > utcnow() - timedelta(minutes=1)


def test_retry_now_of_a_sent_message_says_why_and_changes_nothing(app, client, organizer):
    sent_at = utcnow()
    message_id = _add(app, status=OutboxStatus.SENT, sent_at=sent_at)
    response = client.post(f"/admin/outbox/{message_id}/retry", headers=EN, follow_redirects=True)
    assert "This message has already been sent." in response.get_data(as_text=True)
    assert _get(app, message_id).status == OutboxStatus.SENT


def test_retry_now_without_csrf_token_is_refused(app, client, organizer):
    app.config["WTF_CSRF_ENABLED"] = True
    message_id = _add(app, status=OutboxStatus.FAILED)
    response = client.post(f"/admin/outbox/{message_id}/retry", headers=EN)
    assert response.status_code == 400
    assert _get(app, message_id).status == OutboxStatus.FAILED


def test_retry_now_with_the_pages_csrf_token_works(app, client, organizer):
    app.config["WTF_CSRF_ENABLED"] = True
    message_id = _add(app, status=OutboxStatus.FAILED)
    page = _page(client, f"/admin/outbox/{message_id}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/admin/outbox/{message_id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    assert _get(app, message_id).status == OutboxStatus.QUEUED


def test_checkin_staff_cannot_see_the_outbox(client, auth, make_user):
    user = make_user(role="checkin")
    assert auth.login(user.email).status_code == 302
    assert client.get("/admin/outbox/").status_code == 403


def test_organizer_sees_the_outbox_link(client, organizer):
    assert 'href="/admin/outbox/"' in _page(client, "/staff/")


def test_checkin_staff_do_not_see_the_outbox_link(client, auth, make_user):
    user = make_user(role="checkin")
    assert auth.login(user.email).status_code == 302
    assert 'href="/admin/outbox/"' not in client.get("/staff/").get_data(as_text=True)
