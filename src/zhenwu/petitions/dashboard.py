"""The petitions panel of the home dashboard: overdue matters first (Art. 44), then those due soon.

Registered from ``PetitionsConfig.ready`` in place of the core placeholder ``petitions_due``. The
context runs a fixed number of queries (one aggregate, two bounded slices), however many matters
the user's scope holds.
"""

import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import Role
from zhenwu.core.dashboard import Panel, register_panel
from zhenwu.core.models import User
from zhenwu.core.scoping import Action
from zhenwu.petitions.models import STAFF_STAGES
from zhenwu.petitions.selectors import petition_due_soon, petition_list, petition_overdue
from zhenwu.petitions.views import petition_due_info

#: "Due soon" on the dashboard: the staff deadline falls within this many days (today included).
DUE_SOON_DAYS = 3
#: Matters listed per group; the counts cover all of them.
PANEL_ROWS = 10
PANEL_FIELDS = (
    "id",
    "number",
    "summary",
    "channel",
    "stage",
    "due_on",
    "handling_unit__id",
    "handling_unit__name",
)
#: Every role: a village reporter or a mediator whose unit handles a matter holds its deadline too.
#: Each sees only the matters in their own scope.
PANEL_ROLES = frozenset(Role.values)


def _rows(queryset: Any, today: datetime.date) -> list[dict[str, Any]]:
    matters = queryset.select_related("handling_unit").only(*PANEL_FIELDS)[:PANEL_ROWS]
    return [{"petition": p, "due": petition_due_info(p, today)} for p in matters]


def petitions_due_panel(user: User) -> dict[str, Any]:
    """Counts of overdue, due-soon and deadline-pending matters in scope, and the first of each list."""
    today = timezone.localdate()
    scoped = petition_list(user=user, action=Action.PETITION_VIEW)
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    # Only the rows a count can include, found through the (stage, due_on) index: without this
    # narrowing every matter in scope is read (250 ms for a township of a 10^5-matter county).
    candidates = scoped.filter(Q(due_on__lte=horizon) | Q(due_on__isnull=True), stage__in=STAFF_STAGES)
    counts = candidates.aggregate(
        overdue=Count("id", filter=Q(due_on__lt=today)),
        due_soon=Count("id", filter=Q(due_on__gte=today)),
        pending=Count("id", filter=Q(due_on__isnull=True)),
    )
    return {
        "counts": counts,
        "overdue": _rows(petition_overdue(scoped, today=today), today),
        "due_soon": _rows(petition_due_soon(scoped, today=today, days=DUE_SOON_DAYS), today),
        "days": DUE_SOON_DAYS,
    }


register_panel(
    Panel(
        "petitions_due",
        _("Petitions due soon and overdue"),
        "petitions/panels/due.html",
        PANEL_ROLES,
        petitions_due_panel,
    ),
    replace=True,
)
