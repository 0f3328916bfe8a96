"""Building report types and schedules for tests through the services."""

import datetime
from zoneinfo import ZoneInfo

from zhenwu.core.models import Unit, User
from zhenwu.reports.choices import DayRule
from zhenwu.reports.models import ReportSchedule, ReportType
from zhenwu.reports.services import report_type_create, schedule_create

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: The daily situation report of the issue: counts by category, yes/no, short text.
DAILY_FIELDS: list[dict[str, object]] = [
    {"key": "incidents", "label": "安全事故", "kind": "count"},
    {"key": "hazards", "label": "发现隐患", "kind": "count"},
    {"key": "disputes_received", "label": "受理矛盾纠纷", "kind": "count"},
    {"key": "disputes_resolved", "label": "化解矛盾纠纷", "kind": "count"},
    {"key": "petitions", "label": "接待来访群众", "kind": "count"},
    {"key": "losses", "label": "经济损失（万元）", "kind": "number", "required": False},
    {"key": "duty_on_shift", "label": "值班人员在岗", "kind": "yes_no"},
    {"key": "other", "label": "其他情况", "kind": "text", "required": False},
]


def at(day: str, hour: int = 10, minute: int = 0, second: int = 0) -> datetime.datetime:
    """A Shanghai wall-clock moment on ``day`` (YYYY-MM-DD)."""
    return datetime.datetime.fromisoformat(day).replace(
        hour=hour, minute=minute, second=second, tzinfo=SHANGHAI
    )


def daily_type(actor: User, unit: Unit, *, code: str = "daily") -> ReportType:
    return report_type_create(
        actor=actor, owner_unit=unit, code=code, name="每日情况报告", fields=DAILY_FIELDS
    )


def daily_schedule(
    actor: User,
    owner: Unit,
    units: list[Unit],
    *,
    report_type: ReportType | None = None,
    starts_on: str = "2026-02-25",
    ends_on: str = "2026-03-16",
    times: tuple[str, ...] = ("09:00", "17:00"),
    day_rule: str = DayRule.EVERY_DAY,
    **kwargs: object,
) -> ReportSchedule:
    return schedule_create(
        actor=actor,
        owner_unit=owner,
        report_type=report_type or daily_type(actor, owner),
        name="两会期间每日报送",
        starts_on=datetime.date.fromisoformat(starts_on),
        ends_on=datetime.date.fromisoformat(ends_on),
        times=times,
        units=units,
        day_rule=day_rule,
        **kwargs,  # type: ignore[arg-type]
    )


def values(**overrides: object) -> dict[str, object]:
    """A complete, valid daily report."""
    base: dict[str, object] = {
        "incidents": 0,
        "hazards": 1,
        "disputes_received": 2,
        "disputes_resolved": 1,
        "petitions": 0,
        "duty_on_shift": True,
        "other": "",
    }
    base.update(overrides)
    return base
