"""Notification writes: record every message in the outbox, deliver it once, retry with backoff.

Guarantees (DESIGN.md: "every message is recorded, retried, and never sent twice for the same event"):

* **Once per event.** ``(event_key, channel, recipient)`` is unique; enqueueing the same event again
  returns the recorded message, whatever its state (a SENT message is never reset).
* **Nothing for a failed request.** Delivery is queued with ``transaction.on_commit``; a rolled-back
  transaction leaves neither a message nor a task behind.
* **One sender at a time.** ``outbox_deliver`` claims a message with one conditional UPDATE
  (PENDING/RETRYING and due -> SENDING, ``attempts + 1``); a second worker's UPDATE matches no row
  and it sends nothing. The claim commits before the channel is called, outside any transaction or
  row lock; the outcome is written only if the claim is still ours (same ``attempts``).
* **At-least-once, with a stable idempotency key; not exactly-once.** While SENDING,
  ``next_attempt_at`` is the claim's lease (``sending_lease()``: ``ZHENWU_NOTIFY_SENDING_LEASE``
  seconds, 10 minutes by default, far longer than a channel's timeouts). A worker killed after the
  receiver accepted the message but before SENT was committed leaves it SENDING;
  ``outbox_requeue_stale`` (the periodic sweep) returns it to RETRYING once the lease has run out,
  and it is sent again. Exactly-once is impossible against a receiver that does not take part: it
  may have acted on a request whose answer never reached us. So every attempt at one message
  carries the same key (``channels.message_key``: the ``Idempotency-Key`` header of a webhook, the
  ``Message-ID`` of an e-mail) and a receiver that remembers keys sees each message once. No other
  path sends a message twice: a message whose claim did not outlive a crash is sent exactly once.
* **Backoff.** After failed attempt *n* the next try is ``min(30 s * 2**(n-1), 1 h)`` later
  (30 s, 1 min, 2 min, 4 min, 8 min, ...). After ``ZHENWU_NOTIFY_MAX_ATTEMPTS`` attempts (6: about
  15 minutes of retries), or at once for a permanent error, the message is DEAD until an office or
  admin user retries it from the outbox page.

The outbox row is the delivery record (attempts, last error, sent time), so deliveries write no
audit events; the manual retry, a human decision, does.
"""

import datetime
import functools
import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record, diff, snapshot
from zhenwu.core.choices import AuditAction, Channel, OutboxStatus
from zhenwu.core.exceptions import InvalidTransition, NotFound, ValidationFailed
from zhenwu.core.models import OutboxMessage, Unit, User
from zhenwu.core.notifications.channels import DeliveryError, channel_for
from zhenwu.core.notifications.selectors import mask_recipient
from zhenwu.core.scoping import Action, require, scope_queryset

logger = logging.getLogger(__name__)

#: How long a claimed message may stay SENDING before it is presumed lost with a crashed worker
#: (the default of the ZHENWU_NOTIFY_SENDING_LEASE setting, in seconds).
SENDING_LEASE = datetime.timedelta(minutes=10)
BACKOFF_BASE = datetime.timedelta(seconds=30)
BACKOFF_CAP = datetime.timedelta(hours=1)
MAX_ERROR_LENGTH = 500

#: Mainland mobile numbers: the only numbers an SMS can reach (landlines are valid staff phones, not here).
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_validate_url = URLValidator(schemes=["http", "https"])
_DELIVERABLE = (OutboxStatus.PENDING, OutboxStatus.RETRYING)


