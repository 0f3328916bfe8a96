"""Demo reports for `make run`: the daily situation report and the weekly dispute summary of 河坝镇.

The office of the demo township (``hb_office``) defines two report types and schedules them for
every village and community of 河坝镇 from seven days before the day of loading to thirteen days
after it: the daily report at 09:00 and 17:00, the weekly dispute summary on Mondays at 10:00.

The deadlines already past are then filled in the way a real week looks, each report by its own
unit's reporter through ``report_submit``: most units report on time (a community reports "nothing
to report" every morning), 柳湾村 is 40 minutes late with yesterday's 17:00 report, 青石村 has not
sent the most recent report that has fallen due, 枫林村 missed one morning three days ago, 河东村
corrected one report the next morning, and 河西村 has already reported for the deadline still open.

How past moments are written: the loader runs at the real time (``time_machine`` is a development
dependency only), and ``report_submit`` takes its clock from ``django.utils.timezone.now``, as it must
(a caller may never choose its own submission time). For demo data only, each historical submission
runs inside ``unittest.mock.patch("django.utils.timezone.now")`` set to the moment the unit is meant to
have reported, so every rule of the service (slot open, lateness, correction after the deadline)
applies exactly as it would have then. Audit events keep the real time of loading (their default
clock is bound at import), which is the truth: the demo data was written now.

Only unit reports: counts of incidents, hazards, disputes and petitions received, the duty check
and short notes. Nothing here names, follows or counts any resident (README, "What it
deliberately does not do").
"""

import datetime
import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.choices import Role, UnitKind
from zhenwu.core.demo import register_demo
from zhenwu.core.models import Unit, User
from zhenwu.reports.choices import DayRule, Weekday
from zhenwu.reports.models import ReportSchedule, ReportSlot, ReportType
from zhenwu.reports.services import local_moment, report_submit, report_type_create, schedule_create

DAILY_CODE = "daily-situation"
WEEKLY_CODE = "weekly-disputes"
DAILY_SCHEDULE = "每日情况报送"
WEEKLY_SCHEDULE = "矛盾纠纷周报报送"
DAILY_TIMES = ("09:00", "17:00")
WEEKLY_TIME = "10:00"
DAYS_BEFORE = 7
DAYS_AFTER = 13

#: The field keys are identifiers (totals add up across form versions); the labels are data.
DAILY_FIELDS: list[dict[str, Any]] = [
    {"key": "incidents", "label": "安全事故（起）", "kind": "count"},
    {"key": "hazards", "label": "排查发现安全隐患（处）", "kind": "count"},
    {"key": "disputes_received", "label": "受理矛盾纠纷（件）", "kind": "count"},
    {"key": "disputes_resolved", "label": "化解矛盾纠纷（件）", "kind": "count"},
    {
        "key": "petitions",
        "label": "受理群众来信来访（件）",
        "kind": "count",
        "help": "只报件数；来信来访事项在信访模块登记办理。",
    },
    {"key": "duty_on_shift", "label": "值班人员在岗", "kind": "yes_no"},
    {"key": "other", "label": "其他情况", "kind": "text", "required": False},
]
WEEKLY_FIELDS: list[dict[str, Any]] = [
    {"key": "disputes_received", "label": "本周受理矛盾纠纷（件）", "kind": "count"},
    {"key": "disputes_resolved", "label": "本周调解成功（件）", "kind": "count"},
    {"key": "disputes_in_mediation", "label": "正在调解中（件）", "kind": "count"},
    {"key": "notes", "label": "情况说明", "kind": "text", "required": False},
]

#: Who does what in the demo week (unit codes of 河坝镇).
LATE_UNIT = "HB-03"  # 柳湾村: yesterday's 17:00 report came 40 minutes late
LATE_MINUTES = 40
MISSING_UNIT = "HB-04"  # 青石村: the most recent deadline that has passed, not reported
MISSED_EARLIER_UNIT = "HB-05"  # 枫林村: missed the 09:00 report three days ago
CORRECTING_UNIT = "HB-01"  # 河东村: corrected the 17:00 report of two days ago the next morning
EARLY_UNIT = "HB-02"  # 河西村: already reported for the deadline still open
ZERO_UNIT = "HB-07"  # 滨河社区: "nothing to report" every morning

NOTES = (
    "开展安全隐患排查一次，未发现新问题。",
    "组织防汛防火巡查，情况正常。",
    "调解邻里宅基地纠纷一起，双方已达成协议。",
    "村道一处路面破损，已设置警示标志并报镇交通办。",
    "值班人员按时交接班。",
    "召开村两委会议，部署近期重点工作。",
)
WEEKLY_NOTES = (
    "本周纠纷以邻里、土地边界为主，均已登记在册。",
    "一起劳务费纠纷已引导至司法所申请调解。",
    "无重大矛盾纠纷。",
)


