from typing import Any, NoReturn

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import AuditAction, Interface


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Append-only: the application can add events and read them, never change or remove them."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("audit events are append-only")

    def delete(self) -> NoReturn:
        raise TypeError("audit events are append-only")


class AuditEvent(models.Model):
    """One audited act: who did what to which object, when, through which interface."""

    occurred_at = models.DateTimeField(
        verbose_name=_("time"),
        default=timezone.now,
        db_index=True,
    )
    actor = models.ForeignKey(
        "core.User",
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(
        verbose_name=_("actor name"),
        max_length=100,
        blank=True,
    )
    interface = models.CharField(
        verbose_name=_("interface"),
        max_length=8,
        choices=Interface.choices,
    )
    request_id = models.CharField(
        verbose_name=_("request id"),
        max_length=32,
        blank=True,
        db_index=True,
    )
    action = models.CharField(
        verbose_name=_("action"),
        max_length=16,
        choices=AuditAction.choices,
    )
    object_type = models.CharField(
        verbose_name=_("object type"),
        max_length=64,
    )
    object_id = models.CharField(
        verbose_name=_("object id"),
        max_length=64,
        blank=True,
    )
    object_repr = models.CharField(
        verbose_name=_("object"),
        max_length=200,
        blank=True,
    )
    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The unit the object belongs to; decides who may read the event."),
    )
    changes = models.JSONField(
        verbose_name=_("changes"),
        default=dict,
        blank=True,
        help_text=_("Field name to [before, after]."),
    )
    note = models.TextField(
        verbose_name=_("note"),
        blank=True,
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="core_audit_object"),
            models.Index(fields=["actor", "occurred_at"], name="core_audit_actor"),
            models.Index(fields=["action", "occurred_at"], name="core_audit_action"),
            models.Index(fields=["unit", "occurred_at"], name="core_audit_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("audit events are append-only")
