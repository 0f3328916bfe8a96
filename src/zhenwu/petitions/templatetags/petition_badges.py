"""A matter's status badge and due date, written in Python: they are drawn in every row of the
ledger, and ``{% include %}`` of a small template per cell cost about half the ledger's rendering
time (``make bench``: 50 rows, two includes each). The badges' HTML is kept per status (or
deadline state) and language, so a row costs a dictionary lookup instead of a translation and an
escape per cell."""

import functools
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from zhenwu.core.deadlines import DeadlineState
from zhenwu.petitions.choices import Status

register = template.Library()

#: Finished matters: the badge is muted; a matter waiting for acceptance: a warning.
MUTED = frozenset({Status.DECLINED, Status.CLOSED, Status.RE_REVIEWED})

#: The deadline states' badge classes.
STATE_BADGES = {
    DeadlineState.OK: "badge-ok",
    DeadlineState.DUE_SOON: "badge-warn",
    DeadlineState.DUE_TODAY: "badge-warn",
    DeadlineState.OVERDUE: "badge-danger",
}


@functools.lru_cache(maxsize=256)
def _status_html(status: str, language: str | None) -> SafeString:
    if status in MUTED:
        kind = "badge-muted"
    elif status == Status.REGISTERED:
        kind = "badge-warn"
    else:
        kind = "badge-ok"
    # ``Status(…).label`` rather than the model's ``get_status_display()``: Django's method rebuilds
    # a dict of every choice (translating each label) on each call.
    label = Status(status).label if status in Status.values else status
    return format_html('<span class="badge {}">{}</span>', kind, label)


@functools.lru_cache(maxsize=64)
def _state_html(state: DeadlineState, language: str | None) -> SafeString:
    kind = STATE_BADGES.get(state, "badge-muted")
    return format_html(' <span class="badge {}">{}</span>', kind, state.label)


@functools.lru_cache(maxsize=16)
def _pending_html(language: str | None) -> SafeString:
    return format_html(
        '<span class="badge badge-warn" title="{}">{}</span>',
        gettext("The holidays of that year are not known yet."),
        gettext("Deadline pending"),
    )


@register.simple_tag
def status_badge(petition: Any) -> SafeString:
    """``<span class="badge …">`` with the status's label."""
    return _status_html(str(petition.status), get_language())


@register.simple_tag
def due_badge(due: Any) -> SafeString:
    """The running deadline (``views.DueInfo``): date and state, "pending", or a dash."""
    if due.due_on:
        day = escape(due.due_on.isoformat())
        html = f'<time datetime="{day}">{day}</time>'
        if due.state:
            html += _state_html(due.state, get_language())
        return SafeString(html)
    if due.pending:
        return _pending_html(get_language())
    return SafeString("—")
