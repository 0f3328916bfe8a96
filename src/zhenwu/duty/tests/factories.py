"""Building rosters for tests through the services."""

import datetime
from zoneinfo import ZoneInfo

from zhenwu.core.choices import Role
from zhenwu.core.models import Unit, User
from zhenwu.core.services.people import person_create
from zhenwu.duty.choices import Position, ShiftDays
from zhenwu.duty.models import Roster
from zhenwu.duty.services import roster_create, roster_members_set, shift_template_add
from zhenwu.testing.world import PASSWORD, World

SHANGHAI = ZoneInfo("Asia/Shanghai")
LEADERS = ("刘强", "孙丽", "周涛")
OFFICERS = ("吴敏", "郑华", "王芳", "冯磊", "陈静", "褚亮")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A Shanghai wall-clock moment on ``day`` (YYYY-MM-DD)."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)


def t(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def staff(
    world: World, prefix: str, names: tuple[str, ...], role: str, unit: Unit | None = None
) -> list[User]:
    return [
        person_create(
            actor=world.user("admin"),
            username=f"{prefix}{i}",
            full_name=name,
            unit=unit or world.township,
            role=role,
            phone=f"1390000{i:04d}",
            password=PASSWORD,
        )
        for i, name in enumerate(names)
    ]


def pool(world: World) -> tuple[list[User], list[User]]:
    return staff(world, "ld", LEADERS, Role.LEADER), staff(world, "of", OFFICERS, Role.OFFICE)


def special_period(
    world: World,
    leaders: list[User],
    officers: list[User],
    *,
    starts_on: str = "2026-03-01",
    ends_on: str = "2026-03-20",
    name: str = "全国两会期间24小时值班",
    unit: Unit | None = None,
) -> Roster:
    """The issue's example: 20 days, a leader and two officers on one 24-hour shift from 08:30."""
    office = world.user("office")
    roster = roster_create(
        actor=office,
        unit=unit or world.township,
        name=name,
        starts_on=datetime.date.fromisoformat(starts_on),
        ends_on=datetime.date.fromisoformat(ends_on),
    )
    shift_template_add(
        actor=office,
        roster=roster,
        name="全天",
        start_time=t("08:30"),
        end_time=t("08:30"),
        days=ShiftDays.EVERY_DAY,
        leaders_required=1,
        officers_required=2,
    )
    roster_members_set(actor=office, roster=roster, position=Position.LEADER, people=leaders)
    roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=officers)
    return roster
