"""REST API routes of the mediation app (矛盾纠纷调解台账), mounted at /api/mediation/: dispute kinds,
the ledger and its export, one dispute with its sessions, agreement and follow-up visits, every step
of its lifecycle, the referral from a petition and the escalation to one, and its documents.

Scoping is the pages' (``zhenwu.mediation.selectors``): a dispute belongs to its handling unit and is
seen in that unit's subtree; an object out of scope is a 404. A unit, person, kind or petition named
in a body or a filter is resolved in the caller's scope (404 when out of it). Writes are the services'.

The parties' personal details are masked everywhere; ``?unmasked=true`` on one dispute shows them to
a role that needs them (``Action.PERSONAL_VIEW``) and writes an audit event, and so does every
agreement document (it names the parties in full). A refusal is audited too.
"""

import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from zhenwu.core.api.schemas import ERRORS, Day, Id, Moment, UnitRef, api_user
from zhenwu.core.exceptions import NotFound, ValidationFailed
from zhenwu.core.localtime import BEIJING, beijing_date
from zhenwu.core.models import User
from zhenwu.core.personal_data import (
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    personal_data_reveal,
)
from zhenwu.core.scoping import Action, require
from zhenwu.core.selectors import access_unit, person_list
from zhenwu.core.views.common import DOCX_CONTENT_TYPE, XLSX_CONTENT_TYPE, download_response
from zhenwu.mediation import selectors, services
from zhenwu.mediation.choices import (
    Channel,
    DisputeSource,
    DisputeStatus,
    FollowUpMethod,
    PartyKind,
    PartySide,
    Performance,
)
from zhenwu.mediation.documents import (
    agreement_docx,
    agreement_filename,
    record_filename,
    session_record_docx,
)
from zhenwu.mediation.export import dispute_ledger_filename, dispute_ledger_xlsx
from zhenwu.mediation.models import Dispute, DisputeKind, DisputeParty, FollowUp, MediationAgreement
from zhenwu.petitions.choices import IntakeChannel
from zhenwu.petitions.choices import Status as PetitionStatus
from zhenwu.petitions.models import Petition
from zhenwu.petitions.selectors import access_petition

router = Router(tags=["mediation"])

#: The personal fields of a party; all masked unless revealed.
PARTY_FIELDS = ("name", "id_number", "phone", "address", "representative")
#: Generous bounds of the lists a body names; the precise ones are the services' (answered with a 400).
MAX_PARTIES_IN = 100
MAX_MEDIATORS_IN = 20
#: The ledger's status filter: a status, or every open one, or those past their target date.
LedgerStatus = Literal[
    "registered", "accepted", "declined", "agreed", "not_agreed", "closed", "open", "overdue"
]


# --- schemas ------------------------------------------------------------------------------------


class KindRef(Schema):
    id: int
    code: str
    name: str


class KindOut(KindRef):
    sort_order: int
    is_active: bool


class KindFilter(Schema):
    include_inactive: bool = Field(False, description="Also the kinds no longer offered")


class KindCreateIn(Schema):
    code: str = Field(..., max_length=40, description="Stable identifier: a-z, 0-9, - and _")
    name: str = Field(..., max_length=40)
    sort_order: int = Field(0, ge=0, le=32767)


class KindUpdateIn(Schema):
    name: str | None = Field(None, max_length=40)
    sort_order: int | None = Field(None, ge=0, le=32767)
    is_active: bool | None = None


class MediationPersonRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: User) -> str:
        return obj.get_full_name()


class PetitionRef(Schema):
    id: int
    number: str
    status: str
    status_label: str

    @staticmethod
    def resolve_status_label(obj: Petition) -> str:
        return str(PetitionStatus(obj.status).label)


class PartyIn(Schema):
    kind: PartyKind = PartyKind.PERSON
    side: PartySide
    name: str = Field(..., max_length=100)
    id_number: str = Field("", max_length=18, description="A resident's ID number or a credit code")
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    representative: str = Field("", max_length=50, description="An organisation's legal representative")


