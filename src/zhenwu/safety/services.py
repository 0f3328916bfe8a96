"""Every write of the safety app (STYLE.md §2): one audited transaction per act.

Photos are checked and re-encoded by ``core.images`` *before* the transaction; their files are
written to storage and removed again if the transaction does not commit, so nothing is half-saved.
"""

import datetime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction
from zhenwu.core.deadlines import compute_due
from zhenwu.core.exceptions import Conflict, InvalidTransition, PermissionRefused, ValidationFailed
from zhenwu.core.images import CheckedImage, image_prepare, image_upload_read
from zhenwu.core.localtime import beijing_date, short_time
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, require, user_can
from zhenwu.core.services.common import sequence_next, validated
from zhenwu.safety.choices import (
    RECTIFY_RULES,
    Discovery,
    HazardCategory,
    HazardStatus,
    IncidentKind,
    IncidentStatus,
    PhotoStage,
    Severity,
)
from zhenwu.safety.models import (
    Hazard,
    HazardPhoto,
    Incident,
    IncidentMeasure,
    PatrolRecord,
    PatrolRoute,
    SafetySequence,
)

T = TypeVar("T")

#: At most this many photos per hazard and stage (a phone uploads them one request at a time).
MAX_PHOTOS_PER_STAGE = 9
#: A patrol lasts at most this long (a night patrol is a few hours).
MAX_PATROL = datetime.timedelta(hours=24)
MAX_HAZARDS_PER_PATROL = 10


def _refuse(message: str, field: str = "__all__", code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, errors={field: [message]})


def _today() -> datetime.date:
    return beijing_date(timezone.now())


def _next_number(unit: Unit, year: int, prefix: str) -> str:
    """2026-HB-YH0001 (隐患) / 2026-HB-SG0001 (事故): year, unit code, prefix and a sequence."""
    return (
        f"{year}-{unit.code}-{prefix}{sequence_next(SafetySequence, unit=unit, year=year, prefix=prefix):04d}"
    )


def _coordinates(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither, as decimals within range (degrees, WGS-84 / GCJ-02 as the phone gives them)."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        raise _refuse(_("Enter both latitude and longitude, or neither."), "latitude", "coordinates")
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lng = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise _refuse(
            _("Coordinates are decimal degrees, e.g. 28.194 and 112.982."), "latitude", "coordinates"
        ) from None
    if not Decimal(-90) <= lat <= Decimal(90):
        raise _refuse(_("Latitude is between -90 and 90 degrees."), "latitude", "coordinates")
    if not Decimal(-180) <= lng <= Decimal(180):
        raise _refuse(_("Longitude is between -180 and 180 degrees."), "longitude", "coordinates")
    return lat, lng


# --- photos ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoIn:
    """A photo already read and checked (``photo_prepare``), ready to store."""

    image: CheckedImage


def photo_prepare(upload: UploadedFile) -> PhotoIn:
    """Read and check one uploaded photo (type by content, metadata stripped); refuse anything else."""
    return PhotoIn(image_prepare(image_upload_read(upload)))


class _StoredFiles:
    """Files written during a service call, removed again unless the transaction commits."""

    def __init__(self) -> None:
        self.names: list[tuple[Any, str]] = []

    def add(self, field_file: Any, name: str, data: bytes) -> None:
        field_file.save(name, ContentFile(data), save=False)
        self.names.append((field_file.storage, field_file.name))

    def discard(self) -> None:
        for storage, name in self.names:
            storage.delete(name)


def _with_files(work: Callable[[_StoredFiles], T]) -> T:
    files = _StoredFiles()
    try:
        with transaction.atomic():
            return work(files)
    except BaseException:
        files.discard()
        raise


def _store_photos(
    files: _StoredFiles, *, actor: User, hazard: Hazard, stage: str, photos: Sequence[PhotoIn]
) -> list[HazardPhoto]:
    if not photos:
        return []
    existing = hazard.photos.filter(stage=stage).count()
    if existing + len(photos) > MAX_PHOTOS_PER_STAGE:
        raise _refuse(
            _("At most %(n)d photos per stage.") % {"n": MAX_PHOTOS_PER_STAGE}, "photos", "too_many_photos"
        )
    rows = []
    for photo in photos:
        image = photo.image
        row = HazardPhoto(
            hazard=hazard,
            stage=stage,
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            size=len(image.data),
            uploaded_by=actor,
        )
        key = uuid.uuid4().hex
        files.add(row.image, key + image.extension, image.data)
        files.add(row.thumbnail, key + ".jpg", image.thumbnail)
        validated(row)
        row.save()
        rows.append(row)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=hazard,
        unit=hazard.unit,
        changes={"photos": [None, f"{stage} +{len(rows)}"]},
    )
    return rows


