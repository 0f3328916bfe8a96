"""REST API routes of the petitions app: the ledger, one matter, intake, every transition, attachments,
and the resident's public tracking.

Scoping is the pages' (``selectors.petition_list`` / ``access_petition``): a matter out of scope is a
404 and its existence is not revealed. Petitioners' names, ID numbers, phones and addresses are
masked everywhere; ``?reveal=true`` on one matter shows them to a role that needs them and writes an
audit event (a refusal is audited too).
"""

import datetime
import unicodedata
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from zhenwu.core.api.schemas import ERRORS, ErrorOut, UnitRef, api_user
from zhenwu.core.downloads import protect_stored_file
from zhenwu.core.exceptions import NotFound, ValidationFailed
from zhenwu.core.models import Unit, User
from zhenwu.core.personal_data import (
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    personal_data_reveal,
)
from zhenwu.core.scoping import Action, has_instance_scope, unit_in_scope
from zhenwu.core.selectors import access_person, access_unit
from zhenwu.petitions import services
from zhenwu.petitions.attachments import ACCEPTED_KINDS, attachment_add, attachment_download
from zhenwu.petitions.choices import DeclineRoute, DocumentKind, EventKind, IntakeChannel, Stage
from zhenwu.petitions.choices import Status as PetitionStatus
from zhenwu.petitions.ledger import (
    SORTS,
    LedgerFilters,
    ledger_is_overdue,
    ledger_pages,
    ledger_petitioner_names,
    ledger_rows,
)
from zhenwu.petitions.models import (
    Attachment,
    Category,
    Petition,
    PetitionDocument,
    PetitionEvent,
    PetitionLink,
    PetitionParty,
)
from zhenwu.petitions.search import search_query_tokens
from zhenwu.petitions.selectors import (
    access_petition,
    event_shown,
    hidden_link_numbers,
    petition_list,
)
from zhenwu.public import ratelimit
from zhenwu.public.selectors import NOT_FOUND_MESSAGE, petition_by_code, public_timeline

router = Router(tags=["petitions"])

#: The personal fields of a petitioner; all masked unless revealed.
PERSONAL_FIELDS = ("name", "id_number", "phone", "address")
#: Fields of a matter the detail shows as they are stored.
# fmt: off
DETAIL_FIELDS = (
    "id", "number", "channel", "status", "stage", "due_on", "summary", "content", "place",
    "is_collective", "headcount", "is_first_time", "received_at", "registered_at", "accepted_at",
    "declined_at", "decline_route", "decline_reason", "assigned_at", "extension_days",
    "extension_reason", "answered_at", "satisfaction", "satisfaction_comment", "rated_at",
    "review_requested_at", "reviewed_at", "review_opinion", "re_review_requested_at",
    "re_reviewed_at", "re_review_opinion", "hearing_days", "closed_at", "updated_at",
)
# fmt: on
#: Longest free text accepted in a transition's note, reason or opinion part.
TEXT_MAX = 5000


# --- schemas ------------------------------------------------------------------------------------


class PetitionPersonRef(Schema):
    id: int
    full_name: str


class CategoryRef(Schema):
    id: int
    name: str


class PetitionerOut(Schema):
    name: str
    id_number: str
    phone: str
    address: str
    is_representative: bool


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    from_status: str
    to_status: str
    actor_name: str
    occurred_at: datetime.datetime
    note: str
    data: dict[str, Any]
    public: bool


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    created_at: datetime.datetime
    created_by: str


class AttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    uploaded_at: datetime.datetime
    uploaded_by: str


class LinkOut(Schema):
    petition_id: int
    number: str
    note: str
    direction: str = Field(..., description="'to': this matter links the other; 'from': the other links this")


class OpinionOut(Schema):
    request: str
    facts: str
    decision: str
    basis: str


