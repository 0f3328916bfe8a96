"""Staff pages of petitions: ledger, intake, one matter (timeline, documents, attachments, actions), export.

Thin views (STYLE.md §9): each reads its input, calls one selector or service and renders or
redirects. The actions on a matter are one table (``ACTIONS``): each row names its URL, the role
action that gates it, its form, the one service it calls and when the page offers it.
"""

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import F, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from zhenwu.core.deadlines import DeadlineState, deadline_state
from zhenwu.core.downloads import protect_stored_file
from zhenwu.core.exceptions import (
    DomainError,
    InvalidTransition,
    PermissionRefused,
    ValidationFailed,
)
from zhenwu.core.models import User
from zhenwu.core.personal_data import (
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    personal_data_reveal,
)
from zhenwu.core.rules import get_rule
from zhenwu.core.scoping import Action, has_instance_scope, role_allows, user_can
from zhenwu.core.views.common import (
    DOCX_CONTENT_TYPE,
    add_domain_error,
    paginate,
    pk_url,
    request_user,
    require_action,
    run_and_redirect,
)
from zhenwu.petitions import services
from zhenwu.petitions.attachments import ACCEPTED_KINDS, attachment_add, attachment_download
from zhenwu.petitions.choices import DocumentKind, EventKind, IntakeChannel, Stage, Status
from zhenwu.petitions.documents import (
    DOCUMENT_ACTIONS,
    TITLES,
    document_fits,
    petition_document_generate,
    petition_document_open,
)
from zhenwu.petitions.export import ledger_export_filename, ledger_export_response
from zhenwu.petitions.forms import (
    ActionForm,
    AnswerForm,
    AssignForm,
    AttachmentForm,
    DeclineForm,
    ExtendForm,
    HearingForm,
    LinkForm,
    NoteForm,
    OpinionForm,
    PetitionerFormSet,
    PetitionRegisterForm,
    ReasonForm,
    RecuseForm,
)
from zhenwu.petitions.ledger import (
    LedgerFilterForm,
    ledger_filter,
    ledger_pages,
    ledger_petitioner_names,
    ledger_rows,
)
from zhenwu.petitions.models import STAFF_STAGES, Attachment, Petition, PetitionEvent, PetitionParty
from zhenwu.petitions.search import petition_search_filter
from zhenwu.petitions.selectors import (
    access_petition,
    event_shown,
    hidden_link_numbers,
    petition_links,
    petition_list,
    petitioner_history,
)
from zhenwu.petitions.transitions import can_move

#: Session key of the query code just issued: the detail page shows it once, then forgets it.
NEW_CODE_SESSION_KEY = "petitions_new_code"
PERSONAL_FIELDS = ("name", "id_number", "phone", "address")
#: A matter in one of these is finished: it is no duplicate of a new one.
FINISHED = (Status.DECLINED, Status.CLOSED, Status.RE_REVIEWED)
RELATED_LIMIT = 20
#: The short name of each accepted file type ("PDF", "PNG", ...), shown in the attachments list.
KIND_LABELS = {kind.content_type: kind.extension.lstrip(".").upper() for kind in ACCEPTED_KINDS}
#: The rules-table code of each later stage's clock (for its warning days).
STAGE_RULES: dict[str, str] = {
    Stage.CONCLUSION: "petition.conclude",
    Stage.REVIEW_REQUEST: "petition.review_request",
    Stage.REVIEW: "petition.review_decision",
    Stage.RE_REVIEW_REQUEST: "petition.re_review_request",
    Stage.RE_REVIEW: "petition.re_review_decision",
}


# --- deadlines as the pages show them ----------------------------------------------------------

#: ``Stage.values`` builds its list on every use; a ledger page asks 50 times.
STAGE_VALUES = frozenset(Stage.values)


@dataclass(frozen=True)
class DueInfo:
    """A matter's running deadline: date, stage, state; pending when its year is unknown (drawn by
    ``{% due_badge %}``)."""

    due_on: datetime.date | None
    stage_label: str
    state: DeadlineState | None  # None: no staff deadline (the resident's window, or none running)
    staff: bool
    pending: bool


