"""Demo plans for `make run`: 河坝镇's special-period plan, its notices, inspections and assessment.

The office of the demo township (``hb_office``) runs one plan cycle end to end, the way a township
does it, with every date computed from the day of loading (T):

* last year's plan, 河坝镇<last year>年全国两会期间安全稳定工作方案 (镇发〔<last year>〕3号), issued
  and acknowledged by every village a year ago; this year's plan is **copied** from it with
  ``plan_copy`` (every date shifted by the same amount), given its own number and text, and one
  member is added to the leading group;
* this year's plan runs from T-21 to T+4, with a leading group (组长 the party secretary, 副组长 the
  mayor and a deputy mayor, members) and its office (办公室主任, 联络员), three working groups
  (综合协调督导组, 应急处置组, 后勤保障组) and six measures whose evidence is the data the other
  demos wrote, so some villages have done them and others not:

  - night fire patrols (the safety demo's patrol records: 河东村, 河西村 and 柳湾村 patrolled);
  - dispute finding, 排查 (the mediation demo's ledger: only 河东村 registers its own disputes);
  - hazard finding (the safety demo's hazards of the period: 河东村, 河西村 and the two communities);
  - the daily situation report (the reports demo's ReportType ``daily-situation``: 青石村 and 枫林村
    each missed one);
  - 24-hour duty with a leader on duty at the township itself (the duty demo's published roster);
  - a weekly written account of the work, uploaded as a document: 河东村 every week, 柳湾村 missed a
    week, the others sent nothing;

* the plan is issued three days before its period to all seven villages and communities with an
  acknowledgement deadline; four acknowledged (河东村 by its grid worker ``hb_reporter``), 枫林村 only
  opened it (reading is not acknowledging), 青石村 and 河坝社区 did neither;
* yesterday, a meeting notice with its agenda as a .txt attachment: three units acknowledged, 河东村
  has not yet (sign in as ``hb_reporter`` to acknowledge it);
* two inspections (督查): 柳湾村, whose problem was corrected before its deadline, and 青石村, whose
  problem is still open past its deadline;
* an assessment (考核) computed at loading with the default weights, each score with its derivation.

How past moments are written: as in the other demos, each act runs inside
``unittest.mock.patch("django.utils.timezone.now")`` set to the moment it is meant to have happened,
so every rule of the services applies as it would have then. Audit events keep the real time of
loading (the demo data was written now). The measures are about the units' own work (duty, patrols,
hazards, disputes answered, reports); nothing here watches, follows or counts residents (README,
"What it deliberately does not do").
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from unittest import mock

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.choices import Role
from zhenwu.core.demo import register_demo
from zhenwu.core.localtime import beijing_date, beijing_moment
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.plans.assessment import DEFAULT_WEIGHTS, assessment_compute
from zhenwu.plans.choices import (
    Body,
    EvidenceKind,
    FindingResult,
    NoticeKind,
    PlanRole,
    RecordSource,
    Recurrence,
)
from zhenwu.plans.models import Notice, NoticeRecipient, WorkPlan
from zhenwu.plans.services import (
    VILLAGE_KINDS,
    AttachmentIn,
    FindingIn,
    GroupIn,
    MemberIn,
    TaskIn,
    checklist_set,
    evidence_add,
    finding_correct,
    inspection_record,
    notice_acknowledge,
    notice_issue,
    notice_mark_read,
    plan_copy,
    plan_create,
    plan_issue,
    plan_members_set,
    plan_update,
    task_add,
    working_groups_set,
)
from zhenwu.reports.models import ReportType

# The other demos must load first: this one's evidence is their data. Loaders run in the order they
# are registered, and importing their modules (in the order of INSTALLED_APPS, as autodiscovery
# does) registers them before this one, even when this module is imported first.
for _app in ("petitions", "reports", "duty", "mediation", "safety"):
    import_module(f"zhenwu.{_app}.demo")

#: This year's period: from three weeks before the day of loading to a few days after it.
DAYS_BEFORE = 21
DAYS_AFTER = 4
ISSUER = "中共河坝镇委员会 河坝镇人民政府"
ADDRESSEES = "各村（社区），镇直各单位"
CC = "县委政法委，县应急管理局"
#: Who acknowledges the plan (by its reporter) and who only opens it (unit codes of core/demo.py).
ACKNOWLEDGING = ("HB-01", "HB-02", "HB-03", "HB-07")
ONLY_READING = "HB-05"
MEETING_ACKNOWLEDGING = ("HB-02", "HB-03", "HB-06")
#: Who sends the weekly written account, in which weeks of the period (0-based).
WEEKLY_ACCOUNTS = {"HB-01": (0, 1, 2), "HB-03": (0, 2)}
#: Township staff by position (core/demo.py); the plan names them as they are.
SECRETARY = "党委书记"
MAYOR = "党委副书记、镇长"
DEPUTY_LAW = "副镇长（分管政法综治）"
DEPUTY_SAFETY = "副镇长（分管安全生产）"
CENTRE = "综治信访维稳中心主任"
JUSTICE = "司法所所长、镇人民调解委员会主任"
OFFICE_DIRECTOR = "党政办主任"
OFFICE_CLERK = "党政办工作人员"

CHECKLIST = (
    "值班值守和领导带班制度落实情况",
    "夜间防火巡逻开展及记录情况",
    "矛盾纠纷排查化解台账",
    "安全隐患排查整改台账",
    "每日情况按时报送情况",
    "群众来信来访登记和按时答复情况",
    "应急物资和值班设备准备情况",
)


@contextmanager
def _clock_at(moment: datetime.datetime) -> Iterator[None]:
    """Demo data only: the services' clock reads ``moment`` (see the module docstring)."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)):
        yield


