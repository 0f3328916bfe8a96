"""Delivery channels: e-mail over SMTP, chat-robot webhooks, SMS through a pluggable provider.

A channel only delivers one recorded ``OutboxMessage``; recording, claiming, retrying and
deduplication live in ``services.py``. ``send`` returns on success and raises ``DeliveryError``
otherwise; ``permanent=True`` marks an error a retry cannot fix (an address the server refuses, an
HTTP 4xx other than 408/429), so the message goes straight to DEAD instead of being retried.

Error texts end up in ``OutboxMessage.last_error`` and on the outbox page, so they never contain a
webhook URL (its query string carries the robot's key) or credentials.

Every attempt at one message carries the same key, ``message_key(message)``: webhooks get it as the
``Idempotency-Key`` header, e-mails as their ``Message-ID``. A worker killed after the receiver took
a message but before SENT was recorded sends it again (see ``services.py``); a receiver that keeps
the keys it has seen can drop that second copy. Chat robots (WeCom, DingTalk) ignore the header, so
for them the crash window means a possible second copy in the group.
"""

import abc
import json
import logging
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.utils.module_loading import import_string

from zhenwu.core.choices import Channel
from zhenwu.core.models import OutboxMessage
from zhenwu.core.personal_data import mask_phone

logger = logging.getLogger(__name__)

#: The most of a webhook reply that is read: robot replies are tiny JSON objects.
_MAX_REPLY_BYTES = 64 * 1024


class DeliveryError(Exception):
    """A failed delivery; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def message_key(message: OutboxMessage) -> str:
    """The message's idempotency key: the same on every attempt, distinct between messages and instances.

    The creation time (to the microsecond) keeps two instances' message number 1 apart.
    """
    return f"zhenwu-outbox-{message.pk}-{message.created_at.strftime('%Y%m%d%H%M%S%f')}"


class NotificationChannel(abc.ABC):
    """Delivers one outbox message to its recipient, or raises ``DeliveryError``."""

    code: str

    @abc.abstractmethod
    def send(self, message: OutboxMessage) -> None: ...


class EmailChannel(NotificationChannel):
    """Plain-text e-mail through Django's mail API (the ``EMAIL_*`` settings: SMTP by default)."""

    code = Channel.EMAIL

    def send(self, message: OutboxMessage) -> None:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            connection=get_connection(fail_silently=False),
            # Stable across attempts and hosts (Django's default is random and names the host), so
            # mail software can drop a repeat.
            headers={"Message-ID": f"<{message_key(message)}@zhenwu.outbox>"},
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            # 5xx is the server's final word on this address; 4xx (mailbox busy, greylisting) may pass later.
            permanent = bool(codes) and all(code >= 500 for code in codes)
            raise DeliveryError(
                f"SMTP refused the recipient ({', '.join(map(str, codes))})", permanent=permanent
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP error {exc.smtp_code}: {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP delivery failed: {type(exc).__name__}: {exc}") from None
        except BadHeaderError:
            raise DeliveryError("The subject contains a line break.", permanent=True) from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A robot webhook does not redirect; following one would re-send the body somewhere else."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def webhook_payload(message: OutboxMessage) -> dict[str, Any]:
    """The WeCom / DingTalk group-robot text message (both accept this shape)."""
    content = f"{message.subject}\n{message.body}" if message.subject else message.body
    return {"msgtype": "text", "text": {"content": content}}


def webhook_host(url: str) -> str:
    """Only the host of a webhook URL: its path and query string carry the robot's secret key."""
    return urllib.parse.urlsplit(url).hostname or ""


class WebhookChannel(NotificationChannel):
    """POSTs the robot JSON to the recipient URL. Success is HTTP 2xx and, if present, errcode 0."""

    code = Channel.WEBHOOK

    def send(self, message: OutboxMessage) -> None:
        url = message.recipient
        if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
            raise DeliveryError("Only http and https webhook URLs are allowed.", permanent=True)
        data = json.dumps(webhook_payload(message), ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 -- scheme checked above: http(s) only
            url,
            data=data,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": message_key(message),
            },
            method="POST",
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=settings.ZHENWU_WEBHOOK_TIMEOUT) as response:
                status = response.status
                reply = response.read(_MAX_REPLY_BYTES)
        except urllib.error.HTTPError as exc:
            # 408 and 429 ask us to come back later; other 4xx (bad key, bad request) will not improve.
            permanent = 300 <= exc.code < 500 and exc.code not in {408, 429}
            exc.close()
            raise DeliveryError(f"HTTP {exc.code} from {webhook_host(url)}", permanent=permanent) from None
        except OSError as exc:  # URLError, timeouts, refused connections
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"Cannot reach {webhook_host(url)}: {_text(reason)}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"HTTP {status} from {webhook_host(url)}")
        _check_errcode(reply, url)


def _check_errcode(reply: bytes, url: str) -> None:
    """WeCom and DingTalk answer HTTP 200 with ``{"errcode": n, "errmsg": ...}``; n != 0 is a failure."""
    try:
        body = json.loads(reply.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return  # a plain 2xx from a generic receiver counts as delivered
    if not isinstance(body, dict) or "errcode" not in body:
        return
    if body["errcode"] not in (0, "0"):
        errmsg = _text(body.get("errmsg", ""))[:200]
        # Retried: rate limits (WeCom 45009, DingTalk 130101) pass; a bad key ends DEAD after max attempts.
        raise DeliveryError(f"{webhook_host(url)} answered errcode {body['errcode']}: {errmsg}")


class SmsProvider(abc.ABC):
    """A gateway that sends one text message to one mobile number; raise DeliveryError on failure."""

    @abc.abstractmethod
    def send_sms(self, phone: str, text: str) -> None: ...


class ConsoleSmsProvider(SmsProvider):
    """For the demo and development: the SMS is written to the log instead of a gateway.

    Only the masked number and the text are logged (no other personal data reaches a logger).
    """

    def send_sms(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)


def sms_provider() -> SmsProvider:
    """The provider named by the ZHENWU_SMS_PROVIDER setting (a dotted path to an SmsProvider class)."""
    cls = import_string(settings.ZHENWU_SMS_PROVIDER)
    provider = cls()
    if not isinstance(provider, SmsProvider):
        raise TypeError("ZHENWU_SMS_PROVIDER must name a subclass of SmsProvider.")
    return provider


class SmsChannel(NotificationChannel):
    """Text messages through the configured ``SmsProvider``; the subject is the first line."""

    code = Channel.SMS

    def send(self, message: OutboxMessage) -> None:
        text = f"{message.subject}\n{message.body}" if message.subject else message.body
        sms_provider().send_sms(message.recipient, text)


_CHANNELS: dict[str, type[NotificationChannel]] = {
    Channel.EMAIL: EmailChannel,
    Channel.WEBHOOK: WebhookChannel,
    Channel.SMS: SmsChannel,
}


def channel_for(channel_code: str) -> NotificationChannel:
    """The channel that delivers messages of ``channel_code``; KeyError for an unknown code."""
    return _CHANNELS[channel_code]()


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
