"""Staff pages of one dispute: everything about it, the audited reveal, its documents, its actions.

The actions are one table (``ACTIONS``): each row names its URL, the role action that gates it, its
form, the one service it calls and when the page offers it. The page offers an action only when the
dispute's state allows it and the user may do it (``services.may_mediate``: the office, or a
mediator named on the dispute); the service decides in the end.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from zhenwu.core.exceptions import (
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionRefused,
    ValidationFailed,
)
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import User
from zhenwu.core.personal_data import (
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    personal_data_reveal,
)
from zhenwu.core.scoping import Action, role_allows, user_can
from zhenwu.core.views.common import (
    DOCX_CONTENT_TYPE,
    add_domain_error,
    download_response,
    request_user,
    require_action,
)
from zhenwu.mediation import documents, services
from zhenwu.mediation.choices import DisputeStatus, PartyKind
from zhenwu.mediation.forms import (
    AcceptForm,
    AgreementForm,
    ChannelForm,
    CloseForm,
    DisputeActionForm,
    DisputeEditForm,
    EscalateForm,
    FollowUpRecordForm,
    FollowUpScheduleForm,
    SessionForm,
)
from zhenwu.mediation.models import Dispute, DisputeParty, FollowUp, MediationAgreement
from zhenwu.mediation.selectors import access_dispute, access_follow_up, dispute_linked_petitions
from zhenwu.mediation.views_ledger import PARTY_FIELDS, is_overdue
from zhenwu.petitions.models import Petition

#: Session key of the petition a dispute was just escalated to: the page shows its code once.
ESCALATED_SESSION_KEY = "mediation_escalated"
ENDED = (DisputeStatus.AGREED, DisputeStatus.NOT_AGREED)


@dataclass(frozen=True)
class Facts:
    """What the page and the action checks need to know about a dispute's state."""

    status: str
    sessions: int
    has_agreement: bool
    escalated: bool


def _facts(dispute: Dispute) -> Facts:
    return Facts(
        status=dispute.status,
        sessions=dispute.sessions.count(),
        has_agreement=MediationAgreement.objects.filter(dispute=dispute).exists(),
        escalated=dispute.escalated_petition_id is not None,
    )


def _can_escalate(facts: Facts) -> bool:
    """Mirrors ``services.dispute_escalate``: declined or ended without agreement, not yet escalated."""
    if facts.escalated:
        return False
    return facts.status in (DisputeStatus.DECLINED, DisputeStatus.NOT_AGREED) or (
        facts.status == DisputeStatus.CLOSED and not facts.has_agreement
    )


def _remember_escalation(request: HttpRequest, dispute: Dispute, result: object) -> None:
    petition, code = cast(tuple[Petition, str], result)  # what ``services.dispute_escalate`` returns
    request.session[ESCALATED_SESSION_KEY] = {
        "pk": dispute.pk,
        "petition": petition.pk,
        "number": petition.number,
        "code": code,
    }


@dataclass(frozen=True)
class DisputeAction:
    """One action on a dispute: a POST-only URL that calls exactly one service."""

    name: str  # URL name
    label: str | Promise
    form: type[DisputeActionForm]
    run: Callable[[User, Dispute, dict[str, Any]], object]
    success: str | Promise
    allowed: Callable[[Facts], bool]  # the dispute's state permits it
    action: str = Action.DISPUTE_MEDIATE  # the role action that gates the URL (403 without it)
    mediators_only: bool = True  # the office or a mediator named on the dispute (``may_mediate``)
    danger: bool = False
    done: Callable[[HttpRequest, Dispute, object], None] | None = None

    @property
    def url_name(self) -> str:
        return f"mediation:{self.name}"

    def shown(self, user: User, dispute: Dispute, facts: Facts, *, mediator: bool) -> bool:
        """``mediator``: ``services.may_mediate(user, dispute)``, asked once per page."""
        if not role_allows(user, self.action) or not self.allowed(facts):
            return False
        if self.name == "escalate":
            return user_can(user, Action.PETITION_REGISTER, dispute.handling_unit)
        return not self.mediators_only or mediator


def _is(*statuses: str) -> Callable[[Facts], bool]:
    return lambda facts: facts.status in statuses


