"""The disputes panel of the home dashboard: disputes in mediation (overdue first) and follow-ups due.

Registered from ``MediationConfig.ready`` in place of the core placeholder ``disputes``. Three
bounded queries whatever the number of disputes.
"""

from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import Role
from zhenwu.core.dashboard import Panel, register_panel
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import User
from zhenwu.mediation.choices import DisputeStatus
from zhenwu.mediation.selectors import dispute_list, follow_ups_due

PANEL_ROWS = 6


def disputes_panel(user: User) -> dict[str, Any]:
    today = beijing_date(timezone.now())
    in_mediation = dispute_list(user=user).filter(status=DisputeStatus.ACCEPTED)
    counts = in_mediation.aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))
    # The earliest target date first: overdue disputes lead the list.
    disputes = list(
        in_mediation.select_related("handling_unit", "kind").order_by(F("due_on").asc(nulls_last=True), "id")[
            :PANEL_ROWS
        ]
    )
    follow_ups = list(follow_ups_due(user=user, today=today)[:PANEL_ROWS])
    return {
        "counts": counts,
        "disputes": [{"dispute": d, "overdue": d.due_on is not None and d.due_on < today} for d in disputes],
        "follow_ups": [{"follow_up": f, "overdue": f.due_on < today} for f in follow_ups],
    }


register_panel(
    Panel(
        "disputes",
        _("Disputes in mediation"),
        "mediation/panels/disputes.html",
        frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.MEDIATOR, Role.OVERSIGHT}),
        disputes_panel,
    ),
    replace=True,
)