def _at(day: datetime.date, offset: int, clock: str) -> datetime.datetime:
    """``clock`` (HH:MM, Beijing) on the day ``offset`` days from ``day``."""
    return beijing_moment(day + datetime.timedelta(days=offset), datetime.time.fromisoformat(clock))


def _a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def plan_title(year: int) -> str:
    return f"河坝镇{year}年全国两会期间安全稳定工作方案"


def _background(year: int) -> str:
    return (
        f"{year}年全国两会期间，做好安全稳定工作责任重大。为切实抓好两会期间我镇安全生产、"
        "矛盾纠纷排查化解、值班值守和信息报送等工作，及时回应和解决群众反映的问题，"
        "确保全镇社会大局和谐稳定，根据县委、县政府工作部署，结合我镇实际，制定本方案。"
        "\n\n"
        "各村（社区）、镇直各单位要充分认识做好这一时期工作的重要性，把各项措施落实到人、落实到岗。"
    )


GOALS = (
    "全镇不发生较大以上安全生产事故和火灾事故，发现的安全隐患按期整改到位。"
    "\n\n"
    "矛盾纠纷早发现、早调解，排查发现的纠纷全部登记在册，能调解的及时调解。"
    "\n\n"
    "群众反映的问题件件有登记、按时有答复。"
    "\n\n"
    "值班值守和信息报送及时准确，突发事件第一时间报告、第一时间处置。"
)


@dataclass
class _Context:
    township: Unit
    office: User
    leader: User
    villages: dict[str, Unit]
    reporters: dict[str, User]
    staff: dict[str, User]
    report_type: ReportType

    def name(self, position: str) -> str:
        person = self.staff.get(position)
        return person.full_name if person is not None else position


def _members(ctx: _Context, *, with_safety_deputy: bool) -> list[MemberIn]:
    lead = Body.LEADING_GROUP
    members = [
        MemberIn(lead, PlanRole.LEADER, ctx.name(SECRETARY), "镇党委书记"),
        MemberIn(lead, PlanRole.DEPUTY, ctx.name(MAYOR), "镇党委副书记、镇长"),
        MemberIn(lead, PlanRole.DEPUTY, ctx.name(DEPUTY_LAW), "镇党委委员、副镇长"),
    ]
    if with_safety_deputy:
        members.append(MemberIn(lead, PlanRole.MEMBER, ctx.name(DEPUTY_SAFETY), "副镇长"))
    members += [
        MemberIn(lead, PlanRole.MEMBER, ctx.name(CENTRE), "镇综治中心主任"),
        MemberIn(lead, PlanRole.MEMBER, ctx.name(JUSTICE), "司法所所长"),
        MemberIn(lead, PlanRole.MEMBER, ctx.name(OFFICE_DIRECTOR), "党政办主任"),
        MemberIn(Body.OFFICE, PlanRole.DIRECTOR, ctx.name(OFFICE_DIRECTOR), "党政办主任（兼）"),
        MemberIn(Body.OFFICE, PlanRole.LIAISON, ctx.name(OFFICE_CLERK), "党政办工作人员"),
    ]
    return members


