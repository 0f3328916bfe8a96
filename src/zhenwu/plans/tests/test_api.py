"""The plans REST API: a plan built, issued and copied; notices sent as multipart with attachments or
as JSON, read and acknowledged (reading is never acknowledging), reminders; evidence and the unit ×
task grid; inspections with their corrections; assessments with their derivation, export and the
year view. The refusals and their codes, scoping (石桥镇 sees nothing of 河坝镇; a village sees its
township's plans and the notices addressed to it), and constant query counts of the lists.
Requests carry a personal token, as a phone app would."""

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from zhenwu.core.choices import Role
from zhenwu.core.models import OutboxMessage
from zhenwu.core.services.people import person_create
from zhenwu.core.services.tokens import token_create
from zhenwu.core.views.common import DOCX_CONTENT_TYPE, XLSX_CONTENT_TYPE
from zhenwu.plans import services
from zhenwu.plans.choices import FindingResult, NoticeKind
from zhenwu.plans.models import (
    Assessment,
    Inspection,
    Notice,
    NoticeRecipient,
    PlanTask,
    TaskEvidence,
    WorkPlan,
)
from zhenwu.plans.tests.factories import at, new_plan, special_period_plan
from zhenwu.testing.world import PASSWORD, World

pytestmark = pytest.mark.django_db

Api = Callable[[str], Client]
BASE = "/api/plans"


@pytest.fixture(autouse=True)
def media(tmp_path: Path) -> Iterator[Path]:
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


@pytest.fixture
def sq_office(world: World) -> Any:
    """The office of 石桥镇 (SQ), which must never see 河坝镇's plans, notices or inspections."""
    return person_create(
        actor=world.user("admin"),
        username="sq-office",
        full_name="孙石桥",
        unit=world.other_township,
        role=Role.OFFICE,
        password=PASSWORD,
    )


@pytest.fixture
def api(world: World, sq_office: Any) -> Api:
    clients: dict[str, Client] = {}

    def client(role: str) -> Client:
        if role not in clients:
            user = sq_office if role == "sq" else world.user(role)
            _token, key = token_create(actor=user, name="测试")
            clients[role] = Client(headers={"Authorization": f"Bearer {key}"})
        return clients[role]

    return client


def send(client: Client, method: str, url: str, data: Any = None) -> Any:
    return getattr(client, method)(url, data=json.dumps(data or {}), content_type="application/json")


def post(client: Client, url: str, data: Any = None) -> Any:
    return send(client, "post", url, data)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code and body["message"]
    return body


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def text_file(name: str = "落实情况.txt", text: str = "已落实值班制度") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/plain")


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


def issued(world: World) -> tuple[WorkPlan, Notice]:
    plan = special_period_plan(world)
    return plan, services.plan_issue(actor=world.user("office"), plan=plan)


def meeting(world: World, *units: Any) -> Notice:
    return services.notice_issue(
        actor=world.user("office"),
        owner_unit=world.township,
        kind=NoticeKind.MEETING,
        title="关于召开安全生产工作会议的通知",
        body="请准时参会。",
        units=list(units),
    )


def inspect(world: World, plan: WorkPlan | None = None, unit: Any = None) -> Inspection:
    return services.inspection_record(
        actor=world.user("office"),
        unit=unit or world.village,
        plan=plan,
        visited_on=at("2026-02-20").date(),
        inspectors="王小红、吴敏",
        findings=[
            services.FindingIn("值班在岗", FindingResult.OK),
            services.FindingIn(
                "值班记录",
                FindingResult.PROBLEM,
                correction="补齐记录",
                correction_due=at("2026-02-27").date(),
            ),
        ],
    )


# --- plans ---------------------------------------------------------------------------------------

PLAN = {
    "title": "河坝镇全国两会期间安全稳定工作方案",
    "issuer": "中共河坝镇委员会 河坝镇人民政府",
    "doc_number": "镇发〔2026〕3号",
    "starts_on": "2026-02-25",
    "ends_on": "2026-03-16",
    "addressees": "各村（社区），镇直各单位",
    "goals": "确保全镇社会大局和谐稳定。",
}


