"""Schemas shared by every API router."""

import datetime

from django.http import HttpRequest
from ninja import Schema

from zhenwu.core.models import User


class ErrorOut(Schema):
    """The one error shape of the API: a stable code, a message in the user's language, field errors."""

    code: str
    message: str
    errors: dict[str, list[str]] = {}


#: The error responses every authenticated route may give; merge into a route's ``response``.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class UnitRef(Schema):
    id: int
    code: str
    name: str


class UnitOut(Schema):
    id: int
    parent_id: int | None
    kind: str
    name: str
    code: str
    phone: str
    is_active: bool
    depth: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    unit: UnitRef | None
    role: str
    position: str
    phone: str
    email: str
    is_active: bool


def api_user(request: HttpRequest) -> User:
    """The authenticated user of an API request (auth has already run on every route)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 -- guaranteed by the API's auth classes
    return user
