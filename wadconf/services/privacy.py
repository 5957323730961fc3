"""Personal data (PIPL): versioned privacy notices, masking, export, deletion requests, erasure.

An event without a notice of its own shows :data:`DEFAULT_NOTICE_ZH` / ``_EN`` as version 1;
the first consent stores that version, so what a delegate agreed to stays on record even
if an organiser publishes version 2 later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    Event,
    OutboxMessage,
    OutboxStatus,
    PrivacyNotice,
    Registration,
    StaffUser,
)
from wadconf.models.invitation import new_token
from wadconf.services import DomainError, audit

DEFAULT_NOTICE_ZH = """\
个人信息处理告知（{organiser}）

我们收集您在本表中填写的信息：姓名、性别（如有）、单位、职务、国家或地区、电子邮箱、手机号码，\
以及会场安保需要时的证件类型和号码，还有您的饮食与无障碍需求。

用途：办理参会注册、制作证件、入场核验、会议安排及与您联系。证件号码仅用于会场安保，不会出现在任何名单上。\
签到表上的手机号码会被部分隐藏。

保存期限：会议结束后六个月内删除或匿名化，法律法规另有规定的除外。

您的权利：您可以通过注册确认邮件中的专属管理链接查看、更正、取消注册，下载您的个人信息副本，并申请删除。\
如有疑问，请联系主办方。"""

DEFAULT_NOTICE_EN = """\
Notice on the processing of personal information ({organiser})

We collect what you enter in this form: your name, gender (if asked), organisation, position, \
country or region, e-mail address, mobile number, the type and number of an identity document \
when venue security requires it, and your dietary and accessibility needs.

Purpose: registration, badges, entry checks, conference arrangements and contacting you. The \
identity document number is used for venue security only and never appears on any list. Mobile \
numbers on sign-in sheets are partly hidden.

Retention: deleted or anonymised within six months after the conference, unless the law requires \
otherwise.

Your rights: with the private manage link in your confirmation e-mail you can view, correct or \
cancel your registration, download a copy of your personal data and ask for its deletion. For any \
question, contact the organiser."""


def _default_notice(event: Event, version: int = 1) -> PrivacyNotice:
    """The built-in notice, filled with the event's organiser (unsaved)."""
    return PrivacyNotice(
        event_id=event.id,
        version=version,
        text_zh=DEFAULT_NOTICE_ZH.format(organiser=event.organiser_zh or event.name_zh or ""),
        text_en=DEFAULT_NOTICE_EN.format(organiser=event.organiser_en or event.name_en or ""),
    )


def stored_notice(event: Event) -> PrivacyNotice | None:
    """The latest notice saved for ``event``, if any."""
    return db.session.scalar(
        select(PrivacyNotice)
        .where(PrivacyNotice.event_id == event.id)
        .order_by(PrivacyNotice.version.desc())
        .limit(1)
    )


def current_notice(event: Event) -> PrivacyNotice:
    """The notice a delegate reads now; the default (version 1, unsaved) when none is stored.

    Read-only so that GET pages never write.
    """
    return stored_notice(event) or _default_notice(event)


def ensure_current_notice(event: Event) -> PrivacyNotice:
    """The current notice, saving the default as version 1 the first time someone consents."""
    notice = stored_notice(event)
    if notice is not None:
        return notice
    notice = _default_notice(event)
    try:
        # Two first consents at once on PostgreSQL: one insert wins, the other reads it.
        with db.session.begin_nested():
            db.session.add(notice)
            db.session.flush()
    except IntegrityError:
        notice = stored_notice(event)
        assert notice is not None
    return notice


def publish_notice(
    event: Event, *, text_zh: str, text_en: str, by: StaffUser | None = None
) -> PrivacyNotice:
    """Save a new version of the event's notice; later consents name it."""
    latest = db.session.scalar(
        select(func.max(PrivacyNotice.version)).where(PrivacyNotice.event_id == event.id)
    )
    notice = PrivacyNotice(
        event_id=event.id,
        version=(latest or 0) + 1,
        text_zh=text_zh.strip(),
        text_en=text_en.strip(),
    )
    db.session.add(notice)
    db.session.flush()
    audit.record(
        "privacy_notice.publish",
        obj=notice,
        actor=by,
        event_id=event.id,
        details={"version": notice.version},
    )
    return notice


def notice_by_version(event: Event, version: int | None) -> PrivacyNotice | None:
    """The stored notice ``version`` of ``event``."""
    if version is None:
        return None
    return db.session.scalar(
        select(PrivacyNotice).where(
            PrivacyNotice.event_id == event.id, PrivacyNotice.version == version
        )
    )


# Masking: what lists, delegation pages and logs show of contact data.


def mask_mobile(mobile: str) -> str:
    """``+8613812345678`` -> ``+86138****5678``: keeps the prefix and the last four digits."""
    if len(mobile) <= 7:
        return "*" * len(mobile)
    return (
        mobile[:-8] + "****" + mobile[-4:]
        if len(mobile) >= 11
        else mobile[:3] + "****" + mobile[-4:]
    )


def mask_email(email: str) -> str:
    """``zhang.san@example.org`` -> ``z***@example.org``."""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_id_number(number: str) -> str:
    """Only the last four characters of an identity document number."""
    if not number:
        return ""
    return "*" * max(len(number) - 4, 4) + number[-4:]


