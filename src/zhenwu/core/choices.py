"""Enumerations of the core app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")
    COMMUNITY = "community", _("Community")
    OFFICE = "office", _("Office")
    STATION = "station", _("Station")


class Role(models.TextChoices):
    """What a staff account may do; where it may do it is decided by its unit (see scoping.py)."""

    ADMIN = "admin", _("Administrator")
    OFFICE = "office", _("Township office staff")
    LEADER = "leader", _("Leader")
    REPORTER = "reporter", _("Unit reporter")
    MEDIATOR = "mediator", _("Mediator")
    OVERSIGHT = "oversight", _("Oversight (read-only)")


class Interface(models.TextChoices):
    """Through which door a change came in; recorded on every audit event."""

    WEB = "web", _("Web page")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    TASK = "task", _("Background task")
    SYSTEM = "system", _("System")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    TRANSITION = "transition", _("State changed")
    MOVE = "move", _("Moved")
    VIEW_PERSONAL = "view_personal", _("Viewed personal details")
    DENIED = "denied", _("Permission refused")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOGOUT = "logout", _("Logged out")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Statutory holiday (rest day)")
    WORKDAY = "workday", _("Adjusted working day")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Chat robot webhook")
    SMS = "sms", _("SMS")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Waiting to retry")
    DEAD = "dead", _("Failed permanently")
