"""Every write of the plans app (STYLE.md §2): one audited transaction per act."""

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction, Role, UnitKind
from zhenwu.core.exceptions import Conflict, InvalidTransition, NotFound, PermissionRefused, ValidationFailed
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.scoping import Action, require, user_can
from zhenwu.core.services.common import validated
from zhenwu.plans.choices import (
    BODY_ROLES,
    Body,
    EvidenceKind,
    FindingResult,
    NoticeKind,
    PlanRole,
    PlanStatus,
    RecordSource,
    Recurrence,
)
from zhenwu.plans.models import (
    ChecklistItem,
    Inspection,
    InspectionFinding,
    Notice,
    NoticeAttachment,
    NoticeRecipient,
    PlanMember,
    PlanTask,
    TaskEvidence,
    WorkingGroup,
    WorkPlan,
)

MAX_TASKS = 60
MAX_GROUPS = 20
MAX_MEMBERS = 80
MAX_CHECKLIST = 60
MAX_FINDINGS = 60
MAX_ATTACHMENTS = 10
#: Plans are for months, not decades.
MAX_PERIOD = datetime.timedelta(days=366)
#: The kinds of unit that "all villages" means.
VILLAGE_KINDS = (UnitKind.VILLAGE, UnitKind.COMMUNITY)


def _refuse(message: str, field: str = "__all__", code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, errors={field: [message]})


def _today() -> datetime.date:
    return beijing_date(timezone.now())


def _locked(plan: WorkPlan) -> WorkPlan:
    return WorkPlan.objects.select_for_update(of=("self",)).select_related("owner_unit").get(pk=plan.pk)


def _require_manage(actor: User, plan: WorkPlan) -> None:
    require(actor, Action.PLAN_MANAGE, plan.owner_unit)


# --- plans -------------------------------------------------------------------------------------

_PLAN_TEXT = ("title", "issuer", "doc_number", "background", "goals", "addressees", "cc", "signature")


def _check_period(starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on < starts_on:
        raise _refuse(_("The period ends before it starts."), "ends_on", "period_reversed")
    if ends_on - starts_on > MAX_PERIOD:
        raise _refuse(_("A plan's period is at most a year."), "ends_on")


@transaction.atomic
def plan_create(
    *,
    actor: User,
    owner_unit: Unit,
    title: str,
    issuer: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    doc_number: str = "",
    background: str = "",
    goals: str = "",
    addressees: str = "",
    cc: str = "",
    signature: str = "",
) -> WorkPlan:
    require(actor, Action.PLAN_MANAGE, owner_unit)
    _check_period(starts_on, ends_on)
    plan = WorkPlan(
        owner_unit=owner_unit,
        title=title.strip(),
        issuer=issuer.strip(),
        doc_number=doc_number.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        background=background.strip(),
        goals=goals.strip(),
        addressees=addressees.strip(),
        cc=cc.strip(),
        signature=signature.strip() or owner_unit.name,
        created_by=actor,
    )
    validated(plan)
    plan.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=plan, unit=owner_unit)
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: WorkPlan, **fields: Any) -> WorkPlan:
    """Change the plan's text or period; the document is rendered again from the new data."""
    plan = _locked(plan)
    _require_manage(actor, plan)
    allowed = {*_PLAN_TEXT, "starts_on", "ends_on", "issued_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise _refuse(_("These fields cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    changes: dict[str, list[Any]] = {}
    for name, value in fields.items():
        if value is None:
            continue
        value = value.strip() if isinstance(value, str) else value
        if getattr(plan, name) != value:
            changes[name] = [str(getattr(plan, name))[:50], str(value)[:50]]
            setattr(plan, name, value)
    _check_period(plan.starts_on, plan.ends_on)
    if (
        plan.tasks.filter(due_on__gt=plan.ends_on).exists()
        or plan.tasks.filter(due_on__lt=plan.starts_on).exists()
    ):
        raise _refuse(_("Some tasks are due outside the new period; change them first."), "ends_on")
    validated(plan)
    plan.save()
    if changes:
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=plan, unit=plan.owner_unit, changes=changes)
    return plan


@dataclass(frozen=True)
class MemberIn:
    body: str
    role: str
    name: str
    post: str = ""


