"""API routes of the deadline engine: compute a due date, list the years the engine knows."""

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from zhenwu.core.api.schemas import ErrorOut, api_user
from zhenwu.core.deadlines import calendar_known_years, compute_due
from zhenwu.core.rules import RULES, DayCount
from zhenwu.core.scoping import Action, require

router = Router(tags=["calendar"])

_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class DeadlineIn(Schema):
    rule: str = Field(..., max_length=64, description="Rule code, one of: " + ", ".join(RULES))
    start: datetime.date = Field(..., description="The day the period counts from (not counted itself)")


class SkippedDayOut(Schema):
    date: datetime.date
    reason: str


class DeadlineOut(Schema):
    rule: str
    rule_label: str
    source: str
    count: DayCount
    days: int
    counts_from: str
    start: datetime.date
    nominal_end: datetime.date = Field(..., description="start + days; for working-day rules the due date")
    due: datetime.date
    rolled: bool = Field(..., description="Whether a last day on a rest day moved to the next working day")
    skipped: list[SkippedDayOut]
    warn_on: datetime.date
    explanation: str


class EnteredYearOut(Schema):
    year: int
    source: str
    created_at: datetime.datetime
    holidays: int
    workdays: int


class PackageOut(Schema):
    name: str
    version: str
    first_year: int
    last_year: int


class KnownYearsOut(Schema):
    years: list[int]
    package: PackageOut
    entered: list[EnteredYearOut]


@router.post("/deadlines", response={200: DeadlineOut, **_ERRORS}, summary="Compute a due date")
def compute_deadline(request: HttpRequest, payload: DeadlineIn) -> object:
    require(api_user(request), Action.CALENDAR_VIEW)
    return compute_due(payload.rule, payload.start).as_dict()


@router.get("/calendar/years", response={200: KnownYearsOut, **_ERRORS}, summary="Years the engine knows")
def list_calendar_years(request: HttpRequest) -> object:
    require(api_user(request), Action.CALENDAR_VIEW)
    known = calendar_known_years()
    return {
        "years": known.years,
        "package": {
            "name": known.package_name,
            "version": known.package_version,
            "first_year": known.package_first,
            "last_year": known.package_last,
        },
        "entered": known.entered,
    }