def _stage_rule(petition: Petition) -> str | None:
    """The rules-table code of the stage's clock (for its warning days)."""
    if petition.stage == Stage.ACCEPTANCE:
        if petition.channel == IntakeChannel.REFERRAL:
            return "petition.accept_notice_referred"
        return "petition.accept_notice"
    return STAGE_RULES.get(petition.stage)


def petition_due_info(petition: Petition, today: datetime.date) -> DueInfo:
    staff = petition.stage in STAFF_STAGES
    code = _stage_rule(petition)
    state = None
    if staff and petition.due_on is not None and code is not None:
        state = deadline_state(petition.due_on, today, get_rule(code).warn_days)
    return DueInfo(
        due_on=petition.due_on,
        stage_label=str(Stage(petition.stage).label) if petition.stage in STAGE_VALUES else petition.stage,
        state=state,
        staff=staff,
        pending=code is not None and petition.due_on is None,
    )


# --- the ledger --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    """What a ledger row shows beyond the matter's own fields, prepared in Python: the template
    engine's ``{% url %}`` and ``|date`` cost more per row than the rest of the row together."""

    petition: Petition
    petitioners: str  # masked
    due: DueInfo
    url: str
    received_on: str  # ISO date, local time


def _ledger_queryset(user: User, action: str, filters: LedgerFilterForm) -> QuerySet[Petition]:
    return ledger_filter(petition_list(user=user, action=action), **filters.ledger_filters())


def _ledger_page_rows(queryset: QuerySet[Petition]) -> QuerySet[Petition]:
    """The ledger's columns (``ledger_rows``); the first-time flag rides along as an annotation."""
    return ledger_rows(queryset).annotate(first_time=F("is_first_time"))


@require_action(Action.PETITION_VIEW)
def petition_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = LedgerFilterForm(request.GET or None, user=user)
    page_obj = paginate(request, ledger_pages(user, filters.ledger_filters(), rows=_ledger_page_rows))
    today = timezone.localdate()
    detail_url = pk_url("petitions:detail")
    rows = [
        LedgerRow(
            p,
            ledger_petitioner_names(p),
            petition_due_info(p, today),
            detail_url(p.pk),
            timezone.localtime(p.received_at).date().isoformat(),
        )
        for p in page_obj
        if isinstance(p, Petition)
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "petitions/petition_list.html",
        {
            "filters": filters,
            "filters_key": filters.rendered_key(),
            "page_obj": page_obj,
            "rows": rows,
            "query": query.urlencode(),
            "can_register": role_allows(user, Action.PETITION_REGISTER),
            "can_manage_categories": role_allows(user, Action.PETITION_MANAGE),
            "can_export": role_allows(user, Action.PETITION_EXPORT),
            "can_export_unmasked": role_allows(user, Action.PETITION_EXPORT)
            and role_allows(user, Action.PERSONAL_VIEW),
        },
    )


@require_action(Action.PETITION_EXPORT)
def petition_export_view(request: HttpRequest) -> HttpResponseBase:
    """The filtered ledger as .xlsx; ``?unmasked=1`` shows personal fields, authorised and audited."""
    user = request_user(request)
    filters = LedgerFilterForm(request.GET or None, user=user)
    if filters.is_bound and not filters.is_valid():
        # Never export the whole ledger in place of a filtered one: show the filter's errors instead.
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(reverse("petitions:list") + "?" + request.GET.urlencode())
    queryset = _ledger_queryset(user, Action.PETITION_EXPORT, filters)
    unmasked = request.GET.get("unmasked") == "1"
    if unmasked:
        # Raises PermissionRefused (a 403 page) for a role without PERSONAL_VIEW; the refusal is audited too.
        personal_data_reveal(
            actor=user,
            obj=user.unit or user,
            unit=user.unit,
            fields=PERSONAL_FIELDS,
            reason="petition ledger export: " + request.GET.urlencode(),
        )
    return ledger_export_response(queryset, unmasked=unmasked, filename=ledger_export_filename())


# --- intake ------------------------------------------------------------------------------------


def _history_for(user: User, formset: Any) -> list[Petition]:
    """Earlier matters (in scope) of the ID numbers entered so far: the intake form's "check"."""
    found: dict[int, Petition] = {}
    for row in formset.forms:
        if row.is_valid() and row.cleaned_data.get("id_number"):
            history = petitioner_history(user=user, id_number=row.cleaned_data["id_number"])
            for petition in history.select_related("handling_unit")[:RELATED_LIMIT]:
                found.setdefault(petition.pk, petition)
    return sorted(found.values(), key=lambda p: p.received_at, reverse=True)