class PetitionOut(Schema):
    """One matter in full; petitioners masked unless ``petitioners_revealed``."""

    id: int
    number: str
    channel: str
    channel_label: str
    status: str
    status_label: str
    stage: str
    stage_label: str
    due_on: datetime.date | None
    overdue: bool
    summary: str
    content: str
    place: str
    is_collective: bool
    headcount: int
    is_first_time: bool
    unit: UnitRef
    handling_unit: UnitRef | None
    lead_official: PetitionPersonRef | None
    category: CategoryRef | None
    accused_unit: UnitRef | None
    received_at: datetime.datetime
    registered_at: datetime.datetime
    accepted_at: datetime.datetime | None
    declined_at: datetime.datetime | None
    decline_route: str
    decline_reason: str
    assigned_at: datetime.datetime | None
    extension_days: int
    extension_reason: str
    answered_at: datetime.datetime | None
    opinion: OpinionOut | None
    satisfaction: str
    satisfaction_comment: str
    rated_at: datetime.datetime | None
    review_requested_at: datetime.datetime | None
    reviewed_at: datetime.datetime | None
    review_opinion: str
    re_review_requested_at: datetime.datetime | None
    re_reviewed_at: datetime.datetime | None
    re_review_opinion: str
    hearing_days: int
    closed_at: datetime.datetime | None
    updated_at: datetime.datetime
    petitioners_revealed: bool
    petitioners: list[PetitionerOut]
    events: list[EventOut]
    documents: list[DocumentOut]
    attachments: list[AttachmentOut]
    links: list[LinkOut]


class PetitionListOut(Schema):
    """One row of the ledger; petitioners' names masked."""

    id: int
    number: str
    channel: str
    status: str
    status_label: str
    stage: str
    due_on: datetime.date | None
    overdue: bool
    received_at: datetime.datetime
    summary: str
    unit: UnitRef
    handling_unit: UnitRef | None
    category: CategoryRef | None
    is_collective: bool
    headcount: int
    petitioners: str = Field(..., description="Masked names, representatives first, separated by 、")

    @staticmethod
    def resolve_status_label(obj: Petition) -> str:
        return str(PetitionStatus(obj.status).label)

    @staticmethod
    def resolve_overdue(obj: Petition) -> bool:
        return ledger_is_overdue(obj)

    @staticmethod
    def resolve_petitioners(obj: Petition) -> str:
        return ledger_petitioner_names(obj)


class PetitionFilter(Schema):
    q: str = Field("", max_length=100, description="Words of the summary or text, at least two characters")
    status: PetitionStatus | None = None
    channel: IntakeChannel | None = None
    category: int | None = Field(None, description="This category and its sub-categories")
    unit: int | None = Field(None, description="Registered by or assigned to this unit or one below it")
    received_from: datetime.date | None = None
    received_to: datetime.date | None = None
    overdue: bool = Field(False, description="Only matters whose staff deadline has passed")
    sort: str = Field("-received_at", max_length=20, description="One of: " + ", ".join(sorted(SORTS)))


class PetitionerIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field("", max_length=18)
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=200)
    is_representative: bool = False


class PetitionCreateIn(Schema):
    channel: IntakeChannel
    unit_id: int | None = Field(None, description="Registering unit; administrators only (others: their own)")
    petitioners: list[PetitionerIn] = Field(..., min_length=1, max_length=200)
    summary: str = Field(..., min_length=1, max_length=200)
    content: str = Field(..., min_length=1, max_length=20000)
    received_at: datetime.datetime | None = None
    category_id: int | None = None
    place: str = Field("", max_length=200)
    is_collective: bool = False
    headcount: int | None = Field(None, ge=1, le=100000)
    accused_unit_id: int | None = Field(None, description="A unit the matter accuses; it never sees it")
    accused_user_id: int | None = Field(None, description="A staff member the matter accuses")


class PetitionCreatedOut(Schema):
    id: int
    number: str
    query_code: str = Field(..., description="Shown once: give it to the resident; only a hash is kept")
    status: str
    stage: str
    due_on: datetime.date | None
    is_first_time: bool


class NoteIn(Schema):
    note: str = Field("", max_length=TEXT_MAX)


class DeclineIn(Schema):
    route: DeclineRoute
    reason: str = Field(..., max_length=TEXT_MAX)


class AssignIn(Schema):
    handling_unit_id: int
    lead_official_id: int | None = None
    note: str = Field("", max_length=TEXT_MAX)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=TEXT_MAX)


