"""The township summary (汇总) of one deadline or one day of a schedule, computed from the reports.

Totals are per field key, across form versions (a key keeps its meaning; its latest label is shown).
Counts and numbers are added, yes/no fields count the units that answered yes, text answers are
listed by unit. A zero report adds nothing and is listed as such. Corrections replace what they
correct: only current submissions count. Three queries whatever the number of units.
"""

import datetime
import decimal
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction, Channel, Role
from zhenwu.core.models import OutboxMessage, Unit, User
from zhenwu.core.notifications.services import notification_enqueue, notify_user
from zhenwu.core.scoping import Action, require, scope_q
from zhenwu.reports.choices import FieldKind, SlotState
from zhenwu.reports.fields import FieldSpec, display_value, specs_from
from zhenwu.reports.models import ReportFormVersion, ReportSchedule, ReportSlot, ReportSubmission
from zhenwu.reports.selectors import due_between, slot_state
from zhenwu.reports.services import lateness_minutes


@dataclass(frozen=True)
class UnitLine:
    unit: Unit
    due_at: datetime.datetime
    state: str
    late_minutes: int = 0
    submitted_by: str = ""


@dataclass(frozen=True)
class TextItem:
    unit: Unit
    due_at: datetime.datetime
    label: str
    text: str


@dataclass
class Summary:
    schedule: ReportSchedule
    #: the deadline summarised, or None for a whole day
    due_at: datetime.datetime | None
    day: datetime.date
    fields: list[FieldSpec]
    totals: dict[str, Any]
    expected: int
    reported: list[UnitLine] = field(default_factory=list)
    zero: list[UnitLine] = field(default_factory=list)
    late: list[UnitLine] = field(default_factory=list)
    missing: list[UnitLine] = field(default_factory=list)
    open: list[UnitLine] = field(default_factory=list)
    texts: list[TextItem] = field(default_factory=list)

    @property
    def title(self) -> str:
        moment = (
            timezone.localtime(self.due_at).strftime("%Y-%m-%d %H:%M")
            if self.due_at
            else self.day.isoformat()
        )
        return f"{self.schedule.report_type.name} {moment}"

    def total_display(self, spec: FieldSpec) -> str:
        value = self.totals.get(spec.key, 0)
        return str(value)

    def rows(self) -> list[tuple[FieldSpec, str]]:
        return [(spec, self.total_display(spec)) for spec in self.fields if spec.kind != FieldKind.TEXT]


def _fields_union(versions: list[ReportFormVersion], specs: dict[int, list[FieldSpec]]) -> list[FieldSpec]:
    """Every field key of the versions in play, in the newest version's order, newest labels first
    (``specs``: each version's fields by its id)."""
    seen: dict[str, FieldSpec] = {}
    for version in sorted(versions, key=lambda v: -v.number):
        for spec in specs[version.pk]:
            seen.setdefault(spec.key, spec)
    return list(seen.values())