ACTIONS: tuple[DisputeAction, ...] = (
    DisputeAction(
        "accept",
        gettext_lazy("Accept for mediation"),
        AcceptForm,
        lambda u, d, c: services.dispute_accept(actor=u, dispute=d, mediators=list(c["mediators"]) or None),
        gettext_lazy("The dispute is accepted for mediation."),
        _is(DisputeStatus.REGISTERED),
    ),
    DisputeAction(
        "decline",
        gettext_lazy("Do not accept"),
        ChannelForm,
        lambda u, d, c: services.dispute_decline(
            actor=u, dispute=d, reason=c["reason"], channel=c["channel"], advice=c["advice"]
        ),
        gettext_lazy("The dispute is not accepted for mediation; the channel advised is recorded."),
        _is(DisputeStatus.REGISTERED),
        danger=True,
    ),
    DisputeAction(
        "session",
        gettext_lazy("Record a session"),
        SessionForm,
        lambda u, d, c: services.session_record(
            actor=u,
            dispute=d,
            held_at=c["held_at"],
            participants=c["participants"],
            record=c["record"],
            place=c["place"],
        ),
        gettext_lazy("The session is recorded."),
        _is(DisputeStatus.ACCEPTED),
    ),
    DisputeAction(
        "agreement",
        gettext_lazy("Record the agreement"),
        AgreementForm,
        lambda u, d, c: services.agreement_record(
            actor=u,
            dispute=d,
            data=services.AgreementIn(
                facts=c["facts"],
                issues=c["issues"],
                responsibilities=c["responsibilities"],
                terms=c["terms"],
                performance_manner=c["performance_manner"],
                performance_due=c["performance_due"],
                signed_on=c["signed_on"],
                is_oral=c["is_oral"],
                copies=c["copies"],
            ),
        ),
        gettext_lazy("The agreement is recorded; a first follow-up visit is scheduled."),
        lambda facts: facts.status == DisputeStatus.ACCEPTED and facts.sessions > 0,
    ),
    DisputeAction(
        "no_agreement",
        gettext_lazy("No agreement reached"),
        ChannelForm,
        lambda u, d, c: services.dispute_no_agreement(
            actor=u, dispute=d, reason=c["reason"], channel=c["channel"], advice=c["advice"]
        ),
        gettext_lazy("Mediation ended without agreement; the channel advised is recorded."),
        _is(DisputeStatus.ACCEPTED),
        danger=True,
    ),
    DisputeAction(
        "follow_up_schedule",
        gettext_lazy("Schedule a follow-up visit"),
        FollowUpScheduleForm,
        lambda u, d, c: services.follow_up_schedule(
            actor=u, dispute=d, due_on=c["due_on"], method=c["method"]
        ),
        gettext_lazy("The follow-up visit is scheduled."),
        _is(*ENDED),
    ),
    DisputeAction(
        "close",
        gettext_lazy("Close the case"),
        CloseForm,
        lambda u, d, c: services.dispute_close(actor=u, dispute=d, note=c["note"]),
        gettext_lazy("The case is closed."),
        _is(*ENDED),
    ),
    DisputeAction(
        "edit",
        gettext_lazy("Edit"),
        DisputeEditForm,
        lambda u, d, c: services.dispute_update(
            actor=u,
            dispute=d,
            kind=c["kind"],
            summary=c["summary"],
            details=c["details"],
            place=c["place"],
            risk_note=c["risk_note"],
            mediators=list(c["mediators"]),
        ),
        gettext_lazy("The dispute is saved."),
        lambda facts: facts.status not in (DisputeStatus.CLOSED, DisputeStatus.DECLINED),
    ),
    DisputeAction(
        "escalate",
        gettext_lazy("Register as a petition"),
        EscalateForm,
        lambda u, d, c: services.dispute_escalate(
            actor=u, dispute=d, channel=c["channel"], content=c["content"]
        ),
        gettext_lazy("The petition is registered from the dispute."),
        _can_escalate,
        action=Action.PETITION_REGISTER,
        mediators_only=False,
        done=_remember_escalation,
    ),
)
ACTIONS_BY_NAME = {spec.name: spec for spec in ACTIONS}
FOLLOW_UP_RECORD = "follow_up_record"


def _action_form(name: str, form_class: type[DisputeActionForm], dispute: Dispute, data: Any = None) -> Any:
    # Field ids per action: several forms on one page have a "reason" or a "place".
    return form_class(data, dispute=dispute, auto_id=f"id_{name}_%s")


# --- the page ----------------------------------------------------------------------------------


def _party_rows(parties: list[DisputeParty], revealed: bool) -> list[dict[str, Any]]:
    rows = []
    for party in parties:
        person = party.kind == PartyKind.PERSON
        if revealed:
            values = [party.name, party.id_number, party.phone, party.address, party.representative]
        else:
            # An organisation's name and credit code are public; the people behind it are not.
            values = [
                mask_name(party.name) if person else party.name,
                (mask_id_number(party.id_number) if person else party.id_number) if party.id_number else "",
                mask_phone(party.phone),
                mask_address(party.address),
                mask_name(party.representative),
            ]
        rows.append(
            {
                **dict(zip(PARTY_FIELDS, values, strict=True)),
                "kind": party.get_kind_display(),
                "side": party.get_side_display(),
            }
        )
    return rows