# --- hazards -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HazardIn:
    """A hazard as entered (on its own, or as a patrol's finding)."""

    title: str
    category: str
    severity: str
    place: str
    description: str = ""
    responsible_unit: Unit | None = None  # defaults to the unit where it was found
    latitude: Any = None
    longitude: Any = None
    found_on: datetime.date | None = None
    discovery: str = Discovery.INSPECTION
    finder: str = ""
    rectify_due: datetime.date | None = None  # defaults to the severity's rule
    measures: str = ""
    photos: Sequence[PhotoIn] = field(default=())


def _hazard_row(*, actor: User, unit: Unit, data: HazardIn, patrol_record: PatrolRecord | None) -> Hazard:
    require(actor, Action.HAZARD_REPORT, unit)
    responsible = data.responsible_unit or unit
    if not user_can(actor, Action.SAFETY_VIEW, responsible):
        raise _refuse(_("The responsible unit is outside your area."), "responsible_unit")
    if not unit.is_active or not responsible.is_active:
        raise _refuse(_("This unit is inactive."), "responsible_unit")
    if data.category not in HazardCategory.values:
        raise _refuse(_("Choose the hazard's category."), "category")
    if data.severity not in Severity.values:
        raise _refuse(_("Choose the hazard's severity."), "severity")
    if data.discovery not in Discovery.values:
        raise _refuse(_("Choose how the hazard was found."), "discovery")
    today = _today()
    found_on = data.found_on or today
    if found_on > today:
        raise _refuse(_("A hazard cannot be found in the future."), "found_on")
    if found_on < today - datetime.timedelta(days=366):
        raise _refuse(_("A hazard found over a year ago is not entered as new."), "found_on")
    if data.rectify_due is not None:
        if data.rectify_due < found_on:
            raise _refuse(
                _("The rectification deadline cannot be before the day it was found."),
                "rectify_due",
                "due_before_found",
            )
        due = data.rectify_due
    else:
        due = compute_due(RECTIFY_RULES[Severity(data.severity)], found_on).due
    lat, lng = _coordinates(data.latitude, data.longitude)
    hazard = Hazard(
        number="-",
        unit=unit,
        responsible_unit=responsible,
        category=data.category,
        severity=data.severity,
        title=data.title.strip(),
        description=data.description.strip(),
        place=data.place.strip(),
        latitude=lat,
        longitude=lng,
        discovery=data.discovery,
        found_on=found_on,
        found_by=actor,
        finder=data.finder.strip(),
        patrol_record=patrol_record,
        rectify_due=due,
        measures=data.measures.strip(),
    )
    validated(hazard, exclude=["number"])
    return hazard


def _hazard_save(files: _StoredFiles, *, actor: User, hazard: Hazard, photos: Sequence[PhotoIn]) -> Hazard:
    hazard.number = _next_number(hazard.unit, hazard.found_on.year, "YH")
    hazard.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=hazard,
        unit=hazard.unit,
        changes={
            "status": [None, HazardStatus.OPEN],
            "severity": [None, hazard.severity],
            "rectify_due": [None, str(hazard.rectify_due)],
            "responsible_unit": [None, hazard.responsible_unit.code],
        },
    )
    _store_photos(files, actor=actor, hazard=hazard, stage=PhotoStage.BEFORE, photos=photos)
    return hazard