@transaction.atomic
def plan_members_set(*, actor: User, plan: WorkPlan, members: Sequence[MemberIn]) -> list[PlanMember]:
    """Replace the leading group and its office: a leading group has a 组长; roles fit their body."""
    plan = _locked(plan)
    _require_manage(actor, plan)
    if len(members) > MAX_MEMBERS:
        raise _refuse(_("At most %(n)d people.") % {"n": MAX_MEMBERS}, "members")
    rows = []
    for order, data in enumerate(members):
        if data.body not in Body.values or data.role not in BODY_ROLES[Body(data.body)]:
            raise _refuse(
                _("Person %(n)d: choose a role of the leading group or of its office.") % {"n": order + 1},
                "members",
            )
        row = PlanMember(
            plan=plan,
            body=data.body,
            role=data.role,
            name=data.name.strip(),
            post=data.post.strip(),
            order=order,
        )
        validated(row)
        rows.append(row)
    if members and not any(r.body == Body.LEADING_GROUP and r.role == PlanRole.LEADER for r in rows):
        raise _refuse(_("Name the leading group's 组长."), "members")
    plan.members.all().delete()
    PlanMember.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=plan,
        unit=plan.owner_unit,
        changes={"members": [None, len(rows)]},
    )
    return rows


@dataclass(frozen=True)
class GroupIn:
    name: str
    lead: str
    duties: str
    members: str = ""


@transaction.atomic
def working_groups_set(*, actor: User, plan: WorkPlan, groups: Sequence[GroupIn]) -> list[WorkingGroup]:
    plan = _locked(plan)
    _require_manage(actor, plan)
    if len(groups) > MAX_GROUPS:
        raise _refuse(_("At most %(n)d working groups.") % {"n": MAX_GROUPS}, "groups")
    rows = []
    for order, data in enumerate(groups):
        row = WorkingGroup(
            plan=plan,
            name=data.name.strip(),
            lead=data.lead.strip(),
            members=data.members.strip(),
            duties=data.duties.strip(),
            order=order,
        )
        try:
            validated(row)
        except ValidationFailed as exc:
            raise _refuse(
                _("Working group %(n)d: %(error)s") % {"n": order + 1, "error": exc.message}, "groups"
            ) from None
        rows.append(row)
    plan.groups.all().delete()
    WorkingGroup.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=plan,
        unit=plan.owner_unit,
        changes={"groups": [None, len(rows)]},
    )
    return rows


@dataclass(frozen=True)
class TaskIn:
    title: str
    evidence: str
    description: str = ""
    all_units: bool = False
    units: Sequence[Unit] = field(default=())
    due_on: datetime.date | None = None
    recurrence: str = Recurrence.ONCE
    report_type: Any = None
    record_source: str = ""
    min_count: int = 1


def plan_villages(plan: WorkPlan) -> list[Unit]:
    """The villages and communities under the plan's unit (what "all villages" means), active ones."""
    return list(
        Unit.objects.filter(
            unit_subtree_q(plan.owner_unit.path), kind__in=VILLAGE_KINDS, is_active=True
        ).order_by("path")
    )