def test_a_plan_is_built_issued_and_copied(world, api):
    office = api("office")
    reversed_period = assert_error(
        post(office, f"{BASE}/plans", {**PLAN, "ends_on": "2026-02-01"}), 400, "period_reversed"
    )
    assert "ends_on" in reversed_period["errors"]
    assert not WorkPlan.objects.exists()

    plan = ok(post(office, f"{BASE}/plans", PLAN), 201)
    assert plan["status"] == "draft" and plan["owner_unit"]["code"] == "HB"
    assert plan["signature"] == "河坝镇" and plan["created_by"] == "王小红"
    assert (plan["members"], plan["groups"], plan["tasks"], plan["checklist"]) == ([], [], [], [])
    url = f"{BASE}/plans/{plan['id']}"

    # Without a 组长, the leading group is refused; then set with its office.
    leaderless = send(
        office,
        "put",
        f"{url}/members",
        {"members": [{"body": "leading_group", "role": "member", "name": "周涛"}]},
    )
    assert "members" in assert_error(leaderless, 400, "invalid")["errors"]
    members = [
        {"body": "leading_group", "role": "leader", "name": "刘强", "post": "镇党委书记"},
        {"body": "leading_group", "role": "deputy", "name": "孙丽", "post": "镇长"},
        {"body": "office", "role": "director", "name": "王小红", "post": "党政办主任"},
    ]
    body = ok(send(office, "put", f"{url}/members", {"members": members}))
    assert [(m["role"], m["name"]) for m in body["members"]] == [
        ("leader", "刘强"),
        ("deputy", "孙丽"),
        ("director", "王小红"),
    ]
    groups = [
        {"name": "综合协调督导组", "lead": "孙丽", "duties": "统筹协调、督促检查"},
        {"name": "应急处置组", "lead": "周涛", "duties": "突发事件先期处置"},
        {"name": "后勤保障组", "lead": "王小红", "duties": "车辆、物资和值班保障"},
    ]
    assert len(ok(send(office, "put", f"{url}/groups", {"groups": groups}))["groups"]) == 3
    checklist = ok(send(office, "put", f"{url}/checklist", {"items": ["值班在岗", "台账齐全", " "]}))
    assert [i["text"] for i in checklist["checklist"]] == ["值班在岗", "台账齐全"]

    # A task with no responsible unit, or due outside the period, or of a unit outside: refused.
    task = {"title": "开展矛盾纠纷排查", "evidence": "document", "due_on": "2026-03-10"}
    assert "units" in assert_error(post(office, f"{url}/tasks", task), 400, "validation_failed")["errors"]
    late = post(office, f"{url}/tasks", {**task, "all_units": True, "due_on": "2026-04-01"})
    assert "due_on" in assert_error(late, 400, "validation_failed")["errors"]
    assert_error(post(office, f"{url}/tasks", {**task, "units": [world.other_village.pk]}), 404, "not_found")
    assert_error(
        post(office, f"{url}/tasks", {**task, "evidence": "rumour", "all_units": True}),
        422,
        "validation_failed",
    )
    assert not PlanTask.objects.exists()

    everyone = ok(post(office, f"{url}/tasks", {**task, "all_units": True}), 201)
    assert everyone["all_units"] is True and everyone["units"] == []
    named = ok(
        post(
            office,
            f"{url}/tasks",
            {
                "title": "每周开展夜间防火巡逻",
                "evidence": "record_count",
                "record_source": "patrols",
                "recurrence": "weekly",
                "units": [world.village2.pk, world.village.pk],
            },
        ),
        201,
    )
    assert [u["code"] for u in named["units"]] == ["HB-01", "HB-02"]
    spare = ok(post(office, f"{url}/tasks", {**task, "title": "多余", "all_units": True}), 201)
    changed = ok(
        send(
            office,
            "put",
            f"{url}/tasks/{named['id']}",
            {**task, "title": "开展安全隐患排查", "units": [world.village.pk]},
        )
    )
    assert changed["title"] == "开展安全隐患排查" and [u["code"] for u in changed["units"]] == ["HB-01"]
    assert office.delete(f"{url}/tasks/{spare['id']}").status_code == 204
    assert_error(office.delete(f"{url}/tasks/{spare['id']}"), 404, "not_found")

    # Only the office writes: a leader or the village may read the plan but not change it.
    assert_error(send(api("leader"), "patch", url, {"goals": "x"}), 403, "permission_denied")
    assert_error(post(api("reporter"), f"{url}/tasks", {**task, "all_units": True}), 403, "permission_denied")
    assert_error(post(api("reporter"), f"{BASE}/plans", PLAN), 403, "permission_denied")
    assert_error(send(office, "patch", url, {"ends_on": "2026-02-01"}), 400, "period_reversed")
    assert_error(send(office, "patch", url, {"ends_on": "2026-03-09"}), 400, "invalid")  # a task is due 03-10
    updated = ok(send(office, "patch", url, {"goals": "确保不发生重大事件。", "cc": "县委办"}))
    assert updated["goals"] == "确保不发生重大事件。" and updated["cc"] == "县委办"

    detail = ok(api("reporter").get(url))
    assert [t["title"] for t in detail["tasks"]] == ["开展矛盾纠纷排查", "开展安全隐患排查"]
    assert detail["task_count"] == 2 and len(detail["groups"]) == 3

    notice = ok(post(office, f"{url}/issue", {"acknowledge_by": "2026-02-23T17:00"}), 201)
    assert notice["kind"] == "plan" and notice["plan"]["id"] == plan["id"]
    assert notice["acknowledge_by"] == "2026-02-23T09:00:00Z"
    assert [r["unit"]["code"] for r in notice["recipients"]] == ["HB-01", "HB-02"]
    assert [u["code"] for u in notice["pending"]] == ["HB-01", "HB-02"]
    assert (notice["addressed"], notice["acknowledged"]) == (2, 0)
    assert ok(office.get(url))["status"] == "issued"
    assert_error(post(office, f"{url}/issue"), 409, "invalid_transition")

    document = office.get(f"{url}/document.docx")
    assert document.status_code == 200, document.content
    assert document["Content-Type"] == DOCX_CONTENT_TYPE and document["X-Content-Type-Options"] == "nosniff"
    assert document["Content-Disposition"].startswith("attachment")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(document.content)).paragraphs)
    assert "镇发〔2026〕3号" in text

    copy = ok(
        post(office, f"{url}/copy", {"starts_on": "2027-02-24", "title": "2027年两会期间工作方案"}), 201
    )
    assert (copy["status"], copy["starts_on"], copy["ends_on"]) == ("draft", "2027-02-24", "2027-03-15")
    assert copy["copied_from_id"] == plan["id"] and len(copy["members"]) == 3
    assert [t["due_on"] for t in copy["tasks"]] == ["2027-03-09", "2027-03-09"]
    listed = ok(api("oversight").get(f"{BASE}/plans?year=2027"))
    assert [(p["id"], p["task_count"]) for p in listed["items"]] == [(copy["id"], 2)]
    assert ok(office.get(f"{BASE}/plans?status=issued"))["count"] == 1