def sending_lease() -> datetime.timedelta:
    """The claim's lease; it must outlast the slowest send (SMTP and webhook timeouts are 10-15 s)."""
    seconds = getattr(settings, "ZHENWU_NOTIFY_SENDING_LEASE", None)
    return SENDING_LEASE if seconds is None else datetime.timedelta(seconds=float(seconds))


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after ``attempts`` failed attempts: 30 s doubling per attempt, at most one hour."""
    exponent = max(attempts - 1, 0)
    if exponent >= 20:  # far past the cap; avoids a huge multiplication
        return BACKOFF_CAP
    wait: datetime.timedelta = BACKOFF_BASE * (2**exponent)
    return min(wait, BACKOFF_CAP)


def _recipient_error(channel: str, recipient: str) -> str | None:
    if channel == Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            return _("Enter a valid e-mail address.")
        return None
    if channel == Channel.WEBHOOK:
        try:
            _validate_url(recipient)
        except ValidationError:
            return _("Enter a webhook URL that starts with http:// or https://.")
        return None
    if channel == Channel.SMS:
        if not MOBILE_RE.match(recipient):
            return _("Enter a mobile number (11 digits starting with 1).")
        return None
    return _("Unknown notification channel.")


def _queue_delivery(message_id: int) -> None:
    # Imported here: tasks import this module.
    from zhenwu.core.notifications.tasks import deliver_message

    deliver_message.enqueue(message_id=message_id)


def _on_commit_deliver(message_id: int) -> None:
    # robust: if queueing fails, the committed message is still found by the periodic sweep.
    transaction.on_commit(functools.partial(_queue_delivery, message_id), robust=True)


@transaction.atomic
def notification_enqueue(
    *,
    event_key: str,
    channel: str,
    recipient: str,
    subject: str = "",
    body: str,
    unit: Unit | None = None,
) -> OutboxMessage:
    """Record one message and queue its delivery after commit; the same event returns the same row.

    ``unit`` is the unit the message concerns: staff see the outbox of their own subtree only.
    """
    recipient = recipient.strip()
    event_key = event_key.strip()
    subject = " ".join(subject.split())  # one header line: e-mail subjects cannot hold line breaks
    if error := _recipient_error(channel, recipient):
        raise ValidationFailed(error, errors={"recipient": [error]})
    existing = OutboxMessage.objects.filter(event_key=event_key, channel=channel, recipient=recipient).first()
    if existing is not None:
        return existing
    message = OutboxMessage(
        event_key=event_key,
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        unit=unit,
        next_attempt_at=timezone.now(),
    )
    try:
        # Uniqueness is left to the constraint below so that a concurrent enqueue returns its row.
        message.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        return OutboxMessage.objects.get(event_key=event_key, channel=channel, recipient=recipient)
    _on_commit_deliver(message.pk)
    return message


def notify_user(
    *,
    event_key: str,
    user: User,
    subject: str,
    body: str,
    channels: tuple[str, ...] = (Channel.EMAIL, Channel.SMS),
) -> list[OutboxMessage]:
    """Notify a staff member on each of ``channels`` for which their account has an address.

    E-mail goes to ``user.email``; SMS to ``user.phone`` when it is a mobile number. Channels without
    an address (and webhooks, which belong to groups, not people) are skipped.
    """
    messages = []
    for channel in channels:
        if channel == Channel.EMAIL:
            recipient = (user.email or "").strip()
        elif channel == Channel.SMS:
            recipient = (user.phone or "").strip()
            if not MOBILE_RE.match(recipient):
                recipient = ""
        else:
            recipient = ""
        if not recipient:
            continue
        messages.append(
            notification_enqueue(
                event_key=event_key,
                channel=channel,
                recipient=recipient,
                subject=subject,
                body=body,
                unit=user.unit,
            )
        )
    return messages


def _clean_error(text: str, message: OutboxMessage) -> str:
    """The error as stored and shown: the recipient masked (a webhook URL holds its key), truncated."""
    if message.recipient:
        text = text.replace(message.recipient, mask_recipient(message.channel, message.recipient))
    return text[:MAX_ERROR_LENGTH]


def outbox_deliver(*, message_id: int) -> OutboxMessage:
    """Send one due message unless another worker has it or it is done; safe to call any number of times.

    Deliberately not one atomic block: the claim must be committed before the (slow, external) send,
    and the outcome written after it, so no lock is held while talking to a mail server or webhook.
    """
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status__in=_DELIVERABLE, next_attempt_at__lte=now
    ).update(status=OutboxStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + sending_lease())
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        raise NotFound()
    if not claimed:
        return message  # sent, dead, not yet due, or being sent by another worker
    try:
        channel_for(message.channel).send(message)
    except DeliveryError as exc:
        return _record_failure(message, exc.message, permanent=exc.permanent)
    except Exception as exc:
        # A broken provider or setting must not leave the message SENDING until the lease runs out.
        logger.exception("Outbox message %s: unexpected error in channel %s", message.pk, message.channel)
        return _record_failure(message, f"{type(exc).__name__}: {exc}", permanent=False)
    return _record_outcome(message, status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="")


def _record_failure(message: OutboxMessage, error: str, *, permanent: bool) -> OutboxMessage:
    now = timezone.now()
    dead = permanent or message.attempts >= settings.ZHENWU_NOTIFY_MAX_ATTEMPTS
    if dead:
        logger.warning("Outbox message %s failed permanently after %s attempts", message.pk, message.attempts)
    return _record_outcome(
        message,
        status=OutboxStatus.DEAD if dead else OutboxStatus.RETRYING,
        next_attempt_at=now if dead else now + backoff(message.attempts),
        last_error=_clean_error(error, message),
    )


def _record_outcome(message: OutboxMessage, **fields: object) -> OutboxMessage:
    # Only our own claim is updated: if the lease ran out and another worker took the message over,
    # its attempt counter moved on and this write matches nothing.
    updated = OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxStatus.SENDING, attempts=message.attempts
    ).update(**fields)
    if not updated:
        logger.warning("Outbox message %s was taken over while being sent", message.pk)
    message.refresh_from_db()
    return message


@transaction.atomic
def outbox_retry(*, actor: User, message: OutboxMessage) -> OutboxMessage:
    """Give a DEAD message a fresh round of attempts (office and admin users in scope; audited)."""
    require(actor, Action.OUTBOX_MANAGE)
    locked = (
        scope_queryset(actor, Action.OUTBOX_MANAGE, OutboxMessage.objects.select_for_update())
        .filter(pk=message.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    if locked.status != OutboxStatus.DEAD:
        raise InvalidTransition(_("Only a message that failed permanently can be sent again."))
    before = snapshot(locked, ("status", "attempts"))
    locked.status = OutboxStatus.RETRYING
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=locked,
        unit=locked.unit,
        changes=diff(before, snapshot(locked, ("status", "attempts"))),
        note="manual retry",
    )
    _on_commit_deliver(locked.pk)
    return locked


@transaction.atomic
def outbox_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Return messages whose sending worker vanished (lease expired) to RETRYING, or DEAD if out of attempts.

    The worker may have delivered the message before it died, so this is the one place where a
    message can be sent twice (at-least-once for that crash window only).
    """
    now = now or timezone.now()
    stale = OutboxMessage.objects.filter(status=OutboxStatus.SENDING, next_attempt_at__lte=now)
    note = "The worker stopped while sending; the message may have been delivered."
    dead = stale.filter(attempts__gte=settings.ZHENWU_NOTIFY_MAX_ATTEMPTS).update(
        status=OutboxStatus.DEAD, last_error=note
    )
    retried = stale.filter(attempts__lt=settings.ZHENWU_NOTIFY_MAX_ATTEMPTS).update(
        status=OutboxStatus.RETRYING, next_attempt_at=now, last_error=note
    )
    if dead or retried:
        logger.warning("Requeued %s stale outbox messages (%s out of attempts)", dead + retried, dead)
    return int(dead + retried)
