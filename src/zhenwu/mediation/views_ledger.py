"""Staff pages of the dispute ledger (矛盾纠纷台账): the list, its export, registering and referring.

Thin views (STYLE.md §9): each reads its input, calls one selector or service and renders or
redirects. A refused form is shown again with everything the user typed and the service's message
next to the field it concerns (400 for invalid input, the error's own status otherwise).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from zhenwu.core.exceptions import DomainError
from zhenwu.core.localtime import beijing_date
from zhenwu.core.personal_data import mask_name, personal_data_reveal
from zhenwu.core.scoping import Action, role_allows
from zhenwu.core.views.common import (
    XLSX_CONTENT_TYPE,
    add_domain_error,
    download_response,
    paginate,
    request_user,
    require_action,
)
from zhenwu.mediation import export, services
from zhenwu.mediation.choices import DisputeStatus
from zhenwu.mediation.forms import (
    REFER_PARTY_ROWS,
    REGISTER_PARTY_ROWS,
    BasePartyFormSet,
    DisputeReferForm,
    DisputeRegisterForm,
    LedgerFilterForm,
    RespondentForm,
    party_formset,
    with_another_row,
)
from zhenwu.mediation.models import Dispute
from zhenwu.mediation.selectors import dispute_ledger
from zhenwu.petitions.selectors import access_petition

#: The parties' personal fields (masked in lists, exports and the detail page until revealed).
PARTY_FIELDS = ("name", "id_number", "phone", "address", "representative")


def is_overdue(dispute: Dispute, today: datetime.date) -> bool:
    """In mediation past its target date."""
    return dispute.status == DisputeStatus.ACCEPTED and dispute.due_on is not None and dispute.due_on < today


# --- the ledger --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    dispute: Dispute
    overdue: bool


@require_safe
@require_action(Action.DISPUTE_VIEW)
def dispute_list_view(request: HttpRequest) -> HttpResponse:
    """The ledger of the user's scope, 50 a page; parties are not shown (a fixed number of queries)."""
    user = request_user(request)
    filters = LedgerFilterForm(request.GET or None, user=user)
    page_obj = paginate(request, dispute_ledger(user=user, filters=filters.ledger_filter()))
    today = beijing_date(timezone.now())
    rows = [LedgerRow(d, is_overdue(d, today)) for d in page_obj if isinstance(d, Dispute)]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("unmasked", None)
    return render(
        request,
        "mediation/dispute_list.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "rows": rows,
            "query": query.urlencode(),
            "can_register": role_allows(user, Action.DISPUTE_REGISTER),
            "can_configure": role_allows(user, Action.DISPUTE_CONFIGURE),
            "can_export": role_allows(user, Action.DISPUTE_EXPORT),
            "can_export_unmasked": role_allows(user, Action.DISPUTE_EXPORT)
            and role_allows(user, Action.PERSONAL_VIEW),
        },
    )


@require_safe
@require_action(Action.DISPUTE_EXPORT)
def dispute_export_view(request: HttpRequest) -> HttpResponseBase:
    """The filtered ledger as .xlsx, masked; ``?unmasked=1`` shows the parties, authorised and audited."""
    user = request_user(request)
    filters = LedgerFilterForm(request.GET or None, user=user)
    if filters.is_bound and not filters.is_valid():
        # Never export the whole ledger in place of a filtered one: show the filter's errors instead.
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(reverse("mediation:list") + "?" + request.GET.urlencode())
    unmasked = request.GET.get("unmasked") == "1"
    if unmasked:
        # A role without PERSONAL_VIEW gets a 403 page; the refusal is audited too.
        personal_data_reveal(
            actor=user,
            obj=user.unit or user,
            unit=user.unit,
            fields=PARTY_FIELDS,
            reason="dispute ledger export: " + request.GET.urlencode(),
        )
    rows = dispute_ledger(user=user, filters=filters.ledger_filter(), action=Action.DISPUTE_EXPORT)
    content = export.dispute_ledger_xlsx(rows, masked=not unmasked, viewer=user)
    return download_response(content, export.dispute_ledger_filename(), XLSX_CONTENT_TYPE)


# --- registering and referring --------------------------------------------------------------------


def place_errors(form: Any, exc: DomainError) -> list[str]:
    """A service's refusal on the form; the messages about the parties go above the parties table."""
    about_parties = [str(m) for m in exc.errors.get("parties", [])]
    if not about_parties or set(exc.errors) != {"parties"}:
        add_domain_error(form, exc)
    return about_parties


