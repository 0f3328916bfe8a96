"""Staff pages of the hazard register (隐患台账): the ledger, the overdue list, reporting, one hazard
with its photos and actions (rectify, verify, new deadline, close), and the photos themselves.

Thin views (STYLE.md §9): each reads its input, calls one service or selector, and renders or
redirects (POST-redirect-GET). Hazards come through ``selectors.access_hazard`` (out of scope: 404).
A refused form is shown again with what was typed, the refusal on its field, and the refusal's status
(400 invalid, 403 not allowed, 409 not in this state). Photos are never public files: they are served
by ``photo_view`` to those who may see the hazard, inline, with the type stored at upload.
"""

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zhenwu.core.audit import object_type
from zhenwu.core.choices import AuditAction
from zhenwu.core.downloads import protect_stored_file
from zhenwu.core.exceptions import DomainError, PermissionRefused, ValidationFailed
from zhenwu.core.images import THUMBNAIL_SIDE
from zhenwu.core.models import AuditEvent, User
from zhenwu.core.scoping import Action, role_allows, user_can
from zhenwu.core.views.common import (
    XLSX_CONTENT_TYPE,
    add_domain_error,
    download_response,
    paginate,
    request_user,
    require_action,
)
from zhenwu.safety import export, services
from zhenwu.safety.choices import HazardStatus, PhotoStage
from zhenwu.safety.forms import (
    ACCEPT,
    CloseForm,
    DueForm,
    HazardFilterForm,
    HazardForm,
    PhotosForm,
    RectifyForm,
    VerifyForm,
)
from zhenwu.safety.models import Hazard, HazardPhoto
from zhenwu.safety.selectors import access_hazard, access_photo, hazard_ledger, hazards_overdue

#: Events shown in a hazard's history (a hazard has a handful; this bounds a pathological one).
HISTORY_EVENTS = 100


def _today() -> datetime.date:
    return timezone.localdate()


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- the register ------------------------------------------------------------------------------


@require_safe
@require_action(Action.SAFETY_VIEW)
def hazard_list_view(request: HttpRequest) -> HttpResponse:
    """The hazard register of my scope, newest first, filtered; overdue deadlines in red."""
    user = request_user(request)
    filters = HazardFilterForm(request.GET or None, user=user)
    page_obj = paginate(request, hazard_ledger(user=user, filters=filters.filters()))
    return render(
        request,
        "safety/hazard_list.html",
        {
            "section": "hazards",
            "filters": filters,
            "page_obj": page_obj,
            "today": _today(),
            "query": _query_without_page(request),
            "show_photos": True,
            "can_report": role_allows(user, Action.HAZARD_REPORT),
            "can_export": role_allows(user, Action.SAFETY_EXPORT),
        },
    )


@require_safe
@require_action(Action.SAFETY_VIEW)
def hazard_overdue_view(request: HttpRequest) -> HttpResponse:
    """Hazards not rectified by their deadline, the most overdue first."""
    user = request_user(request)
    today = _today()
    page_obj = paginate(request, hazards_overdue(user=user, today=today))
    return render(
        request,
        "safety/hazard_overdue.html",
        {
            "section": "overdue",
            "page_obj": page_obj,
            "today": today,
            "show_photos": False,
            "can_report": role_allows(user, Action.HAZARD_REPORT),
        },
    )


@require_safe
@require_action(Action.SAFETY_EXPORT)
def hazard_export_view(request: HttpRequest) -> HttpResponseBase:
    """The filtered register as .xlsx (the same filters as the page)."""
    user = request_user(request)
    filters = HazardFilterForm(request.GET or None, user=user)
    if filters.is_bound and not filters.is_valid():
        # Never the whole register in place of a filtered one: show the filters' errors instead.
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(reverse("safety:hazards") + "?" + request.GET.urlencode())
    rows = hazard_ledger(user=user, filters=filters.filters(), action=Action.SAFETY_EXPORT)
    return download_response(
        export.hazard_ledger_xlsx(rows), export.safety_export_filename("hazards"), XLSX_CONTENT_TYPE
    )