def test_an_issue_to_named_units_and_its_refusals(world, api):
    plan = new_plan(world)
    url = f"{BASE}/plans/{plan.pk}"
    assert_error(post(api("office"), f"{url}/issue"), 400, "no_tasks")
    plan = special_period_plan(world)
    url = f"{BASE}/plans/{plan.pk}"
    assert_error(post(api("office"), f"{url}/issue", {"units": [world.other_village.pk]}), 404, "not_found")
    assert_error(post(api("office"), f"{url}/issue", {"acknowledge_by": "2026-02-19T17:00"}), 400, "invalid")
    assert_error(post(api("leader"), f"{url}/issue"), 403, "permission_denied")
    assert not Notice.objects.exists()
    assert WorkPlan.objects.get(pk=plan.pk).status == "draft"  # nothing half-saved
    notice = ok(post(api("office"), f"{url}/issue", {"units": [world.village2.pk]}), 201)
    assert [r["unit"]["code"] for r in notice["recipients"]] == ["HB-02"]


# --- notices -------------------------------------------------------------------------------------


def test_reading_is_not_acknowledging_and_an_acknowledgement_is_once_by_an_addressed_unit(world, api, clock):
    _plan, notice = issued(world)
    url = f"{BASE}/notices/{notice.pk}"

    # The office opens it: the township is not addressed, nothing is recorded.
    ok(api("office").get(url))
    assert not NoticeRecipient.objects.filter(first_read_at__isnull=False).exists()

    clock.move_to(at("2026-02-20", 11))
    seen = ok(api("reporter").get(url))
    assert [r["unit"]["code"] for r in seen["recipients"]] == ["HB-01"]  # its own row only
    mine = seen["recipients"][0]
    assert mine["first_read_at"] == "2026-02-20T03:00:00Z" and mine["acknowledged_at"] is None
    assert [u["code"] for u in seen["pending"]] == ["HB-01"]
    assert (seen["addressed"], seen["acknowledged"]) == (2, 0)
    clock.move_to(at("2026-02-20", 12))
    ok(api("reporter").get(url))  # the first reading stays the first
    recipient = NoticeRecipient.objects.get(notice=notice, unit=world.village)
    assert recipient.first_read_at == at("2026-02-20", 11) and recipient.acknowledged_at is None
    office_view = ok(api("office").get(url))
    assert [u["code"] for u in office_view["pending"]] == ["HB-01", "HB-02"]  # read, not acknowledged
    assert ok(api("reporter").get(f"{BASE}/notices?pending=true"))["count"] == 1

    assert_error(post(api("office"), f"{url}/acknowledge"), 403, "not_addressed")
    assert_error(post(api("admin"), f"{url}/acknowledge"), 403, "not_addressed")
    assert_error(post(api("oversight"), f"{url}/acknowledge"), 403, "permission_denied")
    assert_error(post(api("sq"), f"{url}/acknowledge"), 404, "not_found")
    clock.move_to(at("2026-02-20", 14))
    done = ok(post(api("reporter"), f"{url}/acknowledge"))
    assert done["unit"]["code"] == "HB-01" and done["acknowledged_by"] == "张明"
    assert done["acknowledged_at"] == "2026-02-20T06:00:00Z"
    assert done["first_read_at"] == "2026-02-20T03:00:00Z"
    assert_error(post(api("reporter"), f"{url}/acknowledge"), 409, "already_acknowledged")

    after = ok(api("office").get(url))
    assert [u["code"] for u in after["pending"]] == ["HB-02"]
    assert {r["unit"]["code"]: r["acknowledged_by"] for r in after["recipients"]} == {
        "HB-01": "张明",
        "HB-02": None,
    }
    row = ok(api("office").get(f"{BASE}/notices"))["items"][0]
    assert (row["addressed"], row["acknowledged"], row["my_unit_addressed"]) == (2, 1, False)
    mine_row = ok(api("reporter").get(f"{BASE}/notices"))["items"][0]
    assert (
        mine_row["my_unit_addressed"] is True
        and mine_row["my_unit_acknowledged_at"] == "2026-02-20T06:00:00Z"
    )
    assert ok(api("reporter").get(f"{BASE}/notices?pending=true"))["count"] == 0


