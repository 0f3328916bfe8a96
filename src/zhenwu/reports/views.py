"""Staff pages of the reports app (placeholder until the pages land)."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from zhenwu.core.scoping import Action
from zhenwu.core.views.common import require_action


@require_action(Action.REPORT_VIEW)
def report_index_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


@require_action(Action.REPORT_VIEW)
def slot_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("")


urlpatterns: list[URLPattern] = [
    path("", report_index_view, name="index"),
    path("slots/<int:pk>/", slot_detail_view, name="slot_detail"),
]
