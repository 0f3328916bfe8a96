"""Models of the reports app (报送): report types with versioned forms, schedules, slots, submissions.

The shape of the data:

* a ``ReportType`` (e.g. 每日情况报告) has numbered ``ReportFormVersion`` rows; changing the form adds
  a version, so an old submission is always read with the fields it was filled in against;
* a ``ReportSchedule`` says which units report that type, from when to when, on which days; its
  deadlines are ``DeadlineSet`` rows, each valid from a date, for all units or one unit: switching
  a unit to three reports a day from a date, and back, is two more rows;
* ``ReportSlot`` rows are the schedule materialised: one per unit and deadline. Missing reports
  are slots without a submission, and the dashboard is one indexed range scan over them;
* a ``ReportSubmission`` is what a unit reported for a slot. Before the deadline it is amended in
  place (every change audited); after it, a change is a new *correction* row and the original is
  kept. Exactly one submission of a slot is current.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhenwu.reports.choices import DayRule, SubmissionKind, Weekday


class ReportType(models.Model):
    """A kind of report units send (e.g. 每日情况报告), defined as data by an office."""

    owner_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("defined by"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit whose office defines and changes this report type."),
    )
    code = models.SlugField(
        verbose_name=_("code"),
        max_length=40,
        unique=True,
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
    )
    description = models.TextField(
        verbose_name=_("description"),
        blank=True,
    )
    is_active = models.BooleanField(
        verbose_name=_("active"),
        default=True,
    )
    #: The key of a registered ``reports.sources.DataSource``; not a choice list, as apps register them.
    source = models.CharField(
        verbose_name=_("data source"),
        max_length=60,
        blank=True,
        default="",
        help_text=_("Where the report's figures are counted from; reporters check them before submitting."),
    )
    current_version = models.PositiveIntegerField(
        verbose_name=_("current form version"),
        default=0,
        editable=False,
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("report type")
        verbose_name_plural = _("report types")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ReportFormVersion(models.Model):
    """One version of a report type's form: its fields, frozen once saved."""

    report_type = models.ForeignKey(
        ReportType,
        verbose_name=_("report type"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(
        verbose_name=_("version"),
    )
    #: [{"key", "label", "kind", "required", "help"}], in the order the form shows them.
    fields = models.JSONField(
        verbose_name=_("fields"),
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("report form version")
        verbose_name_plural = _("report form versions")
        ordering = ["report_type", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["report_type", "number"], name="reports_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report_type} v{self.number}"


class ReportSchedule(models.Model):
    """Which units report which type, in which period, on which days (deadlines: ``DeadlineSet``)."""

    owner_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("collected by"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit whose office collects these reports (usually the township)."),
    )
    report_type = models.ForeignKey(
        ReportType,
        verbose_name=_("report type"),
        on_delete=models.PROTECT,
        related_name="schedules",
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
    )
    starts_on = models.DateField(
        verbose_name=_("first day"),
    )
    ends_on = models.DateField(
        verbose_name=_("last day"),
    )
    day_rule = models.CharField(
        verbose_name=_("days"),
        max_length=16,
        choices=DayRule.choices,
        default=DayRule.EVERY_DAY,
    )
    weekday = models.PositiveSmallIntegerField(
        verbose_name=_("weekday"),
        choices=Weekday.choices,
        null=True,
        blank=True,
        help_text=_("For a weekly schedule: the day of the week the report is due."),
    )
    units = models.ManyToManyField(
        "core.Unit",
        verbose_name=_("reporting units"),
        related_name="report_schedules",
    )
    remind_before_minutes = models.PositiveSmallIntegerField(
        verbose_name=_("reminder before the deadline (minutes)"),
        default=30,
    )
    webhook_url = models.URLField(
        verbose_name=_("chat robot webhook"),
        max_length=500,
        blank=True,
        help_text=_("Optional: the office's group chat robot, told of missing reports and sent summaries."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["owner_unit", "starts_on"], name="reports_schedule_owner")]

    def __str__(self) -> str:
        return self.name


class DeadlineSet(models.Model):
    """The deadlines (local times of day) of a schedule from a date on, for all units or for one."""

    schedule = models.ForeignKey(
        ReportSchedule,
        verbose_name=_("schedule"),
        on_delete=models.CASCADE,
        related_name="deadline_sets",
    )
    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every unit of the schedule."),
    )
    effective_from = models.DateField(
        verbose_name=_("from"),
    )
    #: ["09:00", "17:00"]: sorted, distinct, Asia/Shanghai local times.
    times = models.JSONField(
        verbose_name=_("deadlines"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("deadline set")
        verbose_name_plural = _("deadline sets")
        ordering = ["schedule", "effective_from", "id"]

    def __str__(self) -> str:
        return f"{self.effective_from}: {', '.join(self.times)}"


class ReportSlot(models.Model):
    """One deadline of one unit in a schedule; ``submitted_at`` is the first submission's time."""

    schedule = models.ForeignKey(
        ReportSchedule,
        verbose_name=_("schedule"),
        on_delete=models.CASCADE,
        related_name="slots",
    )
    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="report_slots",
    )
    slot_on = models.DateField(
        verbose_name=_("day"),
    )
    due_at = models.DateTimeField(
        verbose_name=_("deadline"),
    )
    opens_at = models.DateTimeField(
        verbose_name=_("open from"),
        help_text=_("The unit's previous deadline in this schedule, or the start of the period."),
    )
    submitted_at = models.DateTimeField(
        verbose_name=_("first submitted at"),
        null=True,
        blank=True,
    )
    is_zero = models.BooleanField(
        verbose_name=_("nothing to report"),
        default=False,
    )
    revision = models.PositiveIntegerField(
        verbose_name=_("revision"),
        default=0,
        help_text=_("How many times this slot's report was saved (0: not yet)."),
    )
    reminded_at = models.DateTimeField(
        verbose_name=_("reminded at"),
        null=True,
        blank=True,
    )
    escalated_at = models.DateTimeField(
        verbose_name=_("reported missing at"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("report slot")
        verbose_name_plural = _("report slots")
        ordering = ["due_at", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "unit", "due_at"], name="reports_slot_once"),
        ]
        indexes = [
            models.Index(fields=["schedule", "due_at"], name="reports_slot_grid"),
            models.Index(fields=["unit", "due_at"], name="reports_slot_unit"),
            models.Index(fields=["due_at"], name="reports_slot_due"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} @ {self.due_at:%Y-%m-%d %H:%M}"


class ReportSubmission(models.Model):
    """What a unit reported for a slot: an original or a correction; one per slot is current."""

    slot = models.ForeignKey(
        ReportSlot,
        verbose_name=_("slot"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    form_version = models.ForeignKey(
        ReportFormVersion,
        verbose_name=_("form version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=12,
        choices=SubmissionKind.choices,
        default=SubmissionKind.ORIGINAL,
    )
    is_zero = models.BooleanField(
        verbose_name=_("nothing to report"),
        default=False,
    )
    values = models.JSONField(
        verbose_name=_("values"),
        default=dict,
        blank=True,
    )
    revision = models.PositiveIntegerField(
        verbose_name=_("revision"),
    )
    is_current = models.BooleanField(
        verbose_name=_("current"),
        default=True,
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(
        verbose_name=_("submitted at"),
    )
    updated_at = models.DateTimeField(
        verbose_name=_("last changed at"),
    )
    note = models.CharField(
        verbose_name=_("reason for the correction"),
        max_length=200,
        blank=True,
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["slot", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(is_current=True),
                name="reports_one_current_submission",
            ),
        ]
        indexes = [models.Index(fields=["slot", "is_current"], name="reports_submission_slot")]

    def __str__(self) -> str:
        return f"{self.slot} r{self.revision}"
