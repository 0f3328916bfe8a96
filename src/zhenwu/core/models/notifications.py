from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import Channel, OutboxStatus


class OutboxMessage(models.Model):
    """One message to one recipient through one channel, recorded before it is sent."""

    event_key = models.CharField(
        verbose_name=_("event key"),
        max_length=200,
        help_text=_("Identifies the event; the same event is never sent twice to one recipient."),
    )
    channel = models.CharField(
        verbose_name=_("channel"),
        max_length=8,
        choices=Channel.choices,
    )
    recipient = models.CharField(
        verbose_name=_("recipient"),
        max_length=500,
    )
    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The unit the message concerns; decides who may see it (none: administrators only)."),
    )
    subject = models.CharField(
        verbose_name=_("subject"),
        max_length=200,
        blank=True,
    )
    body = models.TextField(
        verbose_name=_("body"),
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=8,
        choices=OutboxStatus.choices,
        default=OutboxStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(
        verbose_name=_("attempts"),
        default=0,
    )
    next_attempt_at = models.DateTimeField(
        verbose_name=_("next attempt at"),
        default=timezone.now,
    )
    last_error = models.TextField(
        verbose_name=_("last error"),
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )
    sent_at = models.DateTimeField(
        verbose_name=_("sent at"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "channel", "recipient"],
                name="core_outbox_once_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="core_outbox_due"),
            models.Index(fields=["unit", "created_at"], name="core_outbox_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.event_key}"


class PeriodicSlot(models.Model):
    """A claimed run of a periodic job: the unique key keeps two schedulers from both running it."""

    name = models.CharField(
        verbose_name=_("job"),
        max_length=100,
    )
    slot_start = models.DateTimeField(
        verbose_name=_("slot start"),
    )
    claimed_at = models.DateTimeField(
        verbose_name=_("claimed at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        constraints = [
            models.UniqueConstraint(fields=["name", "slot_start"], name="core_periodic_slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot_start}"