def hazard_report(
    *, actor: User, unit: Unit, data: HazardIn, patrol_record: PatrolRecord | None = None
) -> Hazard:
    """Enter a hazard with its photos; the rectification deadline comes from its severity's rule."""

    def work(files: _StoredFiles) -> Hazard:
        hazard = _hazard_row(actor=actor, unit=unit, data=data, patrol_record=patrol_record)
        return _hazard_save(files, actor=actor, hazard=hazard, photos=data.photos)

    return _with_files(work)


def _locked(hazard: Hazard) -> Hazard:
    return (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("unit", "responsible_unit")
        .get(pk=hazard.pk)
    )


def _may_rectify(actor: User, hazard: Hazard) -> bool:
    return user_can(actor, Action.HAZARD_RECTIFY, hazard.responsible_unit) or user_can(
        actor, Action.HAZARD_MANAGE, hazard.unit
    )


def hazard_photos_add(
    *, actor: User, hazard: Hazard, stage: str, photos: Sequence[PhotoIn]
) -> list[HazardPhoto]:
    """Add photos: *before* photos by whoever may report there; *after* photos by the rectifiers."""
    if stage not in PhotoStage.values:
        raise _refuse(_("Choose before or after rectification."), "stage")
    if not photos:
        raise _refuse(_("Choose a photo."), "photos")

    def work(files: _StoredFiles) -> list[HazardPhoto]:
        locked = _locked(hazard)
        allowed = (
            user_can(actor, Action.HAZARD_REPORT, locked.unit)
            if stage == PhotoStage.BEFORE
            else _may_rectify(actor, locked)
        )
        if not allowed:
            raise PermissionRefused()
        if locked.status == HazardStatus.CLOSED:
            raise InvalidTransition(_("The hazard is closed."))
        return _store_photos(files, actor=actor, hazard=locked, stage=stage, photos=photos)

    return _with_files(work)


def _move(hazard: Hazard, *, actor: User, to: str, allowed_from: Sequence[str], **fields: Any) -> Hazard:
    if hazard.status not in allowed_from:
        raise InvalidTransition(
            _("A hazard that is “%(current)s” cannot become “%(target)s”.")
            % {"current": HazardStatus(hazard.status).label, "target": HazardStatus(to).label}
        )
    before = hazard.status
    for name, value in fields.items():
        setattr(hazard, name, value)
    hazard.status = to
    validated(hazard)
    hazard.save()
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=hazard,
        unit=hazard.unit,
        changes={"status": [before, to]},
    )
    return hazard


def hazard_rectify(*, actor: User, hazard: Hazard, note: str, photos: Sequence[PhotoIn] = ()) -> Hazard:
    """The responsible unit reports the hazard rectified, with what was done and photos after."""

    def work(files: _StoredFiles) -> Hazard:
        locked = _locked(hazard)
        if not _may_rectify(actor, locked):
            raise PermissionRefused()
        if not note.strip():
            raise _refuse(_("Write what was done to rectify it."), "note")
        moved = _move(
            locked,
            actor=actor,
            to=HazardStatus.RECTIFIED,
            allowed_from=[HazardStatus.OPEN],
            rectified_at=timezone.now(),
            rectified_by=actor,
            rectification_note=note.strip(),
        )
        _store_photos(files, actor=actor, hazard=moved, stage=PhotoStage.AFTER, photos=photos)
        return moved

    return _with_files(work)


