"""Sending invitations: the queued e-mail (language, link, QR), state, resends, refusals, bulk."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    Event,
    Invitation,
    InvitationLocale,
    InvitationState,
    OutboxMessage,
)
from wadconf.services import DomainError
from wadconf.services import invitation_sending as sending

NOW = datetime(2025, 5, 1, 2, 0, tzinfo=UTC)


def load(app, invitation_id: int) -> Invitation:
    """A detached copy of the invitation as stored."""
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        db.session.expunge(invitation)
        return invitation


def send(app, invitation_id: int, now: datetime = NOW) -> int:
    """Send the invitation and commit; returns the outbox message id."""
    with app.app_context(), write_intent():
        message = sending.send_invitation(db.session.get(Invitation, invitation_id), now=now)
        db.session.commit()
        return message.id


def send_refusal(app, invitation_id: int, now: datetime = NOW) -> str:
    """The code sending refuses with; asserts nothing was queued."""
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            sending.send_invitation(db.session.get(Invitation, invitation_id), now=now)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    return exc.value.code


def message(app, message_id: int) -> OutboxMessage:
    """The outbox message with its attachments loaded."""
    with app.app_context():
        stored = db.session.get(OutboxMessage, message_id)
        stored.attachments  # noqa: B018  (load before detaching)
        db.session.expunge_all()
        return stored


@pytest.fixture
def wad(make_event):
    """An event with distinct Chinese and English names, date and venue."""
    return make_event(
        name_zh="中国认证认可大会",
        name_en="China Certification and Accreditation Conference",
        venue_zh="河北雄安新区",
        venue_en="Xiong'an New Area, Hebei",
    )


def test_sending_queues_one_message_to_the_invitee(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.DRAFT, email="li.si@example.org")
    sent = message(app, send(app, invitation.id))
    assert (sent.to_address, sent.kind, sent.subject_ref) == (
        "li.si@example.org",
        "invitation",
        f"Invitation:{invitation.id}",
    )


def test_chinese_invitee_gets_a_chinese_subject(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.DRAFT, locale=InvitationLocale.ZH)
    sent = message(app, send(app, invitation.id))
    assert "中国认证认可大会" in sent.subject
    assert "China Certification" not in sent.subject


def test_english_invitee_gets_an_english_subject(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.DRAFT, locale=InvitationLocale.EN)
    sent = message(app, send(app, invitation.id))
    assert "China Certification and Accreditation Conference" in sent.subject
    assert "中国认证认可大会" not in sent.subject


def test_bilingual_invitee_gets_both_languages(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.DRAFT, locale=InvitationLocale.BOTH)
    sent = message(app, send(app, invitation.id))
    assert "中国认证认可大会" in sent.subject and "China Certification" in sent.subject
    assert "河北雄安新区" in sent.body_text and "Xiong'an New Area, Hebei" in sent.body_text
    assert "河北雄安新区" in sent.body_html and "Xiong&#39;an New Area, Hebei" in sent.body_html


def test_message_names_the_event_date_and_place(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.DRAFT, locale=InvitationLocale.EN)
    sent = message(app, send(app, invitation.id))
    assert "June 5, 2025" in sent.body_text
    assert "Xiong'an New Area, Hebei" in sent.body_text


def test_message_carries_the_personal_link(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.DRAFT)
    sent = message(app, send(app, invitation.id))
    link = f"http://127.0.0.1:8000/i/{invitation.token}"
    assert link in sent.body_text
    assert f'href="{link}"' in sent.body_html


def test_attached_qr_code_decodes_to_the_personal_link(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.DRAFT)
    sent = message(app, send(app, invitation.id))
    (qr,) = sent.attachments
    assert (qr.content_type, qr.content_id) == ("image/png", "invitation-qr")
    assert 'src="cid:invitation-qr"' in sent.body_html
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.data)))
    assert [d.text for d in decoded] == [f"http://127.0.0.1:8000/i/{invitation.token}"]


def test_script_in_a_name_is_escaped_in_the_html_mail(app, wad, make_invitation):
    invitation = make_invitation(
        wad,
        state=InvitationState.DRAFT,
        locale=InvitationLocale.BOTH,
        name_zh="<script>alert(1)</script>",
        name_en="<script>alert(1)</script>",
    )
    sent = message(app, send(app, invitation.id))
    assert "<script>" not in sent.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sent.body_html


def test_sending_a_draft_marks_it_sent(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.DRAFT)
    send(app, invitation.id)
    stored = load(app, invitation.id)
    assert (stored.state, stored.sent_at) == (InvitationState.SENT, NOW)


def test_resending_an_opened_invitation_keeps_it_opened(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.OPENED, sent_at=NOW - timedelta(days=2))
    send(app, invitation.id)
    stored = load(app, invitation.id)
    assert (stored.state, stored.sent_at) == (InvitationState.OPENED, NOW)
    with app.app_context():
        assert (
            db.session.scalar(
                select(AuditEntry.action).where(
                    AuditEntry.object_type == "Invitation",
                    AuditEntry.object_id == str(invitation.id),
                )
            )
            == "invitation.resend"
        )


def test_resending_after_a_minute_queues_a_second_message(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.DRAFT)
    first = send(app, invitation.id)
    second = send(app, invitation.id, now=NOW + timedelta(minutes=2))
    assert first != second


def test_second_send_within_a_minute_is_refused_as_a_double_click(app, wad, make_invitation):
    invitation = make_invitation(wad, state=InvitationState.DRAFT)
    send(app, invitation.id)
    with app.app_context(), write_intent(), pytest.raises(DomainError) as exc:
        sending.send_invitation(
            db.session.get(Invitation, invitation.id), now=NOW + timedelta(seconds=5)
        )
    assert exc.value.code == "recently_sent"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"state": InvitationState.REVOKED}, "invitation_revoked"),
        ({"state": InvitationState.DECLINED}, "invitation_declined"),
        ({"expires_at": NOW - timedelta(seconds=1)}, "invitation_expired"),
        ({"email": ""}, "no_email"),
    ],
)
def test_unsendable_invitations_are_refused(app, wad, make_invitation, fields, code):
    invitation = make_invitation(wad, **fields)
    assert send_refusal(app, invitation.id) == code


def test_send_all_unsent_sends_only_sendable_drafts(app, wad, make_event, make_invitation):
    drafts = [make_invitation(wad, state=InvitationState.DRAFT) for _ in range(2)]
    make_invitation(wad, state=InvitationState.DRAFT, email="")
    make_invitation(wad, state=InvitationState.DRAFT, expires_at=NOW - timedelta(hours=1))
    make_invitation(wad, state=InvitationState.SENT)
    make_invitation(make_event(), state=InvitationState.DRAFT)
    with app.app_context(), write_intent():
        report = sending.send_all_unsent(db.session.get(Event, wad.id), now=NOW)
        db.session.commit()
        refs = set(db.session.scalars(select(OutboxMessage.subject_ref)))
    assert (report.sent, report.remaining) == (2, 0)
    assert refs == {f"Invitation:{d.id}" for d in drafts}


def test_send_all_unsent_stops_at_the_batch_limit_and_reports_the_rest(app, wad, make_invitation):
    for _ in range(3):
        make_invitation(wad, state=InvitationState.DRAFT)
    with app.app_context(), write_intent():
        report = sending.send_all_unsent(db.session.get(Event, wad.id), now=NOW, limit=2)
        db.session.commit()
    assert (report.sent, report.remaining) == (2, 1)


def test_send_selected_ignores_another_events_invitations(app, wad, make_event, make_invitation):
    mine = make_invitation(wad, state=InvitationState.DRAFT)
    theirs = make_invitation(make_event(), state=InvitationState.DRAFT)
    with app.app_context(), write_intent():
        report = sending.send_selected(db.session.get(Event, wad.id), [mine.id, theirs.id], now=NOW)
        db.session.commit()
    assert report.sent == 1
    assert load(app, theirs.id).state == InvitationState.DRAFT


def test_send_selected_counts_the_skipped_by_reason(app, wad, make_invitation):
    ids = [
        make_invitation(wad, state=InvitationState.DRAFT).id,
        make_invitation(wad, state=InvitationState.REVOKED).id,
        make_invitation(wad, email="").id,
    ]
    with app.app_context(), write_intent():
        report = sending.send_selected(db.session.get(Event, wad.id), ids, now=NOW)
    assert report.sent == 1
    assert dict(report.skipped) == {"invitation_revoked": 1, "no_email": 1}


def test_preview_renders_both_languages_and_queues_nothing(app, wad, make_invitation):
    invitation = make_invitation(wad, locale=InvitationLocale.EN)
    with app.app_context():
        versions = sending.preview(db.session.get(Invitation, invitation.id))
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert "中国认证认可大会" in versions["zh_Hans"][0]
    assert "China Certification and Accreditation Conference" in versions["en"][0]
    assert "cid:" not in versions["en"][2] and "data:image/png;base64," in versions["en"][2]