@dataclass(frozen=True)
class FollowUpRow:
    follow_up: FollowUp
    form: Any  # the record form, for a pending visit the user may record
    open: bool
    overdue: bool


def _detail(
    request: HttpRequest,
    user: User,
    dispute: Dispute,
    *,
    failed: tuple[str, Any] | None = None,
    failed_follow_up: int | None = None,
    revealed: bool = False,
    status: int = 200,
) -> HttpResponse:
    facts = _facts(dispute)
    today = beijing_date(timezone.now())
    escalated = None
    if request.method == "GET":
        issued = request.session.get(ESCALATED_SESSION_KEY)
        if isinstance(issued, dict) and issued.get("pk") == dispute.pk:
            escalated = issued
            del request.session[ESCALATED_SESSION_KEY]  # shown once, never again
    mediator = role_allows(user, Action.DISPUTE_MEDIATE) and services.may_mediate(user, dispute)
    actions: list[tuple[DisputeAction, Any, bool]] = []
    for spec in ACTIONS:
        if failed is not None and failed[0] == spec.name:
            actions.append((spec, failed[1], True))
        elif spec.shown(user, dispute, facts, mediator=mediator):
            actions.append((spec, _action_form(spec.name, spec.form, dispute), False))
    may_record = mediator and facts.status != DisputeStatus.CLOSED
    follow_ups = []
    for follow_up in dispute.follow_ups.select_related("done_by", "scheduled_by"):
        form, is_open = None, False
        if failed_follow_up == follow_up.pk and failed is not None:
            form, is_open = failed[1], True
        elif follow_up.done_at is None and may_record:
            form = _action_form(f"follow_up_{follow_up.pk}", FollowUpRecordForm, dispute)
        pending_overdue = follow_up.done_at is None and follow_up.due_on < today
        follow_ups.append(FollowUpRow(follow_up, form, is_open, pending_overdue))
    agreement = MediationAgreement.objects.filter(dispute=dispute).first() if facts.has_agreement else None
    may_download = user_can(user, Action.PERSONAL_VIEW, dispute.handling_unit)
    response = render(
        request,
        "mediation/dispute_detail.html",
        {
            "dispute": dispute,
            "facts": facts,
            "overdue": is_overdue(dispute, today),
            "mediators": list(dispute.mediators.order_by("username")),
            "parties": _party_rows(list(dispute.parties.all()), revealed),
            "revealed": revealed,
            "can_reveal": user_can(user, Action.PERSONAL_VIEW, dispute.handling_unit) and not revealed,
            "linked": dispute_linked_petitions(user=user, dispute=dispute),
            "sessions": list(dispute.sessions.select_related("recorded_by")),
            "agreement": agreement,
            "follow_ups": follow_ups,
            "actions": actions,
            "escalated": escalated,
            "agreement_docx": may_download and agreement is not None,
            "record_docx": may_download and facts.sessions > 0,
            "can_audit": user_can(user, Action.AUDIT_VIEW, dispute.handling_unit),
        },
        status=status,
    )
    # Personal data and, once, a query code: no cache keeps a copy of the page.
    response["Cache-Control"] = "no-store, private"
    return response


@require_safe
@require_action(Action.DISPUTE_VIEW)
def dispute_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    return _detail(request, user, access_dispute(user, pk))


@require_POST
@require_action(Action.DISPUTE_VIEW)
def dispute_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The page with the parties' details unmasked: authorised and audited (a refusal too)."""
    user = request_user(request)
    dispute = access_dispute(user, pk)
    try:
        personal_data_reveal(actor=user, obj=dispute, unit=dispute.handling_unit, fields=PARTY_FIELDS)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("mediation:detail", pk=dispute.pk)
    return _detail(request, user, dispute, revealed=True)


# --- actions -----------------------------------------------------------------------------------