class PartyOut(Schema):
    id: int
    kind: str
    side: str
    name: str
    id_number: str
    phone: str
    address: str
    representative: str


class SessionOut(Schema):
    id: int
    held_at: datetime.datetime
    place: str
    participants: str
    record: str
    recorded_by: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str:
        return str(obj.recorded_by.get_full_name())


class AgreementOut(Schema):
    id: int
    facts: str
    issues: str
    responsibilities: str
    terms: str
    performance_manner: str
    performance_due: datetime.date
    is_oral: bool
    signed_on: datetime.date
    confirmation_due_on: datetime.date | None = Field(
        ..., description="Last day to apply jointly for judicial confirmation; null for an oral agreement"
    )
    copies: int
    created_by: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_created_by(obj: MediationAgreement) -> str:
        return obj.created_by.get_full_name()


class FollowUpOut(Schema):
    id: int
    due_on: datetime.date
    method: FollowUpMethod
    scheduled_by: str
    done_at: datetime.datetime | None
    done_by: str | None
    performance: str
    notes: str

    @staticmethod
    def resolve_scheduled_by(obj: FollowUp) -> str:
        return obj.scheduled_by.get_full_name()

    @staticmethod
    def resolve_done_by(obj: FollowUp) -> str | None:
        return obj.done_by.get_full_name() if obj.done_by else None


class DisputeListOut(Schema):
    """One row of the ledger; the parties' names masked."""

    id: int
    number: str
    status: DisputeStatus
    status_label: str
    kind: KindRef
    source: DisputeSource
    summary: str
    handling_unit: UnitRef
    registered_at: datetime.datetime
    accepted_at: datetime.datetime | None
    due_on: datetime.date | None
    overdue: bool = Field(..., description="In mediation past its target date")
    session_count: int
    follow_up_pending: bool
    parties: str = Field(..., description="Masked names in the order entered, separated by 、")

    @staticmethod
    def resolve_status_label(obj: Dispute) -> str:
        return str(DisputeStatus(obj.status).label)

    @staticmethod
    def resolve_overdue(obj: Dispute) -> bool:
        return _overdue(obj)

    @staticmethod
    def resolve_parties(obj: Dispute) -> str:
        return "、".join(_party_row(p, revealed=False)["name"] for p in obj.parties.all())


class DisputeOut(Schema):
    """One dispute in full; the parties masked unless ``parties_unmasked``."""

    id: int
    number: str
    status: DisputeStatus
    status_label: str
    kind: KindRef
    source: DisputeSource
    summary: str
    details: str
    place: str
    risk_note: str = Field(..., description="The mediator's words about the dispute (not about a person)")
    handling_unit: UnitRef
    mediators: list[MediationPersonRef]
    registered_at: datetime.datetime
    registered_by: str
    accepted_at: datetime.datetime | None
    due_on: datetime.date | None
    overdue: bool
    declined_reason: str
    advised_channel: str
    advised_note: str
    concluded_at: datetime.datetime | None
    no_agreement_reason: str
    closed_at: datetime.datetime | None
    close_note: str
    updated_at: datetime.datetime
    parties_unmasked: bool
    parties: list[PartyOut]
    sessions: list[SessionOut]
    agreement: AgreementOut | None
    follow_ups: list[FollowUpOut]
    petition: PetitionRef | None = Field(..., description="The petition it was referred from, if visible")
    escalated_petition: PetitionRef | None = Field(..., description="The petition it became, if visible")


class DisputeFilter(Schema):
    status: LedgerStatus | None = Field(None, description="A status, 'open' or 'overdue'")
    kind: Id | None = None
    unit: Id | None = Field(None, description="Handled by this unit or one below it")
    q: str = Field("", max_length=100, description="Words of the number or the summary")
    registered_from: Day | None = None
    registered_to: Day | None = None


class ExportQuery(DisputeFilter):
    unmasked: bool = Field(False, description="Parties in full (roles that need them; audited)")


class DetailQuery(Schema):
    unmasked: bool = Field(False, description="Parties in full (roles that need them; audited)")