@contextmanager
def _clock_at(moment: datetime.datetime) -> Iterator[None]:
    """Demo data only: the service's clock reads ``moment`` (see the module docstring)."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)):
        yield


def _reporters(units: list[Unit]) -> dict[int, User]:
    """Each unit's reporter: its grid worker (网格员, ``hb_reporter`` in 河东村) if any, else the first."""
    chosen: dict[int, User] = {}
    people = User.objects.filter(unit__in=units, role=Role.REPORTER, is_active=True).order_by("pk")
    for person in people:
        if person.unit_id is None:
            continue
        if person.unit_id not in chosen or "网格员" in person.position:
            chosen[person.unit_id] = person
    return chosen


def _daily_values(rng: random.Random) -> dict[str, Any]:
    received = rng.choices((0, 1, 2, 3), weights=(6, 3, 1, 0.5))[0]
    return {
        "incidents": rng.choices((0, 1), weights=(30, 1))[0],
        "hazards": rng.choices((0, 1, 2), weights=(6, 3, 1))[0],
        "disputes_received": received,
        "disputes_resolved": rng.randint(0, received),
        "petitions": rng.choices((0, 1, 2), weights=(8, 2, 1))[0],
        "duty_on_shift": True,
        "other": rng.choice(NOTES) if rng.random() < 0.3 else "",
    }


def _weekly_values(rng: random.Random) -> dict[str, Any]:
    received = rng.randint(0, 5)
    resolved = rng.randint(0, received)
    return {
        "disputes_received": received,
        "disputes_resolved": resolved,
        "disputes_in_mediation": received - resolved,
        "notes": rng.choice(WEEKLY_NOTES),
    }


def _fill_history(
    *,
    schedules: Mapping[str, ReportSchedule],
    units: list[Unit],
    reporters: Mapping[int, User],
    now: datetime.datetime,
    rng: random.Random,
) -> int:
    """Submit the past deadlines as the demo week had it; return how many reports were written."""
    today = timezone.localdate(now)
    yesterday = today - datetime.timedelta(days=1)
    codes = {unit.pk: unit.code for unit in units}
    daily, weekly = schedules[DAILY_CODE], schedules[WEEKLY_CODE]
    past = list(
        ReportSlot.objects.filter(schedule__in=[daily, weekly], due_at__lt=now)
        .select_related("schedule", "unit")
        .order_by("due_at", "unit__path")
    )
    latest_daily = max((slot.due_at for slot in past if slot.schedule_id == daily.pk), default=None)
    missed_earlier = local_moment(today - datetime.timedelta(days=3), DAILY_TIMES[0])
    late_due = local_moment(yesterday, DAILY_TIMES[1])
    written = 0
    for slot in past:
        code = codes.get(slot.unit_id)
        reporter = reporters.get(slot.unit_id)
        if code is None or reporter is None:
            continue
        is_daily = slot.schedule_id == daily.pk
        if is_daily and code == MISSING_UNIT and slot.due_at == latest_daily:
            continue
        if is_daily and code == MISSED_EARLIER_UNIT and slot.due_at == missed_earlier:
            continue
        if is_daily and code == LATE_UNIT and slot.due_at == late_due:
            moment = slot.due_at + datetime.timedelta(minutes=LATE_MINUTES)
        else:
            # Reported some time in the last two and a half hours before the deadline.
            moment = max(
                slot.due_at - datetime.timedelta(minutes=rng.randint(5, 150)),
                slot.opens_at + datetime.timedelta(minutes=1),
            )
        if moment >= now:  # never write a report "in the future"
            continue
        local_due = timezone.localtime(slot.due_at)
        zero = (is_daily and code == ZERO_UNIT and local_due.strftime("%H:%M") == DAILY_TIMES[0]) or (
            rng.random() < 0.1
        )
        with _clock_at(moment):
            if zero:
                report_submit(actor=reporter, slot=slot, is_zero=True)
            else:
                report_submit(
                    actor=reporter,
                    slot=slot,
                    values=_daily_values(rng) if is_daily else _weekly_values(rng),
                )
        written += 1
    written += _correction(daily=daily, units=units, reporters=reporters, now=now, rng=rng)
    return written + _early_report(daily=daily, units=units, reporters=reporters, now=now, rng=rng)