def _task_row(plan: WorkPlan, data: TaskIn, order: int) -> tuple[PlanTask, list[Unit]]:
    errors: dict[str, list[str]] = {}
    units = list(dict.fromkeys(data.units))
    if not data.all_units and not units:
        errors["units"] = [_("Name the responsible units, or choose all villages.")]
    for unit in units:
        if not unit.is_descendant_of(plan.owner_unit) or not unit.is_active:
            errors["units"] = [
                _("%(unit)s is not an active unit under %(owner)s.")
                % {"unit": unit.name, "owner": plan.owner_unit.name}
            ]
    if data.recurrence not in Recurrence.values:
        errors["recurrence"] = [_("Choose how often the task recurs.")]
    if data.recurrence == Recurrence.ONCE and data.due_on is None:
        errors["due_on"] = [_("A one-off task needs a due date.")]
    if data.due_on is not None and not plan.starts_on <= data.due_on <= plan.ends_on:
        errors["due_on"] = [_("The due date is within the plan's period.")]
    if data.evidence not in EvidenceKind.values:
        errors["evidence"] = [_("Choose what counts as evidence.")]
    if data.evidence == EvidenceKind.REPORT and data.report_type is None:
        errors["report_type"] = [_("Choose the report type whose reports count.")]
    if data.evidence == EvidenceKind.RECORD_COUNT and data.record_source not in RecordSource.values:
        errors["record_source"] = [_("Choose the ledger whose records count.")]
    if not 1 <= data.min_count <= 10000:
        errors["min_count"] = [_("Between 1 and 10000.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    task = PlanTask(
        plan=plan,
        order=order,
        title=data.title.strip(),
        description=data.description.strip(),
        all_units=data.all_units,
        due_on=data.due_on,
        recurrence=data.recurrence,
        evidence=data.evidence,
        report_type=data.report_type if data.evidence == EvidenceKind.REPORT else None,
        record_source=data.record_source if data.evidence == EvidenceKind.RECORD_COUNT else "",
        min_count=data.min_count,
    )
    validated(task)
    return task, [] if data.all_units else units


@transaction.atomic
def task_add(*, actor: User, plan: WorkPlan, data: TaskIn) -> PlanTask:
    plan = _locked(plan)
    _require_manage(actor, plan)
    if plan.tasks.count() >= MAX_TASKS:
        raise _refuse(_("At most %(n)d tasks.") % {"n": MAX_TASKS})
    task, units = _task_row(plan, data, plan.tasks.count())
    task.save()
    task.units.set(units)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=task,
        unit=plan.owner_unit,
        changes={"plan": [None, plan.pk]},
    )
    return task


@transaction.atomic
def task_update(*, actor: User, task: PlanTask, data: TaskIn) -> PlanTask:
    plan = _locked(task.plan)
    _require_manage(actor, plan)
    row, units = _task_row(plan, data, task.order)
    row.pk = task.pk
    row.save()
    row.units.set(units)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=row, unit=plan.owner_unit)
    return row


@transaction.atomic
def task_remove(*, actor: User, task: PlanTask) -> None:
    plan = _locked(task.plan)
    _require_manage(actor, plan)
    if task.evidence_files.exists():
        raise Conflict(
            _("Units have sent evidence for this task; it cannot be removed."), code="has_evidence"
        )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=plan,
        unit=plan.owner_unit,
        changes={"task_removed": [task.title, None]},
    )
    task.delete()


@transaction.atomic
def checklist_set(*, actor: User, plan: WorkPlan, items: Sequence[str]) -> list[ChecklistItem]:
    """Replace the inspection checklist (items already used by an inspection stay as they were)."""
    plan = _locked(plan)
    _require_manage(actor, plan)
    texts = [t.strip() for t in items if t.strip()]
    if len(texts) > MAX_CHECKLIST:
        raise _refuse(_("At most %(n)d items.") % {"n": MAX_CHECKLIST}, "items")
    used = set(InspectionFinding.objects.filter(item__plan=plan).values_list("item_id", flat=True))
    existing = {item.text: item for item in plan.checklist.all()}
    keep = []
    for order, text in enumerate(texts):
        item = existing.pop(text, None) or ChecklistItem(plan=plan, text=text)
        item.order = order
        validated(item)
        item.save()
        keep.append(item)
    for item in existing.values():
        if item.pk not in used:
            item.delete()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=plan,
        unit=plan.owner_unit,
        changes={"checklist": [None, len(keep)]},
    )
    return keep


def _shift(day: datetime.date | None, delta: datetime.timedelta) -> datetime.date | None:
    return None if day is None else day + delta


