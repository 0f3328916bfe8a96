"""API routes for staff accounts, the current user, and the audit log."""

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from zhenwu.core.api.schemas import ERRORS, PersonOut, api_user
from zhenwu.core.choices import AuditAction, Interface, Role
from zhenwu.core.scoping import ROLE_GRANTS, Action, require, role_allows
from zhenwu.core.selectors import access_person, access_unit, audit_list, person_list
from zhenwu.core.services import people as people_services

router = Router(tags=["people"])


class PersonFilter(Schema):
    q: str = Field("", max_length=100, description="Name, username or position")
    role: Role | None = None
    unit: int | None = Field(None, description="Only this unit and its descendants")
    active: bool | None = None


class PersonCreateIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    full_name: str = Field(..., min_length=1, max_length=50)
    unit_id: int | None
    role: Role
    position: str = Field("", max_length=50)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    password: str | None = Field(None, min_length=1, max_length=128)


class PersonUpdateIn(Schema):
    full_name: str | None = Field(None, min_length=1, max_length=50)
    unit_id: int | None = None
    role: Role | None = None
    position: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)


class MeOut(PersonOut):
    permissions: list[str]


class AuditFilter(Schema):
    actor: int | None = None
    action: AuditAction | None = None
    object_type: str = Field("", max_length=64)
    object_id: str = Field("", max_length=64)
    interface: Interface | None = None
    unit: int | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None


class AuditOut(Schema):
    id: int
    occurred_at: datetime.datetime
    actor_id: int | None
    actor_name: str
    interface: str
    request_id: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    unit_id: int | None
    changes: dict[str, object]
    note: str


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The signed-in user")
def me(request: HttpRequest) -> object:
    user = api_user(request)
    user.permissions = sorted(a for a in ROLE_GRANTS if role_allows(user, a))  # type: ignore[attr-defined]
    return user


@router.get("/people", response={200: list[PersonOut], **ERRORS}, summary="List staff in scope")
@paginate
def list_people(request: HttpRequest, filters: Query[PersonFilter]) -> object:
    user = api_user(request)
    unit = access_unit(user, filters.unit) if filters.unit is not None else None
    return person_list(user=user, q=filters.q, role=filters.role or "", unit=unit, active=filters.active)


@router.get("/people/{person_id}", response={200: PersonOut, **ERRORS}, summary="One staff account")
def get_person(request: HttpRequest, person_id: int) -> object:
    return access_person(api_user(request), person_id)


@router.post("/people", response={201: PersonOut, **ERRORS}, summary="Create a staff account")
def create_person(request: HttpRequest, payload: PersonCreateIn) -> object:
    user = api_user(request)
    unit = access_unit(user, payload.unit_id) if payload.unit_id is not None else None
    person = people_services.person_create(
        actor=user,
        username=payload.username,
        full_name=payload.full_name,
        unit=unit,
        role=payload.role,
        position=payload.position,
        phone=payload.phone,
        email=payload.email,
        password=payload.password,
    )
    return Status(201, person)


@router.patch("/people/{person_id}", response={200: PersonOut, **ERRORS}, summary="Change a staff account")
def update_person(request: HttpRequest, person_id: int, payload: PersonUpdateIn) -> object:
    user = api_user(request)
    person = access_person(user, person_id)
    data = payload.dict(exclude_unset=True)
    unit_id = data.pop("unit_id", None)
    unit = access_unit(user, unit_id) if unit_id is not None else None
    return people_services.person_update(actor=user, person=person, unit=unit, **data)


@router.get("/audit", response={200: list[AuditOut], **ERRORS}, summary="Audit log in scope")
@paginate
def list_audit(request: HttpRequest, filters: Query[AuditFilter]) -> object:
    user = api_user(request)
    require(user, Action.AUDIT_VIEW)
    return audit_list(
        user=user,
        actor=access_person(user, filters.actor) if filters.actor is not None else None,
        action=filters.action or "",
        object_type=filters.object_type,
        object_id=filters.object_id,
        interface=filters.interface or "",
        unit=access_unit(user, filters.unit) if filters.unit is not None else None,
        since=filters.since,
        until=filters.until,
    )