@require_action(Action.PETITION_REGISTER)
def petition_register_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    data = request.POST if request.method == "POST" else None
    form = PetitionRegisterForm(data, user=user)
    formset = PetitionerFormSet(data, prefix="petitioners")
    history: list[Petition] | None = None
    if data is not None and "check" in data:
        history = _history_for(user, formset)
    elif data is not None and form.is_valid() and formset.is_valid():
        cleaned = form.cleaned_data
        petitioners = [
            services.PetitionerIn(
                name=row["name"],
                id_number=row["id_number"],
                phone=row["phone"],
                address=row["address"],
                is_representative=row["is_representative"],
            )
            for row in formset.cleaned_data
            if row and row.get("name")
        ]
        unit = cleaned.get("unit") or user.unit
        if unit is None:  # an account without a unit: the unit field is shown and required then
            raise PermissionRefused()
        try:
            petition, code = services.petition_register(
                actor=user,
                unit=unit,
                channel=cleaned["channel"],
                petitioners=petitioners,
                summary=cleaned["summary"],
                content=cleaned["content"],
                received_at=cleaned["received_at"],
                category=cleaned["category"],
                place=cleaned["place"],
                is_collective=(cleaned["headcount"] or len(petitioners)) > 1,
                headcount=cleaned["headcount"],
                accused_unit=cleaned["accused_unit"],
                accused_user=cleaned["accused_user"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _registered(request, user, petition, code)
    return render(
        request,
        "petitions/petition_register.html",
        {"form": form, "formset": formset, "history": history},
    )


def _registered(request: HttpRequest, user: User, petition: Petition, code: str) -> HttpResponse:
    if petition_list(user=user, action=Action.PETITION_VIEW).filter(pk=petition.pk).exists():
        request.session[NEW_CODE_SESSION_KEY] = {"pk": petition.pk, "code": code}
        messages.success(request, _("Matter %(number)s registered.") % {"number": petition.number})
        return redirect("petitions:detail", pk=petition.pk)
    # The matter accuses the registering staff's own unit (or them): it is hidden from them from now
    # on, so the number and code can only be given here.
    messages.success(
        request,
        _(
            "Matter %(number)s registered; its query code is %(code)s. Give the code to the resident. "
            "The matter accuses your unit, so it is not shown to you."
        )
        % {"number": petition.number, "code": code},
    )
    return redirect("petitions:list")


# --- one matter --------------------------------------------------------------------------------


def _is_handler(user: User, petition: Petition) -> bool:
    """Whether the user works in the handling unit's line (mirrors ``services._require_handler``)."""
    unit = petition.handling_unit
    if unit is None:
        return False
    if has_instance_scope(user):
        return True
    home = user.unit
    return home is not None and (home.is_descendant_of(unit) or unit.is_descendant_of(home))


@dataclass(frozen=True)
class PetitionAction:
    """One action on a matter: a POST-only URL that calls exactly one service."""

    name: str  # URL name and path segment
    label: str | Promise
    action: str  # the role action that gates the URL (403 without it)
    run: Callable[[User, Petition, dict[str, Any]], object]
    success: str | Promise
    form: type[ActionForm] | None = None
    allowed: Callable[[Petition], bool] = lambda petition: True  # the matter's state permits it
    handler_only: bool = False  # only staff of the handling unit do it
    danger: bool = False
    back_to_list: bool = False  # the user loses sight of the matter afterwards

    @property
    def url_name(self) -> str:
        return f"petitions:{self.name}"

    def shown(self, user: User, petition: Petition) -> bool:
        return (
            role_allows(user, self.action)
            and self.allowed(petition)
            and (not self.handler_only or _is_handler(user, petition))
        )


def _moves_to(target: str) -> Callable[[Petition], bool]:
    return lambda petition: can_move(petition.status, target)


def _extendable(petition: Petition) -> bool:
    return (
        petition.status in (Status.ACCEPTED, Status.ASSIGNED, Status.HANDLING)
        and petition.stage == Stage.CONCLUSION
        and not petition.extension_days
    )


ACTIONS: tuple[PetitionAction, ...] = (
    PetitionAction(
        "accept",
        gettext_lazy("Accept"),
        Action.PETITION_MANAGE,
        lambda u, p, d: services.petition_accept(actor=u, petition=p, note=d["note"]),
        gettext_lazy("The matter is accepted."),
        NoteForm,
        _moves_to(Status.ACCEPTED),
    ),
    PetitionAction(
        "decline",
        gettext_lazy("Decline"),
        Action.PETITION_MANAGE,
        lambda u, p, d: services.petition_decline(actor=u, petition=p, route=d["route"], reason=d["reason"]),
        gettext_lazy("The matter is declined."),
        DeclineForm,
        _moves_to(Status.DECLINED),
        danger=True,
    ),
    PetitionAction(
        "assign",
        gettext_lazy("Assign"),
        Action.PETITION_MANAGE,
        lambda u, p, d: services.petition_assign(
            actor=u,
            petition=p,
            handling_unit=d["handling_unit"],
            lead_official=d["lead_official"],
            note=d["note"],
        ),
        gettext_lazy("The matter is assigned."),
        AssignForm,
        _moves_to(Status.ASSIGNED),
    ),
    PetitionAction(
        "start_handling",
        gettext_lazy("Start handling"),
        Action.PETITION_HANDLE,
        lambda u, p, d: services.petition_start_handling(actor=u, petition=p),
        gettext_lazy("Handling started."),
        None,
        _moves_to(Status.HANDLING),
        handler_only=True,
    ),
    PetitionAction(
        "object",
        gettext_lazy("Not ours: send back"),
        Action.PETITION_HANDLE,
        lambda u, p, d: services.petition_object(actor=u, petition=p, reason=d["reason"]),
        gettext_lazy("Your objection is recorded; the office will re-assign the matter."),
        ReasonForm,
        lambda p: p.status in (Status.ASSIGNED, Status.HANDLING),
        handler_only=True,
    ),
    PetitionAction(
        "extend",
        gettext_lazy("Extend the deadline"),
        Action.PETITION_APPROVE,
        lambda u, p, d: services.petition_extend(actor=u, petition=p, days=d["days"], reason=d["reason"]),
        gettext_lazy("The deadline is extended."),
        ExtendForm,
        _extendable,
    ),
    PetitionAction(
        "answer",
        gettext_lazy("Issue the handling opinion"),
        Action.PETITION_HANDLE,
        lambda u, p, d: services.petition_answer(
            actor=u,
            petition=p,
            request=d["request"],
            facts=d["facts"],
            decision=d["decision"],
            basis=d["basis"],
        ),
        gettext_lazy("The handling opinion is issued."),
        AnswerForm,
        _moves_to(Status.ANSWERED),
        handler_only=True,
    ),
    PetitionAction(
        "close",
        gettext_lazy("Close"),
        Action.PETITION_MANAGE,
        lambda u, p, d: services.petition_close(actor=u, petition=p, note=d["note"]),
        gettext_lazy("The matter is closed."),
        NoteForm,
        _moves_to(Status.CLOSED),
    ),
    PetitionAction(
        "decide_review",
        gettext_lazy("Issue the review opinion"),
        Action.PETITION_MANAGE,
        lambda u, p, d: services.petition_decide_review(actor=u, petition=p, opinion=d["opinion"]),
        gettext_lazy("The review opinion is issued."),
        OpinionForm,
        _moves_to(Status.REVIEWED),
    ),
    PetitionAction(
        "record_hearing",
        gettext_lazy("Record hearing days"),
        Action.PETITION_MANAGE,
        lambda u, p, d: services.petition_record_hearing(actor=u, petition=p, days=d["days"]),
        gettext_lazy("The hearing days are recorded; the deadline moves on by them."),
        HearingForm,
        lambda p: p.status == Status.UNDER_RE_REVIEW,
    ),
    PetitionAction(
        "decide_re_review",
        gettext_lazy("Issue the re-review opinion"),
        Action.PETITION_MANAGE,
        lambda u, p, d: services.petition_decide_re_review(actor=u, petition=p, opinion=d["opinion"]),
        gettext_lazy("The re-review opinion is issued."),
        OpinionForm,
        _moves_to(Status.RE_REVIEWED),
    ),
    PetitionAction(
        "link",
        gettext_lazy("Link to another matter"),
        Action.PETITION_MANAGE,
        lambda u, p, d: services.petition_link(actor=u, petition=p, other=d["other"], note=d["note"]),
        gettext_lazy("The matters are linked."),
        LinkForm,
    ),
    PetitionAction(
        "recuse",
        gettext_lazy("Recuse myself"),
        # Any role that may act on matters; oversight only reads.
        Action.PETITION_HANDLE,
        lambda u, p, d: services.petition_recuse(actor=u, petition=p, reason=d["reason"]),
        gettext_lazy("Your recusal is recorded; the matter is no longer shown to you."),
        RecuseForm,
        danger=True,
        back_to_list=True,
    ),
)
ACTIONS_BY_NAME = {spec.name: spec for spec in ACTIONS}


def _action_form(spec: PetitionAction, user: User, data: Any = None) -> ActionForm | None:
    if spec.form is None:
        return None
    # Field ids per action: several forms on one page have a "reason" or a "note".
    return spec.form(data, user=user, auto_id=f"id_{spec.name}_%s")


@dataclass(frozen=True)
class EventRow:
    event: PetitionEvent
    change: str
    detail: str
    note: str


def _event_rows(events: list[PetitionEvent], hidden_numbers: set[str]) -> list[EventRow]:
    labels = dict(Status.choices)
    rows = []
    for event in events:
        change = ""
        if event.kind == EventKind.TRANSITION:
            change = " → ".join(str(labels.get(s, s)) for s in (event.from_status, event.to_status) if s)
        data, note = event_shown(event, hidden_numbers)
        details = []
        if event.kind == EventKind.EXTENDED:
            details.append(
                _("Extended by %(days)s days, due %(to)s.") % {"days": data.get("days"), "to": data.get("to")}
            )
        if event.kind == EventKind.DOCUMENT and data.get("kind") in DocumentKind.values:
            details.append(str(DocumentKind(data["kind"]).label))
        if event.kind == EventKind.LINKED and data.get("other"):
            details.append(_("Linked to %(number)s.") % {"number": data["other"]})
        if data.get("objection"):
            details.append(_("The handling unit says the matter is not theirs."))
        if data.get("hearing_days"):
            details.append(_("Hearing: %(days)s days.") % {"days": data["hearing_days"]})
        if data.get("due_pending"):
            details.append(_("Deadline pending: %(why)s") % {"why": data["due_pending"]})
        rows.append(EventRow(event, change, " ".join(details), note))
    return rows


@dataclass(frozen=True)
class AttachmentRow:
    attachment: Attachment
    kind: str  # the type detected from the content at upload ("PDF", "PNG", ...)
    size_kb: float  # rounded up to 0.1 KB: a 20-byte note is 0.1 KB, not 0.0


def _attachment_rows(attachments: list[Attachment]) -> list[AttachmentRow]:
    return [
        AttachmentRow(
            attachment,
            KIND_LABELS.get(attachment.content_type, attachment.content_type),
            math.ceil(attachment.size * 10 / 1024) / 10,
        )
        for attachment in attachments
    ]


def _petitioner_rows(parties: list[PetitionParty], revealed: bool) -> list[dict[str, Any]]:
    rows = []
    for party in parties:
        person = party.petitioner
        if revealed:
            values = [person.name, person.id_number, person.phone, person.address]
        else:
            values = [
                mask_name(person.name),
                mask_id_number(person.id_number) if person.id_number else "",
                mask_phone(person.phone),
                mask_address(person.address),
            ]
        rows.append(
            {**dict(zip(PERSONAL_FIELDS, values, strict=True)), "representative": party.is_representative}
        )
    return rows


def _related(
    user: User, petition: Petition, parties: list[PetitionParty]
) -> tuple[list[Petition], list[Petition]]:
    """Earlier matters of these petitioners, and possible duplicates: their open matters and open
    matters whose text contains every word of this summary (all within the user's scope)."""
    earlier: dict[int, Petition] = {}
    for number in sorted({p.petitioner.id_number for p in parties if p.petitioner.id_number}):
        history = petitioner_history(user=user, id_number=number).exclude(pk=petition.pk)
        for other in history.select_related("handling_unit")[:RELATED_LIMIT]:
            earlier.setdefault(other.pk, other)
    open_matters = (
        petition_list(user=user, action=Action.PETITION_VIEW)
        .exclude(pk=petition.pk)
        .exclude(status__in=FINISHED)
    )
    similar = petition_search_filter(open_matters, petition.summary).select_related("handling_unit")
    duplicates = [p for p in earlier.values() if p.status not in FINISHED]
    duplicates += [p for p in similar.order_by("-received_at", "-id")[:RELATED_LIMIT] if p.pk not in earlier]
    by_date = sorted(earlier.values(), key=lambda p: p.received_at, reverse=True)
    return by_date, duplicates


def _detail(
    request: HttpRequest,
    user: User,
    petition: Petition,
    *,
    failed: tuple[str, ActionForm] | None = None,
) -> HttpResponse:
    revealed = False
    if request.method == "GET" and request.GET.get("reveal") == "1":
        try:
            personal_data_reveal(actor=user, obj=petition, unit=petition.unit, fields=PERSONAL_FIELDS)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            revealed = True
    new_code = None
    issued = request.session.get(NEW_CODE_SESSION_KEY)
    if isinstance(issued, dict) and issued.get("pk") == petition.pk:
        new_code = issued.get("code")
        del request.session[NEW_CODE_SESSION_KEY]  # shown once, never again
    parties = list(petition.parties.select_related("petitioner").order_by("-is_representative", "pk"))
    actions: list[tuple[PetitionAction, ActionForm | None, bool]] = []
    for spec in ACTIONS:
        if failed is not None and failed[0] == spec.name:
            actions.append((spec, failed[1], True))
        elif spec.shown(user, petition):
            actions.append((spec, _action_form(spec, user), False))
    earlier, duplicates = _related(user, petition, parties)
    links_from, links_to = petition_links(user=user, petition=petition)
    linked = {link.to_petition_id for link in links_from}  # duplicates are only ever visible matters
    # The service's rule (``attachments._require_on_matter``): the handle action on a matter in sight;
    # handle and view share one scope, so on a page the user can see the role decides.
    attachment_form = None
    if role_allows(user, Action.PETITION_HANDLE):
        attachment_form = AttachmentForm(auto_id="id_attachment_%s")
    from zhenwu.mediation.choices import DisputeStatus
    from zhenwu.mediation.selectors import petition_linked_disputes

    disputes = petition_linked_disputes(user=user, petition=petition)
    response = render(
        request,
        "petitions/petition_detail.html",
        {
            "petition": petition,
            "disputes": disputes,
            # Whoever handles the matter and registers disputes refers it; once is enough (a
            # declined referral may be made again).
            "can_refer": role_allows(user, Action.PETITION_HANDLE)
            and role_allows(user, Action.DISPUTE_REGISTER)
            and not any(
                d.petition_id == petition.pk and d.status != DisputeStatus.DECLINED for d in disputes
            ),
            "due": petition_due_info(petition, timezone.localdate()),
            "new_code": new_code,
            "petitioners": _petitioner_rows(parties, revealed),
            "revealed": revealed,
            "can_reveal": user_can(user, Action.PERSONAL_VIEW, petition.unit) and not revealed,
            "events": _event_rows(
                list(petition.events.all()), hidden_link_numbers(user=user, petition=petition)
            ),
            "documents": list(petition.documents.all()),
            # One query whatever the number of files and uploaders.
            "attachments": _attachment_rows(list(petition.attachments.select_related("uploaded_by"))),
            "attachment_form": attachment_form,
            "generate": [
                (kind, label)
                for kind, label in DocumentKind.choices
                if document_fits(petition, kind) and role_allows(user, DOCUMENT_ACTIONS[kind])
            ],
            "actions": actions,
            "links_from": links_from,
            "links_to": links_to,
            "earlier": earlier,
            "duplicates": [p for p in duplicates if p.pk not in linked],
            "can_link": role_allows(user, Action.PETITION_MANAGE),
            "can_audit": user_can(user, Action.AUDIT_VIEW, petition.unit),
        },
    )
    # Personal data and, once, the query code: no cache keeps a copy of the page.
    response["Cache-Control"] = "no-store, private"
    return response


@require_action(Action.PETITION_VIEW)
def petition_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    return _detail(request, user, access_petition(user, pk, Action.PETITION_VIEW))


def _action_view(spec: PetitionAction) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        user = request_user(request)
        petition = access_petition(user, pk, Action.PETITION_VIEW)
        detail = reverse("petitions:detail", args=[petition.pk])
        if not spec.allowed(petition):
            messages.error(request, str(InvalidTransition.default_message))
            return redirect(detail)
        form = _action_form(spec, user, request.POST)
        if form is not None and not form.is_valid():
            return _detail(request, user, petition, failed=(spec.name, form))
        try:
            spec.run(user, petition, form.cleaned_data if form is not None else {})
        except ValidationFailed as exc:
            if form is None:
                messages.error(request, str(exc.message))
                return redirect(detail)
            add_domain_error(form, exc)
            return _detail(request, user, petition, failed=(spec.name, form))
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect(detail)
        messages.success(request, str(spec.success))
        return redirect("petitions:list" if spec.back_to_list else detail)

    view.__name__ = view.__qualname__ = f"petition_{spec.name}_view"
    return require_POST(require_action(spec.action)(view))


# --- documents ---------------------------------------------------------------------------------


@require_POST
@require_action(Action.PETITION_HANDLE)
def petition_document_generate_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    petition = access_petition(user, pk, Action.PETITION_VIEW)
    kind = request.POST.get("kind", "")
    return run_and_redirect(
        request,
        lambda: petition_document_generate(actor=user, petition=petition, kind=kind),
        success=gettext_lazy("The document is generated."),
        to=reverse("petitions:detail", args=[petition.pk]),
    )


@require_action(Action.PETITION_VIEW)
def petition_document_view(request: HttpRequest, pk: int, doc_id: int) -> HttpResponseBase:
    """Download a notice: whoever may issue that kind of notice on the matter; each download audited."""
    user = request_user(request)
    petition = access_petition(user, pk, Action.PETITION_VIEW)
    document = petition_document_open(actor=user, petition=petition, document_id=doc_id)
    title = TITLES.get(document.kind, document.kind)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{petition.number}-{title}.docx",
        content_type=DOCX_CONTENT_TYPE,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


# --- attachments -------------------------------------------------------------------------------


@require_POST
@require_action(Action.PETITION_HANDLE)
def petition_attachment_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach one uploaded file; a refusal (type, size, a name that lies) is a message, nothing stored."""
    user = request_user(request)
    petition = access_petition(user, pk, Action.PETITION_VIEW)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        reason = " ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, _("The file was not attached: %(reason)s") % {"reason": reason})
    else:
        try:
            attachment = attachment_add(actor=user, petition=petition, upload=form.cleaned_data["file"])
        except DomainError as exc:
            messages.error(request, _("The file was not attached: %(reason)s") % {"reason": exc.message})
        else:
            messages.success(request, _("%(name)s is attached.") % {"name": attachment.original_name})
    return redirect(reverse("petitions:detail", args=[petition.pk]) + "#attachments")


@require_safe
@require_action(Action.PETITION_VIEW)
def petition_attachment_view(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    """Download an attachment of a matter in sight (else 404); each download is audited."""
    user = request_user(request)
    petition = access_petition(user, pk, Action.PETITION_VIEW)
    attachment, stored = attachment_download(actor=user, petition=petition, attachment_id=attachment_id)
    response = FileResponse(
        stored,
        as_attachment=True,  # never shown inline: the browser saves it (RFC 5987 name for Chinese names)
        filename=attachment.original_name,
        content_type=attachment.content_type,  # the type detected at upload, not the name's or browser's
    )
    response["Content-Length"] = str(attachment.size)
    protect_stored_file(response)
    return response


urlpatterns: list[URLPattern] = [
    path("", petition_list_view, name="list"),
    path("new/", petition_register_view, name="register"),
    path("export/", petition_export_view, name="export"),
    path("<int:pk>/", petition_detail_view, name="detail"),
    path("<int:pk>/documents/generate/", petition_document_generate_view, name="document_generate"),
    path("<int:pk>/documents/<int:doc_id>/", petition_document_view, name="document"),
    path("<int:pk>/attachments/", petition_attachment_add_view, name="attachment_add"),
    path("<int:pk>/attachments/<int:attachment_id>/", petition_attachment_view, name="attachment"),
    *(
        path(f"<int:pk>/{spec.name.replace('_', '-')}/", _action_view(spec), name=spec.name)
        for spec in ACTIONS
    ),
]
