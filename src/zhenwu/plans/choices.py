"""Enumerations of the plans app (工作方案、通知签收、督查考核)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlanStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("plan status", "Draft")
    ISSUED = "issued", pgettext_lazy("plan status", "Issued")


class Body(models.TextChoices):
    """Which body of the plan a person belongs to."""

    LEADING_GROUP = "leading_group", _("Leading group")
    OFFICE = "office", _("Leading group's office")


class PlanRole(models.TextChoices):
    LEADER = "leader", _("Group leader (组长)")
    DEPUTY = "deputy", _("Deputy group leader (副组长)")
    MEMBER = "member", pgettext_lazy("plan role", "Member (成员)")
    DIRECTOR = "director", _("Office director (办公室主任)")
    LIAISON = "liaison", _("Liaison (联络员)")


#: Which roles belong to which body.
BODY_ROLES = {
    Body.LEADING_GROUP: (PlanRole.LEADER, PlanRole.DEPUTY, PlanRole.MEMBER),
    Body.OFFICE: (PlanRole.DIRECTOR, PlanRole.LIAISON, PlanRole.MEMBER),
}


class Recurrence(models.TextChoices):
    ONCE = "once", _("Once, by the due date")
    WEEKLY = "weekly", _("Every week of the period")
    MONTHLY = "monthly", _("Every month of the period")


class EvidenceKind(models.TextChoices):
    """What counts as evidence that a unit carried out a task."""

    REPORT = "report", _("Reports of a report type submitted on time")
    ROSTER = "roster", _("A duty roster published for the period")
    DOCUMENT = "document", _("A document uploaded by the unit")
    RECORD_COUNT = "record_count", _("Records in a ledger (patrols, hazards, disputes)")


class RecordSource(models.TextChoices):
    """The ledgers whose records can count as a task's evidence."""

    PATROLS = "patrols", _("Patrol records")
    HAZARDS = "hazards", _("Hazards found")
    HAZARDS_RECTIFIED = "hazards_rectified", _("Hazards rectified and verified")
    DISPUTES = "disputes", _("Disputes registered (排查)")
    FOLLOW_UPS = "follow_ups", _("Follow-up visits made")


class TaskState(models.TextChoices):
    DONE = "done", pgettext_lazy("task state", "Done")
    IN_PROGRESS = "in_progress", pgettext_lazy("task state", "In progress")
    OVERDUE = "overdue", pgettext_lazy("task state", "Overdue")


class NoticeKind(models.TextChoices):
    PLAN = "plan", _("Work plan")
    MEETING = "meeting", _("Meeting notice")
    INSTRUCTION = "instruction", _("Instruction")


class FindingResult(models.TextChoices):
    OK = "ok", _("In order")
    PROBLEM = "problem", _("Problem found")


class Component(models.TextChoices):
    """The parts of a unit's assessment score, each computed from data (``assessment.py``)."""

    REPORT_TIMELINESS = "report_timeliness", _("Reports on time")
    PETITIONS_ON_TIME = "petitions_on_time", _("Petition matters answered on time")
    PETITION_SATISFACTION = "petition_satisfaction", _("Satisfaction with the answers")
    HAZARDS_ON_TIME = "hazards_on_time", _("Hazards rectified on time")
    DISPUTES_FOLLOWED_UP = "disputes_followed_up", _("Disputes mediated and followed up")
    TASKS_DONE = "tasks_done", _("Plan tasks done with evidence")
    INSPECTION_CORRECTIONS = "inspection_corrections", _("Inspection findings corrected on time")
    DUTY_SIGN_ON = "duty_sign_on", _("Duty sign-on rate")