@transaction.atomic
def hazard_verify(*, actor: User, hazard: Hazard, accepted: bool, note: str = "") -> Hazard:
    """Check a rectification on the spot: accepted → verified; not accepted → back to the unit.

    Four eyes: whoever reported the rectification never verifies it.
    """
    locked = _locked(hazard)
    require(actor, Action.HAZARD_VERIFY, locked.unit)
    if locked.status != HazardStatus.RECTIFIED:
        raise InvalidTransition(_("Only a rectified hazard is verified."))
    if locked.rectified_by_id == actor.pk:
        raise PermissionRefused(
            _("You reported this rectification; someone else must verify it."), code="four_eyes"
        )
    if accepted:
        return _move(
            locked,
            actor=actor,
            to=HazardStatus.VERIFIED,
            allowed_from=[HazardStatus.RECTIFIED],
            verified_at=timezone.now(),
            verified_by=actor,
            verification_note=note.strip(),
        )
    if not note.strip():
        raise _refuse(_("Say what is still wrong."), "note")
    return _move(
        locked,
        actor=actor,
        to=HazardStatus.OPEN,
        allowed_from=[HazardStatus.RECTIFIED],
        verification_note=note.strip(),
        returned_count=locked.returned_count + 1,
        rectified_at=None,
        rectified_by=None,
    )


@transaction.atomic
def hazard_close(*, actor: User, hazard: Hazard, note: str = "") -> Hazard:
    """Close (销号) a verified hazard."""
    locked = _locked(hazard)
    require(actor, Action.HAZARD_MANAGE, locked.unit)
    return _move(
        locked,
        actor=actor,
        to=HazardStatus.CLOSED,
        allowed_from=[HazardStatus.VERIFIED],
        closed_at=timezone.now(),
        closed_by=actor,
        verification_note=(locked.verification_note + ("\n" + note.strip() if note.strip() else "")).strip(),
    )


@transaction.atomic
def hazard_set_due(*, actor: User, hazard: Hazard, rectify_due: datetime.date, reason: str) -> Hazard:
    """Move an open hazard's deadline (e.g. a major hazard needing works), with the reason."""
    locked = _locked(hazard)
    require(actor, Action.HAZARD_MANAGE, locked.unit)
    if locked.status not in (HazardStatus.OPEN, HazardStatus.RECTIFIED):
        raise InvalidTransition(_("Only an open hazard's deadline is changed."))
    if rectify_due < locked.found_on:
        raise _refuse(
            _("The rectification deadline cannot be before the day it was found."),
            "rectify_due",
            "due_before_found",
        )
    if not reason.strip():
        raise _refuse(_("Give the reason for the new deadline."), "reason")
    before = locked.rectify_due
    locked.rectify_due = rectify_due
    locked.save(update_fields=["rectify_due"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        unit=locked.unit,
        changes={"rectify_due": [str(before), str(rectify_due)]},
        note=reason.strip()[:200],
    )
    return locked


# --- patrols -----------------------------------------------------------------------------------


@transaction.atomic
def patrol_route_create(
    *,
    actor: User,
    unit: Unit,
    name: str,
    route: str,
    start_time: datetime.time,
    end_time: datetime.time,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    notes: str = "",
) -> PatrolRoute:
    require(actor, Action.PATROL_MANAGE, unit)
    if ends_on is not None and ends_on < starts_on:
        raise _refuse(_("The period ends before it starts."), "ends_on")
    if start_time == end_time:
        raise _refuse(_("A patrol starts and ends at different times."), "end_time")
    row = PatrolRoute(
        unit=unit,
        name=name.strip(),
        route=route.strip(),
        start_time=start_time,
        end_time=end_time,
        starts_on=starts_on,
        ends_on=ends_on,
        notes=notes.strip(),
        created_by=actor,
    )
    validated(row)
    row.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=row, unit=unit)
    return row


@transaction.atomic
def patrol_route_deactivate(*, actor: User, route: PatrolRoute) -> PatrolRoute:
    require(actor, Action.PATROL_MANAGE, route.unit)
    if route.is_active:
        route.is_active = False
        route.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=route,
            unit=route.unit,
            changes={"is_active": [True, False]},
        )
    return route


