"""Role x route rules of the reports API routes (see zhenwu.testing.permissions).

The 河坝镇 (HB) office defines the types and collects the reports; HB-01 (the reporter's village) and
HB-02 report under the daily schedule of the reports tests (2026-02-25 to 2026-03-16), built before
that period. The permission test itself runs at the real date, after the period: a first report on
one of its slots is a late original (201), and a schedule or a change of deadlines must start after
today, so those are built around ``timezone.localdate()`` (an every-day rule needs no holiday data).
"""

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import time_machine
from django.utils import timezone

from zhenwu.reports.models import ReportSchedule, ReportSlot, ReportType
from zhenwu.reports.services import report_submit
from zhenwu.reports.tests.factories import DAILY_FIELDS, at, daily_schedule, daily_type, values
from zhenwu.testing.permissions import Check, Outcome, every_role, expect
from zhenwu.testing.world import World


def api(**outcomes: Outcome) -> dict[str, Outcome]:
    return {**expect(**outcomes), "anonymous": 401}


EVERYONE = every_role(200, anonymous=401)
#: Only the office (and the county administrator) defines types and schedules.
OFFICE_MANAGES = api(admin=201, office=201, leader=403, reporter=403, mediator=403, oversight=403)
#: The same where the body names the township, which the HB-01 reporter does not see.
OFFICE_MANAGES_TOWNSHIP = {**OFFICE_MANAGES, "reporter": 404}
#: The same refused by the service (a body the office may send but the domain refuses).
OFFICE_REFUSED_TOWNSHIP = {**OFFICE_MANAGES_TOWNSHIP, "admin": 400, "office": 400}
#: Changing a type in place (no new object): 200 for those who manage it.
OFFICE_CHANGES = api(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
#: A unit's reporter submits for it, and the office on a unit's behalf.
SUBMITTERS = api(admin=201, office=201, leader=403, reporter=201, mediator=403, oversight=403)
NEW_FIELDS = [*DAILY_FIELDS, {"key": "fires", "label": "火情", "kind": "count"}]


@contextmanager
def before_period() -> Iterator[None]:
    with time_machine.travel(at("2026-02-20", 9), tick=False):
        yield


def _type(w: World) -> ReportType:
    """A new daily report type of HB (a fresh code each time: a route's checks share one world)."""
    return daily_type(w.user("office"), w.township, code=f"daily{ReportType.objects.count() + 1}")


def _schedule(w: World) -> ReportSchedule:
    with before_period():
        return daily_schedule(w.user("office"), w.township, [w.village, w.village2], report_type=_type(w))


def _future_schedule(w: World) -> ReportSchedule:
    today = timezone.localdate()
    return daily_schedule(
        w.user("office"),
        w.township,
        [w.village, w.village2],
        report_type=_type(w),
        starts_on=(today + datetime.timedelta(days=1)).isoformat(),
        ends_on=(today + datetime.timedelta(days=10)).isoformat(),
    )


def _slot(w: World, *, unit: str = "village", submitted: bool = False) -> ReportSlot:
    schedule = _schedule(w)
    slot = ReportSlot.objects.get(schedule=schedule, unit=getattr(w, unit), due_at=at("2026-02-25", 9))
    if submitted:
        with time_machine.travel(at("2026-02-25", 8), tick=False):
            report_submit(actor=w.user("reporter"), slot=slot, values=values())
    return slot


def a_type(w: World) -> dict[str, Any]:
    with before_period():
        return {"type_id": _type(w).pk}


def a_schedule(w: World) -> dict[str, Any]:
    return {"schedule_id": _schedule(w).pk}


def a_future_schedule(w: World) -> dict[str, Any]:
    return {"schedule_id": _future_schedule(w).pk}


def some_schedules(w: World) -> dict[str, Any]:
    """No URL arguments; lists have something to show."""
    _schedule(w)
    return {}


def slot_of(unit: str = "village", *, submitted: bool = False) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"slot_id": _slot(w, unit=unit, submitted=submitted).pk}


def new_schedule_body(w: World) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "owner_unit": w.township.pk,
        "report_type": ReportType.objects.order_by("-pk").values_list("pk", flat=True)[0],
        "name": "防汛期间每日报送",
        "starts_on": (today + datetime.timedelta(days=1)).isoformat(),
        "ends_on": (today + datetime.timedelta(days=7)).isoformat(),
        "times": ["09:00"],
        "units": [w.village.pk],
    }


def switch_body(w: World) -> dict[str, Any]:
    return {
        "effective_from": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        "times": ["09:00", "13:00", "17:00"],
    }


def a_type_only(w: World) -> dict[str, Any]:
    """No URL arguments; builds the report type a new schedule names."""
    a_type(w)
    return {}


