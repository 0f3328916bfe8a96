"""Models of the plans app: work plans → tasks → evidence → scores, notices and inspections.

* ``WorkPlan`` with its period, leading group and office (``PlanMember``), working groups and measures
  (``PlanTask``, each for all villages or named units, due once or recurring, with what counts as
  evidence), and an inspection checklist (``ChecklistItem``). The plan's document (印发通知 with the
  plan attached) is rendered from these rows, so editing the plan and regenerating gives new text.
* ``Notice`` issued to units (``NoticeRecipient``): a unit acknowledges (签收) with person and time;
  reading never counts as acknowledging.
* ``TaskEvidence``: documents a unit uploads for a task (the other kinds of evidence are found in the
  data: reports, rosters, ledger records).
* ``Inspection`` (督查) of a unit with its ``InspectionFinding`` rows and the corrections required.
* ``Assessment`` (考核) of a plan's period: the weights, and ``AssessmentScore`` rows that keep each
  unit's score with its derivation as computed at the time.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhenwu.plans.choices import (
    Body,
    EvidenceKind,
    FindingResult,
    NoticeKind,
    PlanRole,
    PlanStatus,
    RecordSource,
    Recurrence,
)


class WorkPlan(models.Model):
    owner_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=pgettext_lazy("unit", "issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(verbose_name=_("title"), max_length=200)
    issuer = models.CharField(
        verbose_name=_("issuing bodies"),
        max_length=200,
        help_text=_("As in the red header, e.g. 中共河坝镇委员会 河坝镇人民政府."),
    )
    doc_number = models.CharField(
        verbose_name=_("document number"), max_length=60, blank=True, help_text=_("E.g. 镇发〔2026〕3号.")
    )
    issued_on = models.DateField(verbose_name=_("dated"), null=True, blank=True)
    starts_on = models.DateField(verbose_name=_("period from"))
    ends_on = models.DateField(verbose_name=_("period until"))
    background = models.TextField(
        verbose_name=_("background"),
        max_length=10000,
        blank=True,
        help_text=_("Paragraphs separated by blank lines."),
    )
    goals = models.TextField(verbose_name=_("goals"), max_length=10000, blank=True)
    addressees = models.CharField(
        verbose_name=_("addressees (主送)"),
        max_length=300,
        blank=True,
        help_text=_("E.g. 各村（社区），镇直各单位."),
    )
    cc = models.CharField(verbose_name=_("copied to (抄送)"), max_length=300, blank=True)
    signature = models.CharField(verbose_name=_("signed by"), max_length=200, blank=True)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["owner_unit", "-starts_on"], name="plan_owner_period")]

    def __str__(self) -> str:
        return self.title


class PlanMember(models.Model):
    """A person of the leading group or of its office, with their post (职务)."""

    plan = models.ForeignKey(
        WorkPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="members"
    )
    body = models.CharField(
        verbose_name=pgettext_lazy("plan member", "body"), max_length=16, choices=Body.choices
    )
    role = models.CharField(verbose_name=_("role"), max_length=10, choices=PlanRole.choices)
    name = models.CharField(verbose_name=_("name"), max_length=50)
    post = models.CharField(
        verbose_name=_("post"), max_length=100, blank=True, help_text=_("E.g. 镇党委书记.")
    )
    order = models.PositiveSmallIntegerField(verbose_name=_("order"), default=0)

    class Meta:
        verbose_name = _("plan member")
        verbose_name_plural = _("plan members")
        ordering = ["plan", "body", "order", "id"]

    def __str__(self) -> str:
        return self.name


class WorkingGroup(models.Model):
    plan = models.ForeignKey(
        WorkPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField(verbose_name=_("name"), max_length=100)
    lead = models.CharField(verbose_name=_("led by"), max_length=100)
    members = models.CharField(verbose_name=_("members"), max_length=500, blank=True)
    duties = models.TextField(verbose_name=_("duties"), max_length=3000)
    order = models.PositiveSmallIntegerField(verbose_name=_("order"), default=0)

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return self.name


class PlanTask(models.Model):
    """A measure every responsible unit must carry out, and what counts as having done it."""

    plan = models.ForeignKey(WorkPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveSmallIntegerField(verbose_name=_("order"), default=0)
    title = models.CharField(verbose_name=_("measure"), max_length=200)
    description = models.TextField(verbose_name=_("what to do"), max_length=5000, blank=True)
    all_units = models.BooleanField(
        verbose_name=_("all villages"),
        default=False,
        help_text=_("Every village and community under the plan's unit."),
    )
    units = models.ManyToManyField(
        "core.Unit", verbose_name=_("responsible units"), blank=True, related_name="+"
    )
    due_on = models.DateField(verbose_name=_("due on"), null=True, blank=True)
    recurrence = models.CharField(
        verbose_name=_("recurrence"), max_length=10, choices=Recurrence.choices, default=Recurrence.ONCE
    )
    evidence = models.CharField(verbose_name=_("evidence"), max_length=16, choices=EvidenceKind.choices)
    report_type = models.ForeignKey(
        "reports.ReportType",
        verbose_name=_("report type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    record_source = models.CharField(
        verbose_name=_("ledger"), max_length=20, choices=RecordSource.choices, blank=True
    )
    min_count = models.PositiveIntegerField(
        verbose_name=_("at least"),
        default=1,
        help_text=_("Records needed (per week or month when recurring)."),
    )

    class Meta:
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return self.title


class ChecklistItem(models.Model):
    """An item the inspectors check on a visit (from the plan's measures, or added)."""

    plan = models.ForeignKey(
        WorkPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="checklist"
    )
    text = models.CharField(verbose_name=_("item"), max_length=300)
    order = models.PositiveSmallIntegerField(verbose_name=_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return self.text


class TaskEvidence(models.Model):
    """A document a unit uploads as evidence for a task (checked by content, served in scope)."""

    task = models.ForeignKey(
        PlanTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="evidence_files"
    )
    unit = models.ForeignKey("core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    file = models.FileField(verbose_name=_("file"), upload_to="plans/evidence/%Y/%m/")
    original_name = models.CharField(verbose_name=_("file name"), max_length=200)
    content_type = models.CharField(verbose_name=_("content type"), max_length=100)
    size = models.PositiveIntegerField(verbose_name=_("size (bytes)"))
    note = models.CharField(verbose_name=_("note"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(verbose_name=_("submitted at"))

    class Meta:
        verbose_name = _("task evidence")
        verbose_name_plural = _("task evidence")
        ordering = ["task", "unit", "submitted_at", "id"]
        indexes = [models.Index(fields=["task", "unit"], name="evidence_task_unit")]

    def __str__(self) -> str:
        return self.original_name


class Notice(models.Model):
    owner_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=pgettext_lazy("unit", "issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=12, choices=NoticeKind.choices)
    title = models.CharField(verbose_name=_("title"), max_length=200)
    body = models.TextField(verbose_name=_("text"), max_length=20000)
    plan = models.ForeignKey(
        WorkPlan,
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
    )
    acknowledge_by = models.DateTimeField(verbose_name=_("acknowledge by"), null=True, blank=True)
    issued_at = models.DateTimeField(verbose_name=_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("person", "issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["owner_unit", "-issued_at"], name="notice_owner_time")]

    def __str__(self) -> str:
        return self.title


class NoticeRecipient(models.Model):
    """One addressed unit of a notice: read (opened) and acknowledged (签收) are different things."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="recipients"
    )
    unit = models.ForeignKey("core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    first_read_at = models.DateTimeField(verbose_name=_("first opened at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(verbose_name=_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("notice recipient")
        verbose_name_plural = _("notice recipients")
        ordering = ["notice", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["notice", "unit"], name="notice_recipient_unique")]
        indexes = [models.Index(fields=["unit", "acknowledged_at"], name="recipient_unit_ack")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.unit_id}"


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(verbose_name=_("file"), upload_to="plans/notices/%Y/%m/")
    original_name = models.CharField(verbose_name=_("file name"), max_length=200)
    content_type = models.CharField(verbose_name=_("content type"), max_length=100)
    size = models.PositiveIntegerField(verbose_name=_("size (bytes)"))
    uploaded_at = models.DateTimeField(verbose_name=_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice attachment")
        verbose_name_plural = _("notice attachments")
        ordering = ["notice", "id"]

    def __str__(self) -> str:
        return self.original_name


class Inspection(models.Model):
    """An inspection visit (督查) to a unit, with its findings and the corrections required."""

    plan = models.ForeignKey(
        WorkPlan,
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
    )
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("unit inspected"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(verbose_name=_("visited on"))
    inspectors = models.CharField(verbose_name=_("inspectors"), max_length=300)
    summary = models.TextField(
        verbose_name=pgettext_lazy("inspection", "summary"), max_length=5000, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["unit", "-visited_on"], name="inspection_unit_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.visited_on}"


class InspectionFinding(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings"
    )
    item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("checklist item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    item_text = models.CharField(verbose_name=_("item"), max_length=300)
    result = models.CharField(verbose_name=_("result"), max_length=10, choices=FindingResult.choices)
    note = models.TextField(
        verbose_name=pgettext_lazy("inspection", "what was found"), max_length=3000, blank=True
    )
    correction = models.TextField(verbose_name=_("correction required"), max_length=3000, blank=True)
    correction_due = models.DateField(verbose_name=_("correct by"), null=True, blank=True)
    corrected_at = models.DateTimeField(verbose_name=_("corrected at"), null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    correction_note = models.TextField(verbose_name=_("what was corrected"), max_length=3000, blank=True)
    order = models.PositiveSmallIntegerField(verbose_name=_("order"), default=0)

    class Meta:
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")
        ordering = ["inspection", "order", "id"]

    def __str__(self) -> str:
        return self.item_text


class Assessment(models.Model):
    """The scoring of a plan's period: weights (percent, adding up to 100) and the scores computed."""

    plan = models.ForeignKey(
        WorkPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="assessments"
    )
    weights = models.JSONField(verbose_name=_("weights"))
    computed_at = models.DateTimeField(verbose_name=_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("computed by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.computed_at:%Y-%m-%d %H:%M}"


class AssessmentScore(models.Model):
    """One unit's score with its derivation: ``parts`` lists every component as computed."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="scores"
    )
    unit = models.ForeignKey("core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(verbose_name=_("score"), max_digits=6, decimal_places=2, default=Decimal("0"))
    rank = models.PositiveIntegerField(verbose_name=_("rank"), default=0)
    parts = models.JSONField(verbose_name=_("derivation"), default=list)

    class Meta:
        verbose_name = _("assessment score")
        verbose_name_plural = _("assessment scores")
        ordering = ["assessment", "rank", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["assessment", "unit"], name="assessment_score_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.total}"
