"""The "on duty now" panel of the home dashboard: who is on duty in my units now and next, with phones.

Registered from ``DutyConfig.ready`` in place of the core placeholder ``duty_now``. A fixed number
of queries (the duty desk's four), however many units the user's scope holds.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from zhenwu.core.dashboard import Panel, register_panel
from zhenwu.core.models import User
from zhenwu.duty.selectors import duty_desk, my_shifts

PANEL_UNITS = 6


def duty_now_panel(user: User) -> dict[str, Any]:
    rows = duty_desk(user=user)
    return {
        "rows": rows[:PANEL_UNITS],
        "more": max(len(rows) - PANEL_UNITS, 0),
        "mine": my_shifts(user=user, limit=3),
    }


register_panel(
    Panel("duty_now", _("On duty now"), "duty/panels/duty_now.html", None, duty_now_panel),
    replace=True,
)
