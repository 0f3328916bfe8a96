"""Notification reads: the outbox list, the due messages, and recipients masked for display."""

import datetime
import urllib.parse

from django.db.models import QuerySet
from django.utils import timezone

from zhenwu.core.choices import Channel, OutboxStatus
from zhenwu.core.models import OutboxMessage, User
from zhenwu.core.personal_data import mask_email, mask_phone
from zhenwu.core.scoping import Action, scope_queryset

#: What the outbox list shows; the body (which may name people) is never loaded for the list.
_LIST_FIELDS = (
    "id",
    "event_key",
    "channel",
    "recipient",
    "subject",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
    "sent_at",
)


def mask_recipient(channel: str, recipient: str) -> str:
    """a***@x.cn, 138****5678, or a webhook's host only (its path and query carry the robot key)."""
    if channel == Channel.EMAIL:
        return mask_email(recipient)
    if channel == Channel.SMS:
        return mask_phone(recipient)
    if channel == Channel.WEBHOOK:
        return urllib.parse.urlsplit(recipient).hostname or "—"
    return "—"


def outbox_list(*, user: User, status: str = "", channel: str = "") -> QuerySet[OutboxMessage]:
    """Outbox messages in the user's scope, newest first, optionally one status and/or one channel.

    Messages without a unit (instance-wide events) are visible to administrators only.
    """
    messages = scope_queryset(user, Action.OUTBOX_VIEW, OutboxMessage.objects.only(*_LIST_FIELDS)).order_by(
        "-created_at", "-pk"
    )
    if status:
        messages = messages.filter(status=status)
    if channel:
        messages = messages.filter(channel=channel)
    return messages


def outbox_due_ids(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Ids of PENDING/RETRYING messages that are due, oldest due first (index core_outbox_due)."""
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(
            status__in=(OutboxStatus.PENDING, OutboxStatus.RETRYING), next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