class DisputeCreateIn(Schema):
    handling_unit: Id = Field(..., description="The unit whose mediation committee handles it")
    kind: Id
    source: DisputeSource = Field(..., description="A referral from a petition goes through /disputes/refer")
    summary: str = Field(..., max_length=200)
    details: str = Field("", max_length=5000)
    place: str = Field("", max_length=200)
    risk_note: str = Field("", max_length=2000)
    parties: list[PartyIn] = Field(..., max_length=MAX_PARTIES_IN)
    mediators: list[Id] = Field(default_factory=list, max_length=MAX_MEDIATORS_IN)
    registered_at: Moment | None = Field(
        None, description="When it came in (no offset: Beijing); default now"
    )


class ReferIn(Schema):
    petition: Id = Field(..., description="The petition referred; its petitioners become the applicants")
    handling_unit: Id
    kind: Id
    respondents: list[PartyIn] = Field(..., max_length=MAX_PARTIES_IN)
    summary: str = Field("", max_length=200, description="Empty: the petition's summary")
    mediators: list[Id] = Field(default_factory=list, max_length=MAX_MEDIATORS_IN)


class DisputeUpdateIn(Schema):
    summary: str | None = Field(None, max_length=200)
    details: str | None = Field(None, max_length=5000)
    place: str | None = Field(None, max_length=200)
    risk_note: str | None = Field(None, max_length=2000)
    kind: Id | None = None
    mediators: list[Id] | None = Field(None, max_length=MAX_MEDIATORS_IN)


class AcceptIn(Schema):
    mediators: list[Id] | None = Field(
        None, max_length=MAX_MEDIATORS_IN, description="Name them now; empty: those already named"
    )


class ChannelIn(Schema):
    reason: str = Field(..., max_length=2000)
    channel: Channel = Field(..., description="The channel the parties are advised to take")
    advice: str = Field("", max_length=300)


class SessionIn(Schema):
    held_at: Moment = Field(..., description="No offset: Beijing")
    participants: str = Field(..., max_length=1000)
    record: str = Field(..., max_length=10000)
    place: str = Field("", max_length=200)


class AgreementIn(Schema):
    """The contents 人民调解法 Art. 29 requires; a missing one is a 400 ``agreement_incomplete``."""

    facts: str = Field("", max_length=5000)
    issues: str = Field("", max_length=3000)
    responsibilities: str = Field("", max_length=3000)
    terms: str = Field("", max_length=5000)
    performance_manner: str = Field("", max_length=2000)
    performance_due: Day | None = None
    signed_on: Day | None = Field(None, description="The day every party and the mediator signed")
    is_oral: bool = False
    copies: int | None = Field(None, ge=0, le=1000, description="Default: one per party and one kept")


class FollowUpIn(Schema):
    due_on: Day
    method: FollowUpMethod = FollowUpMethod.VISIT


class FollowUpRecordIn(Schema):
    performance: Performance
    notes: str = Field(..., max_length=3000)
    method: FollowUpMethod | None = None


class CloseIn(Schema):
    note: str = Field("", max_length=300)


class EscalateIn(Schema):
    channel: IntakeChannel = Field(IntakeChannel.VISIT, description="How the residents bring the matter")
    content: str = Field("", max_length=20000, description="Empty: the dispute's details")


class EscalatedOut(Schema):
    dispute_id: int
    petition_id: int
    number: str
    query_code: str = Field(..., description="Shown once: give it to the residents; only a hash is kept")


# --- helpers ------------------------------------------------------------------------------------


def _today() -> datetime.date:
    return beijing_date(timezone.now())


def _overdue(dispute: Dispute) -> bool:
    return bool(dispute.status == DisputeStatus.ACCEPTED and dispute.due_on and dispute.due_on < _today())


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A time without an offset is Beijing wall-clock time."""
    if moment is not None and timezone.is_naive(moment):
        return moment.replace(tzinfo=BEIJING)
    return moment


def _party_row(party: DisputeParty, *, revealed: bool) -> dict[str, Any]:
    """A party as shown: a resident's details masked; an organisation's name and code are public,
    its representative and phone are a person's and masked."""
    row = {name: getattr(party, name) for name in ("id", "kind", "side", *PARTY_FIELDS)}
    if revealed:
        return row
    person = party.kind == PartyKind.PERSON
    row["name"] = mask_name(party.name) if person else party.name
    row["id_number"] = mask_id_number(party.id_number) if person else party.id_number
    row["address"] = mask_address(party.address) if person else party.address
    row["phone"] = mask_phone(party.phone)
    row["representative"] = mask_name(party.representative)
    return row