def _groups(ctx: _Context) -> list[GroupIn]:
    return [
        GroupIn(
            "综合协调督导组",
            ctx.name(MAYOR),
            "统筹协调各项措施的落实，收集汇总各村（社区）工作情况，每日向领导小组报告；"
            "对各村（社区）值班值守、隐患排查、矛盾纠纷排查化解等工作开展督查，通报督查结果并跟踪整改。",
            f"{ctx.name(OFFICE_DIRECTOR)}、{ctx.name(CENTRE)}，党政办、综治中心工作人员",
        ),
        GroupIn(
            "应急处置组",
            ctx.name(DEPUTY_SAFETY),
            "负责火灾、交通事故、地质灾害等突发事件的先期处置，做好应急队伍和物资准备，"
            "接报后第一时间赶赴现场，及时向领导小组和县有关部门报告。",
            "应急管理办公室、司法所、河坝派出所、镇卫生院、镇专职消防队",
        ),
        GroupIn(
            "后勤保障组",
            ctx.name(OFFICE_DIRECTOR),
            "负责值班用车、通讯设备、应急物资和值班人员用餐保障，保障工作经费及时到位。",
            "党政办、财政所",
        ),
    ]


def _tasks(ctx: _Context, starts_on: datetime.date) -> list[TaskIn]:
    """The six measures, due dates counted from the period's start (the period is 26 days)."""

    def day(offset: int) -> datetime.date:
        return starts_on + datetime.timedelta(days=offset)

    return [
        TaskIn(
            "落实24小时值班和领导带班制度",
            EvidenceKind.ROSTER,
            description="镇本级实行24小时值班和领导带班，重点时段值班表在系统中发布，值班人员按时签到；"
            "各村（社区）值班在岗情况随每日情况报告报送。",
            units=[ctx.township],
            due_on=day(16),
        ),
        TaskIn(
            "开展重点时段夜间防火巡逻",
            EvidenceKind.RECORD_COUNT,
            description="各村（社区）在两会开幕前至少组织一次夜间防火巡逻，重点查看用火用电、柴草堆放和林区入口，"
            "巡逻记录当晚录入系统。",
            all_units=True,
            due_on=day(19),
            record_source=RecordSource.PATROLS,
        ),
        TaskIn(
            "开展矛盾纠纷排查化解",
            EvidenceKind.RECORD_COUNT,
            description="各村（社区）全面排查邻里、婚姻家庭、土地山林等矛盾纠纷，排查发现的纠纷登记入台账，"
            "能调解的由村人民调解委员会及时调解。",
            all_units=True,
            due_on=day(19),
            record_source=RecordSource.DISPUTES,
        ),
        TaskIn(
            "开展安全隐患排查整改",
            EvidenceKind.RECORD_COUNT,
            description="重点排查用火用电、液化气、危旧房屋、道路交通和地质灾害隐患，"
            "发现的隐患录入隐患台账，明确责任人和整改期限。",
            all_units=True,
            due_on=day(20),
            record_source=RecordSource.HAZARDS,
        ),
        TaskIn(
            "落实每日情况报送制度",
            EvidenceKind.REPORT,
            description="每天9:00、17:00前报送《每日情况报告》，无情况的报“无情况”（零报告），不得迟报、漏报。",
            all_units=True,
            due_on=day(25),
            report_type=ctx.report_type,
        ),
        TaskIn(
            "每周报送方案落实情况",
            EvidenceKind.DOCUMENT,
            description="每周报送一次本村（社区）方案落实情况的文字材料，写明开展的工作、发现的问题和整改情况。",
            all_units=True,
            recurrence=Recurrence.WEEKLY,
        ),
    ]


