"""Notifications against real local servers: an aiosmtpd SMTP server and a webhook receiver on 127.0.0.1."""

import datetime
import email
import email.policy
import io
import json
import logging
import signal
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhenwu.core.choices import AuditAction, Channel, OutboxStatus
from zhenwu.core.exceptions import InvalidTransition, NotFound, PermissionRefused, ValidationFailed
from zhenwu.core.models import AuditEvent, OutboxMessage, Unit
from zhenwu.core.notifications.channels import DeliveryError, SmsProvider, channel_for, message_key
from zhenwu.core.notifications.selectors import mask_recipient
from zhenwu.core.notifications.services import (
    backoff,
    notification_enqueue,
    notify_user,
    outbox_deliver,
    outbox_requeue_stale,
    outbox_retry,
    sending_lease,
)
from zhenwu.core.notifications.tasks import deliver_due_messages
from zhenwu.core.services.people import person_update
from zhenwu.testing.world import World

ROBOT_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# --- local servers ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpRecorder:
    """aiosmtpd handler: records each accepted message; refuses mailboxes named nobody@."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_RCPT(  # noqa: N802 -- hook name fixed by aiosmtpd
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 -- hook name fixed by aiosmtpd
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpRecorder]:
    recorder = SmtpRecorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield recorder
    finally:
        controller.stop()


@dataclass
class WebhookReceiver:
    """A chat-robot endpoint: answers errcode 0, or fails the next ``fail_times`` requests."""

    base: str = ""
    fail_times: int = 0
    fail_status: int = 500
    reply: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    received: list[dict[str, Any]] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the Idempotency-Key of each request
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={ROBOT_KEY}"


class _WebhookHandler(BaseHTTPRequestHandler):
    server: "_WebhookServer"

    def do_POST(self) -> None:
        state = self.server.receiver
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with state.lock:
            state.received.append(body)
            state.paths.append(self.path)
            state.keys.append(self.headers.get("Idempotency-Key", ""))
            failing = state.fail_times > 0
            if failing:
                state.fail_times -= 1
            else:
                state.delivered.append(body)
        if failing:
            self.send_response(state.fail_status)
            self.end_headers()
            self.wfile.write(b"robot unavailable")
            return
        reply = json.dumps(state.reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _WebhookServer(ThreadingHTTPServer):
    receiver: WebhookReceiver


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    server = _WebhookServer(("127.0.0.1", 0), _WebhookHandler)
    server.receiver = WebhookReceiver(base=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.shutdown()
        server.server_close()


def _enqueue_email(**overrides: Any) -> OutboxMessage:
    kwargs = {
        "event_key": "petition:1:assigned",
        "channel": Channel.EMAIL,
        "recipient": "wang@hb.gov.cn",
        "subject": "新的交办事项",
        "body": "信访事项 XF2026-0001 已交办，请在期限内办理。",
    }
    return notification_enqueue(**{**kwargs, **overrides})


def _enqueue_webhook(
    receiver: WebhookReceiver, event_key: str = "report:7:late", unit: Unit | None = None
) -> OutboxMessage:
    return notification_enqueue(
        unit=unit,
        event_key=event_key,
        channel=Channel.WEBHOOK,
        recipient=receiver.url,
        subject="报送提醒",
        body="河东村今日 09:00 的报送尚未提交。",
    )


# --- after commit, once ------------------------------------------------------------------------


@pytest.mark.django_db
def test_rolled_back_transaction_sends_nothing(
    smtp_server: SmtpRecorder, django_capture_on_commit_callbacks: Any
) -> None:
    def failing_request() -> None:
        with transaction.atomic():
            _enqueue_email()
            raise RuntimeError("the request failed after the message was recorded")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        failing_request()
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_commit_sends_exactly_once_over_smtp(
    smtp_server: SmtpRecorder, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = _enqueue_email()
        assert smtp_server.messages == []  # nothing leaves before commit
    assert len(callbacks) == 1
    assert smtp_server.recipients == [["wang@hb.gov.cn"]]
    sent = smtp_server.messages[0]
    assert sent["Subject"] == "新的交办事项"
    assert "XF2026-0001" in sent.get_content()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.SENT, 1, "")
    assert message.sent_at is not None


@pytest.mark.django_db
def test_same_event_twice_is_one_message_and_one_delivery(
    smtp_server: SmtpRecorder, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue_email()
        second = _enqueue_email(subject="changed", body="changed")
    assert first.pk == second.pk
    with django_capture_on_commit_callbacks(execute=True) as later:
        again = _enqueue_email()  # after it was sent: the SENT row comes back untouched
    assert later == []
    assert again.pk == first.pk and again.status == OutboxStatus.SENT
    assert OutboxMessage.objects.count() == 1
    assert len(smtp_server.messages) == 1
    # Another recipient or channel for the same event is a different message.
    _enqueue_email(recipient="li@hb.gov.cn")
    assert OutboxMessage.objects.count() == 2


@pytest.mark.django_db
def test_delivering_the_same_id_twice_sends_once(smtp_server: SmtpRecorder) -> None:
    message = _enqueue_email()  # on_commit never runs inside the test transaction
    outbox_deliver(message_id=message.pk)
    again = outbox_deliver(message_id=message.pk)
    assert again.status == OutboxStatus.SENT and again.attempts == 1
    assert len(smtp_server.messages) == 1
    assert deliver_due_messages.call() == {"requeued": 0}  # nothing is due any more
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_once(webhook: WebhookReceiver) -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        # Shared-cache in-memory SQLite answers "table is locked" at once instead of waiting out the
        # busy timeout as a real SQLite file does; `make test` runs this on PostgreSQL.
        pytest.skip("concurrent writers need a file or server database")
    with override_settings(TASKS=DUMMY_TASKS):  # record the task, do not run it
        message = _enqueue_webhook(webhook)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            outcomes.append(outbox_deliver(message_id=message.pk).status)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(webhook.received) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 1)


# --- webhook: retries, errcode, permanent errors -----------------------------------------------


@pytest.mark.django_db
def test_webhook_500_retries_with_backoff_then_sends(webhook: WebhookReceiver, time_machine: Any) -> None:
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    webhook.fail_times = 1
    message = _enqueue_webhook(webhook)

    message = outbox_deliver(message_id=message.pk)
    assert message.status == OutboxStatus.RETRYING
    assert message.attempts == 1
    assert message.next_attempt_at == timezone.now() + datetime.timedelta(seconds=30)
    assert "HTTP 500" in message.last_error
    assert ROBOT_KEY not in message.last_error and "127.0.0.1" in message.last_error

    # Not due yet: neither a direct delivery nor the sweep calls the robot again.
    time_machine.shift(datetime.timedelta(seconds=29))
    assert outbox_deliver(message_id=message.pk).status == OutboxStatus.RETRYING
    deliver_due_messages.call()
    assert len(webhook.received) == 1

    time_machine.shift(datetime.timedelta(seconds=2))
    assert deliver_due_messages.call() == {"requeued": 0, OutboxStatus.SENT: 1}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.SENT, 2, "")
    assert webhook.delivered == [
        {"msgtype": "text", "text": {"content": "报送提醒\n河东村今日 09:00 的报送尚未提交。"}}
    ]
    assert webhook.paths[-1] == f"/cgi-bin/webhook/send?key={ROBOT_KEY}"


@pytest.mark.django_db
def test_errcode_other_than_zero_is_a_failure(webhook: WebhookReceiver) -> None:
    webhook.reply = {"errcode": 45009, "errmsg": "api freq out of limit"}
    message = outbox_deliver(message_id=_enqueue_webhook(webhook).pk)
    assert message.status == OutboxStatus.RETRYING
    assert "errcode 45009" in message.last_error and "freq" in message.last_error


@pytest.mark.parametrize(
    ("status", "outcome"), [(404, OutboxStatus.DEAD), (400, OutboxStatus.DEAD), (429, OutboxStatus.RETRYING)]
)
@pytest.mark.django_db
def test_http_4xx_is_permanent_except_429(webhook: WebhookReceiver, status: int, outcome: str) -> None:
    webhook.fail_times, webhook.fail_status = 1, status
    message = outbox_deliver(message_id=_enqueue_webhook(webhook).pk)
    assert (message.status, message.attempts) == (outcome, 1)
    assert f"HTTP {status}" in message.last_error


@override_settings(ZHENWU_NOTIFY_MAX_ATTEMPTS=4)
@pytest.mark.django_db
def test_max_attempts_then_dead(webhook: WebhookReceiver, time_machine: Any) -> None:
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    webhook.fail_times = 100
    message = _enqueue_webhook(webhook)
    waits = []
    for _ in range(4):
        message = outbox_deliver(message_id=message.pk)
        waits.append(message.next_attempt_at - timezone.now())
        time_machine.shift(waits[-1])
    assert message.status == OutboxStatus.DEAD
    assert message.attempts == 4
    assert waits[:3] == [datetime.timedelta(seconds=s) for s in (30, 60, 120)]
    assert len(webhook.received) == 4
    deliver_due_messages.call()  # dead messages are not swept
    assert len(webhook.received) == 4


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 6)] == [30, 60, 120, 240, 480, 960]
    assert backoff(8) == datetime.timedelta(hours=1)
    assert backoff(500) == datetime.timedelta(hours=1)


@pytest.mark.django_db
def test_unreachable_webhook_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    url = f"http://127.0.0.1:{_free_port()}/robot/send?access_token=SECRET"
    message = notification_enqueue(event_key="e:1", channel=Channel.WEBHOOK, recipient=url, body="hello")
    message = outbox_deliver(message_id=message.pk)
    assert message.status == OutboxStatus.RETRYING
    assert "SECRET" not in message.last_error


# --- e-mail and SMS failures -------------------------------------------------------------------


@pytest.mark.django_db
def test_refused_mailbox_is_dead_and_server_down_is_retried(smtp_server: SmtpRecorder, settings: Any) -> None:
    refused = outbox_deliver(message_id=_enqueue_email(recipient="nobody@hb.gov.cn").pk)
    assert refused.status == OutboxStatus.DEAD
    assert "550" in refused.last_error
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    down = outbox_deliver(message_id=_enqueue_email(event_key="other").pk)
    assert down.status == OutboxStatus.RETRYING
    assert "SMTP delivery failed" in down.last_error
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_console_sms_logs_only_the_masked_number_and_text(caplog: pytest.LogCaptureFixture) -> None:
    message = notification_enqueue(
        event_key="duty:3", channel=Channel.SMS, recipient="13812345678", body="今晚值班"
    )
    with caplog.at_level(logging.INFO, logger="zhenwu.core.notifications.channels"):
        message = outbox_deliver(message_id=message.pk)
    assert message.status == OutboxStatus.SENT
    assert "138****5678" in caplog.text and "今晚值班" in caplog.text
    assert "13812345678" not in caplog.text


class FailingSms(SmsProvider):
    def send_sms(self, phone: str, text: str) -> None:
        raise DeliveryError("gateway says: quota exceeded")


class BrokenSms(SmsProvider):
    def send_sms(self, phone: str, text: str) -> None:
        raise ZeroDivisionError("bug in a provider")


@pytest.mark.django_db
def test_sms_provider_is_pluggable_and_a_broken_one_does_not_strand_messages(settings: Any) -> None:
    settings.ZHENWU_SMS_PROVIDER = f"{__name__}.FailingSms"
    first = notification_enqueue(event_key="duty:4", channel=Channel.SMS, recipient="13812345678", body="x")
    first = outbox_deliver(message_id=first.pk)
    assert first.status == OutboxStatus.RETRYING and "quota" in first.last_error
    settings.ZHENWU_SMS_PROVIDER = f"{__name__}.BrokenSms"
    second = notification_enqueue(event_key="duty:5", channel=Channel.SMS, recipient="13812345678", body="x")
    second = outbox_deliver(message_id=second.pk)
    assert second.status == OutboxStatus.RETRYING and "ZeroDivisionError" in second.last_error


# --- validation and notify_user ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "recipient"),
    [
        (Channel.EMAIL, "not-an-address"),
        (Channel.WEBHOOK, "ftp://robot.example.cn/send"),
        (Channel.WEBHOOK, "file:///etc/passwd"),
        (Channel.SMS, "0759-4688138"),  # a landline cannot receive SMS
        (Channel.SMS, "1381234567"),
        ("fax", "12345"),
    ],
)
@pytest.mark.django_db
def test_recipient_is_validated_per_channel(channel: str, recipient: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        notification_enqueue(event_key="e:1", channel=channel, recipient=recipient, body="x")
    assert "recipient" in exc.value.errors
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_empty_body_is_refused_and_subject_is_one_line() -> None:
    with pytest.raises(ValidationFailed) as exc:
        _enqueue_email(body="")
    assert "body" in exc.value.errors
    message = _enqueue_email(subject="第一行\n第二行")
    assert message.subject == "第一行 第二行"


@pytest.mark.django_db
def test_notify_user_uses_the_addresses_the_account_has(world: World) -> None:
    reporter = world.user("reporter")  # phone 13900001234, no e-mail
    messages = notify_user(event_key="report:1:due", user=reporter, subject="报送", body="请报送")
    assert [(m.channel, m.recipient) for m in messages] == [(Channel.SMS, "13900001234")]
    person_update(actor=world.user("admin"), person=reporter, email="zhang@hb.gov.cn", phone="0759-4688138")
    reporter.refresh_from_db()
    messages = notify_user(event_key="report:2:due", user=reporter, subject="报送", body="请报送")
    assert [(m.channel, m.recipient) for m in messages] == [(Channel.EMAIL, "zhang@hb.gov.cn")]


@pytest.mark.django_db
def test_every_attempt_carries_the_same_idempotency_key(
    webhook: WebhookReceiver, smtp_server: SmtpRecorder, time_machine: Any
) -> None:
    """A receiver can drop the copy a crash mid-send causes: retries repeat the message's own key."""
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    webhook.fail_times = 1
    first = _enqueue_webhook(webhook, event_key="a")
    other = _enqueue_webhook(webhook, event_key="b")
    assert outbox_deliver(message_id=first.pk).status == OutboxStatus.RETRYING
    time_machine.shift(datetime.timedelta(minutes=1))
    assert outbox_deliver(message_id=first.pk).status == OutboxStatus.SENT
    assert outbox_deliver(message_id=other.pk).status == OutboxStatus.SENT
    key = message_key(first)
    assert webhook.keys == [key, key, message_key(other)]
    assert key != message_key(other) and str(first.pk) in key
    mail = _enqueue_email()
    outbox_deliver(message_id=mail.pk)
    assert smtp_server.messages[0]["Message-ID"] == f"<{message_key(mail)}@zhenwu.outbox>"


