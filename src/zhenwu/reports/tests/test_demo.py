"""The reports demo: what ``load_demo`` adds for 河坝镇, that the past looks real, and that it loads once.

Each test loads the core demo and the domain demos once (the project loads per test; there is no
module-scoped database fixture). The clock is frozen by the reports conftest; each test moves it.
"""

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import translation

from zhenwu.core.choices import Role, UnitKind
from zhenwu.core.models import AuditEvent, Unit, User
from zhenwu.reports.choices import DayRule, SlotState, SubmissionKind
from zhenwu.reports.demo import (
    DAILY_CODE,
    DAILY_SCHEDULE,
    LATE_MINUTES,
    WEEKLY_CODE,
    WEEKLY_SCHEDULE,
)
from zhenwu.reports.models import ReportFormVersion, ReportSchedule, ReportSlot, ReportSubmission, ReportType
from zhenwu.reports.selectors import schedule_grid, slot_state
from zhenwu.reports.tests.factories import at

pytestmark = pytest.mark.django_db

#: 2026-02-20 is a Friday; the demo period is 02-13 .. 03-05 (21 days, Mondays 02-16, 02-23, 03-02).
TODAY = "2026-02-20"
FIRST = datetime.date(2026, 2, 13)
LAST = datetime.date(2026, 3, 5)
#: Words of the purposes the README excludes; no demo label or text may carry them.
EXCLUDED_WORDS = ("重点人员", "稳控", "劝返", "越级", "行踪", "盯守", "截访")


def load() -> str:
    """Run ``load_demo`` with its messages in English (the site's default is Chinese)."""
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    return out.getvalue()


def state_of_everything() -> dict[str, Any]:
    return {
        "types": list(ReportType.objects.order_by("pk").values_list("code", "current_version")),
        "versions": ReportFormVersion.objects.count(),
        "schedules": list(ReportSchedule.objects.order_by("pk").values_list("pk", "name")),
        "slots": list(
            ReportSlot.objects.order_by("pk").values_list("pk", "submitted_at", "is_zero", "revision")
        ),
        "submissions": list(ReportSubmission.objects.order_by("pk").values_list("pk", "is_current")),
        "audit": AuditEvent.objects.count(),
    }


def slot_of(schedule: ReportSchedule, code: str, day: str, hour: int) -> ReportSlot:
    return ReportSlot.objects.get(schedule=schedule, unit__code=code, due_at=at(day, hour))


