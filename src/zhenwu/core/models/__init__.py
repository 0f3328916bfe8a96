"""Models of the core app, one module per area."""

from .audit import AuditEvent
from .calendar import CalendarDay, CalendarYear
from .notifications import OutboxMessage, PeriodicSlot
from .people import ApiToken, User
from .units import Unit

__all__ = [
    "ApiToken",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "OutboxMessage",
    "PeriodicSlot",
    "Unit",
    "User",
]