def _reveal(user: User, dispute: Dispute, reason: str = "") -> None:
    """Authorise and record one unmasked view of the parties (raises 403, recorded, if not allowed)."""
    personal_data_reveal(
        actor=user, obj=dispute, unit=dispute.handling_unit, fields=PARTY_FIELDS, reason=reason
    )


def _people(user: User, ids: list[int]) -> list[User]:
    """The named people, every one in the caller's scope (else 404); the service checks the rest."""
    found = {person.pk: person for person in person_list(user=user).filter(pk__in=set(ids))}
    if len(found) != len(set(ids)):
        raise NotFound()
    return [found[pk] for pk in dict.fromkeys(ids)]


def _kind(pk: int | None) -> DisputeKind | None:
    """The named kind (reference data); an unknown one is refused by the service as not active."""
    return DisputeKind.objects.filter(pk=pk).first() if pk is not None else None


def _parties(parties: list[PartyIn]) -> list[services.PartyIn]:
    return [services.PartyIn(**party.dict()) for party in parties]


def dispute_detail(user: User, dispute_id: int, *, unmasked: bool = False) -> dict[str, Any]:
    """The dispute as the API shows it; ``unmasked`` authorises and audits the parties in full."""
    dispute = selectors.access_dispute(user, dispute_id)
    if unmasked:
        _reveal(user, dispute)
    linked = selectors.dispute_linked_petitions(user=user, dispute=dispute)
    agreement = MediationAgreement.objects.filter(dispute=dispute).select_related("created_by").first()
    return {
        **{
            name: getattr(dispute, name)
            for name in (
                "id",
                "number",
                "status",
                "kind",
                "source",
                "summary",
                "details",
                "place",
                "risk_note",
                "handling_unit",
                "registered_at",
                "accepted_at",
                "due_on",
                "declined_reason",
                "advised_channel",
                "advised_note",
                "concluded_at",
                "no_agreement_reason",
                "closed_at",
                "close_note",
                "updated_at",
            )
        },
        "status_label": str(DisputeStatus(dispute.status).label),
        "overdue": _overdue(dispute),
        "registered_by": dispute.registered_by.get_full_name(),
        "mediators": list(dispute.mediators.order_by("id")),
        "parties_unmasked": unmasked,
        "parties": [_party_row(p, revealed=unmasked) for p in dispute.parties.order_by("order", "id")],
        "sessions": list(dispute.sessions.select_related("recorded_by").order_by("held_at", "id")),
        "agreement": agreement,
        "follow_ups": list(
            dispute.follow_ups.select_related("scheduled_by", "done_by").order_by("due_on", "id")
        ),
        "petition": linked["from"],
        "escalated_petition": linked["to"],
    }


def _dispute(request: HttpRequest, dispute_id: int) -> tuple[User, Dispute]:
    """The acting user and the dispute, which must be in their scope (else 404)."""
    user = api_user(request)
    return user, selectors.access_dispute(user, dispute_id)


def _ledger(user: User, filters: DisputeFilter, action: str) -> Any:
    if (
        filters.registered_from is not None
        and filters.registered_to is not None
        and filters.registered_to < filters.registered_from
    ):
        message = _("The end date is before the start date.")
        raise ValidationFailed(message, errors={"registered_to": [message]})
    return selectors.dispute_ledger(
        user=user,
        action=action,
        filters=selectors.LedgerFilter(
            status=filters.status or "",
            kind=filters.kind,
            unit=access_unit(user, filters.unit) if filters.unit is not None else None,
            q=filters.q,
            registered_from=filters.registered_from,
            registered_to=filters.registered_to,
        ),
    )