def patrol_record_create(
    *,
    actor: User,
    unit: Unit,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    patrollers: str,
    route: PatrolRoute | None = None,
    route_taken: str = "",
    findings: str = "",
    hazards: Sequence[HazardIn] = (),
) -> tuple[PatrolRecord, list[Hazard]]:
    """Record a patrol; each hazard among its findings is entered in the same step (one transaction)."""
    require(actor, Action.PATROL_RECORD, unit)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if ended_at <= started_at:
        errors["ended_at"] = [_("A patrol ends after it starts.")]
    elif ended_at - started_at > MAX_PATROL:
        errors["ended_at"] = [_("A patrol lasts at most 24 hours.")]
    if ended_at > now + datetime.timedelta(minutes=5):
        errors["ended_at"] = [_("A patrol is recorded after it ended.")]
    if not patrollers.strip():
        errors["patrollers"] = [_("Name who patrolled.")]
    if route is not None and (route.unit_id != unit.pk or not route.is_active):
        errors["route"] = [_("Choose an active route of this unit.")]
    if hazards and not findings.strip():
        errors["findings"] = [_("Describe the findings the hazards come from.")]
    if len(hazards) > MAX_HAZARDS_PER_PATROL:
        errors["hazards"] = [
            _("Enter at most %(n)d hazards with one patrol.") % {"n": MAX_HAZARDS_PER_PATROL}
        ]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)

    def work(files: _StoredFiles) -> tuple[PatrolRecord, list[Hazard]]:
        record = PatrolRecord(
            unit=unit,
            route=route,
            started_at=started_at,
            ended_at=ended_at,
            patrollers=patrollers.strip(),
            route_taken=route_taken.strip(),
            findings=findings.strip(),
            recorded_by=actor,
        )
        validated(record)
        record.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            unit=unit,
            changes={"hazards": [None, len(hazards)]},
        )
        found_on = beijing_date(started_at)
        raised = []
        for index, data in enumerate(hazards):
            data = HazardIn(
                **{**data.__dict__, "discovery": Discovery.PATROL, "found_on": data.found_on or found_on}
            )
            try:
                hazard = _hazard_row(actor=actor, unit=unit, data=data, patrol_record=record)
            except ValidationFailed as exc:
                message = _("Hazard %(n)d: %(error)s") % {"n": index + 1, "error": exc.message}
                raise ValidationFailed(
                    message, code=exc.code, errors={f"hazards.{index}.{k}": v for k, v in exc.errors.items()}
                ) from None
            raised.append(_hazard_save(files, actor=actor, hazard=hazard, photos=data.photos))
        return record, raised

    return _with_files(work)


def hazard_raise_from_patrol(*, actor: User, record: PatrolRecord, data: HazardIn) -> Hazard:
    """Enter one hazard from a recorded patrol's findings (the record page's one-step button)."""
    require(actor, Action.PATROL_RECORD, record.unit)
    data = HazardIn(
        **{
            **data.__dict__,
            "discovery": Discovery.PATROL,
            "found_on": data.found_on or beijing_date(record.started_at),
        }
    )
    return hazard_report(actor=actor, unit=record.unit, data=data, patrol_record=record)


# --- incidents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentIn:
    kind: str
    occurred_at: datetime.datetime
    place: str
    summary: str
    description: str = ""
    deaths: int = 0
    injuries: int = 0
    missing: int = 0
    direct_loss: Any = Decimal("0")
    response_units: str = ""
    latitude: Any = None
    longitude: Any = None


def _incident_log_text(incident: Incident) -> str:
    casualties = _("deaths %(d)d, injured %(i)d, missing %(m)d") % {
        "d": incident.deaths,
        "i": incident.injuries,
        "m": incident.missing,
    }
    return _("Incident %(number)s (%(kind)s) at %(time)s, %(place)s: %(summary)s; %(casualties)s.") % {
        "number": incident.number,
        "kind": IncidentKind(incident.kind).label,
        "time": short_time(incident.occurred_at),
        "place": incident.place,
        "summary": incident.summary,
        "casualties": casualties,
    }


