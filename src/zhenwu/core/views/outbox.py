"""The outbox page: every recorded notification with its delivery state; dead messages can be retried."""

from dataclasses import dataclass

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhenwu.core.choices import Channel, OutboxStatus
from zhenwu.core.models import OutboxMessage
from zhenwu.core.notifications.selectors import mask_recipient, outbox_list
from zhenwu.core.notifications.services import outbox_retry
from zhenwu.core.scoping import Action, get_scoped
from zhenwu.core.views.common import paginate, request_user, require_action, run_and_redirect


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *OutboxStatus.choices],
        required=False,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[("", gettext_lazy("All")), *Channel.choices],
        required=False,
    )


@dataclass(frozen=True)
class OutboxRow:
    message: OutboxMessage
    recipient: str  # masked


@require_action(Action.OUTBOX_VIEW)
def outbox_list_view(request: HttpRequest) -> HttpResponse:
    filters = OutboxFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    messages_in_scope = outbox_list(
        user=request_user(request), status=data.get("status", ""), channel=data.get("channel", "")
    )
    page_obj = paginate(request, messages_in_scope)
    rows = [
        OutboxRow(message=message, recipient=mask_recipient(message.channel, message.recipient))
        for message in page_obj.object_list
        if isinstance(message, OutboxMessage)
    ]
    return render(request, "core/outbox_list.html", {"filters": filters, "page_obj": page_obj, "rows": rows})


def _back(request: HttpRequest) -> str:
    """The list page the retry came from (with its filters), if the given address is ours."""
    list_url = reverse("core:outbox_list")
    back = request.POST.get("back", "")
    if back.startswith(list_url) and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return back
    return list_url


@require_POST
@require_action(Action.OUTBOX_MANAGE)
def outbox_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_scoped(OutboxMessage.objects.all(), request_user(request), Action.OUTBOX_MANAGE, pk)
    return run_and_redirect(
        request,
        lambda: outbox_retry(actor=request_user(request), message=message),
        success=_("The message will be sent again."),
        to=_back(request),
    )


urlpatterns = [
    path("notifications/", outbox_list_view, name="outbox_list"),
    path("notifications/<int:pk>/retry/", outbox_retry_view, name="outbox_retry"),
]