def test_reminders_go_to_the_units_that_have_not_acknowledged(world, api):
    world.user("reporter").email = "zhangming@example.org"
    world.user("reporter").save()
    notice = meeting(world, world.village, world.village2)
    url = f"{BASE}/notices/{notice.pk}/remind"
    assert_error(post(api("reporter"), url), 403, "permission_denied")
    reminders = OutboxMessage.objects.filter(
        event_key__startswith=f"plans.notice.remind.2026-02-20.{notice.pk}."
    )
    first = ok(post(api("office"), url))
    assert first == {"messages": 2, "pending": 2}  # the HB-01 reporter by e-mail and SMS; HB-02 has nobody
    assert reminders.count() == 2
    ok(post(api("office"), url))
    assert reminders.count() == 2  # once a day
    post(api("reporter"), f"{BASE}/notices/{notice.pk}/acknowledge")
    assert ok(post(api("office"), url)) == {"messages": 0, "pending": 1}


def test_a_notice_with_attachments_as_multipart_or_without_as_json(world, api, media):
    fields = {
        "kind": "instruction",
        "title": "关于做好节日期间安全工作的通知",
        "body": "请各村做好安全防范。",
        "units": [world.village.pk, world.village2.pk],
        "acknowledge_by": "",
        "plan": "",
    }
    sent = api("office").post(
        f"{BASE}/notices",
        data={
            **fields,
            "attachments": [
                text_file("要求.txt", "一、加强值守"),
                text_file("名单.csv", "村,人数\n河东村,4"),
            ],
        },
    )
    body = ok(sent, 201)
    assert body["owner_unit"]["code"] == "HB" and body["issued_by"] == "王小红"
    assert [a["original_name"] for a in body["attachments"]] == ["要求.txt", "名单.csv"]
    assert [r["unit"]["code"] for r in body["recipients"]] == ["HB-01", "HB-02"]

    attachment = body["attachments"][0]
    download = api("reporter").get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode() == "一、加强值守"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "private, no-store"
    assert_error(api("sq").get(attachment["url"]), 404, "not_found")

    as_json = ok(
        post(
            api("office"),
            f"{BASE}/notices",
            {
                **fields,
                "units": [world.village.pk],
                "kind": "meeting",
                "acknowledge_by": "2026-02-23T17:00",
                "plan": None,
            },
        ),
        201,
    )
    assert as_json["attachments"] == [] and as_json["kind"] == "meeting"
    assert as_json["acknowledge_by"] == "2026-02-23T09:00:00Z"
    elsewhere = f"{BASE}/notices/{as_json['id']}/attachments/{attachment['id']}"
    assert_error(api("office").get(elsewhere), 404, "not_found")  # not this notice's
    assert Notice.objects.count() == 2

    # Refusals: nothing is saved, no file is left behind.
    before = stored_files(media)
    bad_file = api("office").post(
        f"{BASE}/notices",
        data={**fields, "attachments": [SimpleUploadedFile("议程.pdf", b"<html><script>x</script></html>")]},
    )
    assert bad_file.status_code == 400, bad_file.content
    assert_error(post(api("office"), f"{BASE}/notices", {**fields, "units": []}), 400, "invalid")
    assert_error(
        post(api("office"), f"{BASE}/notices", {**fields, "units": [world.other_village.pk]}),
        404,
        "not_found",
    )
    assert_error(
        post(api("office"), f"{BASE}/notices", {**fields, "kind": "rumour"}), 422, "validation_failed"
    )
    assert_error(post(api("office"), f"{BASE}/notices", {"title": "无正文"}), 422, "validation_failed")
    not_object = api("office").post(f"{BASE}/notices", data="[1, 2]", content_type="application/json")
    assert_error(not_object, 400, "bad_request")
    assert_error(api("leader").post(f"{BASE}/notices", data=fields), 403, "permission_denied")
    assert Notice.objects.count() == 2 and stored_files(media) == before