#: A document route answers a file; its errors are the API's.
def _binary(description: str, content_type: str) -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


# --- dispute kinds ------------------------------------------------------------------------------


@router.get("/kinds", response={200: list[KindOut], **ERRORS}, summary="List dispute kinds")
@paginate
def list_dispute_kinds(request: HttpRequest, filters: Query[KindFilter]) -> object:
    # Reference data every signed-in role reads (the ledger's and the forms' choices).
    api_user(request)
    return selectors.dispute_kinds(active_only=not filters.include_inactive).order_by("sort_order", "code")


@router.post("/kinds", response={201: KindOut, **ERRORS}, summary="Add a dispute kind")
def create_dispute_kind(request: HttpRequest, payload: KindCreateIn) -> object:
    kind = services.dispute_kind_create(
        actor=api_user(request), code=payload.code, name=payload.name, sort_order=payload.sort_order
    )
    return Status(201, kind)


@router.patch(
    "/kinds/{kind_id}",
    response={200: KindOut, **ERRORS},
    summary="Rename, reorder or (de)activate a kind (kinds are never deleted)",
)
def update_dispute_kind(request: HttpRequest, kind_id: Path[Id], payload: KindUpdateIn) -> object:
    user = api_user(request)
    kind = DisputeKind.objects.filter(pk=kind_id).first()
    if kind is None:
        raise NotFound()
    return services.dispute_kind_update(
        actor=user,
        kind=kind,
        name=payload.name,
        sort_order=payload.sort_order,
        is_active=payload.is_active,
    )


# --- the ledger ---------------------------------------------------------------------------------


@router.get(
    "/disputes",
    response={200: list[DisputeListOut], **ERRORS},
    summary="The dispute ledger (台账), newest first",
)
@paginate
def list_disputes(request: HttpRequest, filters: Query[DisputeFilter]) -> object:
    return _ledger(api_user(request), filters, Action.DISPUTE_VIEW).prefetch_related("parties")


@router.get(
    "/disputes/export.xlsx",
    response=ERRORS,
    summary="The filtered ledger as .xlsx (parties masked unless unmasked=true; audited)",
    openapi_extra=_binary("The ledger", XLSX_CONTENT_TYPE),
)
def export_disputes(request: HttpRequest, filters: Query[ExportQuery]) -> object:
    user = api_user(request)
    require(user, Action.DISPUTE_EXPORT)
    rows = _ledger(user, filters, Action.DISPUTE_EXPORT)
    if filters.unmasked:
        personal_data_reveal(
            actor=user,
            obj=user.unit or user,
            unit=user.unit,
            fields=PARTY_FIELDS,
            reason="dispute ledger export: " + request.GET.urlencode(),
        )
    content = dispute_ledger_xlsx(rows, masked=not filters.unmasked, viewer=user)
    return download_response(content, dispute_ledger_filename(), XLSX_CONTENT_TYPE)


@router.post("/disputes", response={201: DisputeOut, **ERRORS}, summary="Register a dispute")
def create_dispute(request: HttpRequest, payload: DisputeCreateIn) -> object:
    user = api_user(request)
    dispute = services.dispute_register(
        actor=user,
        handling_unit=access_unit(user, payload.handling_unit),
        kind=_kind(payload.kind),
        source=payload.source,
        summary=payload.summary,
        parties=_parties(payload.parties),
        details=payload.details,
        place=payload.place,
        risk_note=payload.risk_note,
        mediators=_people(user, payload.mediators),
        registered_at=_aware(payload.registered_at),
    )
    return Status(201, dispute_detail(user, dispute.pk))


@router.post(
    "/disputes/refer",
    response={201: DisputeOut, **ERRORS},
    summary="Refer a petition to mediation (its petitioners become the applicants; once: else 409)",
)
def refer_petition_to_mediation(request: HttpRequest, payload: ReferIn) -> object:
    user = api_user(request)
    dispute = services.dispute_refer_from_petition(
        actor=user,
        petition=access_petition(user, payload.petition, Action.PETITION_VIEW),
        handling_unit=access_unit(user, payload.handling_unit),
        kind=_kind(payload.kind),
        respondents=_parties(payload.respondents),
        summary=payload.summary,
        mediators=_people(user, payload.mediators),
    )
    return Status(201, dispute_detail(user, dispute.pk))


