"""API routes for units (the tree of 单位)."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from zhenwu.core.api.schemas import ERRORS, UnitOut, api_user
from zhenwu.core.choices import UnitKind
from zhenwu.core.selectors import access_unit, unit_list
from zhenwu.core.services import units as unit_services

router = Router(tags=["units"])


class UnitFilter(Schema):
    q: str = Field("", max_length=100, description="Name contains, or code starts with")
    kind: UnitKind | None = None
    under: int | None = Field(None, description="Only this unit and its descendants")
    active: bool | None = None


class UnitCreateIn(Schema):
    parent_id: int | None = None
    kind: UnitKind
    name: str = Field(..., min_length=1, max_length=100)
    code: str = Field(..., min_length=1, max_length=32)
    phone: str = Field("", max_length=32)


class UnitUpdateIn(Schema):
    kind: UnitKind | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    code: str | None = Field(None, min_length=1, max_length=32)
    phone: str | None = Field(None, max_length=32)


class UnitMoveIn(Schema):
    parent_id: int


class UnitActiveIn(Schema):
    is_active: bool


@router.get("/units", response={200: list[UnitOut], **ERRORS}, summary="List units in scope")
@paginate
def list_units(request: HttpRequest, filters: Query[UnitFilter]) -> object:
    user = api_user(request)
    under = access_unit(user, filters.under) if filters.under is not None else None
    return unit_list(user=user, q=filters.q, kind=filters.kind or "", under=under, active=filters.active)


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="One unit")
def get_unit(request: HttpRequest, unit_id: int) -> object:
    return access_unit(api_user(request), unit_id)


@router.post("/units", response={201: UnitOut, **ERRORS}, summary="Create a unit")
def create_unit(request: HttpRequest, payload: UnitCreateIn) -> object:
    user = api_user(request)
    parent = access_unit(user, payload.parent_id) if payload.parent_id is not None else None
    unit = unit_services.unit_create(
        actor=user,
        parent=parent,
        kind=payload.kind,
        name=payload.name,
        code=payload.code,
        phone=payload.phone,
    )
    return Status(201, unit)


@router.patch("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="Change a unit")
def update_unit(request: HttpRequest, unit_id: int, payload: UnitUpdateIn) -> object:
    user = api_user(request)
    unit = access_unit(user, unit_id)
    return unit_services.unit_update(actor=user, unit=unit, **payload.dict(exclude_unset=True))


@router.post("/units/{unit_id}/move", response={200: UnitOut, **ERRORS}, summary="Move a unit")
def move_unit(request: HttpRequest, unit_id: int, payload: UnitMoveIn) -> object:
    user = api_user(request)
    unit = access_unit(user, unit_id)
    new_parent = access_unit(user, payload.parent_id)
    return unit_services.unit_move(actor=user, unit=unit, new_parent=new_parent)


@router.post("/units/{unit_id}/active", response={200: UnitOut, **ERRORS}, summary="(De)activate a unit")
def set_unit_active(request: HttpRequest, unit_id: int, payload: UnitActiveIn) -> object:
    user = api_user(request)
    unit = access_unit(user, unit_id)
    return unit_services.unit_set_active(actor=user, unit=unit, is_active=payload.is_active)
