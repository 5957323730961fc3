"""Queueing e-mail. Messages are rendered now, in the recipient's language, and written to the
outbox in the caller's transaction: if that transaction rolls back, no mail goes out; if it
commits, ``wadconf mail run`` delivers it.

Templates live in ``templates/mail/``: ``NAME.subject.txt``, ``NAME.txt`` and optionally
``NAME.html``. ``locale="both"`` gives a message with the Chinese text first, then the English.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from wadconf.extensions import db
from wadconf.models import OutboxAttachment, OutboxMessage


@dataclass(frozen=True)
class Attachment:
    """A file to send; ``content_id`` shows an image inline in the HTML part (``cid:...``)."""

    filename: str
    content_type: str
    data: bytes
    content_id: str = ""


def _render_one(template: str, locale: str, context: dict) -> tuple[str, str, str]:
    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        text = render_template(f"mail/{template}.txt", **context)
        try:
            html = render_template(f"mail/{template}.html", **context)
        except TemplateNotFound:
            html = ""
    return " ".join(subject.split()), text, html


def render_mail(template: str, *, locale: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of ``template`` in ``locale`` (``zh_Hans``, ``en`` or ``both``)."""
    if locale != "both":
        return _render_one(template, locale, {**context, "mail_locale": locale})
    zh = _render_one(template, "zh_Hans", {**context, "mail_locale": "zh_Hans"})
    en = _render_one(template, "en", {**context, "mail_locale": "en"})
    subject = zh[0] if zh[0] == en[0] else f"{zh[0]} / {en[0]}"
    text = f"{zh[1].rstrip()}\n\n---------- English ----------\n\n{en[1]}"
    html = f'{zh[2]}<hr><div lang="en">{en[2]}</div>' if zh[2] and en[2] else ""
    return subject, text, html


def queue_mail(
    to_address: str,
    *,
    template: str,
    locale: str,
    context: dict,
    to_name: str = "",
    event_id: int | None = None,
    kind: str = "",
    subject_ref: str = "",
    attachments: Iterable[Attachment] = (),
) -> OutboxMessage:
    """Render ``template`` for the recipient and add it to the outbox (flushed, not committed)."""
    subject, text, html = render_mail(template, locale=locale, context=context)
    message = OutboxMessage(
        to_address=to_address, to_name=to_name, subject=subject, body_text=text, body_html=html,
        event_id=event_id, kind=kind or template, subject_ref=subject_ref,
    )
    for item in attachments:
        message.attachments.append(OutboxAttachment(
            filename=item.filename, content_type=item.content_type, data=item.data,
            content_id=item.content_id,
        ))
    db.session.add(message)
    db.session.flush()
    return message