def build_summary(
    *,
    user: User,
    schedule: ReportSchedule,
    day: datetime.date,
    due_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Summary:
    """The summary of ``schedule`` for one deadline (``due_at``) or a whole ``day``, in the user's scope."""
    now = now or timezone.now()
    slots_qs: QuerySet[ReportSlot] = ReportSlot.objects.filter(
        scope_q(user, Action.REPORT_VIEW, unit_field="unit"), schedule=schedule, **due_between(day, day)
    )
    if due_at is not None:
        slots_qs = slots_qs.filter(due_at=due_at)
    slots = list(slots_qs.select_related("unit").order_by("unit__path", "due_at"))
    # Rows, not model instances: a county's day is ~700 submissions, each with its reporter.
    submissions = {
        sub.slot_id: sub
        for sub in ReportSubmission.objects.filter(
            slot__in=[s.pk for s in slots], is_current=True
        ).values_list(
            "slot_id",
            "is_zero",
            "values",
            "form_version_id",
            "submitted_by__full_name",
            "submitted_by__username",
            named=True,
        )
    }
    version_ids = {sub.form_version_id for sub in submissions.values()}
    versions = list(
        ReportFormVersion.objects.filter(pk__in=version_ids)
        | ReportFormVersion.objects.filter(
            report_type_id=schedule.report_type_id, number=schedule.report_type.current_version
        )
    )
    # Each version's fields parsed once, not once per submission.
    version_fields = {version.pk: specs_from(version.fields) for version in versions}
    specs_by_version = {pk: {spec.key: spec for spec in fields} for pk, fields in version_fields.items()}
    specs = _fields_union(versions, version_fields)
    totals: dict[str, Any] = {}
    for spec in specs:
        if spec.kind == FieldKind.NUMBER:
            totals[spec.key] = decimal.Decimal(0)
        elif spec.kind in (FieldKind.COUNT, FieldKind.YES_NO):
            totals[spec.key] = 0
    summary = Summary(
        schedule=schedule, due_at=due_at, day=day, fields=specs, totals=totals, expected=len(slots)
    )
    for slot in slots:
        state = slot_state(slot, now)
        sub = submissions.get(slot.pk)
        line = UnitLine(
            unit=slot.unit,
            due_at=slot.due_at,
            state=state,
            late_minutes=lateness_minutes(slot),
            submitted_by=User.shown_name(sub.submitted_by__full_name, sub.submitted_by__username)
            if sub
            else "",
        )
        if state == SlotState.MISSING:
            summary.missing.append(line)
            continue
        if state == SlotState.OPEN and sub is None:
            summary.open.append(line)
            continue
        if state == SlotState.LATE:
            summary.late.append(line)
        if sub is None:
            continue
        summary.reported.append(line)
        if sub.is_zero:
            summary.zero.append(line)
            continue
        version_specs = specs_by_version[sub.form_version_id]
        for key, value in sub.values.items():
            found = version_specs.get(key)
            if found is None:
                continue
            spec = found
            if spec.kind == FieldKind.COUNT:
                totals[key] = totals.get(key, 0) + int(value)
            elif spec.kind == FieldKind.NUMBER:
                totals[key] = totals.get(key, decimal.Decimal(0)) + decimal.Decimal(str(value))
            elif spec.kind == FieldKind.YES_NO:
                totals[key] = totals.get(key, 0) + (1 if value else 0)
            elif spec.kind == FieldKind.TEXT and value:
                summary.texts.append(TextItem(slot.unit, slot.due_at, spec.label, display_value(spec, value)))
    for key, value in list(totals.items()):  # 4.00 is shown as 4
        if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
            totals[key] = int(value)
    return summary


def summary_text(summary: Summary) -> str:
    """The summary as plain text, for a chat-robot or e-mail message to the leaders."""
    lines = [summary.title]
    lines.append(
        _(
            "Expected %(expected)s, reported %(reported)s (zero reports %(zero)s), "
            "late %(late)s, missing %(missing)s."
        )
        % {
            "expected": summary.expected,
            "reported": len(summary.reported),
            "zero": len(summary.zero),
            "late": len(summary.late),
            "missing": len(summary.missing),
        }
    )
    for spec, total in summary.rows():
        lines.append(f"{spec.label}：{total}")
    if summary.missing:
        lines.append(
            _("Missing: %(units)s") % {"units": "、".join(line.unit.name for line in summary.missing)}
        )
    if summary.late:
        lines.append(
            _("Late: %(units)s")
            % {"units": "、".join(f"{line.unit.name}（{line.late_minutes}′）" for line in summary.late)}
        )
    for item in summary.texts:
        lines.append(f"{item.unit.name}·{item.label}：{item.text}")
    return "\n".join(lines)


def _fingerprint(summary: Summary) -> str:
    """The figures of a summary, independent of the language it is shown in."""
    parts = [
        repr(sorted((key, str(value)) for key, value in summary.totals.items())),
        repr([(line.unit.pk, line.due_at.isoformat()) for line in summary.reported]),
        repr([line.unit.pk for line in summary.zero]),
        repr([(line.unit.pk, line.late_minutes) for line in summary.late]),
        repr([line.unit.pk for line in summary.missing]),
        repr([(item.unit.pk, item.label, item.text) for item in summary.texts]),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def summary_send(*, actor: User, summary: Summary) -> int:
    """Send the summary to the collecting unit's leaders (e-mail, SMS) and the schedule's chat robot.

    Each recipient gets the summary of one deadline or day once (outbox key); sending again after
    more reports came in is a new event only when the figures changed. Returns how many messages
    were newly queued (0 when the same figures were sent before). Audited.
    """
    schedule = summary.schedule
    require(actor, Action.REPORT_MANAGE, schedule.owner_unit)
    text = summary_text(summary)
    moment = summary.due_at.isoformat() if summary.due_at else summary.day.isoformat()
    key = f"reports.summary.{schedule.pk}.{moment}.{_fingerprint(summary)}"
    with transaction.atomic():
        before = OutboxMessage.objects.filter(event_key__startswith=key).count()
        leaders = User.objects.filter(
            unit=schedule.owner_unit, role=Role.LEADER, is_active=True
        ).select_related("unit")
        for leader in leaders.order_by("pk"):
            notify_user(event_key=f"{key}.{leader.pk}", user=leader, subject=summary.title, body=text)
        if schedule.webhook_url:
            notification_enqueue(
                event_key=key,
                channel=Channel.WEBHOOK,
                recipient=schedule.webhook_url,
                subject=summary.title,
                body=text,
                unit=schedule.owner_unit,
            )
        sent = OutboxMessage.objects.filter(event_key__startswith=key).count() - before
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=schedule,
            unit=schedule.owner_unit,
            note=f"summary sent: {moment} ({sent} new messages)",
        )
    return sent