def _last_years_plan(ctx: _Context, starts_on: datetime.date) -> WorkPlan:
    """Last year's plan, issued and acknowledged by every village then."""
    year = starts_on.year
    with _clock_at(_at(starts_on, -10, "09:30")):
        plan = plan_create(
            actor=ctx.office,
            owner_unit=ctx.township,
            title=plan_title(year),
            issuer=ISSUER,
            doc_number=f"镇发〔{year}〕3号",
            starts_on=starts_on,
            ends_on=starts_on + datetime.timedelta(days=DAYS_BEFORE + DAYS_AFTER),
            background=_background(year),
            goals=GOALS,
            addressees=ADDRESSEES,
            cc=CC,
            signature=ISSUER,
        )
        plan_members_set(actor=ctx.office, plan=plan, members=_members(ctx, with_safety_deputy=False))
        working_groups_set(actor=ctx.office, plan=plan, groups=_groups(ctx))
        for data in _tasks(ctx, starts_on):
            task_add(actor=ctx.office, plan=plan, data=data)
        checklist_set(actor=ctx.office, plan=plan, items=CHECKLIST)
    with _clock_at(_at(starts_on, -3, "10:00")):
        notice = plan_issue(actor=ctx.office, plan=plan, acknowledge_by=_at(starts_on, -1, "17:00"))
    for n, code in enumerate(sorted(ctx.reporters)):
        with _clock_at(_at(starts_on, -3, "14:00") + datetime.timedelta(minutes=37 * n)):
            notice_acknowledge(actor=ctx.reporters[code], notice=notice)
    return plan


def _this_years_plan(ctx: _Context, last: WorkPlan, starts_on: datetime.date) -> tuple[WorkPlan, Notice]:
    """Copied from last year's, renumbered, one member added, then issued to every village."""
    year = starts_on.year
    with _clock_at(_at(starts_on, -7, "09:30")):
        plan = plan_copy(actor=ctx.office, plan=last, starts_on=starts_on, title=plan_title(year))
        plan_update(
            actor=ctx.office, plan=plan, doc_number=f"镇发〔{year}〕3号", background=_background(year)
        )
        plan_members_set(actor=ctx.office, plan=plan, members=_members(ctx, with_safety_deputy=True))
    with _clock_at(_at(starts_on, -3, "10:00")):
        notice = plan_issue(actor=ctx.office, plan=plan, acknowledge_by=_at(starts_on, -1, "17:00"))
    for n, code in enumerate(ACKNOWLEDGING):
        if code in ctx.reporters:
            with _clock_at(_at(starts_on, -3, "15:20") + datetime.timedelta(minutes=50 * n)):
                notice_acknowledge(actor=ctx.reporters[code], notice=notice)
    if ONLY_READING in ctx.reporters:
        with _clock_at(_at(starts_on, -2, "08:45")):
            notice_mark_read(actor=ctx.reporters[ONLY_READING], notice=notice)
    return plan, notice


def _weekly_accounts(ctx: _Context, plan: WorkPlan, starts_on: datetime.date) -> int:
    task = plan.tasks.get(evidence=EvidenceKind.DOCUMENT)
    sent = 0
    for code, weeks in WEEKLY_ACCOUNTS.items():
        reporter, unit = ctx.reporters.get(code), ctx.villages.get(code)
        if reporter is None or unit is None:
            continue
        for week in weeks:
            moment = _at(starts_on, 7 * week + 5, "17:00")
            text = (
                f"{unit.name}第{week + 1}周方案落实情况\n\n"
                "一、值班值守：村（社区）干部轮流值班，值班电话24小时畅通。\n"
                "二、巡逻排查：组织志愿巡逻队夜间巡逻，排查用火用电和柴草堆放情况。\n"
                "三、矛盾纠纷：入户走访排查，发现的纠纷已登记并由村调委会调解。\n"
                "四、存在问题：部分农户柴草堆放离房屋较近，已逐户提醒并督促清理。\n"
            )
            with _clock_at(moment):
                evidence_add(
                    actor=reporter,
                    task=task,
                    unit=unit,
                    upload=AttachmentIn(f"{unit.name}第{week + 1}周落实情况.txt", text.encode()),
                    note=f"第{week + 1}周",
                )
            sent += 1
    return sent


