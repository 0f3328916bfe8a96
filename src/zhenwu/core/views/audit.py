"""The audit log page: read-only, filterable, scoped (oversight sees its units' events)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from zhenwu.core.forms import AuditFilterForm
from zhenwu.core.models import User
from zhenwu.core.scoping import Action
from zhenwu.core.selectors import audit_list
from zhenwu.core.views.common import paginate, request_user, require_action


@require_action(Action.AUDIT_VIEW)
def audit_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = AuditFilterForm(request.GET or None)
    events = audit_list(user=user).none()
    if not filters.is_bound or filters.is_valid():
        data = filters.cleaned_data if filters.is_bound else {}
        actor = None
        if data.get("actor"):
            # An unknown username matches nothing rather than everything.
            actor = User.objects.filter(username=data["actor"]).first() or User(pk=0)
        events = audit_list(
            user=user,
            actor=actor,
            action=data.get("action", ""),
            interface=data.get("interface", ""),
            object_type=data.get("object_type", ""),
            object_id=data.get("object_id", ""),
            since=data.get("since"),
            until=data.get("until"),
        )
    return render(
        request, "core/audit_list.html", {"filters": filters, "page_obj": paginate(request, events)}
    )


urlpatterns = [path("audit/", audit_list_view, name="audit_list")]