def test_sending_lease_is_a_setting(settings: Any) -> None:
    assert sending_lease() == datetime.timedelta(minutes=10)
    settings.ZHENWU_NOTIFY_SENDING_LEASE = 3
    assert sending_lease() == datetime.timedelta(seconds=3)


# --- dead messages, stale claims --------------------------------------------------------------


@pytest.mark.django_db
def test_office_retries_a_dead_message_with_audit(world: World, webhook: WebhookReceiver) -> None:
    webhook.fail_times, webhook.fail_status = 1, 404
    message = outbox_deliver(message_id=_enqueue_webhook(webhook, unit=world.township).pk)
    assert message.status == OutboxStatus.DEAD
    with pytest.raises(PermissionRefused):
        outbox_retry(actor=world.user("reporter"), message=message)
    retried = outbox_retry(actor=world.user("office"), message=message)
    assert (retried.status, retried.attempts) == (OutboxStatus.RETRYING, 0)
    event = AuditEvent.objects.get(object_type="core.outboxmessage", object_id=str(message.pk))
    assert event.action == AuditAction.TRANSITION
    assert event.changes["status"] == [OutboxStatus.DEAD, OutboxStatus.RETRYING]
    with pytest.raises(InvalidTransition):
        outbox_retry(actor=world.user("office"), message=retried)
    assert outbox_deliver(message_id=message.pk).status == OutboxStatus.SENT
    assert len(webhook.delivered) == 1


