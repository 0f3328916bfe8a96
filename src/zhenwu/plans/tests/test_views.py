"""The plans staff pages through the test client: a special-period plan built through the forms,
issued, acknowledged, inspected and assessed; refusals of bad input; the grid's cost and scope;
notices with attachments; evidence; the dashboard panel. Time is 2026-02-20 09:00 in Beijing
(conftest), before the plan's period (2026-02-25 to 2026-03-16)."""

import re
from typing import Any

import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhenwu.core.choices import Role, UnitKind
from zhenwu.core.models import OutboxMessage, Unit, User
from zhenwu.core.services.people import person_create
from zhenwu.core.services.units import unit_create
from zhenwu.plans import services
from zhenwu.plans.assessment import DEFAULT_WEIGHTS
from zhenwu.plans.choices import Component, FindingResult, NoticeKind, PlanStatus
from zhenwu.plans.models import (
    Assessment,
    Inspection,
    Notice,
    NoticeRecipient,
    PlanTask,
    TaskEvidence,
    WorkPlan,
)
from zhenwu.plans.tests.factories import D, at, special_period_plan
from zhenwu.testing.world import PASSWORD, World


def login(client: Client, user: User, *, english: bool = True) -> Client:
    client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def html_of(client: Client, name: str, *args: Any, **query: Any) -> str:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def formset(prefix: str, rows: list[dict[str, str]]) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def row_order(html: str, attribute: str) -> list[str]:
    return re.findall(rf'{attribute}="([^"]+)"', html)


PLAN = {
    "title": "河坝镇全国两会期间安全稳定工作方案",
    "issuer": "中共河坝镇委员会 河坝镇人民政府",
    "doc_number": "镇发〔2026〕3号",
    "starts_on": "2026-02-25",
    "ends_on": "2026-03-16",
    "background": "为确保全国两会期间全镇社会大局持续稳定，制定本方案。",
    "goals": "不发生重大安全事故。",
    "addressees": "各村（社区），镇直各单位",
    "cc": "县委办、县政府办",
    "signature": "中共河坝镇委员会 河坝镇人民政府",
}
MEMBERS = [
    {"body": "leading_group", "role": "leader", "name": "刘强", "post": "镇党委书记"},
    {"body": "leading_group", "role": "deputy", "name": "孙丽", "post": "镇长"},
    {"body": "leading_group", "role": "member", "name": "周涛", "post": "副镇长"},
    {"body": "office", "role": "director", "name": "王小红", "post": "党政办主任"},
    {"body": "office", "role": "liaison", "name": "吴敏", "post": "党政办干部"},
    {"body": "leading_group", "role": "member", "name": "", "post": ""},  # an empty row is left out
]
GROUPS = [
    {
        "name": "综合协调督导组",
        "lead": "孙丽",
        "members": "党政办",
        "duties": "统筹协调、督促检查各项措施落实",
    },
    {"name": "应急处置组", "lead": "周涛", "members": "派出所、应急办", "duties": "突发事件先期处置"},
    {"name": "后勤保障组", "lead": "王小红", "members": "", "duties": "车辆、物资和值班保障"},
    {"name": "", "lead": "", "members": "", "duties": ""},
]


def tasks(world: World) -> list[dict[str, Any]]:
    """The six measures as the task form posts them."""
    base = {"description": "", "min_count": "1", "report_type": "", "record_source": ""}
    return [
        {
            **base,
            "title": "落实24小时值班和领导带班",
            "all_units": "on",
            "recurrence": "weekly",
            "evidence": "roster",
        },
        {
            **base,
            "title": "每周开展夜间防火巡逻",
            "all_units": "on",
            "recurrence": "weekly",
            "evidence": "record_count",
            "record_source": "patrols",
        },
        {
            **base,
            "title": "开展矛盾纠纷排查",
            "all_units": "on",
            "due_on": "2026-03-10",
            "recurrence": "once",
            "evidence": "record_count",
            "record_source": "disputes",
        },
        {
            **base,
            "title": "报送工作方案落实情况",
            "all_units": "on",
            "due_on": "2026-03-05",
            "recurrence": "once",
            "evidence": "document",
        },
        {
            **base,
            "title": "开展安全隐患排查",
            "units": [str(world.village.pk)],
            "due_on": "2026-03-12",
            "recurrence": "once",
            "evidence": "record_count",
            "record_source": "hazards",
            "min_count": "2",
        },
        {
            **base,
            "title": "每日按时报送",
            "units": [str(world.village2.pk)],
            "due_on": "2026-03-16",
            "recurrence": "once",
            "evidence": "document",
        },
    ]


