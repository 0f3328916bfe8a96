"""The safety panel of the home dashboard: unresolved hazards of my scope, overdue first.

Registered from ``SafetyConfig.ready`` in place of the core placeholder ``hazards_open``. Two bounded
queries whatever the number of hazards: the counts, and the first few rows.
"""

from typing import Any

from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import Role
from zhenwu.core.dashboard import Panel, register_panel
from zhenwu.core.models import User
from zhenwu.core.scoping import Action, role_allows
from zhenwu.safety.choices import HazardStatus
from zhenwu.safety.selectors import UNRESOLVED, hazard_list

PANEL_ROWS = 8


def hazards_open_panel(user: User) -> dict[str, Any]:
    today = timezone.localdate()
    overdue = Q(status=HazardStatus.OPEN, rectify_due__lt=today)
    unresolved = hazard_list(user=user).filter(status__in=UNRESOLVED)
    counts = unresolved.aggregate(
        unresolved=Count("id"),
        overdue=Count("id", filter=overdue),
        rectified=Count("id", filter=Q(status=HazardStatus.RECTIFIED)),
    )
    rows = list(
        unresolved.select_related("unit", "responsible_unit")
        .annotate(
            is_overdue=Case(
                When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by("-is_overdue", "rectify_due", "id")[:PANEL_ROWS]
    )
    return {
        "rows": rows,
        "counts": counts,
        "today": today,
        "can_report": role_allows(user, Action.HAZARD_REPORT),
    }


register_panel(
    Panel(
        "hazards_open",
        _("Open hazards"),
        "safety/panels/hazards_open.html",
        frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER, Role.OVERSIGHT}),
        hazards_open_panel,
    ),
    replace=True,
)