@pytest.mark.django_db
def test_message_of_a_crashed_worker_is_requeued_after_the_lease(
    smtp_server: SmtpRecorder, time_machine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    message = _enqueue_email()

    def crash(self: Any, message: OutboxMessage) -> None:
        raise KeyboardInterrupt  # the worker process dies between claim and outcome

    channel_type = type(channel_for(Channel.EMAIL))
    monkeypatch.setattr(channel_type, "send", crash)
    with pytest.raises(KeyboardInterrupt):
        outbox_deliver(message_id=message.pk)
    monkeypatch.undo()
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING
    assert deliver_due_messages.call() == {"requeued": 0}  # still within the lease
    time_machine.shift(datetime.timedelta(minutes=10))
    assert deliver_due_messages.call() == {"requeued": 1, OutboxStatus.SENT: 1}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    assert len(smtp_server.messages) == 1
    assert outbox_requeue_stale() == 0


# --- the real worker: database backend + db_worker --------------------------------------------


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", stdout=io.StringIO())


@pytest.mark.usefixtures("restore_signals")
@pytest.mark.django_db(transaction=True)
def test_db_worker_delivers_after_commit(smtp_server: SmtpRecorder) -> None:
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DB_TASKS):
        with transaction.atomic():
            message = _enqueue_email()
            assert not DBTaskResult.objects.exists()
        assert DBTaskResult.objects.count() == 1  # queued by on_commit
        assert smtp_server.messages == []
        _run_worker()
        _run_worker()  # a second worker run finds nothing more to do
    assert smtp_server.recipients == [["wang@hb.gov.cn"]]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


