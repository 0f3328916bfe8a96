"""Staff pages: list, detail (contact details masked until revealed, and the reveal audited), create, edit,
and an administrator's account actions: set a password, lift a sign-in lockout, reset two-factor."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhenwu.core.exceptions import DomainError
from zhenwu.core.forms import PersonFilterForm, PersonForm, PersonPasswordForm, active_filter
from zhenwu.core.personal_data import mask_email, mask_phone, personal_data_reveal
from zhenwu.core.scoping import Action, user_can
from zhenwu.core.selectors import access_person, person_list
from zhenwu.core.services import accounts as account_services
from zhenwu.core.services import people as people_services
from zhenwu.core.views.common import (
    add_domain_error,
    paginate,
    request_user,
    require_action,
    run_and_redirect,
)

CONTACT_FIELDS = ("phone", "email")


@require_action(Action.PERSON_VIEW)
def person_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = PersonFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    people = person_list(
        user=user,
        q=data.get("q", ""),
        role=data.get("role", ""),
        active=active_filter(data.get("active", "")),
    )
    page_obj = paginate(request, people)
    for person in page_obj:
        person.phone_masked = mask_phone(person.phone)  # type: ignore[attr-defined]
    return render(
        request,
        "core/person_list.html",
        {"filters": filters, "page_obj": page_obj, "can_manage": user_can(user, Action.PERSON_MANAGE)},
    )


@require_action(Action.PERSON_VIEW)
def person_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    person = access_person(user, pk)
    revealed = False
    if request.GET.get("reveal") == "1":
        try:
            personal_data_reveal(actor=user, obj=person, unit=person.unit, fields=CONTACT_FIELDS)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            revealed = True
    contact = (
        {"phone": person.phone, "email": person.email}
        if revealed
        else {"phone": mask_phone(person.phone), "email": mask_email(person.email) if person.email else ""}
    )
    return render(
        request,
        "core/person_detail.html",
        {
            "person": person,
            "contact": contact,
            "revealed": revealed,
            "can_reveal": user_can(user, Action.PERSONAL_VIEW, person.unit) and not revealed,
            "can_manage": user_can(user, Action.PERSON_MANAGE, person.unit),
            "can_audit": user_can(user, Action.AUDIT_VIEW, person.unit),
            "locked": account_services.login_lockout_active(person.username),
            "two_factor": account_services.otp_has_device(person),
        },
    )


@require_action(Action.PERSON_MANAGE)
def person_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = PersonForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            person = people_services.person_create(actor=user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": person.full_name})
            return redirect("core:person_detail", pk=person.pk)
    return render(request, "core/person_form.html", {"form": form, "title": _("New staff account")})


@require_action(Action.PERSON_MANAGE)
def person_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    person = access_person(user, pk, Action.PERSON_MANAGE)
    initial = {
        "full_name": person.full_name,
        "unit": person.unit.code if person.unit else "",
        "role": person.role,
        "position": person.position,
        "phone": person.phone,
        "email": person.email,
    }
    form = PersonForm(request.POST or None, user=user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.person_update(actor=user, person=person, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("core:person_detail", pk=person.pk)
    return render(
        request, "core/person_form.html", {"form": form, "person": person, "title": _("Edit staff account")}
    )


@require_POST
@require_action(Action.PERSON_MANAGE)
def person_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    person = access_person(user, pk, Action.PERSON_MANAGE)
    try:
        people_services.person_set_active(
            actor=user, person=person, is_active=request.POST.get("is_active") == "1"
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Changes saved."))
    return redirect("core:person_detail", pk=person.pk)


@require_action(Action.PERSON_MANAGE)
def person_password_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator sets a new password; the owner must replace it at the next login."""
    user = request_user(request)
    person = access_person(user, pk, Action.PERSON_MANAGE)
    form = PersonPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.person_set_password(
                actor=user, person=person, password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Password set. It must be changed at the next login."))
            return redirect("core:person_detail", pk=person.pk)
    return render(request, "core/person_password_form.html", {"form": form, "person": person})


@require_POST
@require_action(Action.PERSON_MANAGE)
def person_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    person = access_person(user, pk, Action.PERSON_MANAGE)
    return run_and_redirect(
        request,
        lambda: account_services.person_unlock(actor=user, person=person),
        success=_("Sign-in unlocked."),
        to=reverse("core:person_detail", args=[person.pk]),
    )


@require_POST
@require_action(Action.PERSON_MANAGE)
def person_otp_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    person = access_person(user, pk, Action.PERSON_MANAGE)
    return run_and_redirect(
        request,
        lambda: account_services.person_otp_reset(actor=user, person=person),
        success=_("Two-factor authentication reset: the user sets it up again at the next login."),
        to=reverse("core:person_detail", args=[person.pk]),
    )


urlpatterns = [
    path("people/", person_list_view, name="person_list"),
    path("people/new/", person_create_view, name="person_create"),
    path("people/<int:pk>/", person_detail_view, name="person_detail"),
    path("people/<int:pk>/edit/", person_edit_view, name="person_edit"),
    path("people/<int:pk>/active/", person_active_view, name="person_active"),
    path("people/<int:pk>/password/", person_password_view, name="person_password"),
    path("people/<int:pk>/unlock/", person_unlock_view, name="person_unlock"),
    path("people/<int:pk>/otp-reset/", person_otp_reset_view, name="person_otp_reset"),
]