def third_village(world: World) -> Unit:
    return unit_create(
        actor=world.user("admin"), parent=world.township, kind=UnitKind.VILLAGE, name="河北村", code="HB-03"
    )


def reporter_of(world: World, unit: Unit, username: str) -> User:
    return person_create(
        actor=world.user("admin"),
        username=username,
        full_name=f"{unit.name}报送员",
        unit=unit,
        role=Role.REPORTER,
        phone="13900005678",
        password=PASSWORD,
    )


# --- the issue's "done when" ---------------------------------------------------------------------


def test_a_special_period_plan_from_writing_to_scores(
    world: World, client: Client, clock: time_machine.Traveller
) -> None:
    village3 = third_village(world)
    office = login(client, world.user("office"))

    # Write the plan: its text, leading group and office, three working groups, six measures.
    response = client.post(reverse("plans:new"), {**PLAN, "owner_unit": str(world.township.pk)}, follow=True)
    plan = WorkPlan.objects.get()
    assert response.redirect_chain[-1][0] == reverse("plans:detail", args=[plan.pk])
    assert (plan.owner_unit, plan.status, plan.created_by) == (
        world.township,
        PlanStatus.DRAFT,
        world.user("office"),
    )
    response = office.post(reverse("plans:members", args=[plan.pk]), formset("members", MEMBERS))
    assert response.status_code == 302
    assert plan.members.count() == 5
    response = office.post(reverse("plans:groups", args=[plan.pk]), formset("groups", GROUPS))
    assert response.status_code == 302
    assert list(plan.groups.values_list("name", flat=True)) == ["综合协调督导组", "应急处置组", "后勤保障组"]
    for data in tasks(world):
        response = office.post(reverse("plans:task_new", args=[plan.pk]), data)
        assert response.status_code == 302, response.content.decode()
    assert plan.tasks.count() == 6
    assert list(plan.tasks.get(title="开展安全隐患排查").units.all()) == [world.village]
    # The checklist starts from the measures.
    page = html_of(office, "plans:checklist", plan.pk)
    assert "每周开展夜间防火巡逻" in page
    office.post(reverse("plans:checklist", args=[plan.pk]), {"items": "值班在岗\n值班记录\n\n巡逻记录"})
    assert list(plan.checklist.values_list("text", flat=True)) == ["值班在岗", "值班记录", "巡逻记录"]

    # The plan reads as its document will.
    page = html_of(office, "plans:detail", plan.pk)
    for text in (
        "镇发〔2026〕3号",
        "刘强",
        "（镇党委书记）",
        "综合协调督导组",
        "突发事件先期处置",
        "All villages",
    ):
        assert text in page
    assert page.index("Group leader") < page.index("Deputy group leader") < page.index("Office director")
    assert len(re.findall(r'data-task="\d+"', page)) == 6
    assert reverse("plans:document", args=[plan.pk]) in page
    assert reverse("plans:issue", args=[plan.pk]) in page

    # Issue it to every village, with a deadline to acknowledge.
    response = office.post(
        reverse("plans:issue", args=[plan.pk]), {"acknowledge_by": "2026-02-24T17:00"}, follow=True
    )
    notice = Notice.objects.get(plan=plan)
    assert response.redirect_chain[-1][0] == reverse("plans:notice", args=[notice.pk])
    assert "The plan is issued to 3 units" in " ".join(messages_of(response))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ISSUED
    assert {r.unit for r in notice.recipients.all()} == {world.village, world.village2, village3}
    assert notice.acknowledge_by == at("2026-02-24", 17)

    # HB-01's reporter opens it (read, not acknowledged), then acknowledges.
    reporter = login(Client(), world.user("reporter"))
    page = html_of(reporter, "plans:notice", notice.pk)
    mine = NoticeRecipient.objects.get(notice=notice, unit=world.village)
    assert mine.first_read_at is not None and mine.acknowledged_at is None
    assert "data-acknowledge-button" in page
    assert row_order(page, "data-recipient") == ["HB-01"]  # a village sees its own row only
    response = reporter.post(reverse("plans:acknowledge", args=[notice.pk]), follow=True)
    assert "河东村 acknowledged" in " ".join(messages_of(response))
    mine.refresh_from_db()
    assert mine.acknowledged_by == world.user("reporter")

    # The office sees who has not acknowledged, first.
    page = html_of(office, "plans:notice", notice.pk)
    assert row_order(page, "data-recipient") == ["HB-02", "HB-03", "HB-01"]
    assert row_order(page, "data-acknowledged")[-3:] == ["no", "no", "yes"]
    assert "1 of 3 units acknowledged" in page and "2 units have not acknowledged" in page

    # A second village acknowledges; HB-03 is left, listed first, and is reminded.
    second = login(Client(), reporter_of(world, world.village2, "hexi"))
    response = second.post(reverse("plans:acknowledge", args=[notice.pk]), follow=True)
    assert response.status_code == 200
    reporter_of(world, village3, "hebei")
    page = html_of(office, "plans:notice", notice.pk)
    assert row_order(page, "data-recipient") == ["HB-03", "HB-01", "HB-02"]
    assert "2 of 3 units acknowledged" in page and "1 unit has not acknowledged" in page
    before = OutboxMessage.objects.count()
    response = office.post(reverse("plans:notice_remind", args=[notice.pk]), follow=True)
    queued = OutboxMessage.objects.count() - before
    assert queued >= 1
    assert f"{queued} message" in " ".join(messages_of(response))
    reminded = OutboxMessage.objects.filter(event_key__startswith="plans.notice.remind.")
    hb01_key = f".{world.user('reporter').pk}"
    assert not any(key.endswith(hb01_key) for key in reminded.values_list("event_key", flat=True))
    notices = html_of(office, "plans:notices")
    assert "2/3" in notices

    # Record an inspection of HB-01 with a problem; HB-01 reports the correction.
    leader = login(Client(), world.user("leader"))
    page = html_of(leader, "plans:inspection_new", plan=plan.pk)
    assert "值班记录" in page
    items = list(plan.checklist.all())
    rows = [
        {"item": str(items[0].pk), "item_text": items[0].text, "result": "ok"},
        {
            "item": str(items[1].pk),
            "item_text": items[1].text,
            "result": "problem",
            "note": "记录不全",
            "correction": "补齐值班记录",
            "correction_due": "2026-02-25",
        },
        {"item": str(items[2].pk), "item_text": items[2].text, "result": "ok"},
        {"item_text": "消防器材", "result": "ok", "note": "配备齐全"},
        {"item_text": "", "result": ""},
    ]
    response = leader.post(
        reverse("plans:inspection_new") + f"?plan={plan.pk}",
        {
            "unit": str(world.village.pk),
            "visited_on": "2026-02-20",
            "inspectors": "李建国、王小红",
            "summary": "总体较好",
            **formset("findings", rows),
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "plans:inspection", args=[inspection.pk]
    )
    assert inspection.findings.count() == 4
    problem = inspection.findings.get(result=FindingResult.PROBLEM)
    assert (problem.item, problem.correction_due) == (items[1], D(2026, 2, 25))
    page = html_of(reporter, "plans:inspection", inspection.pk)
    assert (
        "补齐值班记录" in page and reverse("plans:finding_correct", args=[inspection.pk, problem.pk]) in page
    )
    reporter.post(reverse("plans:finding_correct", args=[inspection.pk, problem.pk]), {"note": "已补齐"})
    problem.refresh_from_db()
    assert problem.corrected_by == world.user("reporter")
    page = html_of(office, "plans:inspections", plan.pk)
    assert f'data-inspection="{inspection.pk}"' in page

    # After the period, the office computes the assessment and reads each score's derivation.
    clock.move_to(at("2026-03-17", 9))
    office = login(client, world.user("office"))  # a new day, a new session
    page = html_of(office, "plans:assessment", plan.pk)
    assert "data-not-assessed" in page and "data-weights-sum>Now: 100<" in page
    response = office.post(
        reverse("plans:assess", args=[plan.pk]), {k: str(v) for k, v in DEFAULT_WEIGHTS.items()}
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    page = html_of(office, "plans:assessment", plan.pk)
    assert row_order(page, "tr data-unit")[:1] == ["HB-01"]  # corrections made on time lift HB-01
    assert {"HB-01", "HB-02", "HB-03"} <= set(row_order(page, "tr data-unit"))
    assert str(Component.INSPECTION_CORRECTIONS.label) in page
    hb01 = assessment.scores.get(unit=world.village)
    page = html_of(office, "plans:assessment_unit", plan.pk, world.village.pk)
    assert "1 of 1 corrections made by their deadline" in page
    assert "of 5 tasks" in page  # the measures HB-01 is responsible for
    assert str(hb01.total) in page and "100.00%" in page
    oversight = login(Client(), world.user("oversight"))
    year = html_of(oversight, "plans:assessment_year", year="2026", unit=str(world.township.pk))
    assert plan.title in year and str(hb01.total) in year


# --- bad input ------------------------------------------------------------------------------------


def test_a_reversed_period_is_refused_on_its_field(world: World, client: Client) -> None:
    login(client, world.user("office"))
    response = client.post(
        reverse("plans:new"), {**PLAN, "owner_unit": str(world.township.pk), "ends_on": "2026-02-01"}
    )
    assert response.status_code == 400
    assert "The period ends before it starts." in str(response.context["form"].errors["ends_on"])
    assert not WorkPlan.objects.exists()


def test_a_task_without_a_responsible_unit_is_refused(world: World, client: Client) -> None:
    plan = special_period_plan(world)
    login(client, world.user("office"))
    data = {**tasks(world)[3], "title": "无人负责"}
    del data["all_units"]
    response = client.post(reverse("plans:task_new", args=[plan.pk]), data)
    assert response.status_code == 400
    assert "Name the responsible units" in str(response.context["form"].errors["units"])
    assert not PlanTask.objects.filter(title="无人负责").exists()


def test_a_plan_without_a_group_leader_is_refused_whole(world: World, client: Client) -> None:
    plan = special_period_plan(world)
    login(client, world.user("office"))
    response = client.post(reverse("plans:members", args=[plan.pk]), formset("members", MEMBERS[1:3]))
    assert response.status_code == 400
    assert "组长" in response.content.decode()
    assert plan.members.count() == 5  # as it was


def test_weights_that_do_not_add_up_are_refused(world: World, client: Client) -> None:
    plan = special_period_plan(world)
    login(client, world.user("office"))
    weights = {**{k: str(v) for k, v in DEFAULT_WEIGHTS.items()}, Component.DUTY_SIGN_ON: "0"}
    response = client.post(reverse("plans:assess", args=[plan.pk]), weights)
    assert response.status_code == 400
    assert "The weights add up to 95; they must add up to 100." in response.content.decode()
    assert not Assessment.objects.exists()
    response = client.post(reverse("plans:assess", args=[plan.pk]), {**weights, Component.TASKS_DONE: "-5"})
    assert response.status_code == 400
    assert not Assessment.objects.exists()


def test_acknowledgement_by_a_unit_not_addressed_is_refused(world: World, client: Client) -> None:
    plan = special_period_plan(world)
    notice = services.plan_issue(actor=world.user("office"), plan=plan)
    login(client, world.user("office"))  # the township issued it; it is not addressed to itself
    page = html_of(client, "plans:notice", notice.pk)
    assert "data-acknowledge-button" not in page
    response = client.post(reverse("plans:acknowledge", args=[notice.pk]))
    assert response.status_code == 403
    assert "Your unit is not among the addressees." in response.content.decode()
    assert not NoticeRecipient.objects.filter(acknowledged_at__isnull=False).exists()
    # Acknowledging twice is a message, not a second acknowledgement.
    reporter = login(Client(), world.user("reporter"))
    reporter.post(reverse("plans:acknowledge", args=[notice.pk]))
    response = reporter.post(reverse("plans:acknowledge", args=[notice.pk]), follow=True)
    assert "acknowledged this notice already" in " ".join(messages_of(response))


def test_an_inspection_problem_needs_its_correction(world: World, client: Client) -> None:
    plan = special_period_plan(world)
    login(client, world.user("office"))
    response = client.post(
        reverse("plans:inspection_new") + f"?plan={plan.pk}",
        {
            "unit": str(world.village.pk),
            "visited_on": "2026-02-20",
            "inspectors": "王小红",
            **formset("findings", [{"item_text": "值班记录", "result": "problem", "note": "记录不全"}]),
        },
    )
    assert response.status_code == 400
    assert "say what must be corrected" in str(response.context["formset"].forms[0].errors["correction"])
    assert not Inspection.objects.exists()
    response = client.get(reverse("plans:inspection_new"))
    assert response.status_code == 400


def test_a_notice_attachment_is_checked_by_content(world: World, client: Client) -> None:
    login(client, world.user("office"))
    data = {
        "kind": NoticeKind.MEETING,
        "title": "会议通知",
        "body": "请参会",
        "units": [str(world.village.pk)],
    }
    disguised = SimpleUploadedFile(
        "议程.pdf", b"<html><script>x</script></html>", content_type="application/pdf"
    )
    response = client.post(reverse("plans:notice_new"), {**data, "attachments": [disguised]})
    assert response.status_code == 400
    assert response.context["form"].errors["attachments"]
    assert not Notice.objects.exists()
    agenda = SimpleUploadedFile("议程.txt", "一、传达会议精神".encode(), content_type="text/plain")
    notes = SimpleUploadedFile("要求.txt", "二、着装要求".encode(), content_type="text/plain")
    response = client.post(reverse("plans:notice_new"), {**data, "attachments": [agenda, notes]})
    notice = Notice.objects.get()
    assert response["Location"] == reverse("plans:notice", args=[notice.pk])
    assert notice.attachments.count() == 2 and notice.recipients.get().unit == world.village
    attachment = notice.attachments.first()
    assert attachment is not None
    reporter = login(Client(), world.user("reporter"))
    download = reporter.get(reverse("plans:notice_attachment", args=[notice.pk, attachment.pk]))
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).decode() in ("一、传达会议精神", "二、着装要求")  # type: ignore[attr-defined]
    other = login(Client(), reporter_of(world, world.village2, "hexi"))
    assert other.get(reverse("plans:notice", args=[notice.pk])).status_code == 404
    assert other.get(reverse("plans:notice_attachment", args=[notice.pk, attachment.pk])).status_code == 404


# --- the grid and evidence ---------------------------------------------------------------------


def _grid_queries(client: Client, plan: WorkPlan) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("plans:grid", args=[plan.pk]))
    assert response.status_code == 200
    return len(queries)


