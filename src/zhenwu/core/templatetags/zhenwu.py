"""Template tags of the web shell: ``{% load zhenwu %}``."""

from typing import Any

from django import template
from django.core.paginator import Page
from django.http import HttpRequest

register = template.Library()


@register.simple_tag
def url_replace(request: HttpRequest, **changes: Any) -> str:
    """The current query string with ``changes`` applied, e.g. ``{% url_replace request page=3 %}``.

    A change to ``None`` or ``""`` removes the parameter; every other parameter (the list's
    filters) is kept, so paging through a filtered list stays filtered.
    """
    query = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def elided_pages(page_obj: Page[Any], on_each_side: int = 2, on_ends: int = 1) -> list[int | str]:
    """Page numbers around the current page with ``…`` gaps: ``{% elided_pages page_obj as pages %}``."""
    return list(
        page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=on_each_side, on_ends=on_ends)
    )


#: Audit actions whose ``changes`` hold field -> [before, after]; the others hold plain lists.
_BEFORE_AFTER_ACTIONS = frozenset({"create", "update", "transition", "move"})


@register.filter
def audit_change(values: Any, action: str) -> str:
    """One recorded change as text: ``before → after``, or just ``after`` for a value that was new."""
    if action in _BEFORE_AFTER_ACTIONS and isinstance(values, list) and len(values) == 2:
        before, after = values
        return str(after) if before is None else f"{before} → {after}"
    if isinstance(values, list):
        return ", ".join(str(v) for v in values)
    return str(values)
