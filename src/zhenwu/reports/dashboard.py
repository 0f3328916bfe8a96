"""The reports panel of the home dashboard: what my units must report now, and today's late/missing.

Registered from ``ReportsConfig.ready`` in place of the core placeholder ``reports_due``. Three
bounded queries whatever the number of units.
"""

from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import Role
from zhenwu.core.dashboard import Panel, register_panel
from zhenwu.core.models import User
from zhenwu.core.scoping import Action, role_allows
from zhenwu.reports.selectors import due_between, slot_list, slot_state, slots_for_reporter

PANEL_ROWS = 8


def reports_due_panel(user: User) -> dict[str, Any]:
    now = timezone.now()
    today = timezone.localdate()
    due = slots_for_reporter(user=user, now=now, limit=PANEL_ROWS)
    counts = (
        slot_list(user=user)
        .filter(**due_between(today, today))
        .aggregate(
            expected=Count("id"),
            missing=Count("id", filter=Q(submitted_at__isnull=True, due_at__lt=now)),
            late=Count("id", filter=Q(submitted_at__isnull=False, submitted_at__gt=F("due_at"))),
            reported=Count("id", filter=Q(submitted_at__isnull=False)),
        )
    )
    return {
        "due": [{"slot": slot, "state": slot_state(slot, now)} for slot in due],
        "counts": counts,
        "can_submit": role_allows(user, Action.REPORT_SUBMIT),
    }


register_panel(
    Panel(
        "reports_due",
        _("Reports due today"),
        "reports/panels/due.html",
        frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER}),
        reports_due_panel,
    ),
    replace=True,
)
