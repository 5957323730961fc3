"""The mail worker against a real SMTP server on loopback (aiosmtpd), and the log backend.

Each test reads what actually arrived at the server: headers decoded as a mail program would
(``email.policy.default``), the MIME parts, and how many times each message came.
"""

from __future__ import annotations

import email
import socket
import threading
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text, update

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.mail_worker import run_once, run_worker
from wadconf.mailer import message_id_for
from wadconf.models import OutboxAttachment, OutboxMessage, OutboxStatus
from wadconf.services import mail as mail_service

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # content is not inspected by the server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """An aiosmtpd handler that stores each message and can answer DATA with scripted replies."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, list[str], email.message.EmailMessage]] = []
        #: Replies given to the next DATA commands instead of accepting ("451 ...", "550 ...").
        self.data_replies: list[str] = []
        #: Message-IDs of every DATA, accepted or not.
        self.data_ids: list[str] = []
        #: When set, DATA waits for ``release`` before answering (a slow server).
        self.hold: threading.Event | None = None
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        """Accept (and store) or refuse the message."""
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self.lock:
            self.data_ids.append(message["Message-ID"])
            reply = self.data_replies.pop(0) if self.data_replies else None
        if self.hold is not None:
            self.holding.set()
            self.hold.wait(10)  # blocks this server's loop: fine, one client at a time here
        if reply:
            return reply
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def ids(self) -> list[str]:
        """Message-IDs of the accepted messages, in arrival order."""
        with self.lock:
            return [message["Message-ID"] for _from, _to, message in self.received]


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 and a free port; yields (recorder, port)."""
    recorder = Recorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        if recorder.hold is not None:
            recorder.hold.set()
        controller.stop()


@pytest.fixture
def smtp_app(app, smtp_server):
    """``app`` configured to send to ``smtp_server``, with a one-minute first retry."""
    _recorder, port = smtp_server
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_SECURITY="none",
        MAIL_TIMEOUT=5,
        MAIL_RETRY_SECONDS=60,
        MAIL_DEFAULT_SENDER="中国认证认可大会 <noreply@wad.example.org>",
    )
    return app


def _queue(app, *, commit: bool = True, attachments=(), **fields) -> int:
    """Put one message in the outbox (as ``queue_mail`` does, without a template)."""
    values = {
        "to_address": "zhang.san@example.org",
        "to_name": "张三",
        "subject": "邀请函：中国认证认可大会",
        "body_text": "尊敬的张三：\n欢迎参会。\n",
    }
    values.update(fields)
    with app.app_context(), write_intent():
        message = OutboxMessage(**values)
        for item in attachments:
            message.attachments.append(OutboxAttachment(**item))
        db.session.add(message)
        db.session.flush()
        message_id = message.id
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
    return message_id


def _run(app, **kwargs):
    with app.app_context():
        return run_once(**kwargs)


def _row(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        db.session.expunge(row)
        return row


def _only(recorder):
    assert len(recorder.received) == 1, len(recorder.received)
    return recorder.received[0]


# --------------------------------------------------------------------------- what arrives


def test_chinese_subject_arrives_intact(smtp_app, smtp_server):
    recorder, _port = smtp_server
    _queue(smtp_app, subject="邀请函：2024 中国认证认可大会 Invitation")
    _run(smtp_app)
    _from, _to, message = _only(recorder)
    assert message["Subject"] == "邀请函：2024 中国认证认可大会 Invitation"


def test_chinese_display_names_arrive_intact(smtp_app, smtp_server):
    recorder, _port = smtp_server
    _queue(smtp_app, to_name="张三", to_address="zhang.san@example.org")
    _run(smtp_app)
    mail_from, rcpt_tos, message = _only(recorder)
    assert message["To"].addresses[0].display_name == "张三"
    assert message["To"].addresses[0].addr_spec == "zhang.san@example.org"
    assert message["From"].addresses[0].display_name == "中国认证认可大会"
    assert (mail_from, rcpt_tos) == ("noreply@wad.example.org", ["zhang.san@example.org"])


def test_headers_travel_as_ascii_encoded_words(smtp_app, smtp_server):
    recorder, _port = smtp_server
    _queue(smtp_app)
    _run(smtp_app)
    raw = _only(recorder)[2].as_bytes(policy=policy.SMTP)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # RFC 2047: relays without SMTPUTF8 pass it unchanged
    assert b"=?utf-8?" in head


def test_text_and_html_parts_arrive(smtp_app, smtp_server):
    recorder, _port = smtp_server
    _queue(
        smtp_app, body_text="欢迎参加认可日活动。\n", body_html="<p>欢迎参加<b>认可日</b>活动。</p>"
    )
    _run(smtp_app)
    message = _only(recorder)[2]
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "欢迎参加认可日活动。"
    assert "<b>认可日</b>" in message.get_body(("html",)).get_content()


def test_attachment_arrives_with_its_chinese_filename(smtp_app, smtp_server):
    recorder, _port = smtp_server
    pdf = b"%PDF-1.4 test letter"
    _queue(
        smtp_app,
        attachments=[{"filename": "邀请函.pdf", "content_type": "application/pdf", "data": pdf}],
    )
    _run(smtp_app)
    message = _only(recorder)[2]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "邀请函.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf


def test_inline_image_is_related_to_the_html_by_content_id(smtp_app, smtp_server):
    recorder, _port = smtp_server
    _queue(
        smtp_app,
        body_html='<p><img src="cid:qr-code" alt="QR"></p>',
        attachments=[
            {
                "filename": "qr.png",
                "content_type": "image/png",
                "data": PNG,
                "content_id": "qr-code",
            }
        ],
    )
    _run(smtp_app)
    message = _only(recorder)[2]
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    html, image = related.iter_parts()
    assert html.get_content_type() == "text/html"
    assert image["Content-ID"] == "<qr-code>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == PNG


def test_message_id_is_the_rows_and_stays_the_same_on_retry(smtp_app, smtp_server):
    recorder, _port = smtp_server
    recorder.data_replies = ["451 4.3.0 try again later"]
    message_id = _queue(smtp_app)
    _run(smtp_app)
    _run(smtp_app, now=utcnow() + timedelta(hours=1))
    with smtp_app.app_context():
        expected = message_id_for(db.session.get(OutboxMessage, message_id), "wad.example.org")
    assert recorder.data_ids == [expected, expected]


# ------------------------------------------------------------------ never lost, never doubled


def test_message_queued_in_a_rolled_back_transaction_never_arrives(smtp_app, smtp_server):
    recorder, _port = smtp_server
    _queue(smtp_app, commit=False, subject="rolled back")
    result = _run(smtp_app)
    assert result.claimed == 0
    assert recorder.received == []


def test_451_retries_with_backoff_and_succeeds_later(smtp_app, smtp_server):
    recorder, _port = smtp_server
    recorder.data_replies = ["451 4.7.1 greylisted, come back later"]
    message_id = _queue(smtp_app)
    now = utcnow()
    _run(smtp_app, now=now)
    row = _row(smtp_app, message_id)
    assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 1)
    assert "451" in row.last_error
    assert row.next_attempt_at == now + timedelta(seconds=60)

    assert _run(smtp_app, now=now + timedelta(seconds=59)).claimed == 0  # still backing off
    assert _run(smtp_app, now=now + timedelta(seconds=61)).sent == 1
    row = _row(smtp_app, message_id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    assert len(recorder.received) == 1


def test_backoff_doubles_after_each_temporary_failure(smtp_app, smtp_server):
    recorder, _port = smtp_server
    recorder.data_replies = ["451 busy", "452 busy"]
    message_id = _queue(smtp_app)
    now = utcnow()
    _run(smtp_app, now=now)
    later = now + timedelta(seconds=61)
    _run(smtp_app, now=later)
    assert _row(smtp_app, message_id).next_attempt_at == later + timedelta(seconds=120)


def test_550_marks_the_message_failed_at_once(smtp_app, smtp_server):
    recorder, _port = smtp_server
    recorder.data_replies = ["550 5.1.1 no such user"]
    message_id = _queue(smtp_app)
    result = _run(smtp_app)
    row = _row(smtp_app, message_id)
    assert (result.failed, row.status, row.attempts) == (1, OutboxStatus.FAILED, 1)
    assert row.last_error.startswith("550")
    assert _run(smtp_app, now=utcnow() + timedelta(days=1)).claimed == 0  # never tried again


def test_temporary_failures_give_up_after_max_attempts(smtp_app, smtp_server):
    recorder, _port = smtp_server
    smtp_app.config["MAIL_MAX_ATTEMPTS"] = 2
    recorder.data_replies = ["451 busy", "451 still busy"]
    message_id = _queue(smtp_app)
    now = utcnow()
    _run(smtp_app, now=now)
    assert _row(smtp_app, message_id).status == OutboxStatus.QUEUED
    _run(smtp_app, now=now + timedelta(hours=1))
    assert _row(smtp_app, message_id).status == OutboxStatus.FAILED


def test_refused_connection_is_retried(app):
    app.config.update(
        MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=2
    )
    message_id = _queue(app)
    result = _run(app)
    row = _row(app, message_id)
    assert (result.retrying, row.status) == (1, OutboxStatus.QUEUED)
    assert "cannot connect" in row.last_error


def test_two_worker_runs_deliver_each_message_once(smtp_app, smtp_server):
    recorder, _port = smtp_server
    ids = [_queue(smtp_app, subject=f"message {n}") for n in range(3)]
    _run(smtp_app)
    _run(smtp_app)
    assert len(recorder.received) == 3
    assert {_row(smtp_app, i).status for i in ids} == {OutboxStatus.SENT}


def test_concurrent_workers_deliver_each_message_exactly_once(smtp_app, smtp_server):
    recorder, _port = smtp_server
    smtp_app.config["MAIL_BATCH_SIZE"] = 3  # many small claims, so the two workers interleave
    for n in range(24):
        _queue(smtp_app, subject=f"message {n}")
    start = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            with smtp_app.app_context():
                start.wait()
                results.append(run_worker(once=True))
        except Exception as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ids = recorder.ids()
    assert len(ids) == 24 and len(set(ids)) == 24
    assert sum(r.sent for r in results) == 24


def test_worker_that_died_after_claiming_leaves_one_retry_after_the_lease(smtp_app, smtp_server):
    recorder, _port = smtp_server
    message_id = _queue(smtp_app)
    now = utcnow()
    with smtp_app.app_context(), write_intent():  # a worker claims, then dies before sending
        mail_service.claim_due(now=now, limit=10, lease=timedelta(seconds=300))
        db.session.commit()
    assert _run(smtp_app, now=now + timedelta(seconds=299)).claimed == 0
    assert _run(smtp_app, now=now + timedelta(seconds=301)).sent == 1
    assert len(recorder.received) == 1
    assert _row(smtp_app, message_id).attempts == 2


def test_no_database_lock_is_held_while_the_server_answers(smtp_app, smtp_server):
    recorder, _port = smtp_server
    recorder.hold = threading.Event()
    message_id = _queue(smtp_app)
    worker = threading.Thread(target=_run, args=(smtp_app,))
    worker.start()
    try:
        assert recorder.holding.wait(10), "the worker never reached the server"
        # While the SMTP server sits on DATA, another writer updates the very row being sent.
        with smtp_app.app_context(), write_intent():
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(kind="touched-while-sending")
            )
            db.session.commit()
    finally:
        recorder.hold.set()
        worker.join(30)
    row = _row(smtp_app, message_id)
    assert (row.status, row.kind) == (OutboxStatus.SENT, "touched-while-sending")


# ------------------------------------------------------------------ log backend, CLI, serve


def test_log_backend_appends_a_readable_copy(app):
    app.config["MAIL_BACKEND"] = "log"
    _queue(
        app,
        subject="邀请函 Invitation",
        body_text="尊敬的张三：欢迎参会。",
        attachments=[{"filename": "qr.png", "content_type": "image/png", "data": PNG}],
    )
    assert _run(app).sent == 1
    content = open(app.instance_path + "/mail.log", encoding="utf-8").read()
    assert "Subject: 邀请函 Invitation" in content
    assert "To: 张三 <zhang.san@example.org>" in content
    assert "尊敬的张三：欢迎参会。" in content
    assert "Attachment: qr.png (image/png, 40 bytes)" in content


def test_cli_run_once_delivers_and_reports(app, runner):
    app.config["MAIL_BACKEND"] = "log"
    message_id = _queue(app)
    result = runner.invoke(args=["mail", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1, to retry 0, failed 0" in result.output
    assert _row(app, message_id).status == OutboxStatus.SENT


def test_cli_send_test_delivers_a_test_message(app, runner):
    app.config["MAIL_BACKEND"] = "log"
    result = runner.invoke(args=["mail", "send-test", "ops@example.org", "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert ": sent" in result.output
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        assert (row.to_address, row.kind) == ("ops@example.org", "test")
    assert "To: ops@example.org" in open(app.instance_path + "/mail.log", encoding="utf-8").read()


def test_cli_send_test_exits_non_zero_when_the_server_refuses(smtp_app, smtp_server, runner):
    recorder, _port = smtp_server
    recorder.data_replies = ["554 5.7.1 rejected"]
    result = runner.invoke(args=["mail", "send-test", "ops@example.org"])
    assert result.exit_code == 1
    assert "failed (554" in result.output


def test_serve_runs_the_mail_worker_and_stops_it_on_exit(tmp_path):
    import os
    import time

    from tests.serving import read_until, serve
    from wadconf import create_app

    instance = tmp_path / "instance"
    with serve(instance, "--workers", "1", "--no-demo", WADCONF_MAIL_POLL_SECONDS="0.2") as (
        proc,
        _port,
    ):
        # The banner comes after the migrations: the tables exist once it is printed.
        worker_pid = int(read_until(proc, r"mail worker started \(pid (\d+)").group(1))
        app = create_app({"INSTANCE_PATH": str(instance)})
        _queue(app, subject="送达测试 delivered by the serve worker")
        log = instance / "mail.log"
        deadline = time.monotonic() + 30
        while "送达测试" not in (log.read_text("utf-8") if log.exists() else ""):
            assert time.monotonic() < deadline, "the worker started by serve sent nothing"
            time.sleep(0.1)  # polling a file another process writes; there is no event to await
    with pytest.raises(ProcessLookupError):
        os.kill(worker_pid, 0)