# --- scoping -------------------------------------------------------------------------------------


def test_scoping_other_township_and_the_village(world, api):
    plan, to_all = issued(world)
    only_hb02 = meeting(world, world.village2)
    inspection = inspect(world, plan)
    for path in (
        f"plans/{plan.pk}",
        f"plans/{plan.pk}/grid",
        f"plans/{plan.pk}/document.docx",
        f"notices/{to_all.pk}",
        f"notices/{only_hb02.pk}",
        f"inspections/{inspection.pk}",
        f"inspections/{inspection.pk}/report.docx",
    ):
        assert_error(api("sq").get(f"{BASE}/{path}"), 404, "not_found")
    for path in ("plans", "notices", "inspections"):
        assert ok(api("sq").get(f"{BASE}/{path}"))["count"] == 0
    assert_error(send(api("sq"), "patch", f"{BASE}/plans/{plan.pk}", {"goals": "x"}), 404, "not_found")
    assert_error(post(api("sq"), f"{BASE}/notices/{to_all.pk}/remind"), 404, "not_found")

    # The HB-01 reporter sees the township's plan and the notices addressed to HB-01, not HB-02's.
    reporter = api("reporter")
    assert [p["id"] for p in ok(reporter.get(f"{BASE}/plans"))["items"]] == [plan.pk]
    assert ok(reporter.get(f"{BASE}/plans/{plan.pk}"))["title"] == plan.title
    assert [n["id"] for n in ok(reporter.get(f"{BASE}/notices"))["items"]] == [to_all.pk]
    assert_error(reporter.get(f"{BASE}/notices/{only_hb02.pk}"), 404, "not_found")
    assert_error(post(reporter, f"{BASE}/notices/{only_hb02.pk}/acknowledge"), 404, "not_found")
    assert not NoticeRecipient.objects.filter(first_read_at__isnull=False).exists()
    assert [n["id"] for n in ok(api("office").get(f"{BASE}/notices"))["items"]] == [only_hb02.pk, to_all.pk]
    assert ok(api("admin").get(f"{BASE}/notices"))["count"] == 2

    assert_error(api("reporter").get(f"{BASE}/plans?plan=x&status=lost"), 422, "validation_failed")
    assert_error(api("office").get(f"{BASE}/plans/{2**63}"), 422, "validation_failed")


