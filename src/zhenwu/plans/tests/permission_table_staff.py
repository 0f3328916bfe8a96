"""Role x route rules of the plans staff pages (see zhenwu.testing.permissions).

The world: every role works in 河坝镇 (HB) except the reporter (village HB-01) and the admin (the
county). The plans of the table are HB's special-period plan (2026-02-25 to 2026-03-16, built on
2026-02-20 by the HB office): every role sees it, the HB-01 reporter too (a village sees its
township's plans); one of 石桥镇 (SQ) is the administrator's alone. The permission test itself runs
at the real date.

Everyone reads plans, notices, the grid and inspections of their scope; the office (and the admin)
write plans, issue notices, remind and compute assessments; the people of an addressed unit
acknowledge for it (the HB-01 reporter; anyone else 403); the responsible units' people, leaders and
the office send evidence; the office and leaders (and the admin) inspect, the inspected unit reports
corrections; scores are read by the office, leaders and oversight. A role without the action gets
403 before anything is read, an object out of scope 404; POST-only routes answer 405 to GET.
"""

from collections.abc import Callable
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhenwu.plans import services
from zhenwu.plans.assessment import DEFAULT_WEIGHTS, assessment_compute
from zhenwu.plans.choices import FindingResult, NoticeKind
from zhenwu.plans.models import Inspection, Notice, TaskEvidence, WorkPlan
from zhenwu.plans.tests.factories import D, at, new_plan, special_period_plan
from zhenwu.testing.permissions import Check, every_role, expect
from zhenwu.testing.world import World