def _correction(
    *,
    daily: ReportSchedule,
    units: list[Unit],
    reporters: Mapping[int, User],
    now: datetime.datetime,
    rng: random.Random,
) -> int:
    """河东村 adds a dispute it left out of the 17:00 report of two days ago, the next morning."""
    unit = next((u for u in units if u.code == CORRECTING_UNIT), None)
    reporter = reporters.get(unit.pk) if unit else None
    if unit is None or reporter is None:
        return 0
    two_days_ago = timezone.localdate(now) - datetime.timedelta(days=2)
    slot = ReportSlot.objects.filter(
        schedule=daily, unit=unit, due_at=local_moment(two_days_ago, DAILY_TIMES[1])
    ).first()
    if slot is None or slot.submitted_at is None:
        return 0
    values = {
        **_daily_values(rng),
        "disputes_received": 2,
        "disputes_resolved": 1,
        "other": "补报邻里纠纷一起，正在调解。",
    }
    with _clock_at(local_moment(two_days_ago + datetime.timedelta(days=1), "08:10")):
        report_submit(
            actor=reporter,
            slot=slot,
            values=values,
            expected_revision=slot.revision,
            note="补报：漏报一起邻里纠纷，已在调解中。",
        )
    return 1


def _early_report(
    *,
    daily: ReportSchedule,
    units: list[Unit],
    reporters: Mapping[int, User],
    now: datetime.datetime,
    rng: random.Random,
) -> int:
    """河西村 has already reported for the deadline that is still open (at the real time of loading)."""
    unit = next((u for u in units if u.code == EARLY_UNIT), None)
    reporter = reporters.get(unit.pk) if unit else None
    if unit is None or reporter is None:
        return 0
    slot = (
        ReportSlot.objects.filter(schedule=daily, unit=unit, due_at__gte=now, opens_at__lte=now)
        .order_by("due_at")
        .first()
    )
    if slot is None:
        return 0
    with _clock_at(now):
        report_submit(actor=reporter, slot=slot, values=_daily_values(rng))
    return 1


@transaction.atomic
def reports_demo_load() -> str:
    """Idempotent: does nothing once the daily situation report type exists."""
    township = Unit.objects.filter(code="HB", is_active=True).first()
    office = User.objects.filter(username="hb_office", is_active=True).select_related("unit").first()
    if township is None or office is None:
        return _("Demo reports: skipped (the demo township is incomplete).")
    if ReportType.objects.filter(code__in=[DAILY_CODE, WEEKLY_CODE]).exists():
        return _("Demo reports: already there.")
    units = list(
        Unit.objects.filter(
            parent=township, kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY], is_active=True
        ).order_by("path")
    )
    if not units:
        return _("Demo reports: skipped (the demo township is incomplete).")
    rng = random.Random(2026)  # noqa: S311 -- invented demo figures, not security
    now = timezone.now()
    today = timezone.localdate(now)
    starts_on = today - datetime.timedelta(days=DAYS_BEFORE)
    ends_on = today + datetime.timedelta(days=DAYS_AFTER)
    daily_type = report_type_create(
        actor=office,
        owner_unit=township,
        code=DAILY_CODE,
        name="每日情况报告",
        description="各村（社区）每天 9:00、17:00 前报送本时段安全生产、矛盾纠纷、来信来访和值班情况；"
        "无情况的报“无情况”（零报告）。",
        fields=DAILY_FIELDS,
    )
    weekly_type = report_type_create(
        actor=office,
        owner_unit=township,
        code=WEEKLY_CODE,
        name="矛盾纠纷周报",
        description="各村（社区）每周一 10:00 前报送上周矛盾纠纷受理、调解情况。",
        fields=WEEKLY_FIELDS,
    )
    schedules = {
        DAILY_CODE: schedule_create(
            actor=office,
            owner_unit=township,
            report_type=daily_type,
            name=DAILY_SCHEDULE,
            starts_on=starts_on,
            ends_on=ends_on,
            times=DAILY_TIMES,
            units=units,
            day_rule=DayRule.EVERY_DAY,
            allow_past=True,
        ),
        WEEKLY_CODE: schedule_create(
            actor=office,
            owner_unit=township,
            report_type=weekly_type,
            name=WEEKLY_SCHEDULE,
            starts_on=starts_on,
            ends_on=ends_on,
            times=(WEEKLY_TIME,),
            units=units,
            day_rule=DayRule.WEEKLY,
            weekday=Weekday.MONDAY,
            allow_past=True,
        ),
    }
    written = _fill_history(schedules=schedules, units=units, reporters=_reporters(units), now=now, rng=rng)
    return _("Demo reports: %(types)d report types, %(schedules)d schedules, %(reports)d reports.") % {
        "types": 2,
        "schedules": len(schedules),
        "reports": written,
    }


register_demo(reports_demo_load)
