"""Schemas shared by every API router."""

import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator

from zhenwu.core.models import User

#: ``HH:MM``, as deadlines, shift and reception times are written (Beijing wall-clock time).
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
#: Days and moments outside these bounds are typing errors; the bounds also keep the day arithmetic
#: (the next day, the UTC conversion) inside what ``datetime`` and the database can hold.
FIRST_DAY = datetime.date(1970, 1, 1)
LAST_DAY = datetime.date(2999, 12, 31)
#: Database ids are 64-bit; a larger number is refused (422) before it reaches a query.
MAX_ID = 2**63 - 1


def _in_range(moment: datetime.datetime) -> datetime.datetime:
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise ValueError(_("Enter a time between 1970 and 2999."))
    return moment


#: Types for path, query and body fields of the domain routers.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Day = Annotated[datetime.date, Field(ge=FIRST_DAY, le=LAST_DAY)]
Moment = Annotated[datetime.datetime, AfterValidator(_in_range)]
Clock = Annotated[str, Field(pattern=HHMM, description="HH:MM, Beijing time")]


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