@pytest.mark.usefixtures("restore_signals")
@pytest.mark.django_db(transaction=True)
def test_db_worker_schedules_the_retry_with_run_after(webhook: WebhookReceiver, time_machine: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    webhook.fail_times = 1
    with override_settings(TASKS=DB_TASKS):
        message = _enqueue_webhook(webhook)  # autocommit: queued at once
        _run_worker()
        message.refresh_from_db()
        assert message.status == OutboxStatus.RETRYING
        deferred = DBTaskResult.objects.filter(status="READY").get()
        assert deferred.run_after == message.next_attempt_at
        _run_worker()  # not due yet
        assert len(webhook.received) == 1
        time_machine.shift(datetime.timedelta(seconds=31))
        _run_worker()
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert len(webhook.received) == 2 and len(webhook.delivered) == 1


# --- the outbox page ---------------------------------------------------------------------------


def _messages_for_page(count: int, offset: int = 0, unit: Unit | None = None) -> None:
    for i in range(offset, offset + count):
        channel = (Channel.EMAIL, Channel.SMS, Channel.WEBHOOK)[i % 3]
        recipient = {
            Channel.EMAIL: f"wang{i}@hb.gov.cn",
            Channel.SMS: f"138{i:04d}5678",
            Channel.WEBHOOK: f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}{i}",
        }[channel]
        notification_enqueue(
            event_key=f"page:{i}",
            channel=channel,
            recipient=recipient,
            subject=f"主题{i}",
            body="正文",
            unit=unit,
        )


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("core:outbox_list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_outbox_list_masks_recipients_and_keys(world: World) -> None:
    _messages_for_page(3)
    client = Client()
    client.force_login(world.user("admin"))
    html = client.get(reverse("core:outbox_list")).content.decode()
    assert "w***@hb.gov.cn" in html and "wang0@hb.gov.cn" not in html
    assert "138****5678" in html and "13800015678" not in html
    assert "qyapi.weixin.qq.com" in html and ROBOT_KEY not in html and "cgi-bin" not in html
    assert "正文" not in html  # bodies are not listed


@pytest.mark.django_db
def test_outbox_list_query_count_does_not_grow(world: World) -> None:
    client = Client()
    client.force_login(world.user("office"))
    _messages_for_page(5, unit=world.village)
    few = _list_queries(client)
    _messages_for_page(25, offset=5, unit=world.village)
    assert _list_queries(client) == few


@pytest.mark.django_db
def test_outbox_list_filters_and_permissions(world: World, webhook: WebhookReceiver) -> None:
    _messages_for_page(3, unit=world.township)
    webhook.fail_times, webhook.fail_status = 1, 403
    dead = outbox_deliver(message_id=_enqueue_webhook(webhook, unit=world.township).pk)
    client = Client()
    client.force_login(world.user("office"))
    response = client.get(reverse("core:outbox_list"), {"status": OutboxStatus.DEAD})
    assert [row.message.pk for row in response.context["rows"]] == [dead.pk]
    assert reverse("core:outbox_retry", args=[dead.pk]) in response.content.decode()
    response = client.get(reverse("core:outbox_list"), {"channel": Channel.SMS})
    assert [row.message.channel for row in response.context["rows"]] == [Channel.SMS]
    for role in ("leader", "reporter", "mediator", "oversight"):
        client.force_login(world.user(role))
        assert client.get(reverse("core:outbox_list")).status_code == 403
    anonymous = Client().get(reverse("core:outbox_list"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_retry_button_requeues_and_redirects_back(
    world: World, webhook: WebhookReceiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook.fail_times, webhook.fail_status = 1, 404
    dead = outbox_deliver(message_id=_enqueue_webhook(webhook, unit=world.village).pk)
    url = reverse("core:outbox_retry", args=[dead.pk])
    back = reverse("core:outbox_list") + "?status=dead"
    client = Client()
    client.force_login(world.user("reporter"))
    assert client.post(url, {"back": back}).status_code == 403
    client.force_login(world.user("office"))
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"back": back})
    assert response.status_code == 302 and response["Location"] == back
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.SENT  # the retry was queued after commit and delivered
    # Retrying a message that is not dead shows the refusal; a foreign "back" is ignored.
    response = client.post(url, {"back": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:outbox_list")
    # The earlier POST's success message, then this refusal.
    assert [m.level_tag for m in response.context["messages"]] == ["success", "error"]
    assert client.post(reverse("core:outbox_retry", args=[999999])).status_code == 404


def test_mask_recipient() -> None:
    assert mask_recipient(Channel.EMAIL, "wang@hb.gov.cn") == "w***@hb.gov.cn"
    assert mask_recipient(Channel.SMS, "13812345678") == "138****5678"
    url = f"https://oapi.dingtalk.com/robot/send?access_token={ROBOT_KEY}"
    assert mask_recipient(Channel.WEBHOOK, url) == "oapi.dingtalk.com"


@pytest.mark.django_db
def test_outbox_is_scoped_by_unit(world: World, webhook: WebhookReceiver) -> None:
    """A township's office sees and retries only its own subtree's messages; unit-less ones are admin-only."""
    _messages_for_page(2, unit=world.village)
    _messages_for_page(2, offset=2, unit=world.other_village)
    _messages_for_page(1, offset=4)
    webhook.fail_times, webhook.fail_status = 1, 404
    foreign_dead = outbox_deliver(message_id=_enqueue_webhook(webhook, unit=world.other_township).pk)
    client = Client()
    client.force_login(world.user("office"))
    rows = client.get(reverse("core:outbox_list")).context["rows"]
    assert {row.message.event_key for row in rows} == {"page:0", "page:1"}
    assert client.post(reverse("core:outbox_retry", args=[foreign_dead.pk])).status_code == 404
    with pytest.raises(NotFound):
        outbox_retry(actor=world.user("office"), message=foreign_dead)
    client.force_login(world.user("admin"))
    assert len(client.get(reverse("core:outbox_list")).context["rows"]) == 6


@pytest.mark.django_db
def test_admin_shows_webhook_recipients_masked(world: World) -> None:
    url = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}"
    message = notification_enqueue(event_key="admin:1", channel=Channel.WEBHOOK, recipient=url, body="x")
    client = Client()
    client.force_login(world.user("admin"))
    change = reverse("admin:core_outboxmessage_change", args=[message.pk])
    for path in (reverse("admin:core_outboxmessage_changelist"), change):
        html = client.get(path).content.decode()
        assert "qyapi.weixin.qq.com" in html
        assert ROBOT_KEY not in html
