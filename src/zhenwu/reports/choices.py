"""Enumerations of the reports app (报送)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FieldKind(models.TextChoices):
    """What one field of a report form holds."""

    COUNT = "count", _("Count")
    NUMBER = "number", pgettext_lazy("report field kind", "Number")
    YES_NO = "yes_no", _("Yes / no")
    TEXT = "text", _("Short text")


class DayRule(models.TextChoices):
    """On which days a schedule's deadlines fall."""

    EVERY_DAY = "every_day", _("Every day, holidays included")
    WORKING_DAYS = "working_days", _("Working days (statutory holidays and weekends off, 调休 days on)")
    WEEKLY = "weekly", _("Once a week")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class SubmissionKind(models.TextChoices):
    ORIGINAL = "original", _("Report")
    CORRECTION = "correction", _("Correction after the deadline")


class SlotState(models.TextChoices):
    """Where a unit stands for one deadline; computed from the deadline and the first submission."""

    ON_TIME = "on_time", pgettext_lazy("report state", "On time")
    LATE = "late", pgettext_lazy("report state", "Late")
    MISSING = "missing", pgettext_lazy("report state", "Missing")
    OPEN = "open", pgettext_lazy("report state", "Not yet due")