# --- reporting a hazard ------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.HAZARD_REPORT)
def hazard_new_view(request: HttpRequest) -> HttpResponse:
    """Report a hazard with photos from the phone's camera; the deadline follows the severity's rule."""
    user = request_user(request)
    if request.method != "POST":
        return render(
            request, "safety/hazard_form.html", {"section": "hazards", "form": HazardForm(user=user)}
        )
    form = HazardForm(request.POST, request.FILES, user=user)
    status = 400
    if form.is_valid():
        try:
            hazard = services.hazard_report(actor=user, unit=form.cleaned_data["unit"], data=form.hazard_in())
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(
                request,
                _("Hazard %(number)s is recorded; to be rectified by %(due)s.")
                % {"number": hazard.number, "due": hazard.rectify_due.isoformat()},
            )
            return redirect("safety:hazard", pk=hazard.pk)
    return render(request, "safety/hazard_form.html", {"section": "hazards", "form": form}, status=status)


# --- one hazard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoView:
    photo: HazardPhoto
    url: str
    thumb_url: str
    thumb_width: int
    thumb_height: int


def _photo_views(hazard: Hazard, photos: list[HazardPhoto]) -> list[PhotoView]:
    rows = []
    for photo in photos:
        scale = min(1.0, THUMBNAIL_SIDE / max(photo.width, photo.height, 1))
        rows.append(
            PhotoView(
                photo,
                reverse("safety:photo", args=[hazard.pk, photo.pk]),
                reverse("safety:photo_thumb", args=[hazard.pk, photo.pk]),
                max(1, round(photo.width * scale)),
                max(1, round(photo.height * scale)),
            )
        )
    return rows


@dataclass(frozen=True)
class HistoryRow:
    at: datetime.datetime
    who: str
    what: str
    note: str


def _status_label(value: Any) -> str:
    return str(HazardStatus(value).label) if value in HazardStatus.values else str(value or "—")


def _history(hazard: Hazard) -> list[HistoryRow]:
    """What happened to the hazard, from its audit events (one query): states, deadlines, photos."""
    events = AuditEvent.objects.filter(object_type=object_type(hazard), object_id=str(hazard.pk)).order_by(
        "occurred_at", "id"
    )[:HISTORY_EVENTS]
    rows = []
    for event in events:
        changes = event.changes or {}
        if "status" in changes and event.action == AuditAction.CREATE:
            what = _("Recorded: to be rectified by %(due)s") % {
                "due": (changes.get("rectify_due") or [None, "—"])[1]
            }
        elif "status" in changes:
            before, after = changes["status"]
            if before == HazardStatus.RECTIFIED and after == HazardStatus.OPEN:
                what = _("Sent back: the rectification was not accepted")
            else:
                what = _("%(before)s → %(after)s") % {
                    "before": _status_label(before),
                    "after": _status_label(after),
                }
        elif "rectify_due" in changes:
            before, after = changes["rectify_due"]
            what = _("Deadline moved from %(before)s to %(after)s") % {"before": before, "after": after}
        elif "photos" in changes:
            stage, _sep, count = str(changes["photos"][1]).partition(" ")
            label = PhotoStage(stage).label if stage in PhotoStage.values else stage
            what = _("Photos added (%(stage)s): %(count)s") % {"stage": label, "count": count.lstrip("+")}
        else:
            what = event.get_action_display()
        rows.append(HistoryRow(event.occurred_at, event.actor_name or "—", what, event.note))
    return rows


def _photo_stages(user: User, hazard: Hazard) -> list[str]:
    """Before photos by whoever may report there; after photos by those who may rectify (services' rule)."""
    stages = []
    if user_can(user, Action.HAZARD_REPORT, hazard.unit):
        stages.append(PhotoStage.BEFORE.value)
    if _may_rectify(user, hazard):
        stages.append(PhotoStage.AFTER.value)
    return stages


def _may_rectify(user: User, hazard: Hazard) -> bool:
    return user_can(user, Action.HAZARD_RECTIFY, hazard.responsible_unit) or user_can(
        user, Action.HAZARD_MANAGE, hazard.unit
    )