@transaction.atomic
def plan_copy(*, actor: User, plan: WorkPlan, starts_on: datetime.date, title: str = "") -> WorkPlan:
    """A new draft from an earlier plan (e.g. last year's), every date shifted to the new start."""
    require(actor, Action.PLAN_MANAGE, plan.owner_unit)
    delta = starts_on - plan.starts_on
    copy = plan_create(
        actor=actor,
        owner_unit=plan.owner_unit,
        title=title.strip() or plan.title,
        issuer=plan.issuer,
        starts_on=starts_on,
        ends_on=plan.ends_on + delta,
        background=plan.background,
        goals=plan.goals,
        addressees=plan.addressees,
        cc=plan.cc,
        signature=plan.signature,
    )
    copy.copied_from = plan
    copy.save(update_fields=["copied_from"])
    PlanMember.objects.bulk_create(
        PlanMember(plan=copy, body=m.body, role=m.role, name=m.name, post=m.post, order=m.order)
        for m in plan.members.all()
    )
    WorkingGroup.objects.bulk_create(
        WorkingGroup(plan=copy, name=g.name, lead=g.lead, members=g.members, duties=g.duties, order=g.order)
        for g in plan.groups.all()
    )
    for task in plan.tasks.prefetch_related("units"):
        new = PlanTask.objects.create(
            plan=copy,
            order=task.order,
            title=task.title,
            description=task.description,
            all_units=task.all_units,
            due_on=_shift(task.due_on, delta),
            recurrence=task.recurrence,
            evidence=task.evidence,
            report_type=task.report_type,
            record_source=task.record_source,
            min_count=task.min_count,
        )
        new.units.set(list(task.units.all()))
    ChecklistItem.objects.bulk_create(
        ChecklistItem(plan=copy, text=i.text, order=i.order) for i in plan.checklist.all()
    )
    return copy


# --- notices -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentIn:
    name: str
    data: bytes


def attachment_read(upload: UploadedFile) -> AttachmentIn:
    """Read an upload up to the attachment limit; its type is decided by content when stored."""
    from zhenwu.petitions.attachments import _too_large, attachment_safe_name, max_attachment_bytes

    limit = max_attachment_bytes()
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return AttachmentIn(attachment_safe_name(upload.name or ""), data)


def _notice_units(owner: Unit, units: Sequence[Unit]) -> list[Unit]:
    chosen = list(dict.fromkeys(units))
    if not chosen:
        raise _refuse(_("Choose the units the notice is addressed to."), "units")
    for unit in chosen:
        if not unit.is_descendant_of(owner) or not unit.is_active:
            raise _refuse(
                _("%(unit)s is not an active unit under %(owner)s.")
                % {"unit": unit.name, "owner": owner.name},
                "units",
            )
    return chosen


def notice_issue(
    *,
    actor: User,
    owner_unit: Unit,
    kind: str,
    title: str,
    body: str,
    units: Sequence[Unit],
    acknowledge_by: datetime.datetime | None = None,
    plan: WorkPlan | None = None,
    attachments: Sequence[AttachmentIn] = (),
) -> Notice:
    """Issue a notice to units; each unit's people are notified (once) and asked to acknowledge."""
    from zhenwu.petitions.attachments import attachment_check

    require(actor, Action.NOTICE_ISSUE, owner_unit)
    if kind not in NoticeKind.values:
        raise _refuse(_("Choose the kind of notice."), "kind")
    now = timezone.now()
    if acknowledge_by is not None and acknowledge_by <= now:
        raise _refuse(_("The acknowledgement deadline is in the future."), "acknowledge_by")
    if len(attachments) > MAX_ATTACHMENTS:
        raise _refuse(_("At most %(n)d attachments.") % {"n": MAX_ATTACHMENTS}, "attachments")
    kinds = [attachment_check(name=a.name, data=a.data) for a in attachments]
    chosen = _notice_units(owner_unit, units)
    stored: list[tuple[Any, str]] = []
    try:
        with transaction.atomic():
            notice = Notice(
                owner_unit=owner_unit,
                kind=kind,
                title=title.strip(),
                body=body.strip(),
                plan=plan,
                acknowledge_by=acknowledge_by,
                issued_at=now,
                issued_by=actor,
            )
            validated(notice)
            notice.save()
            NoticeRecipient.objects.bulk_create(NoticeRecipient(notice=notice, unit=unit) for unit in chosen)
            for data, file_kind in zip(attachments, kinds, strict=True):
                row = NoticeAttachment(
                    notice=notice,
                    original_name=data.name,
                    content_type=file_kind.content_type,
                    size=len(data.data),
                )
                row.file.save(uuid.uuid4().hex + file_kind.extension, ContentFile(data.data), save=False)
                stored.append((row.file.storage, row.file.name))
                row.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=notice,
                unit=owner_unit,
                changes={"units": [None, len(chosen)]},
            )
            _notify_units(notice, chosen, key="issued")
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise
    return notice


