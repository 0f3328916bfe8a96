"""A matter's status badge and due date, written in Python: they are drawn in every row of the
ledger, and ``{% include %}`` of a small template per cell cost about half the ledger's rendering
time (``make bench``: 50 rows, two includes each)."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from zhenwu.petitions.choices import Status

register = template.Library()

#: Finished matters: the badge is muted; a matter waiting for acceptance: a warning.
MUTED = frozenset({Status.DECLINED, Status.CLOSED, Status.RE_REVIEWED})


@register.simple_tag
def status_badge(petition: Any) -> SafeString:
    """``<span class="badge …">`` with the status's label."""
    if petition.status in MUTED:
        kind = "badge-muted"
    elif petition.status == Status.REGISTERED:
        kind = "badge-warn"
    else:
        kind = "badge-ok"
    return format_html('<span class="badge {}">{}</span>', kind, petition.get_status_display())


@register.simple_tag
def due_badge(due: Any) -> SafeString:
    """The running deadline (``views.DueInfo``): date and state, "pending", or a dash."""
    if due.due_on:
        day = due.due_on.isoformat()
        html = format_html('<time datetime="{}">{}</time>', day, day)
        if due.state:
            html += format_html(' <span class="badge {}">{}</span>', due.badge, due.state_label)
        return html
    if due.pending:
        return format_html(
            '<span class="badge badge-warn" title="{}">{}</span>',
            gettext("The holidays of that year are not known yet."),
            gettext("Deadline pending"),
        )
    return SafeString("—")
