"""Notices (通知) and their acknowledgement (签收): the list, a new notice, one notice with its
recipients (units that have not acknowledged first), acknowledging, reminding, attachments.

Opening a notice as a person of an addressed unit records that the unit read it (a GET that writes,
through ``services.notice_mark_read``: idempotent bookkeeping); reading is never acknowledging,
which is its own button.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zhenwu.core.downloads import protect_stored_file
from zhenwu.core.exceptions import DomainError, NotFound, PermissionRefused
from zhenwu.core.scoping import Action, role_allows, scope_q, user_can
from zhenwu.core.views.common import paginate, request_user, require_action
from zhenwu.plans import services
from zhenwu.plans.forms import NoticeForm
from zhenwu.plans.models import Notice, NoticeAttachment, NoticeRecipient
from zhenwu.plans.selectors import access_notice, notice_recipients, notice_rows, pending_notices
from zhenwu.plans.views import GET_POST, form_page, submit


def safe_next(request: HttpRequest, default: str) -> str:
    """``next`` from the POST when it is a path on this site, else ``default`` (no open redirect)."""
    target = str(request.POST.get("next", ""))
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=set()):
        return target
    return default


@dataclass(frozen=True)
class NoticeRow:
    notice: Notice
    pending_for_me: bool  # addressed to the user's unit and not yet acknowledged


@require_safe
@require_action(Action.PLAN_VIEW)
def notice_list_view(request: HttpRequest) -> HttpResponse:
    """Notices issued in the user's scope or addressed to it, with how many units acknowledged."""
    user = request_user(request)
    page_obj = paginate(request, notice_rows(user=user))
    notices = [n for n in page_obj if isinstance(n, Notice)]
    pending = set(
        pending_notices(user=user)
        .filter(notice__in=[n.pk for n in notices])
        .values_list("notice_id", flat=True)
    )
    return render(
        request,
        "plans/notice_list.html",
        {
            "page_obj": page_obj,
            "rows": [NoticeRow(n, n.pk in pending) for n in notices],
            "can_issue": role_allows(user, Action.NOTICE_ISSUE) and user.unit is not None,
        },
    )


@require_http_methods(GET_POST)
@require_action(Action.NOTICE_ISSUE)
def notice_new_view(request: HttpRequest) -> HttpResponse:
    """A notice of the user's unit to units under it, with attachments; each unit is asked to acknowledge."""
    user = request_user(request)
    owner = user.unit
    if owner is None:
        raise PermissionRefused()
    posted = request.method == "POST"
    form = NoticeForm(request.POST if posted else None, request.FILES if posted else None, owner=owner)
    status = 200
    if form.is_bound:
        done = submit(
            form,
            lambda: services.notice_issue(
                actor=user,
                owner_unit=owner,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                units=list(form.cleaned_data["units"]),
                acknowledge_by=form.cleaned_data["acknowledge_by"],
                attachments=form.cleaned_data["attachments"],
            ),
            aliases={"file": "attachments"},
        )
        if done.ok:
            messages.success(request, _("The notice is issued; the units are asked to acknowledge it."))
            return redirect("plans:notice", pk=done.result.pk)
        status = done.status
    return form_page(
        request,
        form,
        title=gettext_lazy("New notice"),
        submit_label=gettext_lazy("Issue the notice"),
        status=status,
        multipart=True,
        back=reverse("plans:notices"),
    )


@require_safe
@require_action(Action.PLAN_VIEW)
def notice_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice, its attachments and its recipients: who has not acknowledged comes first."""
    user = request_user(request)
    notice = access_notice(user, pk)
    mine = services.notice_mark_read(actor=user, notice=notice)  # None: the user's unit is not addressed
    recipients = notice_recipients(notice)
    if not user_can(user, Action.PLAN_VIEW, notice.owner_unit):
        # An addressed unit sees its own row, not how the other units are doing.
        recipients = recipients.filter(scope_q(user, Action.PLAN_VIEW))
    counts = recipients.aggregate(
        addressed=Count("id"), acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False))
    )
    page_obj = paginate(
        request, recipients.order_by(F("acknowledged_at").asc(nulls_first=True), "unit__path")
    )
    is_issuer = user_can(user, Action.NOTICE_ISSUE, notice.owner_unit)
    return render(
        request,
        "plans/notice_detail.html",
        {
            "notice": notice,
            "attachments": list(notice.attachments.all()),
            "page_obj": page_obj,
            "recipients": [r for r in page_obj if isinstance(r, NoticeRecipient)],
            "counts": counts,
            "pending": counts["addressed"] - counts["acknowledged"],
            "mine": mine,
            "can_acknowledge": mine is not None
            and mine.acknowledged_at is None
            and role_allows(user, Action.NOTICE_ACKNOWLEDGE),
            "can_remind": is_issuer,
        },
    )


@require_POST
@require_action(Action.NOTICE_ACKNOWLEDGE)
def acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge (签收) for the user's own unit; a unit not addressed is refused (403)."""
    user = request_user(request)
    notice = access_notice(user, pk)
    to = safe_next(request, reverse("plans:notice", args=[notice.pk]))
    try:
        recipient = services.notice_acknowledge(actor=user, notice=notice)
    except (PermissionRefused, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(to)
    messages.success(
        request,
        _("%(unit)s acknowledged “%(title)s”.") % {"unit": recipient.unit.name, "title": notice.title},
    )
    return redirect(to)


@require_POST
@require_action(Action.NOTICE_ISSUE)
def notice_remind_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Remind the units that have not acknowledged (each unit's people once a day)."""
    user = request_user(request)
    notice = access_notice(user, pk)
    try:
        sent = services.notice_remind(actor=user, notice=notice)
    except (PermissionRefused, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if sent:
            messages.success(
                request,
                ngettext(
                    "The reminder is sent: %(count)s message queued.",
                    "The reminder is sent: %(count)s messages queued.",
                    sent,
                )
                % {"count": sent},
            )
        else:
            messages.warning(
                request,
                _(
                    "No message was queued: every unit acknowledged, was reminded today, "
                    "or has nobody to notify."
                ),
            )
    return redirect("plans:notice", pk=notice.pk)


@require_safe
@require_action(Action.PLAN_VIEW)
def notice_attachment_view(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    """An attachment of a notice in sight (else 404), saved by the browser, never shown inline."""
    notice = access_notice(request_user(request), pk)
    attachment = NoticeAttachment.objects.filter(notice=notice, pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None  # the file is gone from storage
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,  # the type detected at upload
    )
    protect_stored_file(response)
    return response


urlpatterns: list[URLPattern] = [
    path("notices/", notice_list_view, name="notices"),
    path("notices/new/", notice_new_view, name="notice_new"),
    path("notices/<int:pk>/", notice_detail_view, name="notice"),
    path("notices/<int:pk>/acknowledge/", acknowledge_view, name="acknowledge"),
    path("notices/<int:pk>/remind/", notice_remind_view, name="notice_remind"),
    path(
        "notices/<int:pk>/attachments/<int:attachment_id>/", notice_attachment_view, name="notice_attachment"
    ),
]