def _unit_people(units: Sequence[Unit]) -> dict[int, list[User]]:
    people: dict[int, list[User]] = {}
    for person in User.objects.filter(
        unit__in=units, is_active=True, role__in=[Role.OFFICE, Role.LEADER, Role.REPORTER]
    ).select_related("unit"):
        if person.unit_id is not None:
            people.setdefault(person.unit_id, []).append(person)
    return people


def _notify_units(notice: Notice, units: Sequence[Unit], *, key: str) -> int:
    """Queue the message to each unit's people; returns how many messages are new (each event once)."""
    from zhenwu.core.models import OutboxMessage
    from zhenwu.core.notifications.services import notify_user

    prefix = f"plans.notice.{key}.{notice.pk}."
    queued_before = OutboxMessage.objects.filter(event_key__startswith=prefix).count()

    people = _unit_people(units)
    subject = (
        _("Notice to acknowledge: %(title)s")
        if key == "issued"
        else _("Reminder: please acknowledge %(title)s")
    ) % {"title": notice.title}
    deadline = (
        _(" by %(time)s") % {"time": timezone.localtime(notice.acknowledge_by).strftime("%Y-%m-%d %H:%M")}
        if notice.acknowledge_by
        else ""
    )
    for unit in units:
        body = _(
            "%(owner)s issued “%(title)s” to %(unit)s. "
            "Please open it in zhenwu and acknowledge it%(deadline)s."
        ) % {
            "owner": notice.owner_unit.name,
            "title": notice.title,
            "unit": unit.name,
            "deadline": deadline,
        }
        for person in people.get(unit.pk, []):
            notify_user(event_key=f"{prefix}{person.pk}", user=person, subject=subject, body=body)
    return OutboxMessage.objects.filter(event_key__startswith=prefix).count() - queued_before


def _recipient_for(actor: User, notice: Notice) -> NoticeRecipient:
    """The actor's own unit's copy of the notice; a unit not addressed cannot read or acknowledge it."""
    if actor.unit_id is None:
        raise PermissionRefused(_("Your unit is not among the addressees."), code="not_addressed")
    try:
        return NoticeRecipient.objects.select_for_update().get(notice=notice, unit_id=actor.unit_id)
    except NoticeRecipient.DoesNotExist:
        raise PermissionRefused(_("Your unit is not among the addressees."), code="not_addressed") from None


@transaction.atomic
def notice_mark_read(*, actor: User, notice: Notice) -> NoticeRecipient | None:
    """Record the first opening by the actor's unit; never an acknowledgement. None if not addressed."""
    if actor.unit_id is None:
        return None
    recipient = (
        NoticeRecipient.objects.select_for_update().filter(notice=notice, unit_id=actor.unit_id).first()
    )
    if recipient is not None and recipient.first_read_at is None:
        recipient.first_read_at = timezone.now()
        recipient.save(update_fields=["first_read_at"])
    return recipient


