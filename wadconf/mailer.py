"""Delivering mail: outbox rows become MIME messages, which a backend hands over.

Backends: ``log`` appends readable copies to ``instance/mail.log`` (demo, development);
``smtp`` sends with :mod:`smtplib`. The worker that drives them is :mod:`wadconf.mail_worker`.
"""

from __future__ import annotations

import fcntl
import smtplib
import ssl
from datetime import datetime
from email import policy
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol

from flask import current_app

from wadconf.database import utcnow
from wadconf.models import OutboxMessage

#: SMTP policy (CRLF, RFC 2047 headers) that also keeps bodies 7-bit: UTF-8 text goes out as
#: quoted-printable or base64, so relays without 8BITMIME pass it unchanged.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")


class DeliveryError(Exception):
    """A message could not be handed over. ``permanent`` errors are not retried."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


# --------------------------------------------------------------------------- building messages


def _sender() -> tuple[str, str]:
    """Display name and address of ``MAIL_DEFAULT_SENDER``."""
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    if not address:
        raise DeliveryError("MAIL_DEFAULT_SENDER has no address", permanent=False)
    return name, address


def message_id_for(message: OutboxMessage, domain: str) -> str:
    """The Message-ID of an outbox row: the same on every attempt, unique across databases."""
    created = int(message.created_at.timestamp()) if message.created_at else 0
    return f"<wadconf.{message.id}.{created}@{domain}>"


def build_email(message: OutboxMessage, *, now: datetime | None = None) -> EmailMessage:
    """The MIME message for an outbox row: text, optional HTML with inline images, attachments.

    Raises a permanent :class:`DeliveryError` when the row cannot make a valid message (a bad
    address, a header with a line break): trying again would give the same result.
    """
    sender_name, sender_address = _sender()
    domain = sender_address.rpartition("@")[2] or "localhost"
    email = EmailMessage(policy=MAIL_POLICY)
    try:
        email["From"] = Address(display_name=sender_name, addr_spec=sender_address)
        # Collapse whitespace: a line break in a name must not become a header line break.
        email["To"] = Address(
            display_name=" ".join(message.to_name.split()), addr_spec=message.to_address.strip()
        )
        email["Subject"] = " ".join(message.subject.split())
    except (ValueError, IndexError, MessageError) as exc:
        raise DeliveryError(f"invalid header: {exc}", permanent=True) from exc
    email["Date"] = format_datetime(now or utcnow())
    email["Message-ID"] = message_id_for(message, domain)
    # RFC 3834: machines (vacation responders) should not answer this mail.
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)

    inline = [a for a in message.attachments if a.content_id]
    attached = [a for a in message.attachments if not a.content_id]
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
        html_part = email.get_payload()[-1]
        for item in inline:
            maintype, _, subtype = item.content_type.partition("/")
            html_part.add_related(
                item.data,
                maintype,
                subtype or "octet-stream",
                cid=f"<{item.content_id}>",
                filename=item.filename,
                disposition="inline",
            )
    else:
        attached = list(message.attachments)  # no HTML to show them in: plain attachments
    for item in attached:
        maintype, _, subtype = item.content_type.partition("/")
        email.add_attachment(item.data, maintype, subtype or "octet-stream", filename=item.filename)
    return email


# --------------------------------------------------------------------------- backends


class Backend(Protocol):
    """Hands messages over; :meth:`close` ends any connection."""

    def send(self, email: EmailMessage) -> None:
        """Deliver ``email`` or raise :class:`DeliveryError`."""

    def close(self) -> None:
        """Release connections."""


class LogBackend:
    """Appends each message, readable, to a file (``instance/mail.log``) instead of sending it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, email: EmailMessage) -> None:
        """Append a readable copy of ``email``: headers decoded, text part, attachment list."""
        lines = [f"==== {utcnow().isoformat(timespec='seconds')}"]
        for name in ("Message-ID", "Date", "From", "To", "Subject"):
            lines.append(f"{name}: {email[name]}")
        for part in email.walk():
            if part.is_multipart():
                continue
            filename = part.get_filename()
            if filename:
                cid = part.get("Content-ID", "")
                size = len(part.get_payload(decode=True) or b"")
                lines.append(
                    f"Attachment: {filename} ({part.get_content_type()}, {size} bytes)"
                    + (f" inline {cid}" if cid else "")
                )
        text = email.get_body(preferencelist=("plain",))
        html = email.get_body(preferencelist=("html",))
        lines.append("")
        lines.append(text.get_content().rstrip() if text is not None else "")
        if html is not None:
            lines.append(f"[HTML alternative: {len(html.get_content())} characters]")
        lines.append("")
        record = ("\n".join(lines) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as fh:
            # Several workers may append at once; the lock keeps each message in one piece.
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.write(record)
                fh.flush()
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def close(self) -> None:
        """Nothing to close."""


class SMTPBackend:
    """Sends over SMTP with the standard library, reusing one connection for a batch.

    Errors while connecting (refused, timeout, a 4xx/5xx greeting, failed STARTTLS or login)
    concern every message, not this one, so they are temporary: the operator fixes the
    server or the settings and the retries go through. Errors on a message itself follow the
    reply code: 5xx is permanent, 4xx and lost connections are temporary.
    """

    def __init__(self, config) -> None:
        self.host = config["MAIL_SERVER"]
        self.port = int(config["MAIL_PORT"])
        self.security = str(config["MAIL_SECURITY"]).lower()
        self.username = config["MAIL_USERNAME"]
        self.password = config["MAIL_PASSWORD"]
        self.timeout = float(config["MAIL_TIMEOUT"])
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        try:
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(
                f"cannot connect to {self.host}:{self.port}: {exc!r}", permanent=False
            ) from exc
        return smtp

    def send(self, email: EmailMessage) -> None:
        """Send ``email`` to its ``To`` address; classify any failure."""
        if self._smtp is None:
            self._smtp = self._connect()
        _name, envelope_from = parseaddr(str(email["From"]))
        recipients = [address.addr_spec for address in email["To"].addresses]
        try:
            self._smtp.send_message(email, from_addr=envelope_from, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise DeliveryError(_reply_text(code, reply), permanent=500 <= code < 600) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop_if_closed(exc.smtp_code)
            raise DeliveryError(
                _reply_text(exc.smtp_code, exc.smtp_error), permanent=500 <= exc.smtp_code < 600
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            # e.g. a non-ASCII address and a server without SMTPUTF8: this message never will.
            raise DeliveryError(str(exc), permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryError(f"connection lost: {exc!r}", permanent=False) from exc

    def _drop_if_closed(self, code: int) -> None:
        # 421: the server is closing the connection; any later command would fail.
        if code == 421:
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def close(self) -> None:
        """Say QUIT politely, ignoring a server that is already gone."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}"


def get_backend() -> Backend:
    """The backend ``MAIL_BACKEND`` names (``log`` or ``smtp``)."""
    name = str(current_app.config["MAIL_BACKEND"]).lower()
    if name == "smtp":
        return SMTPBackend(current_app.config)
    if name == "log":
        return LogBackend(Path(current_app.instance_path) / "mail.log")
    raise ValueError(f"MAIL_BACKEND must be 'log' or 'smtp', not {name!r}")