# --- evidence and the grid -----------------------------------------------------------------------


def test_evidence_and_the_unit_by_task_grid(world, api, clock, media):
    plan, _notice = issued(world)
    document = plan.tasks.get(title="报送工作方案落实情况")
    only_hb02 = plan.tasks.get(title="每日按时报送")
    url = f"{BASE}/plans/{plan.pk}/tasks/{document.pk}/evidence"
    clock.move_to(at("2026-02-27", 10))

    sent = api("reporter").post(url, data={"note": "已落实", "file": text_file()})
    evidence = ok(sent, 201)
    assert evidence["unit"]["code"] == "HB-01" and evidence["original_name"] == "落实情况.txt"
    assert evidence["content_type"].startswith("text/plain") and evidence["submitted_by"] == "张明"

    assert_error(
        api("reporter").post(url, data={"unit": world.village2.pk, "file": text_file()}), 404, "not_found"
    )
    assert_error(
        api("mediator").post(url, data={"unit": world.village.pk, "file": text_file()}),
        403,
        "permission_denied",
    )
    not_mine = api("reporter").post(
        f"{BASE}/plans/{plan.pk}/tasks/{only_hb02.pk}/evidence", data={"file": text_file()}
    )
    assert_error(not_mine, 400, "not_responsible")
    # The office sends for a unit that is responsible; for its own township (not responsible): 400.
    assert_error(api("office").post(url, data={"file": text_file()}), 400, "not_responsible")
    ok(api("office").post(url, data={"unit": world.village2.pk, "file": text_file("河西村.txt")}), 201)
    assert_error(api("reporter").post(url, data={"note": "无附件"}), 422, "validation_failed")
    assert_error(
        api("reporter").post(f"{BASE}/plans/{plan.pk}/tasks/999999/evidence", data={"file": text_file()}),
        404,
        "not_found",
    )
    assert TaskEvidence.objects.count() == 2 and len(stored_files(media)) == 2
    # A task with evidence is not removed.
    assert_error(api("office").delete(f"{BASE}/plans/{plan.pk}/tasks/{document.pk}"), 409, "has_evidence")

    clock.move_to(at("2026-03-04", 9))
    grid = ok(api("office").get(f"{BASE}/plans/{plan.pk}/grid"))
    assert len(grid["tasks"]) == 6 and [r["unit"]["code"] for r in grid["rows"]] == ["HB-01", "HB-02"]
    column = [t["id"] for t in grid["tasks"]].index(document.pk)
    hb01, hb02 = grid["rows"]
    assert hb01["cells"][column]["state"] == "done" and hb01["cells"][column]["evidence"] == ["落实情况.txt"]
    assert hb02["cells"][column]["state"] == "done"
    assert hb01["cells"][[t["id"] for t in grid["tasks"]].index(only_hb02.pk)] is None  # not responsible
    assert sum(hb01["counts"].values()) == 5 and sum(hb02["counts"].values()) == 5

    village = ok(api("reporter").get(f"{BASE}/plans/{plan.pk}/grid"))
    assert [r["unit"]["code"] for r in village["rows"]] == ["HB-01"]
    assert village["rows"][0] == hb01


# --- inspections ---------------------------------------------------------------------------------


