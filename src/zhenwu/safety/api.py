"""REST API routes of the safety app, mounted at /api/safety/: the hazard register (photos, rectification,
verification by someone else, deadlines, closing) and its export, patrol routes and patrol records
(with hazards raised from their findings), incidents with their follow-up measures and their export.

Scoping is the pages' (``zhenwu.safety.selectors``): a hazard is seen in the subtree of the unit where
it was found and in that of the unit responsible for it; patrols and incidents in their unit's
subtree. An object out of scope is a 404, and so is a photo of it. A unit or route named in a body
or a filter is resolved in the caller's scope (404 when out of it). Writes are the services'.

A hazard and its photos are sent as ``multipart/form-data`` (a phone's camera upload): the fields,
plus ``photos`` files, each checked by its content and re-encoded without metadata
(``services.photo_prepare``) before anything is saved. Coordinates are decimal degrees; one out of
range is the service's 400 with the field named, like any other refusal of the domain.
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Model
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import BeforeValidator

from zhenwu.core.api.schemas import ERRORS, Clock, Day, Id, Moment, UnitRef, api_user
from zhenwu.core.downloads import protect_stored_file
from zhenwu.core.exceptions import ValidationFailed
from zhenwu.core.localtime import BEIJING, beijing_date, beijing_day_start
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.core.scoping import Action, require
from zhenwu.core.selectors import access_unit
from zhenwu.core.views.common import XLSX_CONTENT_TYPE, download_response
from zhenwu.safety import selectors, services
from zhenwu.safety.choices import (
    Discovery,
    HazardCategory,
    HazardStatus,
    IncidentKind,
    IncidentStatus,
    PhotoStage,
    Severity,
)
from zhenwu.safety.export import hazard_ledger_xlsx, incident_ledger_xlsx, safety_export_filename
from zhenwu.safety.models import Hazard, HazardPhoto, Incident, IncidentMeasure, PatrolRecord, PatrolRoute

router = Router(tags=["safety"])

#: Hazards entered with one patrol record; the precise limit is the service's (answered with a 400).
MAX_PATROL_HAZARDS_IN = 50
#: The hazard ledger's status filter: a status, or every one still needing work, or past the deadline.
HazardLedgerStatus = Literal["open", "rectified", "verified", "closed", "unresolved", "overdue"]


def _blank_is_none(value: Any) -> Any:
    """A form sends an empty field as ``""``: that is no value, not an invalid one."""
    return None if isinstance(value, str) and not value.strip() else value


#: Decimal degrees. Deliberately without bounds here: the service checks the range and answers a 400
#: naming the field, in the API's one error shape (not pydantic's 422).
Coordinate = Annotated[Decimal | None, BeforeValidator(_blank_is_none)]
#: Optional form fields: a phone's form sends every field, an unused one empty.
FormId = Annotated[Id | None, BeforeValidator(_blank_is_none)]
FormDay = Annotated[Day | None, BeforeValidator(_blank_is_none)]


# --- schemas ------------------------------------------------------------------------------------


class PhotoOut(Schema):
    id: int
    stage: PhotoStage
    content_type: str
    width: int
    height: int
    size: int
    uploaded_by: str
    uploaded_at: datetime.datetime
    url: str
    thumbnail_url: str

    @staticmethod
    def resolve_uploaded_by(obj: HazardPhoto) -> str:
        return obj.uploaded_by.get_full_name()

    @staticmethod
    def resolve_url(obj: HazardPhoto) -> str:
        return reverse("api:get_hazard_photo", kwargs={"hazard_id": obj.hazard_id, "photo_id": obj.pk})

    @staticmethod
    def resolve_thumbnail_url(obj: HazardPhoto) -> str:
        return reverse("api:get_hazard_thumbnail", kwargs={"hazard_id": obj.hazard_id, "photo_id": obj.pk})


class HazardListOut(Schema):
    id: int
    number: str
    title: str
    category: HazardCategory
    category_label: str
    severity: Severity
    severity_label: str
    status: HazardStatus
    status_label: str
    unit: UnitRef = Field(..., description="Where it was found")
    responsible_unit: UnitRef
    place: str
    discovery: Discovery
    found_on: datetime.date
    rectify_due: datetime.date
    overdue: bool = Field(..., description="Not rectified by the deadline")
    photo_count: int

    @staticmethod
    def resolve_category_label(obj: Hazard) -> str:
        return str(HazardCategory(obj.category).label)

    @staticmethod
    def resolve_severity_label(obj: Hazard) -> str:
        return str(Severity(obj.severity).label)

    @staticmethod
    def resolve_status_label(obj: Hazard) -> str:
        return str(HazardStatus(obj.status).label)

    @staticmethod
    def resolve_overdue(obj: Hazard) -> bool:
        return obj.status == HazardStatus.OPEN and obj.rectify_due < _today()


def _name(person: User | None) -> str | None:
    return person.get_full_name() if person is not None else None


class HazardOut(HazardListOut):
    description: str
    latitude: Decimal | None
    longitude: Decimal | None
    found_by: str
    finder: str
    patrol_record_id: int | None
    measures: str
    rectified_at: datetime.datetime | None
    rectified_by: str | None
    rectification_note: str
    verified_at: datetime.datetime | None
    verified_by: str | None
    verification_note: str
    returned_count: int = Field(..., description="Rectifications not accepted on verification")
    closed_at: datetime.datetime | None
    closed_by: str | None
    created_at: datetime.datetime
    photos: list[PhotoOut]

    @staticmethod
    def resolve_found_by(obj: Hazard) -> str:
        return obj.found_by.get_full_name()

    @staticmethod
    def resolve_rectified_by(obj: Hazard) -> str | None:
        return _name(obj.rectified_by)

    @staticmethod
    def resolve_verified_by(obj: Hazard) -> str | None:
        return _name(obj.verified_by)

    @staticmethod
    def resolve_closed_by(obj: Hazard) -> str | None:
        return _name(obj.closed_by)

    @staticmethod
    def resolve_photo_count(obj: Hazard) -> int:
        return len(obj.photos.all())

    @staticmethod
    def resolve_photos(obj: Hazard) -> list[HazardPhoto]:
        return list(obj.photos.all())


class HazardFilter(Schema):
    status: HazardLedgerStatus | None = Field(None, description="A status, 'unresolved' or 'overdue'")
    category: HazardCategory | None = None
    severity: Severity | None = None
    unit: Id | None = Field(None, description="Found in this unit or one below it")
    q: str = Field("", max_length=100, description="Words of the number, the hazard or the place")


class HazardFields(Schema):
    """A hazard as found; where and who are the route's (a patrol's unit, or ``unit``)."""

    title: str = Field(..., max_length=200)
    category: HazardCategory
    severity: Severity
    place: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    responsible_unit: FormId = Field(None, description="Default: the unit where it was found")
    latitude: Coordinate = Field(None, description="Decimal degrees, -90..90 (both or neither)")
    longitude: Coordinate = Field(None, description="Decimal degrees, -180..180")
    found_on: FormDay = Field(None, description="Default: today (a patrol's: the day it started)")
    finder: str = Field("", max_length=100, description="E.g. the inspection team (no resident's details)")
    rectify_due: FormDay = Field(None, description="Default: by the severity's rule")
    measures: str = Field("", max_length=3000)


class HazardForm(HazardFields):
    unit: FormId = Field(None, description="Where it was found; default: the caller's unit")
    discovery: Annotated[Discovery | None, BeforeValidator(_blank_is_none)] = Field(
        None, description="Default: inspection"
    )


class PhotoStageForm(Schema):
    stage: PhotoStage


class RectifyForm(Schema):
    note: str = Field("", max_length=3000, description="What was done")


class VerifyIn(Schema):
    accepted: bool = Field(..., description="false: sent back to the responsible unit (say why in note)")
    note: str = Field("", max_length=3000)


class DueIn(Schema):
    rectify_due: Day
    reason: str = Field(..., max_length=2000)


class SafetyNoteIn(Schema):
    note: str = Field("", max_length=300)


class RouteRef(Schema):
    id: int
    name: str


class RouteOut(Schema):
    id: int
    unit: UnitRef
    name: str
    route: str
    start_time: str = Field(..., description="HH:MM")
    end_time: str = Field(..., description="HH:MM; earlier than start_time: ends the next day")
    starts_on: datetime.date
    ends_on: datetime.date | None
    notes: str
    is_active: bool
    created_at: datetime.datetime

    @staticmethod
    def resolve_start_time(obj: PatrolRoute) -> str:
        return obj.start_time.strftime("%H:%M")

    @staticmethod
    def resolve_end_time(obj: PatrolRoute) -> str:
        return obj.end_time.strftime("%H:%M")


class RouteFilter(Schema):
    include_inactive: bool = False
    unit: Id | None = Field(None, description="This unit's routes and those of units below it")


class RouteIn(Schema):
    unit: Id
    name: str = Field(..., max_length=100)
    route: str = Field(..., max_length=2000, description="The places passed, in order")
    start_time: Clock
    end_time: Clock = Field(..., description="HH:MM; earlier than start_time: ends the next day")
    starts_on: Day
    ends_on: Day | None = None
    notes: str = Field("", max_length=300)


class PatrolOut(Schema):
    id: int
    unit: UnitRef
    route: RouteRef | None
    started_at: datetime.datetime
    ended_at: datetime.datetime
    patrollers: str
    route_taken: str
    findings: str
    recorded_by: str
    created_at: datetime.datetime
    hazard_count: int

    @staticmethod
    def resolve_recorded_by(obj: PatrolRecord) -> str:
        return obj.recorded_by.get_full_name()


class PatrolDetailOut(PatrolOut):
    hazards: list[HazardListOut] = Field(..., description="Hazards raised from its findings")


class PatrolFilter(Schema):
    unit: Id | None = Field(None, description="This unit's patrols and those of units below it")


class PatrolIn(Schema):
    unit: Id | None = Field(None, description="Default: the caller's unit")
    route: Id | None = Field(None, description="The planned route patrolled, if any")
    started_at: Moment = Field(..., description="No offset: Beijing")
    ended_at: Moment
    patrollers: str = Field(..., max_length=300)
    route_taken: str = Field("", max_length=2000)
    findings: str = Field("", max_length=5000)
    hazards: list[HazardFields] = Field(
        default_factory=list,
        max_length=MAX_PATROL_HAZARDS_IN,
        description="Hazards among the findings, entered in the same step (photos: add them afterwards)",
    )


class MeasureOut(Schema):
    id: int
    text: str
    author: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_author(obj: IncidentMeasure) -> str:
        return obj.author.get_full_name()


class IncidentListOut(Schema):
    id: int
    number: str
    kind: IncidentKind
    kind_label: str
    status: IncidentStatus
    status_label: str
    unit: UnitRef
    occurred_at: datetime.datetime
    place: str
    summary: str
    deaths: int
    injuries: int
    missing: int
    direct_loss: Decimal = Field(..., description="Yuan")
    reported_at: datetime.datetime

    @staticmethod
    def resolve_kind_label(obj: Incident) -> str:
        return str(IncidentKind(obj.kind).label)

    @staticmethod
    def resolve_status_label(obj: Incident) -> str:
        return str(IncidentStatus(obj.status).label)


class IncidentOut(IncidentListOut):
    description: str
    latitude: Decimal | None
    longitude: Decimal | None
    response_units: str
    reported_by: str
    duty_log_entry_id: int | None = Field(
        ..., description="The duty log entry it was reported to; null: no shift was on duty"
    )
    duty_shift_id: int | None
    closed_at: datetime.datetime | None
    close_note: str
    measures: list[MeasureOut]

    @staticmethod
    def resolve_reported_by(obj: Incident) -> str:
        return obj.reported_by.get_full_name()

    @staticmethod
    def resolve_duty_shift_id(obj: Incident) -> int | None:
        return obj.duty_log_entry.shift_id if obj.duty_log_entry else None

    @staticmethod
    def resolve_measures(obj: Incident) -> list[IncidentMeasure]:
        return list(obj.measures.select_related("author").order_by("created_at", "id"))


class IncidentFilter(Schema):
    kind: IncidentKind | None = None
    status: IncidentStatus | None = None
    unit: Id | None = Field(None, description="In this unit or one below it")
    occurred_from: Day | None = None
    occurred_to: Day | None = None


class IncidentIn(Schema):
    unit: Id | None = Field(None, description="Where it happened; default: the caller's unit")
    kind: IncidentKind
    occurred_at: Moment = Field(..., description="No offset: Beijing")
    place: str = Field(..., max_length=200)
    summary: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    deaths: int = Field(0, ge=0, le=100000)
    injuries: int = Field(0, ge=0, le=100000)
    missing: int = Field(0, ge=0, le=100000)
    direct_loss: Decimal = Field(Decimal("0"), ge=0, lt=Decimal("1e12"), description="Yuan")
    response_units: str = Field("", max_length=300)
    latitude: Coordinate = None
    longitude: Coordinate = None


class IncidentUpdateIn(Schema):
    """The figures as they become known; a field left out is not changed."""

    summary: str | None = Field(None, max_length=200)
    place: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    deaths: int | None = Field(None, ge=0, le=100000)
    injuries: int | None = Field(None, ge=0, le=100000)
    missing: int | None = Field(None, ge=0, le=100000)
    direct_loss: Decimal | None = Field(None, ge=0, lt=Decimal("1e12"))
    response_units: str | None = Field(None, max_length=300)


class MeasureIn(Schema):
    text: str = Field(..., max_length=3000)


# --- helpers ------------------------------------------------------------------------------------


def _today() -> datetime.date:
    return beijing_date(timezone.now())


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """A time without an offset is Beijing wall-clock time."""
    return moment.replace(tzinfo=BEIJING) if timezone.is_naive(moment) else moment


def _home_unit(user: User, pk: int | None) -> Unit:
    """The unit named (in the caller's scope, else 404), or the caller's own."""
    if pk is not None:
        return access_unit(user, pk)
    if user.unit is None:
        message = _("Choose the unit.")
        raise ValidationFailed(message, errors={"unit": [message]})
    return user.unit


def _photos(uploads: list[UploadedFile] | None) -> list[services.PhotoIn]:
    """Each upload checked by its content before anything is saved; a refusal names the file."""
    uploads = uploads or []
    if len(uploads) > services.MAX_PHOTOS_PER_STAGE:
        message = _("At most %(n)d photos per stage.") % {"n": services.MAX_PHOTOS_PER_STAGE}
        raise ValidationFailed(message, code="too_many_photos", errors={"photos": [message]})
    prepared = []
    for upload in uploads:
        try:
            prepared.append(services.photo_prepare(upload))
        except ValidationFailed as exc:
            message = f"{upload.name}: {exc.message}"
            raise ValidationFailed(message, code=exc.code, errors={"photos": [message]}) from None
    return prepared


def _hazard_in(
    user: User, fields: HazardFields, photos: list[services.PhotoIn], discovery: str = Discovery.PATROL
) -> services.HazardIn:
    return services.HazardIn(
        title=fields.title,
        category=fields.category,
        severity=fields.severity,
        place=fields.place,
        description=fields.description,
        responsible_unit=(
            access_unit(user, fields.responsible_unit) if fields.responsible_unit is not None else None
        ),
        latitude=fields.latitude,
        longitude=fields.longitude,
        found_on=fields.found_on,
        discovery=discovery,
        finder=fields.finder,
        rectify_due=fields.rectify_due,
        measures=fields.measures,
        photos=photos,
    )


def hazard_detail(user: User, hazard_id: int) -> Hazard:
    """The hazard with the people who acted on it and its photos (a fixed number of queries)."""
    selectors.access_hazard(user, hazard_id)  # 404 out of scope
    return (
        Hazard.objects.select_related(
            "unit", "responsible_unit", "found_by", "rectified_by", "verified_by", "closed_by"
        )
        .prefetch_related("photos__uploaded_by")
        .get(pk=hazard_id)
    )


def _hazard(request: HttpRequest, hazard_id: int) -> tuple[User, Hazard]:
    user = api_user(request)
    return user, selectors.access_hazard(user, hazard_id)


def _hazard_ledger(user: User, filters: HazardFilter, action: str) -> Any:
    return selectors.hazard_ledger(
        user=user,
        action=action,
        filters=selectors.HazardFilter(
            status=filters.status or "",
            category=filters.category or "",
            severity=filters.severity or "",
            unit=access_unit(user, filters.unit) if filters.unit is not None else None,
            q=filters.q,
        ),
    )


def _incident_rows(user: User, filters: IncidentFilter, action: str) -> Any:
    rows = selectors.incident_list(user=user, action=action)
    if filters.kind is not None:
        rows = rows.filter(kind=filters.kind)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.unit is not None:
        rows = rows.filter(unit_subtree_q(access_unit(user, filters.unit).path, prefix="unit__"))
    if (
        filters.occurred_from is not None
        and filters.occurred_to is not None
        and filters.occurred_to < filters.occurred_from
    ):
        message = _("The end date is before the start date.")
        raise ValidationFailed(message, errors={"occurred_to": [message]})
    if filters.occurred_from is not None:
        rows = rows.filter(occurred_at__gte=beijing_day_start(filters.occurred_from))
    if filters.occurred_to is not None:
        next_day = filters.occurred_to + datetime.timedelta(days=1)
        rows = rows.filter(occurred_at__lt=beijing_day_start(next_day))
    return rows


def incident_detail(user: User, incident_id: int) -> Incident:
    return selectors.access_incident(user, incident_id)


def _image_response(field_file: Any, content_type: str, filename: str) -> FileResponse:
    """A photo shown inline: never sniffed, sandboxed, private to the signed-in user."""
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    protect_stored_file(response)
    return response


def _binary(description: str, content_types: tuple[str, ...]) -> dict[str, Any]:
    schema = {"schema": {"type": "string", "format": "binary"}}
    return {
        "responses": {"200": {"description": description, "content": dict.fromkeys(content_types, schema)}}
    }


PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


# --- hazards ------------------------------------------------------------------------------------


@router.get("/hazards", response={200: list[HazardListOut], **ERRORS}, summary="The hazard register")
@paginate
def list_hazards(request: HttpRequest, filters: Query[HazardFilter]) -> object:
    return _hazard_ledger(api_user(request), filters, Action.SAFETY_VIEW)


@router.get(
    "/hazards/export.xlsx",
    response=ERRORS,
    summary="The filtered hazard register as .xlsx",
    openapi_extra=_binary("The register", (XLSX_CONTENT_TYPE,)),
)
def export_hazards(request: HttpRequest, filters: Query[HazardFilter]) -> HttpResponse:
    user = api_user(request)
    require(user, Action.SAFETY_EXPORT)
    content = hazard_ledger_xlsx(_hazard_ledger(user, filters, Action.SAFETY_EXPORT))
    return download_response(content, safety_export_filename("hazards"), XLSX_CONTENT_TYPE)


@router.post(
    "/hazards",
    response={201: HazardOut, **ERRORS},
    summary="Enter a hazard with its photos (multipart/form-data; photos: image files)",
)
def create_hazard(
    request: HttpRequest, fields: Form[HazardForm], photos: File[list[UploadedFile] | None] = None
) -> object:
    user = api_user(request)
    unit = _home_unit(user, fields.unit)
    # The service's own rule, checked before any photo is decoded: decoding is the costly part.
    require(user, Action.HAZARD_REPORT, unit)
    data = _hazard_in(user, fields, _photos(photos), discovery=fields.discovery or Discovery.INSPECTION)
    hazard = services.hazard_report(actor=user, unit=unit, data=data)
    return Status(201, hazard_detail(user, hazard.pk))


@router.get("/hazards/{hazard_id}", response={200: HazardOut, **ERRORS}, summary="One hazard with its photos")
def get_hazard(request: HttpRequest, hazard_id: Path[Id]) -> object:
    return hazard_detail(api_user(request), hazard_id)


@router.post(
    "/hazards/{hazard_id}/photos",
    response={201: list[PhotoOut], **ERRORS},
    summary="Add photos before or after rectification (multipart/form-data)",
)
def add_hazard_photos(
    request: HttpRequest,
    hazard_id: Path[Id],
    fields: Form[PhotoStageForm],
    photos: File[list[UploadedFile] | None] = None,
) -> object:
    user, hazard = _hazard(request, hazard_id)
    added = services.hazard_photos_add(actor=user, hazard=hazard, stage=fields.stage, photos=_photos(photos))
    return Status(201, added)


@router.post(
    "/hazards/{hazard_id}/rectify",
    response={200: HazardOut, **ERRORS},
    summary="Report the hazard rectified, with what was done and photos after (multipart/form-data)",
)
def rectify_hazard(
    request: HttpRequest,
    hazard_id: Path[Id],
    fields: Form[RectifyForm],
    photos: File[list[UploadedFile] | None] = None,
) -> object:
    user, hazard = _hazard(request, hazard_id)
    services.hazard_rectify(actor=user, hazard=hazard, note=fields.note, photos=_photos(photos))
    return hazard_detail(user, hazard_id)


@router.post(
    "/hazards/{hazard_id}/verify",
    response={200: HazardOut, **ERRORS},
    summary="Verify a rectification on the spot (never by who rectified it: 403 four_eyes)",
)
def verify_hazard(request: HttpRequest, hazard_id: Path[Id], payload: VerifyIn) -> object:
    user, hazard = _hazard(request, hazard_id)
    services.hazard_verify(actor=user, hazard=hazard, accepted=payload.accepted, note=payload.note)
    return hazard_detail(user, hazard_id)


@router.post(
    "/hazards/{hazard_id}/due",
    response={200: HazardOut, **ERRORS},
    summary="Move an open hazard's rectification deadline, with the reason",
)
def set_hazard_due(request: HttpRequest, hazard_id: Path[Id], payload: DueIn) -> object:
    user, hazard = _hazard(request, hazard_id)
    services.hazard_set_due(actor=user, hazard=hazard, rectify_due=payload.rectify_due, reason=payload.reason)
    return hazard_detail(user, hazard_id)


@router.post("/hazards/{hazard_id}/close", response={200: HazardOut, **ERRORS}, summary="Close (销号)")
def close_hazard(request: HttpRequest, hazard_id: Path[Id], payload: SafetyNoteIn) -> object:
    user, hazard = _hazard(request, hazard_id)
    services.hazard_close(actor=user, hazard=hazard, note=payload.note)
    return hazard_detail(user, hazard_id)


@router.get(
    "/hazards/{hazard_id}/photos/{photo_id}",
    response=ERRORS,
    summary="A photo of the hazard",
    openapi_extra=_binary("The photo", PHOTO_TYPES),
)
def get_hazard_photo(request: HttpRequest, hazard_id: Path[Id], photo_id: Path[Id]) -> FileResponse:
    photo = selectors.access_photo(api_user(request), hazard_id, photo_id)
    extension = photo.image.name.rsplit(".", 1)[-1]
    return _image_response(photo.image, photo.content_type, f"{photo.hazard.number}-{photo.pk}.{extension}")


@router.get(
    "/hazards/{hazard_id}/photos/{photo_id}/thumb",
    response=ERRORS,
    summary="The photo's thumbnail (JPEG)",
    openapi_extra=_binary("The thumbnail", ("image/jpeg",)),
)
def get_hazard_thumbnail(request: HttpRequest, hazard_id: Path[Id], photo_id: Path[Id]) -> FileResponse:
    photo = selectors.access_photo(api_user(request), hazard_id, photo_id)
    return _image_response(photo.thumbnail, "image/jpeg", f"{photo.hazard.number}-{photo.pk}-thumb.jpg")


# --- patrol routes ------------------------------------------------------------------------------


@router.get("/patrol-routes", response={200: list[RouteOut], **ERRORS}, summary="Planned patrol routes")
@paginate
def list_patrol_routes(request: HttpRequest, filters: Query[RouteFilter]) -> object:
    user = api_user(request)
    rows = selectors.patrol_routes(user=user, active_only=not filters.include_inactive)
    if filters.unit is not None:
        rows = rows.filter(unit_subtree_q(access_unit(user, filters.unit).path, prefix="unit__"))
    return rows.order_by("unit__path", "name", "id")


@router.post("/patrol-routes", response={201: RouteOut, **ERRORS}, summary="Plan a patrol route")
def create_patrol_route(request: HttpRequest, payload: RouteIn) -> object:
    user = api_user(request)
    route = services.patrol_route_create(
        actor=user,
        unit=access_unit(user, payload.unit),
        name=payload.name,
        route=payload.route,
        start_time=datetime.time.fromisoformat(payload.start_time),
        end_time=datetime.time.fromisoformat(payload.end_time),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        notes=payload.notes,
    )
    return Status(201, route)


@router.post(
    "/patrol-routes/{route_id}/deactivate",
    response={200: RouteOut, **ERRORS},
    summary="Stop offering a route (its records keep it)",
)
def deactivate_patrol_route(request: HttpRequest, route_id: Path[Id]) -> object:
    user = api_user(request)
    return services.patrol_route_deactivate(actor=user, route=selectors.access_route(user, route_id))


# --- patrol records -----------------------------------------------------------------------------


@router.get("/patrols", response={200: list[PatrolOut], **ERRORS}, summary="Patrol records, newest first")
@paginate
def list_patrols(request: HttpRequest, filters: Query[PatrolFilter]) -> object:
    user = api_user(request)
    unit = access_unit(user, filters.unit) if filters.unit is not None else None
    return selectors.patrol_records(user=user, unit=unit)


class _Shown:
    """A model plus the extra attributes its schema reads; any other attribute is the model's."""

    def __init__(self, obj: Model, **extra: Any) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


def patrol_detail(user: User, record_id: int) -> _Shown:
    """The record with the hazards raised from it (as far as they are in the caller's scope)."""
    record = selectors.access_patrol_record(user, record_id)
    hazards = list(
        selectors.hazard_ledger(user=user, filters=selectors.HazardFilter()).filter(patrol_record=record)
    )
    return _Shown(record, hazards=hazards, hazard_count=len(hazards))


@router.post(
    "/patrols",
    response={201: PatrolDetailOut, **ERRORS},
    summary="Record a patrol; hazards among its findings are entered in the same step",
)
def create_patrol(request: HttpRequest, payload: PatrolIn) -> object:
    user = api_user(request)
    record, _hazards = services.patrol_record_create(
        actor=user,
        unit=_home_unit(user, payload.unit),
        started_at=_aware(payload.started_at),
        ended_at=_aware(payload.ended_at),
        patrollers=payload.patrollers,
        route=selectors.access_route(user, payload.route) if payload.route is not None else None,
        route_taken=payload.route_taken,
        findings=payload.findings,
        hazards=[_hazard_in(user, fields, []) for fields in payload.hazards],
    )
    return Status(201, patrol_detail(user, record.pk))


@router.get("/patrols/{record_id}", response={200: PatrolDetailOut, **ERRORS}, summary="One patrol record")
def get_patrol(request: HttpRequest, record_id: Path[Id]) -> object:
    return patrol_detail(api_user(request), record_id)


@router.post(
    "/patrols/{record_id}/hazards",
    response={201: HazardOut, **ERRORS},
    summary="Raise a hazard from the patrol's findings, with photos (multipart/form-data)",
)
def raise_patrol_hazard(
    request: HttpRequest,
    record_id: Path[Id],
    fields: Form[HazardFields],
    photos: File[list[UploadedFile] | None] = None,
) -> object:
    user = api_user(request)
    record = selectors.access_patrol_record(user, record_id)
    # The service's own rules, checked before any photo is decoded: decoding is the costly part.
    require(user, Action.PATROL_RECORD, record.unit)
    require(user, Action.HAZARD_REPORT, record.unit)
    hazard = services.hazard_raise_from_patrol(
        actor=user, record=record, data=_hazard_in(user, fields, _photos(photos))
    )
    return Status(201, hazard_detail(user, hazard.pk))


# --- incidents ----------------------------------------------------------------------------------


@router.get("/incidents", response={200: list[IncidentListOut], **ERRORS}, summary="Incidents, newest first")
@paginate
def list_incidents(request: HttpRequest, filters: Query[IncidentFilter]) -> object:
    return _incident_rows(api_user(request), filters, Action.SAFETY_VIEW)


@router.get(
    "/incidents/export.xlsx",
    response=ERRORS,
    summary="The filtered incident register as .xlsx",
    openapi_extra=_binary("The register", (XLSX_CONTENT_TYPE,)),
)
def export_incidents(request: HttpRequest, filters: Query[IncidentFilter]) -> HttpResponse:
    user = api_user(request)
    require(user, Action.SAFETY_EXPORT)
    content = incident_ledger_xlsx(_incident_rows(user, filters, Action.SAFETY_EXPORT))
    return download_response(content, safety_export_filename("incidents"), XLSX_CONTENT_TYPE)


@router.post(
    "/incidents",
    response={201: IncidentOut, **ERRORS},
    summary="Report an incident (it goes into the log of the duty shift on duty, if any)",
)
def create_incident(request: HttpRequest, payload: IncidentIn) -> object:
    user = api_user(request)
    incident = services.incident_report(
        actor=user,
        unit=_home_unit(user, payload.unit),
        data=services.IncidentIn(
            kind=payload.kind,
            occurred_at=_aware(payload.occurred_at),
            place=payload.place,
            summary=payload.summary,
            description=payload.description,
            deaths=payload.deaths,
            injuries=payload.injuries,
            missing=payload.missing,
            direct_loss=payload.direct_loss,
            response_units=payload.response_units,
            latitude=payload.latitude,
            longitude=payload.longitude,
        ),
    )
    return Status(201, incident_detail(user, incident.pk))


@router.get("/incidents/{incident_id}", response={200: IncidentOut, **ERRORS}, summary="One incident")
def get_incident(request: HttpRequest, incident_id: Path[Id]) -> object:
    return incident_detail(api_user(request), incident_id)


@router.patch(
    "/incidents/{incident_id}",
    response={200: IncidentOut, **ERRORS},
    summary="Correct the figures as they become known",
)
def update_incident(request: HttpRequest, incident_id: Path[Id], payload: IncidentUpdateIn) -> object:
    user = api_user(request)
    incident = selectors.access_incident(user, incident_id)
    services.incident_update(actor=user, incident=incident, **payload.dict(exclude_none=True))
    return incident_detail(user, incident_id)


@router.post(
    "/incidents/{incident_id}/measures",
    response={201: MeasureOut, **ERRORS},
    summary="Record a follow-up measure",
)
def add_incident_measure(request: HttpRequest, incident_id: Path[Id], payload: MeasureIn) -> object:
    user = api_user(request)
    measure = services.incident_measure_add(
        actor=user, incident=selectors.access_incident(user, incident_id), text=payload.text
    )
    return Status(201, measure)


@router.post(
    "/incidents/{incident_id}/close",
    response={200: IncidentOut, **ERRORS},
    summary="Close an incident (after its follow-up measures)",
)
def close_incident(request: HttpRequest, incident_id: Path[Id], payload: SafetyNoteIn) -> object:
    user = api_user(request)
    services.incident_close(
        actor=user, incident=selectors.access_incident(user, incident_id), note=payload.note
    )
    return incident_detail(user, incident_id)