def _offers(user: User, hazard: Hazard) -> dict[str, bool]:
    """Which action forms the page offers this user in the hazard's state (the services decide for real)."""
    status = hazard.status
    manages = user_can(user, Action.HAZARD_MANAGE, hazard.unit)
    return {
        "photos": status != HazardStatus.CLOSED and bool(_photo_stages(user, hazard)),
        "rectify": status == HazardStatus.OPEN and _may_rectify(user, hazard),
        # Four eyes: whoever reported the rectification is never offered its verification.
        "verify": status == HazardStatus.RECTIFIED
        and user_can(user, Action.HAZARD_VERIFY, hazard.unit)
        and hazard.rectified_by_id != user.pk,
        "due": status in (HazardStatus.OPEN, HazardStatus.RECTIFIED) and manages,
        "close": status == HazardStatus.VERIFIED and manages,
    }


def _hazard_page(
    request: HttpRequest,
    user: User,
    hazard: Hazard,
    *,
    bound: dict[str, forms.Form] | None = None,
    error: str | Promise | None = None,
    status: int = 200,
) -> HttpResponse:
    photos = list(hazard.photos.select_related("uploaded_by").order_by("uploaded_at", "id"))
    offers = _offers(user, hazard)
    stages = _photo_stages(user, hazard)
    built: dict[str, forms.Form] = {
        "photos": PhotosForm(stages=stages),
        "rectify": RectifyForm(),
        "verify": VerifyForm(initial={"decision": ACCEPT}),
        "due": DueForm(initial={"rectify_due": hazard.rectify_due}),
        "close": CloseForm(),
    }
    built.update(bound or {})
    today = _today()
    return render(
        request,
        "safety/hazard_detail.html",
        {
            "section": "hazards",
            "hazard": hazard,
            "today": today,
            "is_overdue": hazard.status == HazardStatus.OPEN and hazard.rectify_due < today,
            "before": _photo_views(hazard, [p for p in photos if p.stage == PhotoStage.BEFORE]),
            "after": _photo_views(hazard, [p for p in photos if p.stage == PhotoStage.AFTER]),
            "history": _history(hazard),
            "forms": {key: form for key, form in built.items() if offers[key]},
            "offers": offers,
            "rectified_by_me": hazard.status == HazardStatus.RECTIFIED and hazard.rectified_by_id == user.pk,
            "action_error": error,
        },
        status=status,
    )


@require_safe
@require_action(Action.SAFETY_VIEW)
def hazard_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    return _hazard_page(request, user, access_hazard(user, pk))


def _hazard_action(
    request: HttpRequest,
    pk: int,
    *,
    key: str,
    build: Callable[[User, Hazard], forms.Form],
    run: Callable[[User, Hazard, dict[str, Any]], object],
    success: Callable[[Hazard], str],
) -> HttpResponse:
    """One action form of the hazard page: on success back to the page (PRG), else the page with errors."""
    user = request_user(request)
    hazard = access_hazard(user, pk)
    form = build(user, hazard)
    if not form.is_valid():
        return _hazard_page(request, user, hazard, bound={key: form}, status=400)
    try:
        run(user, hazard, form.cleaned_data)
    except DomainError as exc:
        add_domain_error(form, exc)
        # A refusal that is not about a field (four eyes, a state that moved on) is also said at the
        # top: the form it concerns may not be on the page any more.
        error = None if isinstance(exc, ValidationFailed) else exc.message
        return _hazard_page(
            request, user, access_hazard(user, pk), bound={key: form}, error=error, status=exc.status
        )
    messages.success(request, success(access_hazard(user, pk)))
    return redirect(reverse("safety:hazard", args=[hazard.pk]))


@require_POST
@require_action(Action.HAZARD_REPORT)
def hazard_photos_view(request: HttpRequest, pk: int) -> HttpResponse:
    def build(user: User, hazard: Hazard) -> forms.Form:
        stages = _photo_stages(user, hazard)
        if not stages:
            raise PermissionRefused()
        return PhotosForm(request.POST, request.FILES, stages=stages)

    return _hazard_action(
        request,
        pk,
        key="photos",
        build=build,
        run=lambda user, hazard, data: services.hazard_photos_add(
            actor=user, hazard=hazard, stage=data["stage"], photos=data["photos"]
        ),
        success=lambda hazard: _("The photos are added."),
    )


