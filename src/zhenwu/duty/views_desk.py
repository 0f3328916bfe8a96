"""Staff pages of the duty app (placeholder until the pages land)."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from zhenwu.core.scoping import Action
from zhenwu.core.views.common import require_action


@require_action(Action.DUTY_VIEW)
def duty_desk_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


@require_action(Action.DUTY_VIEW)
def shift_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("")


urlpatterns: list[URLPattern] = [
    path("", duty_desk_view, name="desk"),
    path("shifts/<int:pk>/", shift_detail_view, name="shift_detail"),
]