def quiet(form: Any, formset: BasePartyFormSet) -> None:
    """Show posted input again without errors ("add a party" is not a submission)."""
    for each in (form, *formset.forms):
        each.full_clean()
        each.errors.clear()
    formset.full_clean()
    formset.non_form_errors().clear()


def _registered(request: HttpRequest, dispute: Dispute) -> HttpResponse:
    messages.success(request, _("Dispute %(number)s registered.") % {"number": dispute.number})
    return redirect("mediation:detail", pk=dispute.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.DISPUTE_REGISTER)
def dispute_register_view(request: HttpRequest) -> HttpResponse:
    """A new dispute with its parties (two rows; "add a party" adds one without JavaScript)."""
    user = request_user(request)
    party_errors: list[str] = []
    status = 200
    if request.method != "POST":
        form = DisputeRegisterForm(user=user)
        formset = party_formset(rows=REGISTER_PARTY_ROWS)
    elif "add_party" in request.POST:
        data = with_another_row(request.POST)
        form = DisputeRegisterForm(data, user=user)
        formset = party_formset(data)
        quiet(form, formset)
    else:
        form = DisputeRegisterForm(request.POST, user=user)
        formset = party_formset(request.POST)
        status = 400
        if form.is_valid() and formset.is_valid():
            cleaned = form.cleaned_data
            try:
                dispute = services.dispute_register(
                    actor=user,
                    handling_unit=cleaned["handling_unit"],
                    kind=cleaned["kind"],
                    source=cleaned["source"],
                    summary=cleaned["summary"],
                    parties=formset.parties(),
                    details=cleaned["details"],
                    place=cleaned["place"],
                    risk_note=cleaned["risk_note"],
                    mediators=list(cleaned["mediators"]),
                )
            except DomainError as exc:
                party_errors = place_errors(form, exc)
                status = exc.status
            else:
                return _registered(request, dispute)
    return render(
        request,
        "mediation/dispute_register.html",
        {"form": form, "formset": formset, "party_errors": party_errors},
        status=status,
    )


def _petitioner_names(petition: Any) -> list[str]:
    """The petitioners (masked): they become the applicants of the dispute."""
    return [
        mask_name(p.petitioner.name) for p in petition.parties.select_related("petitioner").order_by("pk")
    ]


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.DISPUTE_REGISTER)
def dispute_refer_view(request: HttpRequest, petition_id: int) -> HttpResponse:
    """Refer a petition to mediation (a petition out of sight is a 404)."""
    user = request_user(request)
    petition = access_petition(user, petition_id, Action.PETITION_VIEW)
    party_errors: list[str] = []
    status = 200
    if request.method != "POST":
        initial: dict[str, Any] = {"summary": petition.summary}
        unit = petition.handling_unit or user.unit
        if unit is not None:
            initial["handling_unit"] = unit.pk
        form = DisputeReferForm(user=user, initial=initial)
        formset = party_formset(rows=REFER_PARTY_ROWS, form=RespondentForm)
    elif "add_party" in request.POST:
        data = with_another_row(request.POST)
        form = DisputeReferForm(data, user=user)
        formset = party_formset(data, form=RespondentForm)
        quiet(form, formset)
    else:
        form = DisputeReferForm(request.POST, user=user)
        formset = party_formset(request.POST, form=RespondentForm)
        status = 400
        if form.is_valid() and formset.is_valid():
            cleaned = form.cleaned_data
            try:
                dispute = services.dispute_refer_from_petition(
                    actor=user,
                    petition=petition,
                    handling_unit=cleaned["handling_unit"],
                    kind=cleaned["kind"],
                    respondents=formset.parties(),
                    summary=cleaned["summary"],
                    mediators=list(cleaned["mediators"]),
                )
            except DomainError as exc:
                party_errors = place_errors(form, exc)
                status = exc.status
            else:
                return _registered(request, dispute)
    return render(
        request,
        "mediation/dispute_refer.html",
        {
            "petition": petition,
            "petitioners": _petitioner_names(petition),
            "form": form,
            "formset": formset,
            "party_errors": party_errors,
        },
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("", dispute_list_view, name="list"),
    path("export/", dispute_export_view, name="export"),
    path("new/", dispute_register_view, name="register"),
    path("refer/<int:petition_id>/", dispute_refer_view, name="refer"),
]