def test_the_grid_costs_the_same_for_two_and_six_villages(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    plan = special_period_plan(world)
    services.plan_issue(actor=world.user("office"), plan=plan)
    login(client, world.user("office"))
    two = _grid_queries(client, plan)
    for n in range(3, 7):
        unit_create(
            actor=world.user("admin"),
            parent=world.township,
            kind=UnitKind.VILLAGE,
            name=f"村{n}",
            code=f"HB-0{n}",
        )
    six = _grid_queries(client, plan)
    assert two == six
    with django_assert_max_num_queries(30):
        page = client.get(reverse("plans:grid", args=[plan.pk])).content.decode()
    assert len(re.findall(r'<tr data-unit="', page)) == 6


def test_a_reporter_sees_only_their_own_row_and_sends_evidence(
    world: World, client: Client, clock: time_machine.Traveller
) -> None:
    plan = special_period_plan(world)
    services.plan_issue(actor=world.user("office"), plan=plan)
    task = plan.tasks.get(title="报送工作方案落实情况")
    login(client, world.user("reporter"))
    page = html_of(client, "plans:grid", plan.pk)
    assert row_order(page, "tr data-unit") == ["HB-01"]
    upload = reverse("plans:evidence", args=[plan.pk, task.pk])
    assert f"{upload}?unit={world.village.pk}" in page
    clock.move_to(at("2026-02-27", 10))
    login(client, world.user("reporter"))  # a new day, a new session
    response = client.post(
        upload,
        {
            "unit": str(world.village.pk),
            "file": SimpleUploadedFile("落实情况.txt", "已落实".encode(), content_type="text/plain"),
            "note": "第一周",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("plans:grid", args=[plan.pk])
    evidence = TaskEvidence.objects.get()
    assert (evidence.unit, evidence.note) == (world.village, "第一周")
    page = response.content.decode()
    assert "落实情况.txt" in page and 'data-state="done"' in page
    download = client.get(reverse("plans:evidence_file", args=[evidence.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    other = login(Client(), reporter_of(world, world.village2, "hexi"))
    assert other.get(reverse("plans:evidence_file", args=[evidence.pk])).status_code == 404
    # HB-02 is not responsible for the hazards measure: nothing to send for it there.
    hazards = plan.tasks.get(title="开展安全隐患排查")
    response = other.get(reverse("plans:evidence", args=[plan.pk, hazards.pk]))
    assert response.status_code == 403
    office_page = html_of(login(Client(), world.user("office")), "plans:grid", plan.pk)
    assert row_order(office_page, "tr data-unit") == ["HB-01", "HB-02"]
    assert "1/1 week" not in office_page and "0/3 weeks" in office_page


def test_a_refused_upload_keeps_the_page(world: World, client: Client) -> None:
    plan = special_period_plan(world)
    services.plan_issue(actor=world.user("office"), plan=plan)
    task = plan.tasks.get(title="报送工作方案落实情况")
    login(client, world.user("reporter"))
    response = client.post(
        reverse("plans:evidence", args=[plan.pk, task.pk]),
        {"unit": str(world.village.pk), "file": SimpleUploadedFile("x.pdf", b"<html></html>")},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not TaskEvidence.objects.exists()


# --- other pages ----------------------------------------------------------------------------------


def test_copy_edit_and_remove(world: World, client: Client) -> None:
    plan = special_period_plan(world)
    login(client, world.user("office"))
    response = client.post(
        reverse("plans:copy", args=[plan.pk]), {"starts_on": "2027-02-24", "title": "2027年两会期间工作方案"}
    )
    copy = WorkPlan.objects.get(title="2027年两会期间工作方案")
    assert response["Location"] == reverse("plans:detail", args=[copy.pk])
    assert (copy.starts_on.isoformat(), copy.ends_on.isoformat(), copy.tasks.count()) == (
        "2027-02-24",
        "2027-03-15",
        6,
    )
    page = html_of(client, "plans:list")
    assert row_order(page, "data-plan")[:2] == [str(copy.pk), str(plan.pk)]  # newest period first
    edit = html_of(client, "plans:edit", plan.pk)
    assert "镇发〔2026〕3号" in edit
    client.post(reverse("plans:edit", args=[plan.pk]), {**PLAN, "doc_number": "镇发〔2026〕4号"})
    plan.refresh_from_db()
    assert plan.doc_number == "镇发〔2026〕4号"
    task = plan.tasks.get(title="每日按时报送")
    form = html_of(client, "plans:task_edit", plan.pk, task.pk)
    assert "每日按时报送" in form
    response = client.post(reverse("plans:task_remove", args=[plan.pk, task.pk]), follow=True)
    assert "is removed" in " ".join(messages_of(response))
    assert not PlanTask.objects.filter(pk=task.pk).exists()


def test_pages_are_chinese_by_default(world: World, client: Client) -> None:
    plan = special_period_plan(world)
    login(client, world.user("office"), english=False)
    page = html_of(client, "plans:detail", plan.pk)
    assert '<html lang="zh-hans">' in page


def test_lists_cost_a_fixed_number_of_queries(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    office = world.user("office")
    for n in range(3):
        plan = special_period_plan(world)
        services.plan_update(actor=office, plan=plan, title=f"方案{n}")
        services.plan_issue(actor=office, plan=plan)
    login(client, office)
    for name in ("plans:list", "plans:notices"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name)).status_code == 200
    login(client, world.user("reporter"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("plans:notices")).content.decode()
    assert page.count("data-pending>") == 3


def test_the_dashboard_lists_notices_to_acknowledge_with_the_button(world: World, client: Client) -> None:
    plan = special_period_plan(world)
    notice = services.plan_issue(actor=world.user("office"), plan=plan, acknowledge_by=at("2026-02-24", 17))
    login(client, world.user("reporter"))
    home = html_of(client, "core:home")
    section = re.search(r'data-panel="notices_pending">(.*?)</section>', home, re.S)
    assert section is not None and "panel-placeholder" not in section.group(0)
    assert notice.title in section.group(1)
    assert reverse("plans:acknowledge", args=[notice.pk]) in section.group(1)
    response = client.post(reverse("plans:acknowledge", args=[notice.pk]), {"next": reverse("core:home")})
    assert response["Location"] == reverse("core:home")
    home = html_of(client, "core:home")
    assert "Every notice to your unit is acknowledged." in home