def test_an_inspection_with_findings_and_corrections(world, api, clock):
    plan = special_period_plan(world)
    services.checklist_set(actor=world.user("office"), plan=plan, items=["值班在岗", "值班记录"])
    items = {i.text: i.pk for i in plan.checklist.all()}
    body = {
        "unit": world.village.pk,
        "plan": plan.pk,
        "visited_on": "2026-02-20",
        "inspectors": "李建国、王小红",
        "findings": [
            {"item": items["值班在岗"], "result": "ok"},
            {"item": items["值班记录"], "result": "problem", "note": "记录不全"},
        ],
    }
    missing = assert_error(post(api("leader"), f"{BASE}/inspections", body), 400, "invalid")
    assert "findings.1.correction" in missing["errors"]
    body["findings"][1] |= {"correction": "补齐记录", "correction_due": "2026-02-25"}
    assert_error(
        post(api("office"), f"{BASE}/inspections", {**body, "unit": world.other_village.pk}), 404, "not_found"
    )
    assert_error(
        post(api("office"), f"{BASE}/inspections", {**body, "visited_on": "2026-02-21"}), 400, "invalid"
    )
    foreign = {**body, "findings": [{"item": 999999, "result": "ok"}]}
    assert (
        "findings.0.item"
        in assert_error(post(api("office"), f"{BASE}/inspections", foreign), 400, "invalid")["errors"]
    )
    assert_error(post(api("reporter"), f"{BASE}/inspections", body), 403, "permission_denied")
    assert_error(post(api("oversight"), f"{BASE}/inspections", body), 403, "permission_denied")
    assert not Inspection.objects.exists()

    created = ok(post(api("leader"), f"{BASE}/inspections", body), 201)
    assert created["unit"]["code"] == "HB-01" and created["plan"]["id"] == plan.pk
    assert (created["problems"], created["corrected"], created["recorded_by"]) == (1, 0, "李建国")
    assert [f["item_text"] for f in created["findings"]] == ["值班在岗", "值班记录"]
    problem = created["findings"][1]
    assert problem["correction_due"] == "2026-02-25" and problem["corrected_at"] is None

    correct = f"{BASE}/inspections/{created['id']}/findings/{problem['id']}/correct"
    assert_error(post(api("oversight"), correct, {"note": "x"}), 403, "permission_denied")
    assert_error(post(api("reporter"), correct, {"note": " "}), 400, "invalid")
    assert_error(
        post(
            api("reporter"),
            f"{BASE}/inspections/{created['id']}/findings/{created['findings'][0]['id']}/correct",
            {"note": "x"},
        ),
        409,
        "invalid_transition",
    )
    clock.move_to(at("2026-02-24", 16))
    done = ok(post(api("reporter"), correct, {"note": "已补齐值班记录"}))
    assert done["corrected_by"] == "张明" and done["corrected_at"] == "2026-02-24T08:00:00Z"
    assert_error(post(api("reporter"), correct, {"note": "again"}), 409, "already_corrected")

    other = inspect(world, unit=world.village2)
    listed = ok(api("office").get(f"{BASE}/inspections?plan={plan.pk}"))
    assert [(i["id"], i["problems"], i["corrected"]) for i in listed["items"]] == [(created["id"], 1, 1)]
    assert ok(api("office").get(f"{BASE}/inspections"))["count"] == 2
    assert [i["id"] for i in ok(api("reporter").get(f"{BASE}/inspections"))["items"]] == [created["id"]]
    assert_error(api("reporter").get(f"{BASE}/inspections/{other.pk}"), 404, "not_found")
    assert_error(
        post(
            api("reporter"),
            f"{BASE}/inspections/{other.pk}/findings/{other.findings.get(result='problem').pk}/correct",
            {"note": "x"},
        ),
        404,
        "not_found",
    )
    assert_error(
        post(
            api("office"),
            f"{BASE}/inspections/{created['id']}/findings/{other.findings.get(result='problem').pk}/correct",
            {"note": "x"},
        ),
        404,
        "not_found",
    )

    report = api("oversight").get(f"{BASE}/inspections/{created['id']}/report.docx")
    assert report.status_code == 200, report.content
    assert report["Content-Type"] == DOCX_CONTENT_TYPE and report["Content-Disposition"].startswith(
        "attachment"
    )
    docx.Document(io.BytesIO(report.content))


# --- assessments ---------------------------------------------------------------------------------