@router.get(
    "/disputes/{dispute_id}",
    response={200: DisputeOut, **ERRORS},
    summary="One dispute with its parties (masked), sessions, agreement, follow-ups and linked petitions",
)
def get_dispute(request: HttpRequest, dispute_id: Path[Id], query: Query[DetailQuery]) -> object:
    """``unmasked=true`` shows the parties in full to roles that need them; every such view is audited."""
    return dispute_detail(api_user(request), dispute_id, unmasked=query.unmasked)


@router.patch(
    "/disputes/{dispute_id}",
    response={200: DisputeOut, **ERRORS},
    summary="Change what is known about an open dispute",
)
def update_dispute(request: HttpRequest, dispute_id: Path[Id], payload: DisputeUpdateIn) -> object:
    user, dispute = _dispute(request, dispute_id)
    services.dispute_update(
        actor=user,
        dispute=dispute,
        summary=payload.summary,
        details=payload.details,
        place=payload.place,
        risk_note=payload.risk_note,
        kind=_kind(payload.kind) if payload.kind is not None else None,
        mediators=_people(user, payload.mediators) if payload.mediators is not None else None,
    )
    return dispute_detail(user, dispute_id)


# --- the lifecycle: each one service call ---------------------------------------------------------

DETAIL = {200: DisputeOut, **ERRORS}


@router.post("/disputes/{dispute_id}/accept", response=DETAIL, summary="Accept for mediation")
def accept_dispute(request: HttpRequest, dispute_id: Path[Id], payload: AcceptIn) -> object:
    user, dispute = _dispute(request, dispute_id)
    mediators = _people(user, payload.mediators) if payload.mediators is not None else None
    services.dispute_accept(actor=user, dispute=dispute, mediators=mediators)
    return dispute_detail(user, dispute_id)


@router.post(
    "/disputes/{dispute_id}/decline",
    response=DETAIL,
    summary="Not accepted for mediation, with the reason and the channel advised",
)
def decline_dispute(request: HttpRequest, dispute_id: Path[Id], payload: ChannelIn) -> object:
    user, dispute = _dispute(request, dispute_id)
    services.dispute_decline(
        actor=user, dispute=dispute, reason=payload.reason, channel=payload.channel, advice=payload.advice
    )
    return dispute_detail(user, dispute_id)


@router.post(
    "/disputes/{dispute_id}/sessions",
    response={201: SessionOut, **ERRORS},
    summary="Record a mediation session",
)
def record_dispute_session(request: HttpRequest, dispute_id: Path[Id], payload: SessionIn) -> object:
    user, dispute = _dispute(request, dispute_id)
    session = services.session_record(
        actor=user,
        dispute=dispute,
        held_at=_aware(payload.held_at) or timezone.now(),
        participants=payload.participants,
        record=payload.record,
        place=payload.place,
    )
    return Status(201, session)


@router.post(
    "/disputes/{dispute_id}/agreement",
    response={201: AgreementOut, **ERRORS},
    summary="Record the agreement reached (missing contents: 400 agreement_incomplete)",
)
def record_dispute_agreement(request: HttpRequest, dispute_id: Path[Id], payload: AgreementIn) -> object:
    user, dispute = _dispute(request, dispute_id)
    agreement = services.agreement_record(
        actor=user, dispute=dispute, data=services.AgreementIn(**payload.dict())
    )
    return Status(201, agreement)


@router.post(
    "/disputes/{dispute_id}/no-agreement",
    response=DETAIL,
    summary="Mediation ended without agreement, with the channel advised",
)
def end_dispute_without_agreement(request: HttpRequest, dispute_id: Path[Id], payload: ChannelIn) -> object:
    user, dispute = _dispute(request, dispute_id)
    services.dispute_no_agreement(
        actor=user, dispute=dispute, reason=payload.reason, channel=payload.channel, advice=payload.advice
    )
    return dispute_detail(user, dispute_id)


