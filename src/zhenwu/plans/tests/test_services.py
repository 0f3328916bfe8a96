"""Plans, notices, task tracking, inspections and assessment through the services."""

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine

from zhenwu.core.exceptions import Conflict, InvalidTransition, NotFound, PermissionRefused, ValidationFailed
from zhenwu.core.models import OutboxMessage, Unit
from zhenwu.plans.assessment import assessment_compute, check_weights
from zhenwu.plans.choices import (
    Body,
    Component,
    EvidenceKind,
    FindingResult,
    NoticeKind,
    PlanRole,
    PlanStatus,
    RecordSource,
    TaskState,
)
from zhenwu.plans.grid import Cell, task_grid
from zhenwu.plans.models import AssessmentScore, NoticeRecipient, PlanTask, WorkPlan
from zhenwu.plans.selectors import assessment_year, notice_list, pending_notices
from zhenwu.plans.services import (
    AttachmentIn,
    FindingIn,
    MemberIn,
    TaskIn,
    evidence_add,
    finding_correct,
    inspection_record,
    notice_acknowledge,
    notice_issue,
    notice_mark_read,
    notice_reminders_send,
    plan_copy,
    plan_issue,
    plan_members_set,
    task_add,
)
from zhenwu.plans.tests.factories import D, at, new_plan, special_period_plan
from zhenwu.reports.models import ReportSlot
from zhenwu.reports.tests.factories import daily_schedule
from zhenwu.safety.services import HazardIn, hazard_rectify, hazard_report, patrol_record_create
from zhenwu.testing.world import World


@pytest.fixture(autouse=True)
def now() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at("2026-02-20", 9), tick=False) as traveller:
        yield traveller


def test_a_period_that_ends_before_it_starts_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        new_plan(world, ends_on=D(2026, 2, 1))
    assert exc.value.code == "period_reversed" and "ends_on" in exc.value.errors
    assert not WorkPlan.objects.exists()
    with pytest.raises(PermissionRefused):
        new_plan(world, actor=world.user("reporter"))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (TaskIn("无人负责", EvidenceKind.DOCUMENT, due_on=D(2026, 3, 1)), "units"),
        (TaskIn("过期", EvidenceKind.DOCUMENT, all_units=True, due_on=D(2026, 4, 1)), "due_on"),
        (TaskIn("无日期", EvidenceKind.DOCUMENT, all_units=True), "due_on"),
        (TaskIn("报表", EvidenceKind.REPORT, all_units=True, due_on=D(2026, 3, 1)), "report_type"),
        (TaskIn("台账", EvidenceKind.RECORD_COUNT, all_units=True, due_on=D(2026, 3, 1)), "record_source"),
    ],
)
def test_bad_tasks_are_refused_and_nothing_saved(world: World, data: TaskIn, field: str) -> None:
    plan = new_plan(world)
    with pytest.raises(ValidationFailed) as exc:
        task_add(actor=world.user("office"), plan=plan, data=data)
    assert field in exc.value.errors
    assert not PlanTask.objects.exists()


def test_a_task_for_a_unit_outside_the_plan_is_refused(world: World) -> None:
    plan = new_plan(world)
    with pytest.raises(ValidationFailed) as exc:
        task_add(
            actor=world.user("office"),
            plan=plan,
            data=TaskIn("外镇", EvidenceKind.DOCUMENT, units=[world.other_village], due_on=D(2026, 3, 1)),
        )
    assert "units" in exc.value.errors