def _inspections(ctx: _Context, plan: WorkPlan, today: datetime.date) -> int:
    items = {item.text: item for item in plan.checklist.all()}

    def ok(text: str, note: str = "") -> FindingIn:
        return FindingIn("", FindingResult.OK, note=note, item=items.get(text))

    inspectors = f"{ctx.name(MAYOR)}、{ctx.name(OFFICE_DIRECTOR)}"
    done = 0
    liuwan, liuwan_reporter = ctx.villages.get("HB-03"), ctx.reporters.get("HB-03")
    if liuwan is not None:
        visited = today - datetime.timedelta(days=10)
        with _clock_at(_at(visited, 0, "16:30")):
            inspection = inspection_record(
                actor=ctx.office,
                unit=liuwan,
                plan=plan,
                visited_on=visited,
                inspectors=inspectors,
                summary="柳湾村值班值守到位，沿河堤临水路段已设置警示锥；巡逻记录需补齐。",
                findings=[
                    ok(CHECKLIST[0], "值班表张贴上墙，值班电话畅通。"),
                    FindingIn(
                        "",
                        FindingResult.PROBLEM,
                        note="夜间巡逻记录填写不全，两次巡逻未在系统中登记。",
                        correction="补齐巡逻记录，今后每次巡逻结束当晚在系统中登记。",
                        correction_due=visited + datetime.timedelta(days=3),
                        item=items.get(CHECKLIST[1]),
                    ),
                    ok(CHECKLIST[3], "沿河堤护栏缺失隐患已登记，整改方案已报镇应急办。"),
                    ok(CHECKLIST[6], "灭火器、应急灯和救生圈配备齐全。"),
                ],
            )
        done += 1
        problem = inspection.findings.filter(result=FindingResult.PROBLEM).first()
        if problem is not None and liuwan_reporter is not None:
            with _clock_at(_at(visited, 2, "11:00")):
                finding_correct(
                    actor=liuwan_reporter,
                    finding=problem,
                    note="已补齐两次巡逻记录；巡逻队长负责每次巡逻结束当晚在系统中登记。",
                )
    qingshi = ctx.villages.get("HB-04")
    if qingshi is not None:
        visited = today - datetime.timedelta(days=4)
        with _clock_at(_at(visited, 0, "17:00")):
            inspection_record(
                actor=ctx.leader,
                unit=qingshi,
                plan=plan,
                visited_on=visited,
                inspectors=f"{ctx.name(MAYOR)}、{ctx.name(DEPUTY_SAFETY)}",
                summary="青石村值班在岗，但本期尚未开展安全隐患排查。",
                findings=[
                    ok(CHECKLIST[0], "值班人员在岗。"),
                    FindingIn(
                        "",
                        FindingResult.PROBLEM,
                        note="本期未开展安全隐患排查，隐患台账无新增记录。",
                        correction="组织一次全村安全隐患排查，重点是危旧房屋和通组公路边坡，发现的隐患录入隐患台账。",
                        correction_due=today - datetime.timedelta(days=1),
                        item=items.get(CHECKLIST[3]),
                    ),
                    ok(CHECKLIST[4]),
                ],
            )
        done += 1
    return done


MEETING_AGENDA = (
    "会议议程\n\n"
    "一、传达上级关于全国两会期间安全稳定工作的会议精神\n"
    "二、通报方案落实情况和督查发现的问题\n"
    "三、各村（社区）汇报值班值守、隐患排查和矛盾纠纷排查化解情况\n"
    "四、镇领导讲话，部署下一阶段工作\n"
)


def _meeting_notice(ctx: _Context, plan: WorkPlan, today: datetime.date) -> Notice:
    meeting_day = today + datetime.timedelta(days=2)
    with _clock_at(_at(today, -1, "10:00")):
        notice = notice_issue(
            actor=ctx.office,
            owner_unit=ctx.township,
            kind=NoticeKind.MEETING,
            title="关于召开全国两会期间安全稳定工作调度会的通知",
            body=f"各村（社区）：\n\n经研究，定于{meeting_day.month}月{meeting_day.day}日上午9时在镇政府三楼会议室"
            "召开全国两会期间安全稳定工作调度会，请各村（社区）党组织书记准时参加，并准备本村（社区）"
            "方案落实情况的书面汇报。会议议程见附件。",
            units=list(ctx.villages.values()),
            acknowledge_by=_at(today, 1, "12:00"),
            plan=plan,
            attachments=[AttachmentIn("会议议程.txt", MEETING_AGENDA.encode())],
        )
    for n, code in enumerate(MEETING_ACKNOWLEDGING):
        if code in ctx.reporters:
            with _clock_at(_at(today, -1, "11:20") + datetime.timedelta(minutes=95 * n)):
                notice_acknowledge(actor=ctx.reporters[code], notice=notice)
    return notice


