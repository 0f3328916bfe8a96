"""Building plans for tests through the services (STYLE.md §12: data built through services).

Other test modules import these; keep the names stable: ``at``, ``D``, ``new_plan``,
``special_period_plan``.
"""

import datetime
from zoneinfo import ZoneInfo

from zhenwu.plans.choices import Body, EvidenceKind, PlanRole, RecordSource, Recurrence
from zhenwu.plans.models import WorkPlan
from zhenwu.plans.services import (
    GroupIn,
    MemberIn,
    TaskIn,
    plan_create,
    plan_members_set,
    task_add,
    working_groups_set,
)
from zhenwu.testing.world import World

BEIJING = ZoneInfo("Asia/Shanghai")
D = datetime.date


def at(day: str, hour: int = 10) -> datetime.datetime:
    """A Beijing wall-clock moment on ``day`` (YYYY-MM-DD)."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=BEIJING)


def new_plan(world: World, **kw: object) -> WorkPlan:
    """A draft plan of the HB township for the issue's special period (2026-02-25 to 2026-03-16)."""
    args: dict[str, object] = {
        "actor": world.user("office"),
        "owner_unit": world.township,
        "title": "河坝镇全国两会期间安全稳定工作方案",
        "issuer": "中共河坝镇委员会 河坝镇人民政府",
        "doc_number": "镇发〔2026〕3号",
        "starts_on": D(2026, 2, 25),
        "ends_on": D(2026, 3, 16),
        "addressees": "各村（社区），镇直各单位",
    }
    args.update(kw)
    return plan_create(**args)  # type: ignore[arg-type]


def special_period_plan(world: World) -> WorkPlan:
    """The issue's example: a leading group, three working groups and six measures."""
    office = world.user("office")
    plan = new_plan(world)
    plan_members_set(
        actor=office,
        plan=plan,
        members=[
            MemberIn(Body.LEADING_GROUP, PlanRole.LEADER, "刘强", "镇党委书记"),
            MemberIn(Body.LEADING_GROUP, PlanRole.DEPUTY, "孙丽", "镇长"),
            MemberIn(Body.LEADING_GROUP, PlanRole.MEMBER, "周涛", "副镇长"),
            MemberIn(Body.OFFICE, PlanRole.DIRECTOR, "王小红", "党政办主任"),
            MemberIn(Body.OFFICE, PlanRole.LIAISON, "吴敏", "党政办干部"),
        ],
    )
    working_groups_set(
        actor=office,
        plan=plan,
        groups=[
            GroupIn("综合协调督导组", "孙丽", "统筹协调、督促检查各项措施落实"),
            GroupIn("应急处置组", "周涛", "突发事件先期处置"),
            GroupIn("后勤保障组", "王小红", "车辆、物资和值班保障"),
        ],
    )
    tasks = [
        TaskIn("落实24小时值班和领导带班", EvidenceKind.ROSTER, all_units=True, recurrence=Recurrence.WEEKLY),
        TaskIn(
            "每周开展夜间防火巡逻",
            EvidenceKind.RECORD_COUNT,
            all_units=True,
            recurrence=Recurrence.WEEKLY,
            record_source=RecordSource.PATROLS,
        ),
        TaskIn(
            "开展矛盾纠纷排查",
            EvidenceKind.RECORD_COUNT,
            all_units=True,
            due_on=D(2026, 3, 10),
            record_source=RecordSource.DISPUTES,
        ),
        TaskIn("报送工作方案落实情况", EvidenceKind.DOCUMENT, all_units=True, due_on=D(2026, 3, 5)),
        TaskIn(
            "开展安全隐患排查",
            EvidenceKind.RECORD_COUNT,
            units=[world.village],
            due_on=D(2026, 3, 12),
            record_source=RecordSource.HAZARDS,
            min_count=2,
        ),
        TaskIn("每日按时报送", EvidenceKind.DOCUMENT, units=[world.village2], due_on=D(2026, 3, 16)),
    ]
    for data in tasks:
        task_add(actor=office, plan=plan, data=data)
    return plan