def test_demo_schedules_every_village_and_community_with_a_realistic_past_and_loads_once(clock):
    clock.move_to(at(TODAY, 10, 30))  # today's 09:00 has passed, 17:00 is open
    out = load()
    assert "Demo reports: 2 report types, 2 schedules" in out

    township = Unit.objects.get(code="HB")
    office = User.objects.get(username="hb_office")
    units = set(Unit.objects.filter(parent=township, kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY]))
    assert len(units) == 7

    daily_type = ReportType.objects.get(code=DAILY_CODE)
    weekly_type = ReportType.objects.get(code=WEEKLY_CODE)
    assert (daily_type.name, weekly_type.name) == ("每日情况报告", "矛盾纠纷周报")
    assert daily_type.owner_unit == township == weekly_type.owner_unit
    daily_fields = ReportFormVersion.objects.get(report_type=daily_type, number=1).fields
    assert [(f["key"], f["kind"], f["required"]) for f in daily_fields] == [
        ("incidents", "count", True),
        ("hazards", "count", True),
        ("disputes_received", "count", True),
        ("disputes_resolved", "count", True),
        ("petitions", "count", True),
        ("duty_on_shift", "yes_no", True),
        ("other", "text", False),
    ]
    weekly_fields = ReportFormVersion.objects.get(report_type=weekly_type, number=1).fields
    assert [f["kind"] for f in weekly_fields] == ["count", "count", "count", "text"]

    daily = ReportSchedule.objects.get(name=DAILY_SCHEDULE, report_type=daily_type)
    weekly = ReportSchedule.objects.get(name=WEEKLY_SCHEDULE, report_type=weekly_type)
    for schedule in (daily, weekly):
        assert schedule.owner_unit == township
        assert schedule.created_by == office
        assert (schedule.starts_on, schedule.ends_on) == (FIRST, LAST)
        assert set(schedule.units.all()) == units
    assert daily.day_rule == DayRule.EVERY_DAY
    assert (weekly.day_rule, weekly.weekday) == (DayRule.WEEKLY, 0)

    # Slots for every unit: 21 days x (09:00, 17:00), and the three Mondays at 10:00.
    per_unit = dict(
        ReportSlot.objects.filter(schedule=daily).values_list("unit").annotate(n=Count("id")).order_by()
    )
    assert per_unit == {unit.pk: 42 for unit in units}
    weekly_days = set(ReportSlot.objects.filter(schedule=weekly).values_list("slot_on", "unit"))
    mondays = [datetime.date(2026, 2, 16), datetime.date(2026, 2, 23), datetime.date(2026, 3, 2)]
    assert weekly_days == {(day, unit.pk) for day in mondays for unit in units}

    # The past as the grid shows it: mostly on time, one late, missing ones, zero reports.
    now = at(TODAY, 10, 30)
    grid = schedule_grid(user=office, schedule=daily, first=FIRST, last=LAST, now=now)
    assert len(grid.rows) == 7
    totals = grid.totals
    assert totals[SlotState.LATE] >= 1
    assert totals[SlotState.MISSING] >= 1
    assert totals[SlotState.ON_TIME] > 10 * (totals[SlotState.LATE] + totals[SlotState.MISSING])
    assert any(cell and cell.is_zero for row in grid.rows for cell in row.cells)
    late = slot_of(daily, "HB-03", "2026-02-19", 17)  # 柳湾村, yesterday 17:00
    assert slot_state(late, now) == SlotState.LATE
    late_row = next(row for row in grid.rows if row.unit.code == "HB-03")
    late_cell = late_row.cells[grid.columns.index(late.due_at)]
    assert late_cell is not None and late_cell.late_minutes == LATE_MINUTES
    assert slot_state(slot_of(daily, "HB-04", TODAY, 9), now) == SlotState.MISSING  # 青石村, today 09:00
    assert slot_state(slot_of(daily, "HB-05", "2026-02-17", 9), now) == SlotState.MISSING
    assert ReportSlot.objects.filter(schedule=daily, unit__code="HB-07", is_zero=True).exists()
    # Nothing after the real moment of loading, and every report by its own unit's reporter.
    assert not ReportSubmission.objects.filter(submitted_at__gt=now).exists()
    assert not ReportSlot.objects.filter(submitted_at__isnull=False, opens_at__gt=now).exists()
    for sub in ReportSubmission.objects.select_related("slot", "submitted_by"):
        assert sub.submitted_by.role == Role.REPORTER
        assert sub.submitted_by.unit_id == sub.slot.unit_id
    # 河东村's correction keeps its original; 河西村 has reported for the open 17:00 deadline.
    correction = ReportSubmission.objects.get(kind=SubmissionKind.CORRECTION)
    assert correction.slot.unit.code == "HB-01" and correction.note
    assert correction.corrects is not None and not correction.corrects.is_current
    early = slot_of(daily, "HB-02", TODAY, 17)
    assert early.submitted_at == now and slot_state(early, now) == SlotState.ON_TIME
    # The weekly report of this Monday (02-16) is in for most units.
    assert ReportSlot.objects.filter(schedule=weekly, submitted_at__isnull=False).count() >= 5

    # The village reporter sees only their own village in the grid.
    reporter = User.objects.get(username="hb_reporter")
    rows = schedule_grid(user=reporter, schedule=daily, first=FIRST, last=LAST, now=now).rows
    assert [row.unit.code for row in rows] == ["HB-01"]

    # Only unit reports: no label, help or text serves a purpose the README excludes.
    texts = [str(f) for v in ReportFormVersion.objects.all() for f in v.fields]
    texts += [str(s.values) + s.note for s in ReportSubmission.objects.all()]
    texts += list(ReportType.objects.values_list("description", flat=True))
    assert not [text for text in texts if any(word in text for word in EXCLUDED_WORDS)]

    # Loading again changes nothing, not even the audit log.
    before = state_of_everything()
    clock.move_to(at("2026-02-21", 12))
    assert "Demo reports: already there." in load()
    assert state_of_everything() == before


@pytest.mark.parametrize(
    ("hour", "missing_day", "missing_hour"),
    [
        (6, "2026-02-19", 17),  # before today's 09:00: yesterday's 17:00 is the last one due
        (9, "2026-02-19", 17),  # exactly 09:00:00: today's 09:00 is not yet missing
        (21, TODAY, 17),  # evening: today's 17:00
    ],
)
def test_the_missing_report_is_the_last_deadline_passed_whatever_the_time_of_loading(
    clock, hour, missing_day, missing_hour
):
    now = at(TODAY, hour)
    clock.move_to(now)
    load()
    daily = ReportSchedule.objects.get(name=DAILY_SCHEDULE)
    assert slot_state(slot_of(daily, "HB-04", missing_day, missing_hour), now) == SlotState.MISSING
    # Every other unit reported that deadline (on time; 柳湾村 late if it is yesterday's 17:00).
    others = ReportSlot.objects.filter(schedule=daily, due_at=at(missing_day, missing_hour)).exclude(
        unit__code="HB-04"
    )
    assert others.count() == 6
    assert all(slot.submitted_at is not None for slot in others)
    late = slot_of(daily, "HB-03", "2026-02-19", 17)
    assert slot_state(late, now) == SlotState.LATE
    assert not ReportSubmission.objects.filter(submitted_at__gt=now).exists()
    # The deadline still open has 河西村's early report and nobody else's.
    open_slots = ReportSlot.objects.filter(schedule=daily, due_at__gte=now, opens_at__lte=now)
    assert [s.unit.code for s in open_slots if s.submitted_at is not None] == ["HB-02"]