class RecuseIn(Schema):
    reason: str = Field(..., max_length=200)


class ExtendIn(Schema):
    days: int = Field(
        ..., ge=1, le=365, description="Days added to the handling deadline (the rule's maximum)"
    )
    reason: str = Field(..., max_length=TEXT_MAX)


class AnswerIn(Schema):
    request: str = Field(..., max_length=TEXT_MAX)
    facts: str = Field(..., max_length=TEXT_MAX)
    decision: str = Field(..., max_length=TEXT_MAX)
    basis: str = Field(..., max_length=TEXT_MAX)


class OpinionIn(Schema):
    opinion: str = Field(..., max_length=TEXT_MAX * 2)


class HearingIn(Schema):
    days: int = Field(..., ge=1, le=365)


class LinkIn(Schema):
    other_id: int
    note: str = Field("", max_length=200)


class RecusalOut(Schema):
    petition_id: int
    number: str
    reason: str
    created_at: datetime.datetime


class TrackIn(Schema):
    number: str = Field(..., min_length=1, max_length=32)
    query_code: str = Field(..., min_length=1, max_length=16)


class LabelValueOut(Schema):
    label: str
    value: str


class PublicEventOut(Schema):
    occurred_at: datetime.datetime
    title: str
    details: list[LabelValueOut]


class DeclineOpinionOut(Schema):
    route: str
    route_label: str
    reason: str


class HandlingOpinionOut(OpinionOut):
    answered_at: datetime.datetime


class WrittenOpinionOut(Schema):
    decided_at: datetime.datetime
    opinion: str


class PublicTrackOut(Schema):
    """What the public page shows a resident: no staff names, internal notes or personal data."""

    number: str
    received_at: datetime.datetime
    received_by: str
    status: str
    status_label: str
    stage: str
    stage_label: str = Field(..., description="Empty when no deadline is running")
    due_on: datetime.date | None
    decline: DeclineOpinionOut | None
    opinion: HandlingOpinionOut | None
    review: WrittenOpinionOut | None
    re_review: WrittenOpinionOut | None
    timeline: list[PublicEventOut]


# --- building the detail --------------------------------------------------------------------------


def _unit_ref(unit: Unit | None) -> dict[str, Any] | None:
    return {"id": unit.pk, "code": unit.code, "name": unit.name} if unit is not None else None


def _category_ref(category: Category | None) -> dict[str, Any] | None:
    return {"id": category.pk, "name": str(category)} if category is not None else None


def _person_ref(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "full_name": user.get_full_name()} if user is not None else None


def _petitioners(petition: Petition, *, revealed: bool) -> list[dict[str, Any]]:
    parties = PetitionParty.objects.filter(petition=petition).select_related("petitioner")
    rows = []
    for party in parties.order_by("-is_representative", "id"):
        person = party.petitioner
        rows.append(
            {
                "name": person.name if revealed else mask_name(person.name),
                "id_number": person.id_number if revealed else mask_id_number(person.id_number),
                "phone": person.phone if revealed else mask_phone(person.phone),
                "address": person.address if revealed else mask_address(person.address),
                "is_representative": party.is_representative,
            }
        )
    return rows


def _links(user: User, petition: Petition) -> list[dict[str, Any]]:
    """Links to matters the user may see (a link never reveals a matter out of scope)."""
    visible = petition_list(user=user, action=Action.PETITION_VIEW).values("id")
    out = [
        {
            "petition_id": link.to_petition_id,
            "number": link.to_petition.number,
            "note": link.note,
            "direction": "to",
        }
        for link in PetitionLink.objects.filter(from_petition=petition, to_petition__in=visible)
        .select_related("to_petition")
        .order_by("id")
    ]
    out += [
        {
            "petition_id": link.from_petition_id,
            "number": link.from_petition.number,
            "note": link.note,
            "direction": "from",
        }
        for link in PetitionLink.objects.filter(to_petition=petition, from_petition__in=visible)
        .select_related("from_petition")
        .order_by("id")
    ]
    return out


