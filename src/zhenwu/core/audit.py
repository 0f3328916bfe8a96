"""Writing audit events (STYLE.md §5): explicit, in the caller's transaction, never by signals."""

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models

from zhenwu.core import context
from zhenwu.core.choices import AuditAction
from zhenwu.core.models import AuditEvent, Unit, User


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value for the before/after record."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` (foreign keys as ids) for a later ``diff``."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _plain(getattr(obj, attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def masked(changes: dict[str, list[Any]], maskers: dict[str, Callable[[str], str]]) -> dict[str, list[Any]]:
    """``changes`` with personal fields masked: the audit log records that they changed, not their values.

    Otherwise the log would show phone numbers and ID numbers to everyone who may read it.
    """
    out = {}
    for field, values in changes.items():
        mask = maskers.get(field)
        out[field] = [mask(v) if isinstance(v, str) else v for v in values] if mask else values
    return out


def object_type(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type_label: str = "",
    object_id: str = "",
    object_repr: str = "",
    unit: Unit | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Append one audit event. Call it inside the service's transaction."""
    ctx = context.current()
    if obj is not None:
        object_type_label = object_type_label or object_type(obj)
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_full_name() if actor is not None and actor.pk else "")[:100],
        interface=ctx.interface,
        request_id=ctx.request_id,
        action=action,
        object_type=object_type_label,
        object_id=object_id,
        object_repr=object_repr[:200],
        unit=unit,
        changes=changes or {},
        note=note,
    )


def audit_denied(*, actor: User | None, what: str, unit: Unit | None = None, note: str = "") -> None:
    """Record a refused attempt (written outside the refused transaction, so it survives)."""
    audit_record(
        actor=actor,
        action=AuditAction.DENIED,
        object_type_label=what,
        unit=unit,
        note=note,
    )