def test_assessment_with_weights_derivation_export_and_year(world, api, clock):
    plan, _notice = issued(world)
    url = f"{BASE}/plans/{plan.pk}/assessments"
    assert_error(api("office").get(f"{url}/latest"), 404, "not_found")  # not assessed yet

    wrong = assert_error(
        post(api("office"), url, {"weights": {"report_timeliness": 60, "tasks_done": 60}}),
        400,
        "weights_invalid",
    )
    assert "weights" in wrong["errors"]
    unknown = assert_error(
        post(api("office"), url, {"weights": {"tasks_done": 100, "popularity": 0}}), 400, "weights_invalid"
    )
    assert "weights" in unknown["errors"]
    fractions = assert_error(
        post(api("office"), url, {"weights": {"tasks_done": 99.5, "duty_sign_on": 0.5}}),
        400,
        "weights_invalid",
    )
    assert "weights.tasks_done" in fractions["errors"]
    assert_error(post(api("leader"), url, {"weights": {"tasks_done": 100}}), 403, "permission_denied")
    assert not Assessment.objects.exists()

    clock.move_to(at("2026-03-17", 9))
    computed = ok(
        post(api("office"), url, {"weights": {"tasks_done": 80, "inspection_corrections": 20}}), 201
    )
    assert computed["weights"]["tasks_done"] == 80 and computed["computed_by"] == "王小红"
    assert sorted(s["unit"]["code"] for s in computed["scores"]) == ["HB-01", "HB-02"]
    first = computed["scores"][0]
    assert first["rank"] == 1 and first["total"]
    parts = {p["key"]: p for p in first["parts"]}
    assert parts["tasks_done"]["derivation"] and parts["tasks_done"]["total"] == 5
    assert parts["inspection_corrections"]["points"] is None  # nothing to measure: scaled away
    assert parts["tasks_done"]["scaled_weight"] == "100.00"

    latest = ok(api("oversight").get(f"{url}/latest"))
    assert latest["id"] == computed["id"] and latest["scores"] == computed["scores"]
    assert_error(api("reporter").get(f"{url}/latest"), 403, "permission_denied")
    assert_error(api("sq").get(f"{url}/latest"), 404, "not_found")

    export = api("leader").get(f"{url}/latest/export.xlsx")
    assert export.status_code == 200, export.content
    assert export["Content-Type"] == XLSX_CONTENT_TYPE and export["X-Content-Type-Options"] == "nosniff"
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert any("河东村" in c for c in cells)
    assert_error(api("mediator").get(f"{url}/latest/export.xlsx"), 403, "permission_denied")

    year = ok(api("oversight").get(f"{BASE}/assessments/year?year=2026"))
    assert year["owner"]["code"] == "HB" and [p["id"] for p in year["plans"]] == [plan.pk]
    assert {r["unit"]["code"] for r in year["rows"]} == {"HB-01", "HB-02"}
    assert all(r["scores"][0]["plan_id"] == plan.pk for r in year["rows"])
    assert ok(api("office").get(f"{BASE}/assessments/year?year=2025"))["plans"] == []
    county = ok(api("admin").get(f"{BASE}/assessments/year?year=2026&owner={world.township.pk}"))
    assert [p["id"] for p in county["plans"]] == [plan.pk]
    assert_error(
        api("office").get(f"{BASE}/assessments/year?owner={world.other_township.pk}"), 404, "not_found"
    )
    assert_error(api("reporter").get(f"{BASE}/assessments/year"), 403, "permission_denied")


# --- query counts --------------------------------------------------------------------------------


def _count(client: Client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()["count"]


def _grow(world: World, n: int) -> None:
    for _i in range(n):
        plan, _notice = issued(world)
        meeting(world, world.village, world.village2)
        inspect(world, plan)


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/plans",
        f"{BASE}/plans?status=issued&year=2026",
        f"{BASE}/notices",
        f"{BASE}/notices?pending=true",
        f"{BASE}/inspections",
    ],
)
@pytest.mark.parametrize("role", ["office", "reporter", "admin"])
def test_list_query_counts_are_constant(world, api, media, path, role):
    _grow(world, 3)
    client = api(role)
    _count(client, path)  # warm-up
    few, few_rows = _count(client, path)
    _grow(world, 9)
    many, many_rows = _count(client, path)
    # Only a unit addressed has notices pending: the reporter's village.
    assert many_rows > few_rows or ("pending" in path and role != "reporter")
    assert many == few


def test_details_and_the_grid_are_a_fixed_number_of_queries(world, api, django_assert_max_num_queries):
    plan, notice = issued(world)
    client = api("office")
    for path in (f"plans/{plan.pk}", f"plans/{plan.pk}/grid", f"notices/{notice.pk}"):
        client.get(f"{BASE}/{path}")
        with django_assert_max_num_queries(25):
            assert client.get(f"{BASE}/{path}").status_code == 200