EVERYONE = every_role(200)
POST_ONLY = every_role(405, anonymous=405)
#: Data of HB-02: the HB-01 reporter does not see it.
OTHER_VILLAGE = {**EVERYONE, "reporter": 404}
#: Data of 石桥镇 (SQ): only the administrator sees it.
OTHER_TOWNSHIP = expect(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404)
MANAGE = expect(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
MANAGE_DONE = expect(admin=302, office=302, leader=403, reporter=403, mediator=403, oversight=403)
#: A plan of SQ: a manager of HB does not see it (404); roles without the action are refused first.
MANAGE_OTHER_TOWNSHIP = expect(admin=200, office=404, leader=403, reporter=403, mediator=403, oversight=403)
REPORT = expect(admin=200, office=200, leader=200, reporter=200, mediator=403, oversight=403)
REPORT_DONE = expect(admin=302, office=302, leader=302, reporter=302, mediator=403, oversight=403)
INSPECT = expect(admin=200, office=200, leader=200, reporter=403, mediator=403, oversight=403)
INSPECT_DONE = expect(admin=302, office=302, leader=302, reporter=403, mediator=403, oversight=403)
#: No ``?plan=``: a 400 page for those who may inspect.
INSPECT_NO_PLAN = expect(admin=400, office=400, leader=400, reporter=403, mediator=403, oversight=403)
CORRECT_DONE = REPORT_DONE
#: Only the addressed unit's people acknowledge: the HB-01 reporter; oversight lacks the action.
ACKNOWLEDGE_DONE = expect(admin=403, office=403, leader=403, reporter=302, mediator=403, oversight=403)
ASSESS = expect(admin=200, office=200, leader=200, reporter=403, mediator=403, oversight=200)


def _on_the_day() -> Any:
    return time_machine.travel(at("2026-02-20", 9), tick=False)


def _once(marker: str, build: Callable[[], WorkPlan]) -> WorkPlan:
    """One plan per marker (its title), built once on 2026-02-20; the table's checks share it."""
    found = WorkPlan.objects.filter(title=marker).first()
    if found is not None:
        return found
    with _on_the_day():
        return build()


def draft(w: World) -> WorkPlan:
    """HB's plan with its people, groups and six measures, not yet issued."""

    def build() -> WorkPlan:
        plan = special_period_plan(w)
        return services.plan_update(actor=w.user("office"), plan=plan, title="perm draft")

    return _once("perm draft", build)


def issued(w: World) -> WorkPlan:
    """HB's plan issued to HB-01 and HB-02, with an evidence document of each and a checklist."""

    def build() -> WorkPlan:
        office = w.user("office")
        plan = services.plan_update(actor=office, plan=special_period_plan(w), title="perm issued")
        services.checklist_set(actor=office, plan=plan, items=["值班在岗", "值班记录"])
        services.plan_issue(actor=office, plan=plan)
        task = plan.tasks.get(title="报送工作方案落实情况")
        for unit in (w.village, w.village2):
            services.evidence_add(
                actor=office,
                task=task,
                unit=unit,
                upload=services.AttachmentIn(f"{unit.code}.txt", "已落实".encode()),
            )
        return plan

    return _once("perm issued", build)


def assessed(w: World) -> WorkPlan:
    """The issued plan with its scores computed on 2026-02-20 with the default weights."""
    plan = issued(w)
    if not plan.assessments.exists():
        with _on_the_day():
            assessment_compute(actor=w.user("office"), plan=plan, weights=DEFAULT_WEIGHTS)
    return plan


def other_township(w: World) -> WorkPlan:
    """A plan of 石桥镇, written by the administrator."""
    return _once(
        "perm sq",
        lambda: new_plan(w, actor=w.user("admin"), owner_unit=w.other_township, title="perm sq"),
    )


def _plan(build: Callable[[World], WorkPlan]) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": build(w).pk}


def _task(w: World) -> dict[str, Any]:
    plan = draft(w)
    return {"pk": plan.pk, "task_id": plan.tasks.get(title="报送工作方案落实情况").pk}


def _document_task(w: World) -> dict[str, Any]:
    plan = issued(w)
    return {"pk": plan.pk, "task_id": plan.tasks.get(title="报送工作方案落实情况").pk}


def _evidence(unit: str) -> Callable[[World], dict[str, Any]]:
    def kwargs(w: World) -> dict[str, Any]:
        issued(w)
        return {"pk": TaskEvidence.objects.get(unit=getattr(w, unit)).pk}

    return kwargs


def _notice(units: str) -> Callable[[World], dict[str, Any]]:
    """A notice of the HB office to HB-01 and HB-02 ("both") or to HB-02 only, with an attachment."""

    def kwargs(w: World) -> dict[str, Any]:
        marker = f"perm notice {units}"
        found = Notice.objects.filter(title=marker).first()
        if found is None:
            with _on_the_day():
                found = services.notice_issue(
                    actor=w.user("office"),
                    owner_unit=w.township,
                    kind=NoticeKind.MEETING,
                    title=marker,
                    body="请参加会议。",
                    units=[w.village, w.village2] if units == "both" else [w.village2],
                    attachments=[services.AttachmentIn("议程.txt", "一、传达会议精神".encode())],
                )
        return {"pk": found.pk}

    return kwargs


def _attachment(w: World) -> dict[str, Any]:
    pk = _notice("both")(w)["pk"]
    return {"pk": pk, "attachment_id": Notice.objects.get(pk=pk).attachments.get().pk}


def _inspection(unit: str) -> Callable[[World], dict[str, Any]]:
    """An inspection of HB-01 or HB-02 with one problem to correct."""

    def kwargs(w: World) -> dict[str, Any]:
        target = getattr(w, unit)
        found = Inspection.objects.filter(unit=target).first()
        if found is None:
            plan = issued(w)
            with _on_the_day():
                found = services.inspection_record(
                    actor=w.user("leader"),
                    unit=target,
                    plan=plan,
                    visited_on=D(2026, 2, 20),
                    inspectors="李建国、王小红",
                    findings=[
                        services.FindingIn("值班在岗", FindingResult.OK),
                        services.FindingIn(
                            "值班记录",
                            FindingResult.PROBLEM,
                            note="记录不全",
                            correction="补齐记录",
                            correction_due=D(2026, 2, 25),
                        ),
                    ],
                )
        return {"pk": found.pk}

    return kwargs


def _finding(w: World) -> dict[str, Any]:
    pk = _inspection("village")(w)["pk"]
    return {"pk": pk, "finding_id": Inspection.objects.get(pk=pk).findings.get(result="problem").pk}


def _assessment_unit(w: World) -> dict[str, Any]:
    return {"pk": assessed(w).pk, "unit_id": w.village.pk}


# --- bodies --------------------------------------------------------------------------------------


def _plan_body(w: World) -> dict[str, Any]:
    return {
        "owner_unit": str(w.township.pk),
        "title": "春耕期间安全生产工作方案",
        "issuer": "河坝镇人民政府",
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
    }


def _formset(prefix: str, rows: list[dict[str, str]]) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def _members(w: World) -> dict[str, str]:
    return _formset(
        "members", [{"body": "leading_group", "role": "leader", "name": "刘强", "post": "镇党委书记"}]
    )


def _groups(w: World) -> dict[str, str]:
    return _formset("groups", [{"name": "应急处置组", "lead": "周涛", "duties": "突发事件先期处置"}])


def _task_body(w: World) -> dict[str, Any]:
    return {
        "title": "开展消防安全检查",
        "all_units": "on",
        "due_on": "2026-03-10",
        "recurrence": "once",
        "evidence": "document",
        "min_count": "1",
    }


def _evidence_body(w: World) -> dict[str, Any]:
    return {
        "unit": str(w.village.pk),
        "file": SimpleUploadedFile("落实情况.txt", "已落实".encode(), content_type="text/plain"),
        "note": "第一周",
    }


def _notice_body(w: World) -> dict[str, Any]:
    return {"kind": "meeting", "title": "会议通知", "body": "请参加会议。", "units": [str(w.village.pk)]}


def _plan_query(w: World) -> dict[str, Any]:
    return {"plan": str(issued(w).pk)}


def _inspection_body(w: World) -> dict[str, Any]:
    """Visited today (the real date): an inspection is recorded after the visit."""
    return {
        **_plan_query(w),
        "unit": str(w.village.pk),
        "visited_on": timezone.localdate().isoformat(),
        "inspectors": "王小红",
        **_formset("findings", [{"item_text": "值班在岗", "result": "ok"}]),
    }


def _weights(w: World) -> dict[str, Any]:
    return {key: str(value) for key, value in DEFAULT_WEIGHTS.items()}


DRAFT = _plan(draft)
ISSUED = _plan(issued)
SQ = _plan(other_township)


def _post(expect_: dict[str, Any], kwargs: Callable[[World], dict[str, Any]], data: Any) -> Check:
    return Check(expect_, method="POST", kwargs=kwargs, data=data)


def _no_args(w: World) -> dict[str, Any]:
    return {}


def _after(build: Callable[[World], Any]) -> Callable[[World], dict[str, Any]]:
    """No URL arguments, once ``build`` made a row for the list to show."""

    def kwargs(w: World) -> dict[str, Any]:
        build(w)
        return {}

    return kwargs


def _year(w: World) -> dict[str, Any]:
    return {"year": "2026", "unit": str(w.township.pk)}


TABLE: dict[str, list[Check]] = {
    "plans:list": [Check(EVERYONE, kwargs=_after(draft))],
    "plans:new": [Check(MANAGE), _post(MANAGE_DONE, _no_args, _plan_body)],
    "plans:detail": [
        Check(EVERYONE, kwargs=DRAFT),
        Check(EVERYONE, kwargs=ISSUED),
        Check(OTHER_TOWNSHIP, kwargs=SQ),
    ],
    "plans:edit": [
        Check(MANAGE, kwargs=DRAFT),
        Check(MANAGE_OTHER_TOWNSHIP, kwargs=SQ),
        _post(MANAGE_DONE, DRAFT, _plan_body),
    ],
    "plans:members": [Check(MANAGE, kwargs=DRAFT), _post(MANAGE_DONE, DRAFT, _members)],
    "plans:groups": [Check(MANAGE, kwargs=DRAFT), _post(MANAGE_DONE, DRAFT, _groups)],
    "plans:task_new": [Check(MANAGE, kwargs=DRAFT), _post(MANAGE_DONE, DRAFT, _task_body)],
    "plans:task_edit": [Check(MANAGE, kwargs=_task), _post(MANAGE_DONE, _task, _task_body)],
    "plans:task_remove": [Check(POST_ONLY, kwargs=_task), _post(MANAGE_DONE, _task, lambda w: {})],
    "plans:checklist": [
        Check(MANAGE, kwargs=DRAFT),
        _post(MANAGE_DONE, DRAFT, lambda w: {"items": "值班在岗\n巡逻记录"}),
    ],
    "plans:copy": [
        Check(MANAGE, kwargs=DRAFT),
        _post(MANAGE_DONE, DRAFT, lambda w: {"starts_on": "2027-02-24", "title": "2027年方案"}),
    ],
    "plans:issue": [Check(MANAGE, kwargs=DRAFT), _post(MANAGE_DONE, DRAFT, lambda w: {})],
    "plans:document": [Check(EVERYONE, kwargs=ISSUED), Check(OTHER_TOWNSHIP, kwargs=SQ)],
    "plans:grid": [Check(EVERYONE, kwargs=ISSUED), Check(OTHER_TOWNSHIP, kwargs=SQ)],
    "plans:evidence": [
        Check(REPORT, kwargs=_document_task),
        _post(REPORT_DONE, _document_task, _evidence_body),
    ],
    "plans:evidence_file": [
        Check(EVERYONE, kwargs=_evidence("village")),
        Check(OTHER_VILLAGE, kwargs=_evidence("village2")),
    ],
    "plans:notices": [Check(EVERYONE, kwargs=_after(_notice("both")))],
    "plans:notice_new": [Check(MANAGE), _post(MANAGE_DONE, _no_args, _notice_body)],
    "plans:notice": [
        Check(EVERYONE, kwargs=_notice("both")),
        Check(OTHER_VILLAGE, kwargs=_notice("village2")),
    ],
    "plans:notice_attachment": [Check(EVERYONE, kwargs=_attachment)],
    "plans:acknowledge": [
        Check(POST_ONLY, kwargs=_notice("both")),
        _post(ACKNOWLEDGE_DONE, _notice("both"), lambda w: {}),
    ],
    "plans:notice_remind": [
        Check(POST_ONLY, kwargs=_notice("both")),
        _post(MANAGE_DONE, _notice("both"), lambda w: {}),
    ],
    "plans:inspections": [Check(EVERYONE, kwargs=ISSUED), Check(OTHER_TOWNSHIP, kwargs=SQ)],
    "plans:inspection_new": [
        Check(INSPECT_NO_PLAN),
        Check(INSPECT, data=_plan_query),
        _post(INSPECT_DONE, _no_args, _inspection_body),
    ],
    "plans:inspection": [
        Check(EVERYONE, kwargs=_inspection("village")),
        Check(OTHER_VILLAGE, kwargs=_inspection("village2")),
    ],
    "plans:finding_correct": [
        Check(POST_ONLY, kwargs=_finding),
        _post(CORRECT_DONE, _finding, lambda w: {"note": "已补齐"}),
    ],
    "plans:inspection_document": [Check(EVERYONE, kwargs=_inspection("village"))],
    "plans:assessment": [Check(ASSESS, kwargs=ISSUED), Check(ASSESS, kwargs=_plan(assessed))],
    "plans:assess": [Check(POST_ONLY, kwargs=ISSUED), _post(MANAGE_DONE, ISSUED, _weights)],
    "plans:assessment_unit": [Check(ASSESS, kwargs=_assessment_unit)],
    "plans:assessment_export": [Check(ASSESS, kwargs=_plan(assessed))],
    "plans:assessment_year": [Check(ASSESS), Check(ASSESS, data=_year)],
}