# The delegate's rights: a copy of their data, and asking for its deletion.


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_personal_data(registration: Registration) -> dict[str, Any]:
    """Everything stored about the delegate in this registration, as JSON-ready data.

    Raises ``personal_data_erased`` once the data is erased: there is nothing left to export.
    """
    if registration.is_erased:
        raise DomainError("personal_data_erased", _l("This personal data was erased."))
    event = registration.event
    return {
        "event": {"slug": event.slug, "name_zh": event.name_zh, "name_en": event.name_en},
        "registration": {
            "status": registration.status.value,
            "category": registration.category.code if registration.category else None,
            "created_at": _iso(registration.created_at),
            "updated_at": _iso(registration.updated_at),
            "cancelled_at": _iso(registration.cancelled_at),
            "registered_by_staff": registration.registered_by_staff,
            "deletion_requested_at": _iso(registration.deletion_requested_at),
        },
        "personal_data": {
            "name_zh": registration.name_zh,
            "name_en": registration.name_en,
            "gender": registration.gender,
            "organisation": registration.organisation,
            "position": registration.position,
            "country": registration.country,
            "email": registration.email,
            "mobile": registration.mobile,
            "id_type": registration.id_type,
            "id_number": registration.id_number,
            "dietary": registration.dietary,
            "accessibility": registration.accessibility,
            "language": registration.locale,
        },
        "consent": {
            "privacy_notice_version": registration.consent_version,
            "consented_at": _iso(registration.consent_at),
            "id_document_consented_at": _iso(registration.id_consent_at),
        },
        "exported_at": utcnow().isoformat(),
    }


def record_export(registration: Registration) -> None:
    """Audit that the delegate downloaded their data (who saw what is itself worth keeping)."""
    audit.record("registration.export", obj=registration, actor_label="delegate")


def request_deletion(registration: Registration) -> bool:
    """Record the delegate's request to delete their data; ``False`` if already requested.

    Organisers act on it (the data may still be needed until the event is over), so this
    only records the request and audits it.
    """
    if registration.deletion_requested_at is not None:
        return False
    registration.deletion_requested_at = utcnow()
    db.session.flush()
    audit.record("registration.deletion_requested", obj=registration, actor_label="delegate")
    return True


# Erasure: the organisers act on a deletion request (or on the retention period).

#: What an erased registration is called, in both scripts.
ERASED_NAME_ZH = "已删除"
ERASED_NAME_EN = "Deleted"
#: Personal fields blanked by an erasure. Organisation, country, category and the dates stay:
#: they identify nobody on their own and keep the summary's counts right.
ERASED_FIELDS = (
    "gender",
    "position",
    "email",
    "mobile",
    "id_type",
    "id_number",
    "dietary",
    "accessibility",
    "review_message",
)


def erase_personal_data(registration: Registration, *, by: StaffUser | None = None) -> Registration:
    """Anonymise ``registration`` for good; returns the locked, erased row. Flushes only.

    An active registration is cancelled first (no e-mail: the delegate asked to be forgotten),
    which frees its invitation seat and, if it held a place of the capacity, promotes the
    oldest waitlisted registration. Names become :data:`ERASED_NAME_ZH` / ``_EN``, the
    :data:`ERASED_FIELDS` are blanked, the manage token is replaced (the delegate's link is
    dead), and copies of the delegate's e-mails in the outbox lose their address and text.
    ``deletion_requested_at`` stays as the record of the request. The audit entry
    ``registration.erase`` carries no erased value. Raises ``already_erased``.
    """
    # Imported here: the registration service imports this module for the privacy notice.
    from wadconf.services import registration as registration_service

    # The locking order of every registration change: event -> invitation -> registration.
    registration_service.lock_event(registration.event)
    if registration.invitation_id is not None:
        registration_service.lock_invitation(registration.invitation)
    db.session.refresh(registration, with_for_update=True)
    if registration.is_erased:
        raise DomainError("already_erased", _l("This personal data was already erased."))
    was_active = registration.is_active
    if was_active:
        registration_service.cancel_registration(registration, by=by, notify=False)
    registration.name_zh, registration.name_en = ERASED_NAME_ZH, ERASED_NAME_EN
    for name in ERASED_FIELDS:
        setattr(registration, name, "")
    registration.manage_token = new_token()
    registration.personal_data_erased_at = utcnow()
    scrubbed = _scrub_outbox(registration)
    db.session.flush()
    audit.record(
        "registration.erase",
        obj=registration,
        actor=by,
        # Facts about the erasure only, never the values it removed.
        details={
            "cancelled": was_active,
            "deletion_requested": registration.deletion_requested_at is not None,
            "outbox_messages_scrubbed": scrubbed,
        },
    )
    return registration


def _scrub_outbox(registration: Registration) -> int:
    """Blank address, name and text of the outbox's e-mails about ``registration``; their count.

    The subject names only the event and stays, as do the delivery facts (status, times).
    A message not yet delivered is given up: its address is gone.
    """
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject_ref == f"Registration:{registration.id}")
    ).all()
    for message in messages:
        message.to_address = ""
        message.to_name = ""
        message.body_text = ""
        message.body_html = ""
        message.attachments.clear()
        if message.status == OutboxStatus.QUEUED:
            message.status = OutboxStatus.FAILED
            message.last_error = "personal data erased"
    return len(messages)