@transaction.atomic
def incident_report(*, actor: User, unit: Unit, data: IncidentIn) -> Incident:
    """Report an incident; it goes into the log of the duty shift on duty for the unit, as an open item."""
    from zhenwu.duty.services import duty_log_forward

    require(actor, Action.INCIDENT_REPORT, unit)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if data.kind not in IncidentKind.values:
        errors["kind"] = [_("Choose what kind of incident it is.")]
    if data.occurred_at > now + datetime.timedelta(minutes=5):
        errors["occurred_at"] = [_("An incident is reported after it happened.")]
    elif data.occurred_at < now - datetime.timedelta(days=366):
        errors["occurred_at"] = [_("An incident over a year ago is not reported as new.")]
    try:
        loss = Decimal(str(data.direct_loss or 0))
    except (InvalidOperation, ValueError):
        loss = Decimal(-1)
    if loss < 0 or not loss.is_finite():
        errors["direct_loss"] = [_("The loss is an amount in yuan, 0 or more.")]
    for name in ("deaths", "injuries", "missing"):
        value = getattr(data, name)
        if not isinstance(value, int) or value < 0 or value > 100000:
            errors[name] = [_("Enter a number of people, 0 or more.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    lat, lng = _coordinates(data.latitude, data.longitude)
    incident = Incident(
        number="-",
        unit=unit,
        kind=data.kind,
        occurred_at=data.occurred_at,
        place=data.place.strip(),
        latitude=lat,
        longitude=lng,
        summary=data.summary.strip(),
        description=data.description.strip(),
        deaths=data.deaths,
        injuries=data.injuries,
        missing=data.missing,
        direct_loss=loss.quantize(Decimal("0.01")),
        response_units=data.response_units.strip(),
        reported_by=actor,
        reported_at=now,
    )
    validated(incident, exclude=["number"])
    incident.number = _next_number(unit, beijing_date(data.occurred_at).year, "SG")
    incident.save()
    incident.duty_log_entry = duty_log_forward(
        actor=actor, unit=unit, text=_incident_log_text(incident), occurred_at=incident.occurred_at
    )
    if incident.duty_log_entry is not None:
        incident.save(update_fields=["duty_log_entry"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=incident,
        unit=unit,
        changes={
            "kind": [None, incident.kind],
            "deaths": [None, incident.deaths],
            "injuries": [None, incident.injuries],
        },
    )
    return incident


def _locked_incident(incident: Incident) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).select_related("unit").get(pk=incident.pk)


@transaction.atomic
def incident_update(*, actor: User, incident: Incident, **fields: Any) -> Incident:
    """Correct the figures as they become known (casualties, losses, responding units)."""
    locked = _locked_incident(incident)
    require(actor, Action.INCIDENT_MANAGE, locked.unit)
    if locked.status == IncidentStatus.CLOSED:
        raise InvalidTransition(_("The incident is closed."))
    allowed = {
        "deaths",
        "injuries",
        "missing",
        "direct_loss",
        "response_units",
        "description",
        "summary",
        "place",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise _refuse(_("These fields cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    changes: dict[str, list[Any]] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if name in {"deaths", "injuries", "missing"} and (not isinstance(value, int) or value < 0):
            raise _refuse(_("Enter a number of people, 0 or more."), name)
        if name == "direct_loss":
            try:
                value = Decimal(str(value)).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                raise _refuse(_("The loss is an amount in yuan, 0 or more."), name) from None
        if isinstance(value, str):
            value = value.strip()
        if getattr(locked, name) != value:
            changes[name] = [str(getattr(locked, name)), str(value)]
            setattr(locked, name, value)
    if changes:
        validated(locked)
        locked.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked, unit=locked.unit, changes=changes)
    return locked


@transaction.atomic
def incident_measure_add(*, actor: User, incident: Incident, text: str) -> IncidentMeasure:
    locked = _locked_incident(incident)
    require(actor, Action.INCIDENT_MANAGE, locked.unit)
    if locked.status == IncidentStatus.CLOSED:
        raise InvalidTransition(_("The incident is closed."))
    if not text.strip():
        raise _refuse(_("Write the measure taken."), "text")
    measure = IncidentMeasure(incident=locked, text=text.strip(), author=actor)
    validated(measure)
    measure.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=measure, unit=locked.unit)
    return measure


@transaction.atomic
def incident_close(*, actor: User, incident: Incident, note: str = "") -> Incident:
    locked = _locked_incident(incident)
    require(actor, Action.INCIDENT_MANAGE, locked.unit)
    if locked.status == IncidentStatus.CLOSED:
        raise Conflict(_("The incident is already closed."), code="already_closed")
    if not locked.measures.exists():
        raise _refuse(_("Record the follow-up measures before closing."), code="measures_missing")
    locked.status = IncidentStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.close_note = note.strip()
    validated(locked)
    locked.save()
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=locked,
        unit=locked.unit,
        changes={"status": [IncidentStatus.OPEN, IncidentStatus.CLOSED]},
    )
    return locked


# --- reminders ---------------------------------------------------------------------------------


def hazard_reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Remind the responsible unit of hazard deadlines; each message once per hazard, deadline and state.

    Due soon (the severity rule's warn days): the responsible unit's people who may rectify. Overdue:
    the same people and the office of every unit above the hazard's place that has one, so a late
    rectification is seen where it is supervised.
    """
    from zhenwu.core.choices import Role
    from zhenwu.core.notifications.services import notify_user
    from zhenwu.core.rules import get_rule

    today = today or _today()
    warn = max(get_rule(code).warn_days for code in RECTIFY_RULES.values())
    counts = {"due_soon": 0, "overdue": 0, "messages": 0}
    with transaction.atomic():
        hazards = list(
            Hazard.objects.filter(
                status=HazardStatus.OPEN, rectify_due__lte=today + datetime.timedelta(days=warn)
            ).select_related("unit", "responsible_unit")
        )
        unit_ids = {h.responsible_unit_id for h in hazards}
        rectifiers: dict[int, list[User]] = {}
        for person in User.objects.filter(
            unit_id__in=unit_ids, is_active=True, role__in=[Role.REPORTER, Role.LEADER, Role.OFFICE]
        ).select_related("unit"):
            if person.unit_id is not None:
                rectifiers.setdefault(person.unit_id, []).append(person)
        paths = {p for h in hazards for p in h.unit.ancestor_paths()}
        offices: dict[str, list[User]] = {}
        for person in User.objects.filter(
            unit__path__in=paths, is_active=True, role=Role.OFFICE
        ).select_related("unit"):
            if person.unit is not None:
                offices.setdefault(person.unit.path, []).append(person)
        for hazard in hazards:
            rule = get_rule(RECTIFY_RULES[Severity(hazard.severity)])
            late = hazard.rectify_due < today
            if not late and hazard.rectify_due > today + datetime.timedelta(days=rule.warn_days):
                continue
            state = "overdue" if late else "due_soon"
            subject = (
                _("Hazard overdue: %(number)s %(title)s")
                if late
                else _("Hazard due on %(date)s: %(number)s %(title)s")
            ) % {"number": hazard.number, "title": hazard.title, "date": hazard.rectify_due}
            body = _("%(number)s at %(place)s (%(unit)s): rectify by %(date)s.") % {
                "number": hazard.number,
                "place": hazard.place,
                "unit": hazard.unit.name,
                "date": hazard.rectify_due,
            }
            people = list(rectifiers.get(hazard.responsible_unit_id, []))
            if late:
                people += [p for path in hazard.unit.ancestor_paths() for p in offices.get(path, [])]
            for person in dict.fromkeys(people):
                counts["messages"] += len(
                    notify_user(
                        event_key=f"safety.{state}.{hazard.pk}.{hazard.rectify_due}.{person.pk}",
                        user=person,
                        subject=subject,
                        body=body,
                    )
                )
            counts[state] += 1
    return counts