def test_issuing_needs_tasks_and_a_leading_group_then_goes_to_every_village(world: World) -> None:
    empty = new_plan(world)
    with pytest.raises(ValidationFailed) as exc:
        plan_issue(actor=world.user("office"), plan=empty)
    assert exc.value.code == "no_tasks"
    with pytest.raises(ValidationFailed):
        plan_members_set(
            actor=world.user("office"), plan=empty, members=[MemberIn(Body.OFFICE, PlanRole.LEADER, "某")]
        )
    plan = special_period_plan(world)
    notice = plan_issue(actor=world.user("office"), plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ISSUED and plan.issued_on == D(2026, 2, 20)
    assert notice.kind == NoticeKind.PLAN and notice.plan == plan
    assert {r.unit for r in notice.recipients.all()} == {world.village, world.village2}
    with pytest.raises(InvalidTransition):
        plan_issue(actor=world.user("office"), plan=plan)


def test_acknowledgement_is_by_an_addressed_unit_once_and_reading_is_not_acknowledging(world: World) -> None:
    plan = special_period_plan(world)
    notice = plan_issue(actor=world.user("office"), plan=plan)
    reporter = world.user("reporter")  # HB-01
    read = notice_mark_read(actor=reporter, notice=notice)
    assert read is not None and read.first_read_at is not None and read.acknowledged_at is None
    assert list(pending_notices(user=reporter)) == [read]
    with pytest.raises(PermissionRefused) as exc:
        notice_acknowledge(actor=world.user("office"), notice=notice)  # the township is not addressed
    assert exc.value.code == "not_addressed"
    done = notice_acknowledge(actor=reporter, notice=notice)
    assert (done.acknowledged_by, done.acknowledged_at) == (reporter, at("2026-02-20", 9))
    with pytest.raises(Conflict):
        notice_acknowledge(actor=reporter, notice=notice)
    assert not pending_notices(user=reporter).exists()
    waiting = NoticeRecipient.objects.filter(notice=notice, acknowledged_at__isnull=True)
    assert [r.unit for r in waiting] == [world.village2]
    assert notice in notice_list(user=reporter) and notice not in notice_list(user=world.user("admin")).none()


def test_a_notice_to_units_outside_the_issuer_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        notice_issue(
            actor=world.user("office"),
            owner_unit=world.township,
            kind=NoticeKind.MEETING,
            title="会议通知",
            body="请参会",
            units=[world.other_village],
        )
    assert "units" in exc.value.errors


def test_attachments_are_checked_by_content(world: World) -> None:
    with pytest.raises(ValidationFailed):
        notice_issue(
            actor=world.user("office"),
            owner_unit=world.township,
            kind=NoticeKind.MEETING,
            title="会议通知",
            body="请参会",
            units=[world.village],
            attachments=[AttachmentIn("议程.pdf", b"<html><script>x</script></html>")],
        )
    notice = notice_issue(
        actor=world.user("office"),
        owner_unit=world.township,
        kind=NoticeKind.MEETING,
        title="会议通知",
        body="请参会",
        units=[world.village],
        attachments=[AttachmentIn("议程.txt", "一、传达会议精神".encode())],
    )
    assert notice.attachments.get().content_type.startswith("text/plain")


def test_reminders_go_once_to_the_units_that_have_not_acknowledged(
    world: World, now: time_machine.Traveller
) -> None:
    reporter = world.user("reporter")
    reporter.email = "zhangming@example.org"
    reporter.save()
    notice = notice_issue(
        actor=world.user("office"),
        owner_unit=world.township,
        kind=NoticeKind.INSTRUCTION,
        title="关于做好节日期间安全工作的通知",
        body="请各村做好安全防范",
        units=[world.village, world.village2],
        acknowledge_by=at("2026-02-23", 17),
    )
    issued = OutboxMessage.objects.filter(event_key__startswith=f"plans.notice.issued.{notice.pk}.").count()
    assert issued == 2  # the HB-01 reporter by e-mail and SMS; HB-02 has nobody
    assert notice_reminders_send()["notices"] == 0  # not yet within a day of the deadline
    now.move_to(at("2026-02-22", 18))
    notice_reminders_send()
    reminders = OutboxMessage.objects.filter(event_key__startswith=f"plans.notice.due.{notice.pk}.")
    assert reminders.count() == 2
    notice_reminders_send()
    assert reminders.count() == 2  # never twice
    notice_acknowledge(actor=reporter, notice=notice)
    now.move_to(at("2026-02-24", 9))
    notice_reminders_send()
    assert not OutboxMessage.objects.filter(
        event_key__startswith=f"plans.notice.overdue.{notice.pk}."
    ).exists()


def test_the_grid_matches_evidence_to_units_and_weeks(world: World, now: time_machine.Traveller) -> None:
    plan = special_period_plan(world)
    plan_issue(actor=world.user("office"), plan=plan)
    patrols = plan.tasks.get(record_source=RecordSource.PATROLS)
    document = plan.tasks.get(title="报送工作方案落实情况")
    hazards = plan.tasks.get(record_source=RecordSource.HAZARDS)
    now.move_to(at("2026-02-27", 23))
    patrol_record_create(
        actor=world.user("reporter"),
        unit=world.village,
        started_at=at("2026-02-27", 20),
        ended_at=at("2026-02-27", 22),
        patrollers="张明等4人",
    )
    evidence_add(
        actor=world.user("reporter"),
        task=document,
        unit=world.village,
        upload=AttachmentIn("落实情况.txt", "已落实".encode()),
    )
    with pytest.raises(ValidationFailed) as exc:
        evidence_add(
            actor=world.user("office"),
            task=plan.tasks.get(title="开展安全隐患排查"),
            unit=world.village2,
            upload=AttachmentIn("x.txt", b"x"),
        )
    assert exc.value.code == "not_responsible"
    for n in range(2):
        hazard_report(
            actor=world.user("reporter"),
            unit=world.village,
            data=HazardIn(title=f"隐患{n}", category="fire", severity="general", place="三组"),
        )
    now.move_to(at("2026-03-04", 9))  # the first week (02-25..03-03) is over
    grid = task_grid(plan)

    def cell(task: PlanTask, unit: Unit) -> Cell:
        found = grid.cell(task, unit)
        assert found is not None, (task.title, unit.code)
        return found

    assert cell(patrols, world.village).state == TaskState.IN_PROGRESS  # week 1 done, period running
    assert cell(patrols, world.village).done_windows == 1
    assert cell(patrols, world.village2).state == TaskState.OVERDUE  # no patrol in week 1
    assert cell(document, world.village).state == TaskState.DONE
    assert cell(document, world.village).evidence == ["落实情况.txt"]
    assert cell(document, world.village2).state == TaskState.IN_PROGRESS  # due 03-05
    assert cell(hazards, world.village).state == TaskState.DONE  # two hazards, two needed
    assert grid.cell(hazards, world.village2) is None  # not responsible
    now.move_to(at("2026-03-06", 9))
    later = task_grid(plan).cell(document, world.village2)
    assert later is not None and later.state == TaskState.OVERDUE


def test_the_grid_costs_the_same_for_more_units(world: World, django_assert_max_num_queries) -> None:  # noqa: ANN001
    plan = special_period_plan(world)
    with django_assert_max_num_queries(20):
        grid = task_grid(plan)
    assert len(grid.units) == 2 and len(grid.tasks) == 6


def test_inspections_findings_and_corrections(world: World, now: time_machine.Traveller) -> None:
    plan = special_period_plan(world)
    with pytest.raises(NotFound):  # a unit outside the inspector's scope
        inspection_record(
            actor=world.user("office"),
            unit=world.other_village,
            visited_on=D(2026, 2, 20),
            inspectors="王小红",
            findings=[FindingIn("值班", FindingResult.OK)],
        )
    with pytest.raises(ValidationFailed) as exc:
        inspection_record(
            actor=world.user("office"),
            unit=world.village,
            plan=plan,
            visited_on=D(2026, 2, 20),
            inspectors="王小红、吴敏",
            findings=[FindingIn("值班记录", FindingResult.PROBLEM, note="记录不全")],
        )
    assert "findings.0.correction" in exc.value.errors
    inspection = inspection_record(
        actor=world.user("leader"),
        unit=world.village,
        plan=plan,
        visited_on=D(2026, 2, 20),
        inspectors="李建国、王小红",
        findings=[
            FindingIn("值班在岗", FindingResult.OK),
            FindingIn(
                "值班记录",
                FindingResult.PROBLEM,
                note="记录不全",
                correction="补齐记录",
                correction_due=D(2026, 2, 25),
            ),
        ],
    )
    problem = inspection.findings.get(result=FindingResult.PROBLEM)
    with pytest.raises(PermissionRefused):
        finding_correct(actor=world.user("oversight"), finding=problem, note="x")
    corrected = finding_correct(actor=world.user("reporter"), finding=problem, note="已补齐")
    assert corrected.corrected_by == world.user("reporter")
    with pytest.raises(Conflict):
        finding_correct(actor=world.user("reporter"), finding=problem, note="again")


@pytest.mark.parametrize(
    "weights",
    [
        {Component.REPORT_TIMELINESS: 50, Component.HAZARDS_ON_TIME: 40},
        {Component.REPORT_TIMELINESS: 60, Component.HAZARDS_ON_TIME: 60},
        {Component.REPORT_TIMELINESS: 100, "popularity": 0},
        {Component.REPORT_TIMELINESS: 99.5, Component.TASKS_DONE: 0.5},
    ],
)
def test_weights_that_do_not_add_up_are_refused(world: World, weights: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_weights(weights)
    assert exc.value.code == "weights_invalid"


def test_a_worked_example_of_the_scores(world: World, now: time_machine.Traveller) -> None:
    """HB-01: 4 daily reports, 3 on time and 1 late → (3 + ½)/4 = 0.875; 2 hazards due, 1 rectified in
    time → 0.5. With weights 50/50: 50 × 0.875 + 50 × 0.5 = 68.75. HB-02 had no hazard due, so its
    report rate alone carries 100%: 2 on time, 1 late, 1 missing → 2.5/4 × 100 = 62.5."""
    office = world.user("office")
    plan = new_plan(world, starts_on=D(2026, 2, 25), ends_on=D(2026, 2, 28))
    task_add(
        actor=office,
        plan=plan,
        data=TaskIn("隐患排查", EvidenceKind.DOCUMENT, all_units=True, due_on=D(2026, 2, 28)),
    )
    daily_schedule(
        office,
        world.township,
        [world.village, world.village2],
        times=("09:00",),
        starts_on="2026-02-25",
        ends_on="2026-02-28",
    )
    late_once: dict[int, list[bool | None]] = {
        world.village.pk: [True, True, True, False],
        world.village2.pk: [True, True, False, None],
    }
    for unit_id, outcomes in late_once.items():
        slots = ReportSlot.objects.filter(unit_id=unit_id).order_by("due_at")
        for slot, on_time in zip(slots, outcomes, strict=True):
            if on_time is not None:
                moment = (
                    slot.due_at - datetime.timedelta(minutes=5)
                    if on_time
                    else slot.due_at + datetime.timedelta(hours=1)
                )
                ReportSlot.objects.filter(pk=slot.pk).update(submitted_at=moment)
    first = hazard_report(
        actor=office,
        unit=world.village,
        data=HazardIn(title="A", category="fire", severity="general", place="x", rectify_due=D(2026, 2, 26)),
    )
    hazard_report(
        actor=office,
        unit=world.village,
        data=HazardIn(title="B", category="gas", severity="general", place="y", rectify_due=D(2026, 2, 27)),
    )
    now.move_to(at("2026-02-25", 15))
    hazard_rectify(actor=world.user("reporter"), hazard=first, note="已整改")
    now.move_to(at("2026-03-02", 9))
    assessment = assessment_compute(
        actor=office, plan=plan, weights={Component.REPORT_TIMELINESS: 50, Component.HAZARDS_ON_TIME: 50}
    )
    scores = {s.unit: s for s in AssessmentScore.objects.filter(assessment=assessment)}
    one, two = scores[world.village], scores[world.village2]
    assert one.total == Decimal("68.75") and one.rank == 1
    assert two.total == Decimal("62.50") and two.rank == 2
    parts = {p["key"]: p for p in one.parts}
    assert parts[Component.REPORT_TIMELINESS]["rate"] == "0.8750"
    assert parts[Component.REPORT_TIMELINESS]["points"] == "43.75"
    assert parts[Component.HAZARDS_ON_TIME]["points"] == "25.00"
    assert (
        "1 of 2 hazards" in parts[Component.HAZARDS_ON_TIME]["derivation"]
        or parts[Component.HAZARDS_ON_TIME]["good"] == 1
    )
    two_parts = {p["key"]: p for p in two.parts}
    assert two_parts[Component.HAZARDS_ON_TIME]["points"] is None  # nothing to measure: scaled away
    assert two_parts[Component.REPORT_TIMELINESS]["scaled_weight"] == "100.00"
    with pytest.raises(PermissionRefused):
        assessment_compute(
            actor=world.user("oversight"), plan=plan, weights=check_weights({Component.TASKS_DONE: 100})
        )
    plans, rows = assessment_year(user=world.user("oversight"), owner=world.township, year=2026)
    assert plans == [plan] and [r.unit for r in rows] == [world.village, world.village2]
    assert rows[0].scores[plan.pk] == Decimal("68.75")


def test_the_score_never_grows_or_shrinks_with_how_many_residents_petition(
    world: World, now: time_machine.Traveller
) -> None:
    """Only rates of answering are scored: a village that answered one matter on time and one that
    answered three on time score the same, and nothing is scored where nothing was measured."""
    from zhenwu.petitions.choices import Satisfaction
    from zhenwu.petitions.services import (
        petition_accept,
        petition_answer,
        petition_assign,
        petition_rate,
        petition_start_handling,
    )
    from zhenwu.petitions.tests.factories import register
    from zhenwu.plans.assessment import compute_scores

    office = world.user("office")
    plan = new_plan(world)
    weights: dict[str, int] = {Component.PETITIONS_ON_TIME: 60, Component.PETITION_SATISFACTION: 40}
    before = compute_scores(plan, weights, units=[world.village, world.village2])
    assert all(r["total"] == 0 for r in before)  # nothing measured, nothing invented
    assert all(p["points"] is None for r in before for p in r["parts"])

    now.move_to(at("2026-02-26", 9))
    for village, matters in ((world.village, 1), (world.village2, 3)):
        for n in range(matters):
            petition, _code = register(office, world.township, summary=f"{village.name}事项{n}")
            petition_accept(actor=office, petition=petition)
            petition_assign(actor=office, petition=petition, handling_unit=village)
            petition_start_handling(actor=office, petition=petition)
            petition_answer(
                actor=office, petition=petition, request="诉求", facts="事实", decision="意见", basis="依据"
            )
            petition_rate(petition=petition, satisfaction=Satisfaction.SATISFIED)
    now.move_to(at("2026-03-20", 9))
    one, three = compute_scores(plan, weights, units=[world.village, world.village2])
    assert one["total"] == three["total"] == Decimal("100.00")
    parts_one = {p["key"]: p for p in one["parts"]}
    parts_three = {p["key"]: p for p in three["parts"]}
    assert (
        parts_one[Component.PETITIONS_ON_TIME]["total"],
        parts_three[Component.PETITIONS_ON_TIME]["total"],
    ) == (1, 3)
    assert (
        parts_one[Component.PETITIONS_ON_TIME]["points"] == parts_three[Component.PETITIONS_ON_TIME]["points"]
    )


def test_copy_shifts_every_date(world: World) -> None:
    plan = special_period_plan(world)
    copy = plan_copy(
        actor=world.user("office"), plan=plan, starts_on=D(2027, 2, 24), title="2027年两会期间工作方案"
    )
    assert (copy.starts_on, copy.ends_on, copy.status, copy.doc_number) == (
        D(2027, 2, 24),
        D(2027, 3, 15),
        PlanStatus.DRAFT,
        "",
    )
    assert copy.members.count() == 5 and copy.groups.count() == 3 and copy.tasks.count() == 6
    assert copy.tasks.get(title="开展矛盾纠纷排查").due_on == D(2027, 3, 9)
    assert list(copy.tasks.get(title="开展安全隐患排查").units.all()) == [world.village]