def _reporters(villages: dict[str, Unit]) -> dict[str, User]:
    """Each unit's reporter: its grid worker (网格员, ``hb_reporter`` in 河东村) if any, else the first."""
    chosen: dict[str, User] = {}
    codes = {unit.pk: code for code, unit in villages.items()}
    people = User.objects.filter(unit__in=villages.values(), role=Role.REPORTER, is_active=True).order_by(
        "pk"
    )
    for person in people:
        code = codes.get(person.unit_id or 0)
        if code is not None and (code not in chosen or "网格员" in person.position):
            chosen[code] = person
    return chosen


def _context() -> _Context | None:
    township = Unit.objects.filter(code="HB", is_active=True).first()
    office = User.objects.filter(username="hb_office", is_active=True).select_related("unit").first()
    leader = User.objects.filter(username="hb_leader", is_active=True).select_related("unit").first()
    from zhenwu.reports.demo import DAILY_CODE  # loaded above, in order

    report_type = ReportType.objects.filter(code=DAILY_CODE).first()
    if township is None or office is None or leader is None or report_type is None:
        return None
    # What "all villages" means to a plan of the township (services.plan_villages).
    villages = {
        unit.code: unit
        for unit in Unit.objects.filter(
            unit_subtree_q(township.path), kind__in=VILLAGE_KINDS, is_active=True
        ).order_by("path")
    }
    reporters = _reporters(villages)
    if not villages or set(reporters) != set(villages):
        return None
    staff: dict[str, User] = {}
    for person in User.objects.filter(unit=township, is_active=True).order_by("pk"):
        staff.setdefault(person.position, person)
    return _Context(
        township=township,
        office=office,
        leader=leader,
        villages=villages,
        reporters=reporters,
        staff=staff,
        report_type=report_type,
    )


def _assess(ctx: _Context, plan: WorkPlan) -> int:
    """The assessment with the default weights; the number of units scored."""
    assessment = assessment_compute(actor=ctx.office, plan=plan, weights=DEFAULT_WEIGHTS)
    return assessment.scores.count()


@transaction.atomic
def plans_demo_load() -> str:
    """Idempotent: does nothing once the demo township has any work plan."""
    ctx = _context()
    if ctx is None:
        return _("Demo plans: skipped (the demo township is incomplete).")
    if WorkPlan.objects.filter(owner_unit=ctx.township).exists():
        return _("Demo plans: already there.")
    today = beijing_date(timezone.now())
    starts_on = today - datetime.timedelta(days=DAYS_BEFORE)
    last = _last_years_plan(ctx, _a_year_before(starts_on))
    plan, notice = _this_years_plan(ctx, last, starts_on)
    evidence = _weekly_accounts(ctx, plan, starts_on)
    meeting = _meeting_notice(ctx, plan, today)
    inspections = _inspections(ctx, plan, today)
    scores = _assess(ctx, plan)
    recipients = NoticeRecipient.objects.filter(notice__in=[notice, meeting])
    return _(
        "Demo plans: %(plans)d work plans (this year's copied from last year's) with %(tasks)d tasks, "
        "%(notices)d notices acknowledged by %(acknowledged)d of %(addressed)d units, %(evidence)d "
        "evidence documents, %(inspections)d inspections, an assessment of %(scores)d units."
    ) % {
        "plans": WorkPlan.objects.filter(owner_unit=ctx.township).count(),
        "tasks": plan.tasks.count(),
        "notices": 2,
        "acknowledged": recipients.filter(acknowledged_at__isnull=False).count(),
        "addressed": recipients.count(),
        "evidence": evidence,
        "inspections": inspections,
        "scores": scores,
    }


register_demo(plans_demo_load)