TABLE: dict[str, list[Check]] = {
    "api:list_report_types": [Check(EVERYONE, kwargs=a_type_only), Check(EVERYONE, query="active=true")],
    "api:create_report_type": [
        Check(
            OFFICE_MANAGES_TOWNSHIP,
            method="POST",
            json=True,
            data=lambda w: {
                "owner_unit": w.township.pk,
                "code": "safety_weekly",
                "name": "安全生产周报",
                "fields": [{"key": "hazards", "label": "发现隐患", "kind": "count"}],
            },
        ),
        # A data source no app registers: refused on the source field.
        Check(
            OFFICE_REFUSED_TOWNSHIP,
            method="POST",
            json=True,
            data=lambda w: {
                "owner_unit": w.township.pk,
                "code": "safety_weekly",
                "name": "安全生产周报",
                "source": "nowhere.nothing",
            },
        ),
    ],
    "api:set_report_type_source": [
        Check(OFFICE_CHANGES, method="PUT", json=True, kwargs=a_type, data=lambda w: {"source": ""}),
        Check(
            {**OFFICE_CHANGES, "admin": 400, "office": 400},
            method="PUT",
            json=True,
            kwargs=a_type,
            data=lambda w: {"source": "nowhere.nothing"},
        ),
    ],
    # Reference data like the report types: which sources exist and what they count.
    "api:list_report_sources": [Check(EVERYONE)],
    # Report types are reference data: every signed-in role reads them.
    "api:get_report_type": [Check(EVERYONE, kwargs=a_type)],
    "api:change_report_type_form": [
        Check(
            OFFICE_MANAGES,
            method="POST",
            json=True,
            kwargs=a_type,
            data=lambda w: {"fields": NEW_FIELDS, "expected_version": 1},
        ),
        # Someone else changed it meanwhile: a conflict, for those who may change it at all.
        Check(
            {**OFFICE_MANAGES, "admin": 409, "office": 409},
            method="POST",
            json=True,
            kwargs=a_type,
            data=lambda w: {"fields": NEW_FIELDS, "expected_version": 0},
        ),
    ],
    "api:list_report_schedules": [
        Check(EVERYONE, kwargs=some_schedules),
        Check(EVERYONE, kwargs=some_schedules, query="active_on=2026-03-01"),
    ],
    "api:create_report_schedule": [
        Check(OFFICE_MANAGES_TOWNSHIP, method="POST", json=True, kwargs=a_type_only, data=new_schedule_body)
    ],
    # The reporter sees the schedule: HB-01 reports under it.
    "api:get_report_schedule": [Check(EVERYONE, kwargs=a_schedule)],
    "api:switch_report_schedule": [
        Check(OFFICE_MANAGES, method="POST", json=True, kwargs=a_future_schedule, data=switch_body),
        # A period that is over cannot change.
        Check(
            {**OFFICE_MANAGES, "admin": 400, "office": 400},
            method="POST",
            json=True,
            kwargs=a_schedule,
            data=switch_body,
        ),
    ],
    "api:get_report_summary": [
        Check(EVERYONE, kwargs=a_schedule, query="day=2026-02-25"),
        Check(EVERYONE, kwargs=a_schedule, query="day=2026-02-25&due=09:00"),
        Check(every_role(422, anonymous=401), kwargs=a_schedule, query="day=2026-02-25&due=25:00"),
    ],
    "api:get_report_grid": [
        Check(EVERYONE, kwargs=a_schedule, query="first=2026-02-25&last=2026-03-01"),
        Check(every_role(400, anonymous=401), kwargs=a_schedule, query="first=2026-02-01&last=2026-03-31"),
    ],
    "api:list_report_slots": [
        Check(EVERYONE, kwargs=some_schedules),
        Check(EVERYONE, kwargs=some_schedules, query="state=missing&day=2026-02-25"),
    ],
    "api:list_due_report_slots": [Check(EVERYONE, kwargs=some_schedules)],
    "api:get_report_slot": [
        Check(EVERYONE, kwargs=slot_of("village")),
        # HB-02 is not the reporter's village: its slots do not exist for them.
        Check({**EVERYONE, "reporter": 404}, kwargs=slot_of("village2")),
    ],
    "api:list_report_slot_submissions": [
        Check(EVERYONE, kwargs=slot_of("village", submitted=True)),
        Check({**EVERYONE, "reporter": 404}, kwargs=slot_of("village2")),
    ],
    # Read like the slot: another village's slot is a 404 to the HB-01 reporter.
    "api:get_report_slot_prefill": [
        Check(EVERYONE, kwargs=slot_of("village")),
        Check({**EVERYONE, "reporter": 404}, kwargs=slot_of("village2")),
    ],
    "api:submit_report": [
        Check(
            SUBMITTERS,
            method="POST",
            json=True,
            kwargs=slot_of("village"),
            data=lambda w: {"values": values()},
        ),
        Check(
            {**SUBMITTERS, "reporter": 404},
            method="POST",
            json=True,
            kwargs=slot_of("village2"),
            data=lambda w: {"is_zero": True},
        ),
        # The form showed no report, but HB-01 has reported meanwhile.
        Check(
            {**SUBMITTERS, "admin": 409, "office": 409, "reporter": 409},
            method="POST",
            json=True,
            kwargs=slot_of("village", submitted=True),
            data=lambda w: {"values": values(hazards=3), "expected_revision": 0},
        ),
    ],
}
