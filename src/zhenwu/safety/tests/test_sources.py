"""The safety figures prefill a daily report, and the mediation ledger a weekly one (reports data sources)."""

import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhenwu.mediation.choices import DisputeSource, PartySide
from zhenwu.mediation.models import DisputeKind
from zhenwu.mediation.services import PartyIn, dispute_register
from zhenwu.reports.choices import DayRule, Weekday
from zhenwu.reports.models import ReportSlot
from zhenwu.reports.selectors import slot_prefill
from zhenwu.reports.services import report_type_create
from zhenwu.reports.sources import get_source
from zhenwu.reports.tests.factories import daily_schedule
from zhenwu.safety.choices import IncidentKind
from zhenwu.safety.services import IncidentIn, incident_report
from zhenwu.testing.world import World

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def now() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at("2026-02-20", 9), tick=False) as traveller:
        yield traveller


def test_both_apps_register_their_sources() -> None:
    assert get_source("safety.daily") is not None
    assert get_source("mediation.disputes") is not None


def test_a_daily_report_is_prefilled_with_the_incidents_since_the_last_deadline(
    world: World, now: time_machine.Traveller
) -> None:
    office = world.user("office")
    daily = report_type_create(
        actor=office, owner_unit=world.township, code="safety", name="安全日报", source="safety.daily"
    )
    daily_schedule(office, world.township, [world.village], report_type=daily, times=("09:00",))
    now.move_to(at("2026-02-26", 20))
    incident_report(
        actor=world.user("reporter"),
        unit=world.village,
        data=IncidentIn(
            kind=IncidentKind.FIRE,
            occurred_at=at("2026-02-26", 19),
            place="三组",
            summary="柴草起火",
            injuries=1,
        ),
    )
    slot = ReportSlot.objects.get(unit=world.village, slot_on=datetime.date(2026, 2, 27))
    figures = slot_prefill(slot)
    assert (figures["incidents"], figures["fires"], figures["injuries"]) == (1, 1, 1)
    earlier = ReportSlot.objects.get(unit=world.village, slot_on=datetime.date(2026, 2, 26))
    assert slot_prefill(earlier)["incidents"] == 0  # the fire came after that deadline


def test_a_weekly_report_is_prefilled_from_the_mediation_ledger(
    world: World, now: time_machine.Traveller
) -> None:
    office = world.user("office")
    weekly = report_type_create(
        actor=office,
        owner_unit=world.township,
        code="disputes",
        name="矛盾纠纷周报",
        source="mediation.disputes",
    )
    daily_schedule(
        office,
        world.township,
        [world.village],
        report_type=weekly,
        times=("17:00",),
        day_rule=DayRule.WEEKLY,
        weekday=Weekday.FRIDAY,
    )
    now.move_to(at("2026-03-02", 10))
    dispute_register(
        actor=world.user("reporter"),
        handling_unit=world.village,
        kind=DisputeKind.objects.get(code="neighbours"),
        source=DisputeSource.FOUND_BY_UNIT,
        summary="排水沟堵塞引发邻里纠纷",
        parties=[PartyIn(name="甲某"), PartyIn(name="乙某", side=PartySide.RESPONDENT)],
    )
    slot = ReportSlot.objects.get(unit=world.village, slot_on=datetime.date(2026, 3, 6))
    assert slot_prefill(slot)["disputes_registered"] == 1
    assert (
        slot_prefill(ReportSlot.objects.get(unit=world.village, slot_on=datetime.date(2026, 2, 27)))[
            "disputes_registered"
        ]
        == 0
    )