def _reveal_unit(user: User, petition: Petition) -> Unit | None:
    """The unit the reveal is authorised and recorded against: the registering unit if it is the
    user's, else the handling unit (staff of a handling unit contact the resident too)."""
    if has_instance_scope(user) or unit_in_scope(user, petition.unit):
        return petition.unit
    return petition.handling_unit


def _event_out(event: PetitionEvent, hidden_numbers: set[str]) -> dict[str, Any]:
    data, note = event_shown(event, hidden_numbers)
    return {
        "id": event.pk,
        "kind": event.kind,
        "kind_label": str(EventKind(event.kind).label),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor_name": event.actor_name,
        "occurred_at": event.occurred_at,
        "note": note,
        "data": data,
        "public": event.public,
    }


def petition_detail(user: User, petition_id: int, *, reveal: bool = False) -> dict[str, Any]:
    """The full matter as the API shows it; ``reveal`` authorises and audits the unmasked petitioners."""
    petition = access_petition(user, petition_id, Action.PETITION_VIEW)
    if reveal:
        personal_data_reveal(
            actor=user, obj=petition, unit=_reveal_unit(user, petition), fields=PERSONAL_FIELDS
        )
    events = PetitionEvent.objects.filter(petition=petition).order_by("occurred_at", "id")
    hidden = hidden_link_numbers(user=user, petition=petition)
    documents = PetitionDocument.objects.filter(petition=petition).select_related("created_by")
    attachments = Attachment.objects.filter(petition=petition).select_related("uploaded_by")
    opinion = (
        {
            "request": petition.opinion_request,
            "facts": petition.opinion_facts,
            "decision": petition.opinion_decision,
            "basis": petition.opinion_basis,
        }
        if petition.answered_at is not None
        else None
    )
    return {
        **{name: getattr(petition, name) for name in DETAIL_FIELDS},
        "channel_label": str(IntakeChannel(petition.channel).label),
        "status_label": str(PetitionStatus(petition.status).label),
        "stage_label": str(Stage(petition.stage).label),
        "overdue": ledger_is_overdue(petition),
        "unit": _unit_ref(petition.unit),
        "handling_unit": _unit_ref(petition.handling_unit),
        "lead_official": _person_ref(petition.lead_official),
        "category": {"id": petition.category.pk, "name": str(petition.category)}
        if petition.category
        else None,
        "accused_unit": _unit_ref(petition.accused_unit),
        "opinion": opinion,
        "petitioners_revealed": reveal,
        "petitioners": _petitioners(petition, revealed=reveal),
        "events": [_event_out(e, hidden) for e in events],
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "kind_label": str(DocumentKind(d.kind).label),
                "created_at": d.created_at,
                "created_by": d.created_by.get_full_name() if d.created_by else "",
            }
            for d in documents
        ],
        "attachments": [_attachment_out(a) for a in attachments],
        "links": _links(user, petition),
    }


def _attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "original_name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "uploaded_at": attachment.uploaded_at,
        "uploaded_by": attachment.uploaded_by.get_full_name() if attachment.uploaded_by else "",
    }


def _matter(request: HttpRequest, petition_id: int) -> tuple[User, Petition]:
    """The acting user and the matter, which must be in their scope (else 404)."""
    user = api_user(request)
    return user, access_petition(user, petition_id, Action.PETITION_VIEW)


# --- the ledger and one matter --------------------------------------------------------------------