@require_POST
@require_action(Action.HAZARD_RECTIFY)
def hazard_rectify_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _hazard_action(
        request,
        pk,
        key="rectify",
        build=lambda user, hazard: RectifyForm(request.POST, request.FILES),
        run=lambda user, hazard, data: services.hazard_rectify(
            actor=user, hazard=hazard, note=data["note"], photos=data["photos"]
        ),
        success=lambda hazard: _("Reported rectified; someone else will verify it on the spot."),
    )


@require_POST
@require_action(Action.HAZARD_VERIFY)
def hazard_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    def success(hazard: Hazard) -> str:
        if hazard.status == HazardStatus.VERIFIED:
            return _("The rectification is verified.")
        return _("The rectification is sent back to %(unit)s.") % {"unit": hazard.responsible_unit.name}

    return _hazard_action(
        request,
        pk,
        key="verify",
        build=lambda user, hazard: VerifyForm(request.POST),
        run=lambda user, hazard, data: services.hazard_verify(
            actor=user, hazard=hazard, accepted=data["decision"] == ACCEPT, note=data.get("note") or ""
        ),
        success=success,
    )


@require_POST
@require_action(Action.HAZARD_MANAGE)
def hazard_due_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _hazard_action(
        request,
        pk,
        key="due",
        build=lambda user, hazard: DueForm(request.POST),
        run=lambda user, hazard, data: services.hazard_set_due(
            actor=user, hazard=hazard, rectify_due=data["rectify_due"], reason=data["reason"]
        ),
        success=lambda hazard: _("The deadline is now %(due)s.") % {"due": hazard.rectify_due.isoformat()},
    )


@require_POST
@require_action(Action.HAZARD_MANAGE)
def hazard_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _hazard_action(
        request,
        pk,
        key="close",
        build=lambda user, hazard: CloseForm(request.POST),
        run=lambda user, hazard, data: services.hazard_close(
            actor=user, hazard=hazard, note=data.get("note") or ""
        ),
        success=lambda hazard: _("Hazard %(number)s is closed.") % {"number": hazard.number},
    )


# --- photos ------------------------------------------------------------------------------------


def _photo_response(hazard: Hazard, photo: HazardPhoto, stored: FieldFile, content_type: str) -> FileResponse:
    """A photo inline, never sniffed as anything else, cached only by the user's own browser."""
    extension = os.path.splitext(stored.name or "")[1].lower() or ".jpg"
    try:
        handle = stored.open("rb")
    except OSError:
        raise Http404 from None  # the file is gone from storage: nothing to show
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{hazard.number}-{photo.pk}{extension}"'
    protect_stored_file(response, cache_control="private")
    return response


@require_safe
@require_action(Action.SAFETY_VIEW)
def photo_view(request: HttpRequest, pk: int, photo_id: int) -> HttpResponseBase:
    photo = access_photo(request_user(request), pk, photo_id)
    return _photo_response(photo.hazard, photo, photo.image, photo.content_type)


@require_safe
@require_action(Action.SAFETY_VIEW)
def photo_thumb_view(request: HttpRequest, pk: int, photo_id: int) -> HttpResponseBase:
    photo = access_photo(request_user(request), pk, photo_id)
    return _photo_response(photo.hazard, photo, photo.thumbnail, "image/jpeg")  # thumbnails are JPEG


urlpatterns: list[URLPattern] = [
    path("", hazard_list_view, name="hazards"),
    path("overdue/", hazard_overdue_view, name="overdue"),
    path("export/", hazard_export_view, name="hazards_export"),
    path("new/", hazard_new_view, name="hazard_new"),
    path("hazards/<int:pk>/", hazard_detail_view, name="hazard"),
    path("hazards/<int:pk>/photos/", hazard_photos_view, name="hazard_photos"),
    path("hazards/<int:pk>/photos/<int:photo_id>/", photo_view, name="photo"),
    path("hazards/<int:pk>/photos/<int:photo_id>/thumb/", photo_thumb_view, name="photo_thumb"),
    path("hazards/<int:pk>/rectify/", hazard_rectify_view, name="hazard_rectify"),
    path("hazards/<int:pk>/verify/", hazard_verify_view, name="hazard_verify"),
    path("hazards/<int:pk>/due/", hazard_due_view, name="hazard_due"),
    path("hazards/<int:pk>/close/", hazard_close_view, name="hazard_close"),
]