def _run(
    request: HttpRequest,
    user: User,
    dispute: Dispute,
    *,
    name: str,
    form: Any,
    run: Callable[[], object],
    follow_up: int | None = None,
) -> tuple[object, HttpResponse | None]:
    """Call the service; a refusal of the input is the page again with the form, a 403/404 their page,
    any other refusal (a state changed meanwhile) a message."""
    if not form.is_valid():
        return None, _detail(
            request, user, dispute, failed=(name, form), failed_follow_up=follow_up, status=400
        )
    try:
        return run(), None
    except (PermissionRefused, NotFound):
        raise
    except ValidationFailed as exc:
        add_domain_error(form, exc)
        response = _detail(
            request, user, dispute, failed=(name, form), failed_follow_up=follow_up, status=exc.status
        )
        return None, response
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return None, redirect("mediation:detail", pk=dispute.pk)


def _action_view(spec: DisputeAction) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        user = request_user(request)
        dispute = access_dispute(user, pk)
        if not spec.allowed(_facts(dispute)):
            messages.error(request, str(InvalidTransition.default_message))
            return redirect("mediation:detail", pk=dispute.pk)
        form = _action_form(spec.name, spec.form, dispute, request.POST)
        result, refused = _run(
            request,
            user,
            dispute,
            name=spec.name,
            form=form,
            run=lambda: spec.run(user, dispute, form.cleaned_data),
        )
        if refused is not None:
            return refused
        if spec.done is not None:
            spec.done(request, dispute, result)
        messages.success(request, str(spec.success))
        return redirect("mediation:detail", pk=dispute.pk)

    view.__name__ = view.__qualname__ = f"dispute_{spec.name}_view"
    return require_POST(require_action(spec.action)(view))


@require_POST
@require_action(Action.DISPUTE_MEDIATE)
def follow_up_record_view(request: HttpRequest, pk: int, follow_up_pk: int) -> HttpResponse:
    """Record a follow-up visit as made, with what it found about the agreement's performance."""
    user = request_user(request)
    dispute = access_dispute(user, pk)
    follow_up = access_follow_up(user, dispute, follow_up_pk)
    form = _action_form(f"follow_up_{follow_up.pk}", FollowUpRecordForm, dispute, request.POST)
    _result, refused = _run(
        request,
        user,
        dispute,
        name=FOLLOW_UP_RECORD,
        form=form,
        follow_up=follow_up.pk,
        run=lambda: services.follow_up_record(
            actor=user,
            follow_up=follow_up,
            performance=form.cleaned_data["performance"],
            notes=form.cleaned_data["notes"],
            method=form.cleaned_data["method"] or None,
        ),
    )
    if refused is not None:
        return refused
    messages.success(request, _("The follow-up visit is recorded."))
    return redirect("mediation:detail", pk=dispute.pk)


# --- documents ---------------------------------------------------------------------------------


def _document(
    request: HttpRequest,
    pk: int,
    *,
    build: Callable[[Dispute], bytes],
    filename: Callable[[Dispute], str],
    exists: Callable[[Dispute], bool],
) -> HttpResponseBase:
    """A document naming the parties: for roles that may see them, each download audited."""
    user = request_user(request)
    dispute = access_dispute(user, pk)
    if not exists(dispute):
        raise NotFound()
    # Raises PermissionRefused (a 403 page, and an audited refusal) for a role without PERSONAL_VIEW.
    name = filename(dispute)
    personal_data_reveal(
        actor=user, obj=dispute, unit=dispute.handling_unit, fields=["document"], reason=f"download: {name}"
    )
    return download_response(build(dispute), name, DOCX_CONTENT_TYPE)


@require_safe
@require_action(Action.DISPUTE_VIEW)
def agreement_docx_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The mediation agreement (调解协议书) as .docx."""
    return _document(
        request,
        pk,
        build=documents.agreement_docx,
        filename=documents.agreement_filename,
        exists=lambda d: MediationAgreement.objects.filter(dispute=d).exists(),
    )


@require_safe
@require_action(Action.DISPUTE_VIEW)
def record_docx_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The record of the mediation sessions (调解记录) as .docx."""
    return _document(
        request,
        pk,
        build=documents.session_record_docx,
        filename=documents.record_filename,
        exists=lambda d: d.sessions.exists(),
    )


urlpatterns: list[URLPattern] = [
    path("<int:pk>/", dispute_detail_view, name="detail"),
    path("<int:pk>/reveal/", dispute_reveal_view, name="reveal"),
    path("<int:pk>/agreement.docx", agreement_docx_view, name="agreement_docx"),
    path("<int:pk>/record.docx", record_docx_view, name="record_docx"),
    path(
        "<int:pk>/follow-ups/<int:follow_up_pk>/record/",
        follow_up_record_view,
        name=FOLLOW_UP_RECORD,
    ),
    *(
        path(f"<int:pk>/{spec.name.replace('_', '-')}/", _action_view(spec), name=spec.name)
        for spec in ACTIONS
    ),
]
