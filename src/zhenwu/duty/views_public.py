"""The public page of leader reception days (领导接访日), under /public/reception/ (no sign-in).

It lists the published receptions from today on, grouped by township: the day, the time, the
receiving leader's name and position, the place and the matters received. It names no resident and
nothing registered at a reception. A cancelled reception stays on the page, marked as cancelled, so
that nobody comes in vain. ``?unit=<code>`` narrows the page to one township (or any unit) and what
lies below it; the page prints on A4.
"""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_safe

from zhenwu.core.choices import UnitKind
from zhenwu.core.models import Unit
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.duty.models import ReceptionDay
from zhenwu.duty.selectors import public_receptions

#: Receptions per page: a county's month of receptions fits on one page.
PER_PAGE = 200
#: Units a reception is grouped under: the township it belongs to (or the county itself).
GROUP_KINDS = (UnitKind.TOWNSHIP, UnitKind.COUNTY)


@dataclass
class TownshipGroup:
    unit: Unit
    receptions: list[ReceptionDay] = field(default_factory=list)


def _groups(receptions: list[ReceptionDay]) -> list[TownshipGroup]:
    """Receptions under the township (or county) their unit belongs to; one query for the townships."""
    wanted: set[str] = set()
    for reception in receptions:
        if reception.unit.kind not in GROUP_KINDS:
            wanted.update(reception.unit.ancestor_paths())
    above = {unit.path: unit for unit in Unit.objects.filter(path__in=wanted, kind__in=GROUP_KINDS)}
    groups: dict[int, TownshipGroup] = {}
    for reception in receptions:
        home = reception.unit
        if home.kind not in GROUP_KINDS:
            # The nearest township (or county) above the unit; the unit itself when there is none.
            home = next((above[p] for p in reversed(home.ancestor_paths()) if p in above), home)
        groups.setdefault(home.pk, TownshipGroup(home)).receptions.append(reception)
    return sorted(groups.values(), key=lambda group: group.unit.path)


def _townships() -> list[Unit]:
    return list(Unit.objects.active().filter(kind=UnitKind.TOWNSHIP).order_by("path"))


@require_safe
def reception_index_view(request: HttpRequest) -> HttpResponse:
    code = str(request.GET.get("unit", "")).strip()
    chosen: Unit | None = None
    rows = public_receptions()
    if code:
        chosen = Unit.objects.active().filter(code=code).first()
        if chosen is None:
            raise Http404
        rows = rows.filter(unit_subtree_q(chosen.path, prefix="unit__"))
    page_obj: Page[ReceptionDay] = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    receptions = list(page_obj.object_list)
    return render(
        request,
        "duty/public/index.html",
        {
            "groups": _groups(receptions),
            "townships": _townships(),
            "chosen": chosen,
            "page_obj": page_obj,
            "today": timezone.localdate(),
        },
    )


urlpatterns: list[URLPattern] = [
    path("", reception_index_view, name="index"),
]