@router.post(
    "/disputes/{dispute_id}/follow-ups",
    response={201: FollowUpOut, **ERRORS},
    summary="Schedule a follow-up visit (回访)",
)
def schedule_dispute_follow_up(request: HttpRequest, dispute_id: Path[Id], payload: FollowUpIn) -> object:
    user, dispute = _dispute(request, dispute_id)
    follow_up = services.follow_up_schedule(
        actor=user, dispute=dispute, due_on=payload.due_on, method=payload.method
    )
    return Status(201, follow_up)


@router.post(
    "/disputes/{dispute_id}/follow-ups/{follow_up_id}/record",
    response={200: FollowUpOut, **ERRORS},
    summary="Record a follow-up visit as made, with what it found",
)
def record_dispute_follow_up(
    request: HttpRequest, dispute_id: Path[Id], follow_up_id: Path[Id], payload: FollowUpRecordIn
) -> object:
    user, dispute = _dispute(request, dispute_id)
    return services.follow_up_record(
        actor=user,
        follow_up=selectors.access_follow_up(user, dispute, follow_up_id),
        performance=payload.performance,
        notes=payload.notes,
        method=payload.method,
    )


@router.post("/disputes/{dispute_id}/close", response=DETAIL, summary="Close the case")
def close_dispute(request: HttpRequest, dispute_id: Path[Id], payload: CloseIn) -> object:
    user, dispute = _dispute(request, dispute_id)
    services.dispute_close(actor=user, dispute=dispute, note=payload.note)
    return dispute_detail(user, dispute_id)


@router.post(
    "/disputes/{dispute_id}/escalate",
    response={201: EscalatedOut, **ERRORS},
    summary="Register a petition from a dispute mediation could not settle (the query code is shown once)",
)
def escalate_dispute(request: HttpRequest, dispute_id: Path[Id], payload: EscalateIn) -> object:
    user, dispute = _dispute(request, dispute_id)
    petition, code = services.dispute_escalate(
        actor=user, dispute=dispute, channel=payload.channel, content=payload.content
    )
    return Status(
        201,
        {"dispute_id": dispute.pk, "petition_id": petition.pk, "number": petition.number, "query_code": code},
    )


# --- documents ------------------------------------------------------------------------------------


@router.get(
    "/disputes/{dispute_id}/agreement.docx",
    response=ERRORS,
    summary="The mediation agreement (调解协议书) as .docx (409 without one); a view of the parties' details",
    openapi_extra=_binary("The agreement", DOCX_CONTENT_TYPE),
)
def download_dispute_agreement(request: HttpRequest, dispute_id: Path[Id]) -> HttpResponse:
    """The document the parties sign carries their details in full: authorised and audited like an
    unmasked view (roles without ``PERSONAL_VIEW``: 403, the refusal recorded)."""
    user, dispute = _dispute(request, dispute_id)
    content = agreement_docx(dispute)  # 409 without an agreement, before anything is recorded
    _reveal(user, dispute, reason="mediation agreement document")
    return download_response(content, agreement_filename(dispute), DOCX_CONTENT_TYPE)


@router.get(
    "/disputes/{dispute_id}/record.docx",
    response=ERRORS,
    summary="The mediation record (调解记录) as .docx (409 without a session); a view of the parties' names",
    openapi_extra=_binary("The record", DOCX_CONTENT_TYPE),
)
def download_dispute_record(request: HttpRequest, dispute_id: Path[Id]) -> HttpResponse:
    """The record names the parties in full (not their ID numbers or addresses): authorised and
    audited like an unmasked view of their names."""
    user, dispute = _dispute(request, dispute_id)
    content = session_record_docx(dispute)  # 409 without a session, before anything is recorded
    personal_data_reveal(
        actor=user,
        obj=dispute,
        unit=dispute.handling_unit,
        fields=("name",),
        reason="mediation record document",
    )
    return download_response(content, record_filename(dispute), DOCX_CONTENT_TYPE)
