"""Enumerations of the duty app (值班)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Position(models.TextChoices):
    """The two positions of a duty shift."""

    LEADER = "leader", _("Leader on duty")
    OFFICER = "officer", _("Duty officer")


class RosterStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("roster status", "Draft")
    PUBLISHED = "published", pgettext_lazy("roster status", "Published")


class ShiftDays(models.TextChoices):
    """On which days a shift template applies (from the deadline engine's calendar)."""

    EVERY_DAY = "every_day", _("Every day")
    WORKING_DAYS = "working_days", _("Working days")
    REST_DAYS = "rest_days", _("Weekends and statutory holidays")


class AssignmentSource(models.TextChoices):
    """How a person came to be on a shift; everything but GENERATED is kept when regenerating."""

    GENERATED = "generated", _("Generated")
    MANUAL = "manual", _("Set by hand")
    SWAP = "swap", _("Swapped")
    TAKEOVER = "takeover", _("Taken over")


class SwapKind(models.TextChoices):
    SWAP = "swap", _("Swap two shifts")
    TAKEOVER = "takeover", _("Take over a shift")


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class LogKind(models.TextChoices):
    """What a duty log entry records."""

    CALL = "call", _("Call received")
    EVENT = "event", _("Event")
    ACTION = "action", _("Action taken")
    NOTE = "note", _("Note")
    CORRECTION = "correction", _("Correction")
