"""Role x route rules of the plans API routes (see zhenwu.testing.permissions).

The world: every role works in 河坝镇 (HB) except the reporter (village HB-01) and the admin (the
county). Plans are 河坝镇's (seen by every role, the HB-01 reporter included: a village sees its
township's plans) or 石桥镇's (SQ, only the admin's). Notices are addressed to HB-01 (seen by every
role), to HB-02 only (not the HB-01 reporter's: 404) or, issued by the county, to 河坝镇 itself (the
HB-01 reporter does not see it). Inspections are of HB-01 or HB-02.

The office (and the admin) write plans, issue notices and compute assessments; the people of an
addressed unit acknowledge for it (anyone else: 403 not_addressed; oversight: 403); the responsible
units' people and the office send evidence; the office and leaders inspect, the inspected unit
reports corrections; scores are read by the office, leaders and oversight. A role without the action
gets 403, an object out of scope 404, anonymous 401.

The permission test runs at the real date: the plans' periods are built around today.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import Unit
from zhenwu.plans import services
from zhenwu.plans.assessment import DEFAULT_WEIGHTS, assessment_compute
from zhenwu.plans.choices import Body, EvidenceKind, FindingResult, NoticeKind, PlanRole
from zhenwu.plans.models import Inspection, Notice, WorkPlan
from zhenwu.testing.permissions import Check, Outcome, every_role, expect
from zhenwu.testing.world import World

Kwargs = Callable[[World], dict[str, Any]]


def api(**outcomes: Outcome) -> dict[str, Outcome]:
    return {**expect(**outcomes), "anonymous": 401}


EVERYONE = every_role(200, anonymous=401)
#: HB-02's data: the HB-01 reporter does not see it.
OTHER_VILLAGE = {**EVERYONE, "reporter": 404}
#: 石桥镇's data: only the county administrator sees it.
OTHER_TOWNSHIP = api(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404)


def managers(status: Outcome) -> dict[str, Outcome]:
    """The office's acts (and the admin's): plans, notices, reminders, assessments."""
    return api(admin=status, office=status, leader=403, reporter=403, mediator=403, oversight=403)


#: Those who read scores.
ASSESSORS = api(admin=200, office=200, leader=200, reporter=403, mediator=403, oversight=200)
#: Those who send a task's evidence for a unit.
EVIDENCE = api(admin=201, office=201, leader=201, reporter=201, mediator=403, oversight=403)
INSPECTORS = api(admin=201, office=201, leader=201, reporter=403, mediator=403, oversight=403)
CORRECTORS = api(admin=200, office=200, leader=200, reporter=200, mediator=403, oversight=403)


def _today() -> datetime.date:
    return beijing_date(timezone.now())


def _day(offset: int) -> str:
    return (_today() + datetime.timedelta(days=offset)).isoformat()


def _plan(w: World, *, township: str = "township", issued: bool = False) -> WorkPlan:
    """A plan around today with a leading group, one measure for every village and a checklist."""
    owner: Unit = getattr(w, township)
    actor = w.user("admin") if township == "other_township" else w.user("office")
    today = _today()
    plan = services.plan_create(
        actor=actor,
        owner_unit=owner,
        title="安全稳定工作方案",
        issuer=f"{owner.name}人民政府",
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=20),
    )
    services.plan_members_set(
        actor=actor, plan=plan, members=[services.MemberIn(Body.LEADING_GROUP, PlanRole.LEADER, "刘强")]
    )
    services.task_add(
        actor=actor,
        plan=plan,
        data=services.TaskIn(
            "报送落实情况", EvidenceKind.DOCUMENT, all_units=True, due_on=today + datetime.timedelta(days=10)
        ),
    )
    services.checklist_set(actor=actor, plan=plan, items=["值班在岗"])
    if issued:
        services.plan_issue(actor=actor, plan=plan)
    return plan


def plan(township: str = "township", *, issued: bool = False) -> Kwargs:
    return lambda w: {"plan_id": _plan(w, township=township, issued=issued).pk}


def task(w: World) -> dict[str, Any]:
    found = _plan(w, issued=True)
    return {"plan_id": found.pk, "task_id": found.tasks.get().pk}


def draft_task(w: World) -> dict[str, Any]:
    found = _plan(w)
    return {"plan_id": found.pk, "task_id": found.tasks.get().pk}


def some_plans(w: World) -> dict[str, Any]:
    _plan(w, issued=True)
    _plan(w, township="other_township")
    return {}


def assessed(w: World) -> dict[str, Any]:
    found = _plan(w, issued=True)
    assessment_compute(actor=w.user("office"), plan=found, weights=DEFAULT_WEIGHTS)
    return {"plan_id": found.pk}


def some_assessments(w: World) -> dict[str, Any]:
    assessed(w)
    return {}


def _notice(w: World, to: str = "village", *, attachment: bool = False) -> Notice:
    """A meeting notice of 河坝镇 to ``to``; to 石桥镇's village or to 河坝镇 itself it is the county's."""
    by_county = to in ("other_village", "township")
    return services.notice_issue(
        actor=w.user("admin") if by_county else w.user("office"),
        owner_unit=w.county if by_county else w.township,
        kind=NoticeKind.MEETING,
        title="关于召开安全生产工作会议的通知",
        body="请各村党支部书记准时参会。",
        units=[getattr(w, to)],
        attachments=[services.AttachmentIn("议程.txt", "一、传达会议精神".encode())] if attachment else [],
    )


def notice(to: str = "village") -> Kwargs:
    return lambda w: {"notice_id": _notice(w, to).pk}


def attachment(to: str = "village") -> Kwargs:
    def kwargs(w: World) -> dict[str, Any]:
        found = _notice(w, to, attachment=True)
        return {"notice_id": found.pk, "attachment_id": found.attachments.get().pk}

    return kwargs


def some_notices(w: World) -> dict[str, Any]:
    _notice(w)
    _notice(w, "village2")
    return {}


def _inspection(w: World, unit: str = "village") -> Inspection:
    return services.inspection_record(
        actor=w.user("office"),
        unit=getattr(w, unit),
        visited_on=_today() - datetime.timedelta(days=1),
        inspectors="王小红、吴敏",
        findings=[
            services.FindingIn("值班在岗", FindingResult.OK),
            services.FindingIn(
                "值班记录",
                FindingResult.PROBLEM,
                note="记录不全",
                correction="补齐记录",
                correction_due=_today() + datetime.timedelta(days=5),
            ),
        ],
    )


def inspection(unit: str = "village") -> Kwargs:
    return lambda w: {"inspection_id": _inspection(w, unit).pk}


def finding(w: World) -> dict[str, Any]:
    found = _inspection(w)
    return {"inspection_id": found.pk, "finding_id": found.findings.get(result=FindingResult.PROBLEM).pk}


def some_inspections(w: World) -> dict[str, Any]:
    _inspection(w)
    _inspection(w, "village2")
    return {}


def new_plan(**extra: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "owner_unit": w.township.pk,
        "title": "防汛工作方案",
        "issuer": "河坝镇人民政府",
        "starts_on": _day(1),
        "ends_on": _day(30),
        **extra,
    }


def new_task(**extra: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "title": "开展隐患排查",
        "evidence": "document",
        "all_units": True,
        "due_on": _day(5),
        **extra,
    }


def new_notice(*, files: bool) -> Callable[[World], dict[str, Any]]:
    def body(w: World) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "kind": "instruction",
            "title": "关于做好节日期间安全工作的通知",
            "body": "请各村做好安全防范。",
            "units": [w.village.pk, w.village2.pk],
            "owner_unit": w.township.pk,
        }
        if files:
            fields["attachments"] = [SimpleUploadedFile("要求.txt", "一、加强值守".encode())]
        return fields

    return body


def evidence(unit: str = "village") -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "unit": getattr(w, unit).pk,
        "note": "已落实",
        "file": SimpleUploadedFile("落实情况.txt", "已落实值班制度".encode()),
    }


def new_inspection(unit: str = "village") -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "unit": getattr(w, unit).pk,
        "visited_on": _day(0),
        "inspectors": "李建国、王小红",
        "findings": [{"item_text": "值班在岗", "result": "ok"}],
    }


TABLE: dict[str, list[Check]] = {
    "api:list_plans": [
        Check(EVERYONE, kwargs=some_plans),
        Check(EVERYONE, kwargs=some_plans, query="status=issued&year=2026"),
        Check(every_role(422, anonymous=401), query="status=lost"),
    ],
    "api:create_plan": [
        Check(managers(201), method="POST", json=True, data=new_plan()),
        # The period ends before it starts: the domain's 400 for those who may write plans.
        Check(managers(400), method="POST", json=True, data=new_plan(ends_on=_day(-1))),
    ],
    "api:get_plan": [
        Check(EVERYONE, kwargs=plan()),
        Check(OTHER_TOWNSHIP, kwargs=plan("other_township")),
    ],
    "api:update_plan": [
        Check(managers(200), method="PATCH", json=True, kwargs=plan(), data=lambda w: {"goals": "确保平安"}),
        Check(
            OTHER_TOWNSHIP,
            method="PATCH",
            json=True,
            kwargs=plan("other_township"),
            data=lambda w: {"goals": "确保平安"},
        ),
    ],
    "api:set_plan_members": [
        Check(
            managers(200),
            method="PUT",
            json=True,
            kwargs=plan(),
            data=lambda w: {
                "members": [
                    {"body": "leading_group", "role": "leader", "name": "刘强", "post": "镇党委书记"},
                    {"body": "office", "role": "director", "name": "王小红"},
                ]
            },
        ),
        # A leading group without its 组长.
        Check(
            managers(400),
            method="PUT",
            json=True,
            kwargs=plan(),
            data=lambda w: {"members": [{"body": "leading_group", "role": "member", "name": "周涛"}]},
        ),
    ],
    "api:set_plan_groups": [
        Check(
            managers(200),
            method="PUT",
            json=True,
            kwargs=plan(),
            data=lambda w: {"groups": [{"name": "应急处置组", "lead": "周涛", "duties": "突发事件先期处置"}]},
        )
    ],
    "api:set_plan_checklist": [
        Check(
            managers(200),
            method="PUT",
            json=True,
            kwargs=plan(),
            data=lambda w: {"items": ["值班在岗", "台账"]},
        )
    ],
    "api:add_plan_task": [
        Check(managers(201), method="POST", json=True, kwargs=plan(), data=new_task()),
        # No responsible unit.
        Check(managers(400), method="POST", json=True, kwargs=plan(), data=new_task(all_units=False)),
    ],
    "api:update_plan_task": [
        Check(managers(200), method="PUT", json=True, kwargs=draft_task, data=new_task(title="排查整治")),
    ],
    "api:remove_plan_task": [Check(managers(204), method="DELETE", kwargs=draft_task)],
    "api:copy_plan": [
        Check(managers(201), method="POST", json=True, kwargs=plan(), data=lambda w: {"starts_on": _day(365)})
    ],
    "api:issue_plan": [
        Check(managers(201), method="POST", json=True, kwargs=plan()),
        # Issued already.
        Check(managers(409), method="POST", json=True, kwargs=plan(issued=True)),
    ],
    "api:download_plan_document": [
        Check(EVERYONE, kwargs=plan()),
        Check(OTHER_TOWNSHIP, kwargs=plan("other_township")),
    ],
    "api:get_plan_grid": [Check(EVERYONE, kwargs=plan(issued=True))],
    "api:add_task_evidence": [
        Check(EVIDENCE, method="POST", kwargs=task, data=evidence()),
        # HB-02 is not the reporter's village.
        Check({**EVIDENCE, "reporter": 404}, method="POST", kwargs=task, data=evidence("village2")),
    ],
    "api:list_notices": [
        Check(EVERYONE, kwargs=some_notices),
        Check(EVERYONE, kwargs=some_notices, query="pending=true&kind=meeting"),
    ],
    "api:create_notice": [
        Check(managers(201), method="POST", data=new_notice(files=True)),
        Check(managers(201), method="POST", json=True, data=new_notice(files=False)),
    ],
    "api:get_notice": [
        Check(EVERYONE, kwargs=notice()),
        Check(OTHER_VILLAGE, kwargs=notice("village2")),
        Check(OTHER_TOWNSHIP, kwargs=notice("other_village")),
    ],
    "api:acknowledge_notice": [
        # To HB-01: only its reporter acknowledges; the township is not addressed.
        Check(
            api(admin=403, office=403, leader=403, reporter=200, mediator=403, oversight=403),
            method="POST",
            kwargs=notice(),
        ),
        # The county's notice to 河坝镇: the township's people acknowledge it.
        Check(
            api(admin=403, office=200, leader=200, reporter=404, mediator=200, oversight=403),
            method="POST",
            kwargs=notice("township"),
        ),
    ],
    "api:remind_notice": [Check(managers(200), method="POST", kwargs=notice())],
    "api:download_notice_attachment": [
        Check(EVERYONE, kwargs=attachment()),
        Check(OTHER_VILLAGE, kwargs=attachment("village2")),
    ],
    "api:list_inspections": [Check(EVERYONE, kwargs=some_inspections)],
    "api:create_inspection": [
        Check(INSPECTORS, method="POST", json=True, data=new_inspection()),
        # 石桥镇's village is outside the inspectors' scope.
        Check(
            api(admin=201, office=404, leader=404, reporter=404, mediator=404, oversight=404),
            method="POST",
            json=True,
            data=new_inspection("other_village"),
        ),
    ],
    "api:get_inspection": [
        Check(EVERYONE, kwargs=inspection()),
        Check(OTHER_VILLAGE, kwargs=inspection("village2")),
    ],
    "api:correct_inspection_finding": [
        Check(CORRECTORS, method="POST", json=True, kwargs=finding, data=lambda w: {"note": "已补齐"})
    ],
    "api:download_inspection_report": [
        Check(EVERYONE, kwargs=inspection()),
        Check(OTHER_VILLAGE, kwargs=inspection("village2")),
    ],
    "api:compute_plan_assessment": [
        Check(managers(201), method="POST", json=True, kwargs=plan(issued=True)),
        Check(
            managers(400),
            method="POST",
            json=True,
            kwargs=plan(issued=True),
            data=lambda w: {"weights": {"tasks_done": 60, "duty_sign_on": 60}},
        ),
    ],
    "api:get_latest_assessment": [Check(ASSESSORS, kwargs=assessed)],
    "api:export_latest_assessment": [Check(ASSESSORS, kwargs=assessed)],
    "api:get_assessment_year": [
        Check(ASSESSORS, kwargs=some_assessments),
        Check(ASSESSORS, kwargs=some_assessments, query="year=2026"),
    ],
}