@router.get("/petitions", response={200: list[PetitionListOut], **ERRORS}, summary="List and search matters")
@paginate
def list_petitions(request: HttpRequest, filters: Query[PetitionFilter]) -> object:
    user = api_user(request)
    errors: dict[str, list[str]] = {}
    if filters.q.strip() and not search_query_tokens(filters.q):
        errors["q"] = [_("Enter a word of at least two characters.")]
    if filters.received_from and filters.received_to and filters.received_to < filters.received_from:
        errors["received_to"] = [_("The end date is before the start date.")]
    if filters.sort not in SORTS:
        errors["sort"] = [_("Choose one of the listed sorts.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    category = None
    if filters.category is not None:
        category = Category.objects.filter(pk=filters.category).first()
        if category is None:
            raise NotFound()
    chosen = LedgerFilters(
        status=filters.status or None,
        unit=access_unit(user, filters.unit) if filters.unit is not None else None,
        category=category,
        channel=filters.channel or None,
        received_from=filters.received_from,
        received_to=filters.received_to,
        overdue=filters.overdue,
        q=filters.q.strip(),
        sort=filters.sort,
    )
    return ledger_pages(user, chosen, rows=ledger_rows)


@router.get("/petitions/{petition_id}", response={200: PetitionOut, **ERRORS}, summary="One matter")
def get_petition(request: HttpRequest, petition_id: int, reveal: bool = False) -> object:
    """``reveal=true`` shows the petitioners unmasked to roles that need them; every reveal is audited."""
    return petition_detail(api_user(request), petition_id, reveal=reveal)


# --- intake ----------------------------------------------------------------------------------------


def _registering_unit(user: User, unit_id: int | None) -> Unit:
    """Staff register for their own unit; an administrator (instance-wide) names the unit."""
    if unit_id is not None and has_instance_scope(user):
        return access_unit(user, unit_id)
    if unit_id is not None and unit_id != user.unit_id:
        message = _("You register matters for your own unit.")
        raise ValidationFailed(message, errors={"unit_id": [message]})
    if user.unit is None:
        message = _("Choose the registering unit.")
        raise ValidationFailed(message, errors={"unit_id": [message]})
    return user.unit


def _lookup(model: type[Any], pk: int | None, field: str, **conditions: Any) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, **conditions).first()
    if found is None:
        message = _("Choose an existing entry.")
        raise ValidationFailed(message, errors={field: [message]})
    return found


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A time without an offset is Beijing wall-clock time (what the office reads off the letter)."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


@router.post("/petitions", response={201: PetitionCreatedOut, **ERRORS}, summary="Register a matter")
def create_petition(request: HttpRequest, payload: PetitionCreateIn) -> object:
    user = api_user(request)
    petition, code = services.petition_register(
        actor=user,
        unit=_registering_unit(user, payload.unit_id),
        channel=payload.channel,
        petitioners=[services.PetitionerIn(**p.dict()) for p in payload.petitioners],
        summary=payload.summary,
        content=payload.content,
        received_at=_aware(payload.received_at),
        category=_lookup(Category, payload.category_id, "category_id", is_active=True),
        place=payload.place,
        is_collective=payload.is_collective,
        headcount=payload.headcount,
        accused_unit=_lookup(Unit, payload.accused_unit_id, "accused_unit_id"),
        accused_user=_lookup(User, payload.accused_user_id, "accused_user_id"),
    )
    return Status(
        201,
        {
            "id": petition.pk,
            "number": petition.number,
            "query_code": code,
            "status": petition.status,
            "stage": petition.stage,
            "due_on": petition.due_on,
            "is_first_time": petition.is_first_time,
        },
    )


# --- transitions: each one service call, answered with the updated matter --------------------------

DETAIL = {200: PetitionOut, **ERRORS}


@router.post("/petitions/{petition_id}/accept", response=DETAIL, summary="Accept (受理)")
def accept_petition(request: HttpRequest, petition_id: int, payload: NoteIn) -> object:
    user, petition = _matter(request, petition_id)
    services.petition_accept(actor=user, petition=petition, note=payload.note)
    return petition_detail(user, petition_id)


@router.post("/petitions/{petition_id}/decline", response=DETAIL, summary="Decline (不予受理)")
def decline_petition(request: HttpRequest, petition_id: int, payload: DeclineIn) -> object:
    user, petition = _matter(request, petition_id)
    services.petition_decline(actor=user, petition=petition, route=payload.route, reason=payload.reason)
    return petition_detail(user, petition_id)


@router.post("/petitions/{petition_id}/assign", response=DETAIL, summary="Assign to a handling unit (交办)")
def assign_petition(request: HttpRequest, petition_id: int, payload: AssignIn) -> object:
    user, petition = _matter(request, petition_id)
    handling_unit = access_unit(user, payload.handling_unit_id)
    lead = access_person(user, payload.lead_official_id) if payload.lead_official_id is not None else None
    services.petition_assign(
        actor=user, petition=petition, handling_unit=handling_unit, lead_official=lead, note=payload.note
    )
    return petition_detail(user, petition_id)


@router.post("/petitions/{petition_id}/start", response=DETAIL, summary="Start handling")
def start_petition(request: HttpRequest, petition_id: int) -> object:
    user, petition = _matter(request, petition_id)
    services.petition_start_handling(actor=user, petition=petition)
    return petition_detail(user, petition_id)


@router.post("/petitions/{petition_id}/object", response=DETAIL, summary="Object: not ours to handle")
def object_petition(request: HttpRequest, petition_id: int, payload: ReasonIn) -> object:
    user, petition = _matter(request, petition_id)
    services.petition_object(actor=user, petition=petition, reason=payload.reason)
    return petition_detail(user, petition_id)


@router.post("/petitions/{petition_id}/extend", response=DETAIL, summary="Extend the handling deadline")
def extend_petition(request: HttpRequest, petition_id: int, payload: ExtendIn) -> object:
    user, petition = _matter(request, petition_id)
    services.petition_extend(actor=user, petition=petition, days=payload.days, reason=payload.reason)
    return petition_detail(user, petition_id)


@router.post("/petitions/{petition_id}/answer", response=DETAIL, summary="Issue the handling opinion")
def answer_petition(request: HttpRequest, petition_id: int, payload: AnswerIn) -> object:
    user, petition = _matter(request, petition_id)
    services.petition_answer(
        actor=user,
        petition=petition,
        request=payload.request,
        facts=payload.facts,
        decision=payload.decision,
        basis=payload.basis,
    )
    return petition_detail(user, petition_id)


@router.post("/petitions/{petition_id}/close", response=DETAIL, summary="Close (办结归档)")
def close_petition(request: HttpRequest, petition_id: int, payload: NoteIn) -> object:
    user, petition = _matter(request, petition_id)
    services.petition_close(actor=user, petition=petition, note=payload.note)
    return petition_detail(user, petition_id)


@router.post("/petitions/{petition_id}/review/decide", response=DETAIL, summary="Issue the review opinion")
def decide_review(request: HttpRequest, petition_id: int, payload: OpinionIn) -> object:
    user, petition = _matter(request, petition_id)
    services.petition_decide_review(actor=user, petition=petition, opinion=payload.opinion)
    return petition_detail(user, petition_id)


@router.post(
    "/petitions/{petition_id}/re-review/hearing",
    response=DETAIL,
    summary="Record hearing days in a re-review",
)
def record_hearing(request: HttpRequest, petition_id: int, payload: HearingIn) -> object:
    user, petition = _matter(request, petition_id)
    services.petition_record_hearing(actor=user, petition=petition, days=payload.days)
    return petition_detail(user, petition_id)


@router.post(
    "/petitions/{petition_id}/re-review/decide", response=DETAIL, summary="Issue the re-review opinion"
)
def decide_re_review(request: HttpRequest, petition_id: int, payload: OpinionIn) -> object:
    user, petition = _matter(request, petition_id)
    services.petition_decide_re_review(actor=user, petition=petition, opinion=payload.opinion)
    return petition_detail(user, petition_id)


@router.post(
    "/petitions/{petition_id}/recuse",
    response={200: RecusalOut, **ERRORS},
    summary="Recuse yourself (the matter is hidden from you afterwards)",
)
def recuse_petition(request: HttpRequest, petition_id: int, payload: RecuseIn) -> object:
    user, petition = _matter(request, petition_id)
    recusal = services.petition_recuse(actor=user, petition=petition, reason=payload.reason)
    return {
        "petition_id": petition.pk,
        "number": petition.number,
        "reason": recusal.reason,
        "created_at": recusal.created_at,
    }


@router.post("/petitions/{petition_id}/link", response=DETAIL, summary="Link to another matter")
def link_petition(request: HttpRequest, petition_id: int, payload: LinkIn) -> object:
    user, petition = _matter(request, petition_id)
    other = access_petition(user, payload.other_id, Action.PETITION_VIEW)
    services.petition_link(actor=user, petition=petition, other=other, note=payload.note)
    return petition_detail(user, petition_id)


# --- attachments ----------------------------------------------------------------------------------


@router.post(
    "/petitions/{petition_id}/attachments",
    response={201: AttachmentOut, **ERRORS},
    summary="Attach a file (PDF, image, Word, Excel or plain text)",
)
def add_attachment(request: HttpRequest, petition_id: int, file: File[UploadedFile]) -> object:
    user, petition = _matter(request, petition_id)
    attachment = attachment_add(actor=user, petition=petition, upload=file)
    return Status(201, _attachment_out(attachment))


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name in RFC 5987 ``filename*``."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(ch for ch in ascii_name if ch.isprintable() and ch not in '"\\;') or "attachment"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/petitions/{petition_id}/attachments/{attachment_id}",
    response=ERRORS,
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as an attachment",
                "content": {
                    kind.content_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                    for kind in ACCEPTED_KINDS
                },
            }
        }
    },
)
def download_attachment(request: HttpRequest, petition_id: int, attachment_id: int) -> object:
    """The file, sent as an attachment; each download is recorded as a view of personal data."""
    user, petition = _matter(request, petition_id)
    attachment, stored = attachment_download(actor=user, petition=petition, attachment_id=attachment_id)
    response = FileResponse(stored, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["Content-Length"] = str(attachment.size)
    protect_stored_file(response)
    return response


# --- the resident's tracking (no sign-in) ---------------------------------------------------------

#: 400: a body that is not JSON; 429: the per-client rate limit of look-ups.
PUBLIC_ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def public_track_view(petition: Petition) -> dict[str, Any]:
    """The public page's view of a matter (``zhenwu.public.views``), as data."""
    return {
        "number": petition.number,
        "received_at": petition.received_at,
        "received_by": petition.unit.name,
        "status": petition.status,
        "status_label": str(PetitionStatus(petition.status).label),
        "stage": petition.stage,
        "stage_label": "" if petition.stage == Stage.NONE else str(Stage(petition.stage).label),
        "due_on": petition.due_on,
        "decline": {
            "route": petition.decline_route,
            "route_label": str(DeclineRoute(petition.decline_route).label),
            "reason": petition.decline_reason,
        }
        if petition.declined_at and petition.decline_route
        else None,
        "opinion": {
            "answered_at": petition.answered_at,
            "request": petition.opinion_request,
            "facts": petition.opinion_facts,
            "decision": petition.opinion_decision,
            "basis": petition.opinion_basis,
        }
        if petition.answered_at
        else None,
        "review": {"decided_at": petition.reviewed_at, "opinion": petition.review_opinion}
        if petition.reviewed_at
        else None,
        "re_review": {"decided_at": petition.re_reviewed_at, "opinion": petition.re_review_opinion}
        if petition.re_reviewed_at
        else None,
        "timeline": [
            {
                "occurred_at": entry.occurred_at,
                "title": entry.title,
                "details": [{"label": label, "value": value} for label, value in entry.details],
            }
            for entry in public_timeline(petition)
        ],
    }


@router.post(
    "/public/track",
    auth=None,
    response={200: PublicTrackOut, **PUBLIC_ERRORS},
    summary="Track a matter with its number and query code (no sign-in)",
)
def public_track(request: HttpRequest, payload: TrackIn) -> object:
    """The same answer for an unknown number and a wrong code; look-ups are rate-limited per client."""
    if not ratelimit.allow(request, ratelimit.TRACK):
        response = JsonResponse(
            {
                "code": "rate_limited",
                "message": _(
                    "Too many requests came from your network in a short time. "
                    "Please wait a while and try again."
                ),
                "errors": {},
            },
            status=429,
        )
        response["Retry-After"] = str(ratelimit.TRACK.window_seconds)
        return response
    number = payload.number.strip().upper()
    code = payload.query_code.strip().replace(" ", "").upper()
    found = petition_by_code(number, code)
    if found is None:
        raise NotFound(str(NOT_FOUND_MESSAGE))
    petition = Petition.objects.select_related("unit").get(pk=found.pk)
    return public_track_view(petition)