@transaction.atomic
def notice_acknowledge(*, actor: User, notice: Notice) -> NoticeRecipient:
    """The actor acknowledges (签收) the notice for their own unit, with their name and the time."""
    require(actor, Action.NOTICE_ACKNOWLEDGE)
    recipient = _recipient_for(actor, notice)
    if recipient.acknowledged_at is not None:
        raise Conflict(
            _("%(unit)s acknowledged this notice already.") % {"unit": actor.unit.name if actor.unit else ""},
            code="already_acknowledged",
        )
    now = timezone.now()
    recipient.acknowledged_at = now
    recipient.acknowledged_by = actor
    recipient.first_read_at = recipient.first_read_at or now
    recipient.save(update_fields=["acknowledged_at", "acknowledged_by", "first_read_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=notice,
        unit=recipient.unit,
        changes={"acknowledged": [None, recipient.unit.code]},
    )
    return recipient


@transaction.atomic
def notice_remind(*, actor: User, notice: Notice) -> int:
    """Remind the units that have not acknowledged (the office's button); once per unit and day."""
    require(actor, Action.NOTICE_ISSUE, notice.owner_unit)
    pending = [r.unit for r in notice.recipients.filter(acknowledged_at__isnull=True).select_related("unit")]
    return _notify_units(notice, pending, key=f"remind.{_today().isoformat()}")


def notice_reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Remind units that have not acknowledged: 24 hours before the deadline (or a day after issue
    when there is none), and once more when the deadline has passed. Each message once."""
    now = now or timezone.now()
    counts = {"notices": 0, "messages": 0}
    day = datetime.timedelta(days=1)
    with transaction.atomic():
        notices = (
            Notice.objects.filter(
                recipients__acknowledged_at__isnull=True, issued_at__gte=now - datetime.timedelta(days=60)
            )
            .distinct()
            .select_related("owner_unit")
        )
        for notice in notices:
            if notice.acknowledge_by is not None:
                if now >= notice.acknowledge_by:
                    key = "overdue"
                elif now >= notice.acknowledge_by - day:
                    key = "due"
                else:
                    continue
            elif now >= notice.issued_at + day:
                key = "due"
            else:
                continue
            pending = [
                r.unit for r in notice.recipients.filter(acknowledged_at__isnull=True).select_related("unit")
            ]
            counts["messages"] += _notify_units(notice, pending, key=key)
            counts["notices"] += 1
    return counts


@transaction.atomic
def plan_issue(
    *,
    actor: User,
    plan: WorkPlan,
    units: Sequence[Unit] = (),
    acknowledge_by: datetime.datetime | None = None,
) -> Notice:
    """Issue the plan (印发): it becomes fixed as issued and goes as a notice to the units (by default
    every village under the plan's unit) to acknowledge. The plan document is its attachment."""
    plan = _locked(plan)
    _require_manage(actor, plan)
    if plan.status == PlanStatus.ISSUED:
        raise InvalidTransition(_("The plan is already issued."))
    if not plan.tasks.exists():
        raise _refuse(_("Add the plan's measures (tasks) before issuing it."), "tasks", "no_tasks")
    if not plan.members.filter(body=Body.LEADING_GROUP, role=PlanRole.LEADER).exists():
        raise _refuse(_("Name the leading group before issuing the plan."), "members", "no_leading_group")
    plan.status = PlanStatus.ISSUED
    plan.issued_on = plan.issued_on or _today()
    plan.save(update_fields=["status", "issued_on", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=plan,
        unit=plan.owner_unit,
        changes={"status": [PlanStatus.DRAFT, PlanStatus.ISSUED]},
    )
    return notice_issue(
        actor=actor,
        owner_unit=plan.owner_unit,
        kind=NoticeKind.PLAN,
        title=_("Notice on issuing “%(title)s”") % {"title": plan.title},
        body=_("%(addressees)s: “%(title)s” is issued to you; please carry it out conscientiously.")
        % {"addressees": plan.addressees or _("All units"), "title": plan.title},
        units=list(units) or plan_villages(plan),
        acknowledge_by=acknowledge_by,
        plan=plan,
    )


# --- task evidence ----------------------------------------------------------------------------


def task_units(task: PlanTask) -> list[Unit]:
    return plan_villages(task.plan) if task.all_units else list(task.units.order_by("path"))


def evidence_add(
    *, actor: User, task: PlanTask, unit: Unit, upload: AttachmentIn, note: str = ""
) -> TaskEvidence:
    """A responsible unit sends a document as evidence for a task (type decided by content)."""
    from zhenwu.petitions.attachments import attachment_check

    require(actor, Action.TASK_REPORT, unit)
    if unit not in task_units(task):
        raise _refuse(
            _("%(unit)s is not responsible for this task.") % {"unit": unit.name}, "unit", "not_responsible"
        )
    if not WorkPlan.objects.filter(pk=task.plan_id, status=PlanStatus.ISSUED).exists():
        raise InvalidTransition(_("Evidence is sent for an issued plan."))
    kind = attachment_check(name=upload.name, data=upload.data)
    row = TaskEvidence(
        task=task,
        unit=unit,
        original_name=upload.name,
        content_type=kind.content_type,
        size=len(upload.data),
        note=note.strip(),
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    row.file.save(uuid.uuid4().hex + kind.extension, ContentFile(upload.data), save=False)
    try:
        with transaction.atomic():
            validated(row)
            row.save()
            audit_record(
                actor=actor, action=AuditAction.CREATE, obj=row, unit=unit, changes={"task": [None, task.pk]}
            )
    except BaseException:
        row.file.storage.delete(row.file.name)
        raise
    return row


# --- inspections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingIn:
    item_text: str
    result: str
    note: str = ""
    correction: str = ""
    correction_due: datetime.date | None = None
    item: ChecklistItem | None = None


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    unit: Unit,
    visited_on: datetime.date,
    inspectors: str,
    findings: Sequence[FindingIn],
    plan: WorkPlan | None = None,
    summary: str = "",
) -> Inspection:
    """Record an inspection visit with its findings; a problem needs the correction and its deadline."""
    if not user_can(actor, Action.PLAN_VIEW, unit):
        raise NotFound()  # a unit outside the inspector's scope is not revealed
    require(actor, Action.INSPECTION_MANAGE, unit)
    if plan is not None and not unit.is_descendant_of(plan.owner_unit):
        raise _refuse(_("The unit is not under the plan's unit."), "unit")
    if visited_on > _today():
        raise _refuse(_("An inspection is recorded after the visit."), "visited_on")
    if not inspectors.strip():
        raise _refuse(_("Name the inspectors."), "inspectors")
    if not findings:
        raise _refuse(_("Record what was checked."), "findings")
    if len(findings) > MAX_FINDINGS:
        raise _refuse(_("At most %(n)d findings.") % {"n": MAX_FINDINGS}, "findings")
    inspection = Inspection(
        plan=plan,
        unit=unit,
        visited_on=visited_on,
        inspectors=inspectors.strip(),
        summary=summary.strip(),
        recorded_by=actor,
    )
    validated(inspection)
    inspection.save()
    rows = []
    for order, data in enumerate(findings):
        prefix = _("Item %(n)d: ") % {"n": order + 1}
        if data.result not in FindingResult.values:
            raise _refuse(prefix + _("choose the result."), f"findings.{order}.result")
        if data.item is not None and (plan is None or data.item.plan_id != plan.pk):
            raise _refuse(prefix + _("the item is not on this plan's checklist."), f"findings.{order}.item")
        if data.result == FindingResult.PROBLEM:
            if not data.correction.strip():
                raise _refuse(prefix + _("say what must be corrected."), f"findings.{order}.correction")
            if data.correction_due is None or data.correction_due < visited_on:
                raise _refuse(
                    prefix + _("give a correction deadline after the visit."),
                    f"findings.{order}.correction_due",
                )
        row = InspectionFinding(
            inspection=inspection,
            item=data.item,
            item_text=(data.item_text.strip() or (data.item.text if data.item else "")),
            result=data.result,
            note=data.note.strip(),
            correction=data.correction.strip() if data.result == FindingResult.PROBLEM else "",
            correction_due=data.correction_due if data.result == FindingResult.PROBLEM else None,
            order=order,
        )
        try:
            validated(row)
        except ValidationFailed as exc:
            raise _refuse(prefix + str(exc.message), f"findings.{order}") from None
        rows.append(row)
    InspectionFinding.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=inspection,
        unit=unit,
        changes={
            "findings": [None, len(rows)],
            "problems": [None, sum(r.result == FindingResult.PROBLEM for r in rows)],
        },
    )
    return inspection


@transaction.atomic
def finding_correct(*, actor: User, finding: InspectionFinding, note: str) -> InspectionFinding:
    """The inspected unit reports a required correction done."""
    finding = (
        InspectionFinding.objects.select_for_update().select_related("inspection__unit").get(pk=finding.pk)
    )
    require(actor, Action.INSPECTION_CORRECT, finding.inspection.unit)
    if finding.result != FindingResult.PROBLEM:
        raise InvalidTransition(_("Nothing was required for this item."))
    if finding.corrected_at is not None:
        raise Conflict(_("This correction is recorded already."), code="already_corrected")
    if not note.strip():
        raise _refuse(_("Write what was corrected."), "note")
    finding.corrected_at = timezone.now()
    finding.corrected_by = actor
    finding.correction_note = note.strip()
    finding.save(update_fields=["corrected_at", "corrected_by", "correction_note"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=finding.inspection,
        unit=finding.inspection.unit,
        changes={"corrected": [None, finding.pk]},
    )
    return finding
