"""The notices panel of the home dashboard: notices addressed to the user's unit not yet acknowledged.

Registered from ``PlansConfig.ready`` in place of the core placeholder ``notices_pending``. Two
bounded queries whatever the number of notices; each row has its acknowledge (签收) button.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import Role
from zhenwu.core.dashboard import Panel, register_panel
from zhenwu.core.models import User
from zhenwu.plans.selectors import pending_notices

PANEL_ROWS = 6


def notices_pending_panel(user: User) -> dict[str, Any]:
    pending = pending_notices(user=user)
    now = timezone.now()
    rows = list(pending[:PANEL_ROWS])
    return {
        "total": pending.count(),
        "rows": [
            {
                "recipient": r,
                "notice": r.notice,
                "overdue": r.notice.acknowledge_by is not None and r.notice.acknowledge_by < now,
            }
            for r in rows
        ],
    }


register_panel(
    Panel(
        "notices_pending",
        _("Notices awaiting acknowledgement"),
        "plans/panels/notices_pending.html",
        frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.REPORTER, Role.MEDIATOR}),
        notices_pending_panel,
    ),
    replace=True,
)
