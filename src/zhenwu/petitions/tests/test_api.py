"""The petitions REST API: intake, the ledger with masking, one matter with the audited reveal, every
transition and its refusals, token auth, and the resident's public tracking."""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.models import AuditEvent, User
from zhenwu.core.services.people import person_create
from zhenwu.core.services.tokens import token_create
from zhenwu.petitions import services as s
from zhenwu.petitions.choices import Status
from zhenwu.petitions.models import Petition, Petitioner, Recusal
from zhenwu.petitions.tests.factories import ID_A, ID_B, at, register
from zhenwu.public import ratelimit
from zhenwu.testing.world import PASSWORD, World

CJK = re.compile(r"[\u4e00-\u9fff]")
OPINION = {
    "request": "要求支付拖欠工资",
    "facts": "经核实，拖欠属实",
    "decision": "责令限期支付",
    "basis": "《保障农民工工资支付条例》",
}
PETITIONER = {"name": "张小明", "id_number": ID_A, "phone": "13812345678", "address": "河坝镇河东村3组"}
INTAKE: dict[str, Any] = {
    "channel": "visit",
    "petitioners": [PETITIONER],
    "summary": "拖欠工资问题",
    "content": "本人在镇上工地务工，老板拖欠工资三个月未付。",
}


def as_user(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def post(client: Client, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json", **kwargs)


def assert_error(response: Any, status: int, code: str, *, chinese: bool = True) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert body["message"]
    if chinese:
        assert CJK.search(body["message"]), body
    return body


def other_township_office(world: World) -> User:
    return person_create(
        actor=world.user("admin"),
        username="sq_office",
        full_name="周文",
        unit=world.other_township,
        role=Role.OFFICE,
        password=PASSWORD,
    )


def matter(world: World, **kwargs: Any) -> Petition:
    petition, _code = register(world.user("office"), world.township, **kwargs)
    return petition


# --- intake -------------------------------------------------------------------------------------


def test_create_returns_number_and_code_once(world: World) -> None:
    response = post(as_user(world, "office"), "/api/petitions", INTAKE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "2026-HB-000001"
    assert body["status"] == Status.REGISTERED and body["due_on"] == "2026-04-16"
    petition = Petition.objects.get(pk=body["id"])
    assert petition.query_code_matches(body["query_code"])
    assert body["query_code"] not in petition.query_code_hash
    # The code is never shown again.
    detail = as_user(world, "office").get(f"/api/petitions/{petition.pk}").content.decode()
    assert body["query_code"] not in detail


def test_received_at_without_offset_is_beijing_time(world: World) -> None:
    response = post(
        as_user(world, "office"), "/api/petitions", {**INTAKE, "received_at": "2026-03-30T08:30:00"}
    )
    assert response.status_code == 201, response.content
    petition = Petition.objects.get(pk=response.json()["id"])
    assert petition.received_at == at("2026-03-30", 8).replace(minute=30)
    future = post(
        as_user(world, "office"), "/api/petitions", {**INTAKE, "received_at": "2026-05-01T08:00:00+08:00"}
    )
    assert_error(future, 400, "validation_failed", chinese=False)


def test_schema_validation_is_422_in_chinese(world: World) -> None:
    bad = {**INTAKE, "summary": "x" * 201, "channel": "pigeon"}
    body = assert_error(post(as_user(world, "office"), "/api/petitions", bad), 422, "validation_failed")
    assert {"summary", "channel"} <= set(body["errors"])
    assert not Petition.objects.exists()


def test_domain_validation_is_400_in_chinese_and_nothing_saved(world: World) -> None:
    bad = {**INTAKE, "petitioners": [{**PETITIONER, "phone": "12345"}]}
    body = assert_error(post(as_user(world, "office"), "/api/petitions", bad), 400, "validation_failed")
    assert "phone" in body["errors"]
    assert not Petition.objects.exists() and not Petitioner.objects.exists()
    english = post(as_user(world, "office"), "/api/petitions", bad, headers={"Accept-Language": "en"})
    assert english.json()["message"].startswith("Enter a mobile number")


def test_create_refusals(world: World) -> None:
    assert_error(post(as_user(world, "reporter"), "/api/petitions", INTAKE), 403, "permission_denied")
    assert_error(post(as_user(world, "oversight"), "/api/petitions", INTAKE), 403, "permission_denied")
    other_unit = {**INTAKE, "unit_id": world.other_township.pk}
    body = assert_error(
        post(as_user(world, "office"), "/api/petitions", other_unit), 400, "validation_failed", chinese=False
    )
    assert "unit_id" in body["errors"]
    assert Client().post("/api/petitions", data=INTAKE, content_type="application/json").status_code == 401
    assert not Petition.objects.exists()


def test_admin_names_the_registering_unit(world: World) -> None:
    response = post(as_user(world, "admin"), "/api/petitions", {**INTAKE, "unit_id": world.other_township.pk})
    assert response.status_code == 201, response.content
    assert response.json()["number"] == "2026-SQ-000001"


# --- the ledger: scope, filters, masking ---------------------------------------------------------


def test_list_masks_petitioners_and_is_scoped(world: World) -> None:
    matter(world)
    matter(world, name="欧阳小明", id_number=ID_B, summary="土地承包纠纷", content="承包地被占用")
    register(world.user("admin"), world.other_township, name="李四", id_number="")
    response = as_user(world, "office").get("/api/petitions")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    text = response.content.decode()
    for secret in ("张小明", "欧阳小明", ID_A, ID_B, "13812345678", "河东村3组", "李四"):
        assert secret not in text
    assert sorted(item["petitioners"] for item in body["items"]) == ["张*明", "欧**明"]
    assert as_user(world, "admin").get("/api/petitions").json()["count"] == 3


def test_list_filters_and_search(world: World) -> None:
    first = matter(world)
    matter(world, id_number=ID_B, summary="土地承包纠纷", content="承包地被占用")
    s.petition_accept(actor=world.user("office"), petition=first)
    client = as_user(world, "office")
    assert [i["id"] for i in client.get("/api/petitions", {"status": "accepted"}).json()["items"]] == [
        first.pk
    ]
    assert client.get("/api/petitions", {"q": "工资"}).json()["count"] == 1
    assert client.get("/api/petitions", {"q": "承包纠纷"}).json()["count"] == 1
    assert client.get("/api/petitions", {"channel": "letter"}).json()["count"] == 0
    assert client.get("/api/petitions", {"received_from": "2026-04-02"}).json()["count"] == 0
    assert client.get("/api/petitions", {"unit": world.township.pk}).json()["count"] == 2
    assert client.get("/api/petitions", {"overdue": True}).json()["count"] == 0
    assert client.get("/api/petitions", {"sort": "number"}).json()["items"][0]["number"].endswith("01")
    assert_error(client.get("/api/petitions", {"q": "地"}), 400, "validation_failed", chinese=False)
    assert_error(client.get("/api/petitions", {"sort": "summary"}), 400, "validation_failed", chinese=False)
    assert_error(client.get("/api/petitions", {"status": "lost"}), 422, "validation_failed")
    assert_error(client.get("/api/petitions", {"unit": world.other_township.pk}), 404, "not_found")
    assert_error(client.get("/api/petitions", {"category": 999999}), 404, "not_found")


def test_list_query_count_is_constant(world: World, django_assert_num_queries: Any) -> None:
    client = as_user(world, "office")
    matter(world)
    client.get("/api/petitions")  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get("/api/petitions")
    for i in range(15):
        matter(world, id_number="", name=f"村民{i}")
    with django_assert_num_queries(len(small.captured_queries)):
        body = client.get("/api/petitions").json()
    assert body["count"] == 16


# --- one matter: masked, revealed with an audit row, refused with one ------------------------------


def test_detail_is_masked_and_reveal_is_audited(world: World) -> None:
    petition = matter(world)
    client = as_user(world, "office")
    detail = client.get(f"/api/petitions/{petition.pk}").json()
    assert detail["petitioners_revealed"] is False
    assert detail["petitioners"][0] == {
        "name": "张*明",
        "id_number": "110105********002X",
        "phone": "138****5678",
        "address": "河坝镇河东村…",
        "is_representative": False,
    }
    assert detail["status_label"] and detail["stage"] == "acceptance" and detail["due_on"] == "2026-04-16"
    assert [e["kind"] for e in detail["events"]] == ["registered"]
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()

    revealed = client.get(f"/api/petitions/{petition.pk}", {"reveal": "true"}).json()
    assert revealed["petitioners_revealed"] is True
    assert revealed["petitioners"][0]["name"] == "张小明"
    assert revealed["petitioners"][0]["id_number"] == ID_A
    audit = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert audit.actor == world.user("office") and audit.object_id == str(petition.pk)
    assert audit.interface == "api"


@pytest.mark.parametrize("role", ["oversight", "reporter"])
def test_reveal_refused_is_403_and_audited(world: World, role: str) -> None:
    petition = matter(world)
    s.petition_accept(actor=world.user("office"), petition=petition)
    s.petition_assign(actor=world.user("office"), petition=petition, handling_unit=world.village)
    client = as_user(world, role)
    assert client.get(f"/api/petitions/{petition.pk}").status_code == 200  # the matter itself is visible
    response = client.get(f"/api/petitions/{petition.pk}", {"reveal": "true"})
    assert_error(response, 403, "permission_denied")
    assert "张小明" not in response.content.decode()
    denied = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert denied.actor == world.user(role) and denied.object_id == str(petition.pk)
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


def test_accused_units_staff_never_see_the_matter(world: World) -> None:
    petition = matter(world, summary="举报河东村干部", accused_unit=world.village)
    s.petition_accept(actor=world.user("office"), petition=petition)
    reporter = as_user(world, "reporter")  # works in the accused village
    assert_error(reporter.get(f"/api/petitions/{petition.pk}"), 404, "not_found")
    assert reporter.get("/api/petitions").json()["count"] == 0
    assert_error(post(reporter, f"/api/petitions/{petition.pk}/start"), 404, "not_found")
    assert as_user(world, "office").get(f"/api/petitions/{petition.pk}").status_code == 200


def test_out_of_scope_matter_is_404(world: World) -> None:
    petition, _ = register(world.user("admin"), world.other_township)
    client = as_user(world, "office")
    assert_error(client.get(f"/api/petitions/{petition.pk}"), 404, "not_found")
    assert_error(post(client, f"/api/petitions/{petition.pk}/accept"), 404, "not_found")
    assert_error(client.get("/api/petitions/999999"), 404, "not_found")
    petition.refresh_from_db()
    assert petition.status == Status.REGISTERED


# --- transitions ----------------------------------------------------------------------------------


def test_whole_lifecycle_through_the_api(world: World) -> None:
    petition = matter(world)
    url = f"/api/petitions/{petition.pk}"
    office, leader, reporter = (as_user(world, r) for r in ("office", "leader", "reporter"))

    def ok(client: Client, action: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        response = post(client, f"{url}/{action}", data)
        assert response.status_code == 200, (action, response.content)
        body: dict[str, Any] = response.json()
        return body

    assert ok(office, "accept", {"note": "属于本镇职责"})["status"] == Status.ACCEPTED
    assigned = ok(
        office,
        "assign",
        {
            "handling_unit_id": world.village.pk,
            "lead_official_id": world.user("leader").pk,
            "note": "请河东村办理",
        },
    )
    assert assigned["status"] == Status.ASSIGNED
    assert assigned["handling_unit"]["code"] == "HB-01"
    assert assigned["lead_official"]["id"] == world.user("leader").pk
    assert ok(reporter, "start")["status"] == Status.HANDLING
    objected = ok(reporter, "object", {"reason": "涉及县直部门职责"})
    assert objected["events"][-1]["data"] == {"objection": True}
    extended = ok(leader, "extend", {"days": 30, "reason": "情况复杂，需要调查"})
    assert extended["extension_days"] == 30 and extended["due_on"] > assigned["due_on"]
    answered = ok(reporter, "answer", OPINION)
    assert answered["status"] == Status.ANSWERED and answered["opinion"] == OPINION
    assert answered["stage"] == "review_request"

    s.petition_request_review(petition=petition, reason="对处理意见不服")  # the resident, on the public page
    reviewed = ok(office, "review/decide", {"opinion": "维持原处理意见"})
    assert reviewed["status"] == Status.REVIEWED and reviewed["review_opinion"] == "维持原处理意见"
    s.petition_request_re_review(petition=petition, reason="仍然不服")
    due = ok(office, "re-review/hearing", {"days": 5})
    assert due["hearing_days"] == 5
    assert ok(office, "re-review/decide", {"opinion": "维持复查意见"})["status"] == Status.RE_REVIEWED
    closed = ok(office, "close", {"note": "归档"})
    assert closed["status"] == Status.CLOSED
    kinds = [e["kind"] for e in closed["events"]]
    assert kinds.count("transition") == 9 and "extended" in kinds


def test_decline_link_and_recuse(world: World) -> None:
    first, second = matter(world), matter(world, id_number=ID_B, summary="同一问题再次反映")
    office = as_user(world, "office")
    declined = post(
        office,
        f"/api/petitions/{second.pk}/decline",
        {"route": "litigation", "reason": "属于民事纠纷，应向法院起诉"},
    )
    assert declined.status_code == 200 and declined.json()["status"] == Status.DECLINED
    linked = post(office, f"/api/petitions/{second.pk}/link", {"other_id": first.pk, "note": "可能重复"})
    assert linked.json()["links"] == [
        {"petition_id": first.pk, "number": first.number, "note": "可能重复", "direction": "to"}
    ]
    back = office.get(f"/api/petitions/{first.pk}").json()["links"]
    assert back[0]["direction"] == "from" and back[0]["petition_id"] == second.pk

    mediator = as_user(world, "mediator")
    recused = post(mediator, f"/api/petitions/{first.pk}/recuse", {"reason": "与信访人系亲属"})
    assert recused.status_code == 200, recused.content
    assert recused.json()["number"] == first.number
    assert Recusal.objects.filter(petition=first, user=world.user("mediator")).exists()
    assert_error(mediator.get(f"/api/petitions/{first.pk}"), 404, "not_found")


def test_transition_refusals_by_kind(world: World) -> None:
    petition = matter(world)
    url = f"/api/petitions/{petition.pk}"
    office, leader = as_user(world, "office"), as_user(world, "leader")
    # Wrong role (the matter is visible to them): 403.
    assert_error(post(leader, f"{url}/accept"), 403, "permission_denied")
    assert_error(post(as_user(world, "oversight"), f"{url}/close"), 403, "permission_denied")
    answer = post(office, f"{url}/answer", OPINION)  # only the handling unit answers; there is none yet
    assert_error(answer, 403, "permission_denied", chinese=False)
    # Not allowed in the current status: 409.
    assert post(office, f"{url}/accept").status_code == 200
    assert_error(post(office, f"{url}/accept"), 409, "invalid_transition", chinese=False)
    review = post(office, f"{url}/review/decide", {"opinion": "维持"})
    assert_error(review, 409, "invalid_transition", chinese=False)
    assert_error(post(office, f"{url}/re-review/hearing", {"days": 3}), 409, "invalid_transition")
    # Refused by the domain's rules: 400 (more days than the extension rule allows).
    extend = post(leader, f"{url}/extend", {"days": 31, "reason": "复杂"})
    assert_error(extend, 400, "validation_failed", chinese=False)
    # Refused by the schema: 422.
    assert_error(post(office, f"{url}/decline", {"route": "court", "reason": "x"}), 422, "validation_failed")
    assert_error(post(office, f"{url}/recuse", {"reason": "x" * 201}), 422, "validation_failed")
    assert_error(post(leader, f"{url}/extend", {"days": 0, "reason": "x"}), 422, "validation_failed")
    # A handling unit outside the user's scope: 404.
    elsewhere = post(office, f"{url}/assign", {"handling_unit_id": world.other_village.pk})
    assert_error(elsewhere, 404, "not_found")
    petition.refresh_from_db()
    assert petition.status == Status.ACCEPTED and petition.extension_days == 0


def test_assignment_to_the_accused_unit_is_refused(world: World) -> None:
    petition = matter(world, summary="举报河东村干部", accused_unit=world.village)
    office = as_user(world, "office")
    post(office, f"/api/petitions/{petition.pk}/accept")
    response = post(office, f"/api/petitions/{petition.pk}/assign", {"handling_unit_id": world.village.pk})
    assert_error(response, 403, "permission_denied", chinese=False)
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).exists()
    petition.refresh_from_db()
    assert petition.status == Status.ACCEPTED and petition.handling_unit is None


# --- token auth -----------------------------------------------------------------------------------


def test_token_auth_reads_and_writes_without_csrf(world: World) -> None:
    petition = matter(world)
    _token, key = token_create(actor=world.user("office"), name="脚本")
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/petitions", headers=headers).json()["count"] == 1
    accepted = post(client, f"/api/petitions/{petition.pk}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.content
    created = post(client, "/api/petitions", INTAKE, headers=headers)
    assert created.status_code == 201
    assert_error(
        client.get("/api/petitions", headers={"Authorization": "Bearer zw_nope"}), 401, "not_authenticated"
    )
    # The session path still needs CSRF on writes.
    session = Client(enforce_csrf_checks=True)
    session.force_login(world.user("office"))
    assert post(session, f"/api/petitions/{petition.pk}/close").status_code == 403


# --- the resident's tracking ----------------------------------------------------------------------


@pytest.fixture
def empty_cache() -> Iterator[None]:
    """The rate-limit counters live in the cache; each tracking test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def track(client: Client, number: str, code: str, **kwargs: Any) -> Any:
    return post(client, "/api/public/track", {"number": number, "query_code": code}, **kwargs)


@pytest.mark.usefixtures("empty_cache")
def test_public_track_right_wrong_and_unknown(world: World) -> None:
    petition, code = register(world.user("office"), world.township)
    s.petition_decline(
        actor=world.user("office"), petition=petition, route="litigation", reason="属于民事纠纷，应向法院起诉"
    )
    client = Client(enforce_csrf_checks=True)  # no sign-in, no CSRF token
    right = track(client, f" {petition.number.lower()} ", code.lower())
    assert right.status_code == 200, right.content
    body = right.json()
    assert body["number"] == petition.number and body["status"] == Status.DECLINED
    assert body["received_by"] == "河坝镇" and body["stage_label"] == ""
    assert body["decline"] == {
        "route": "litigation",
        "route_label": body["decline"]["route_label"],
        "reason": "属于民事纠纷，应向法院起诉",
    }
    assert body["opinion"] is None and len(body["timeline"]) == 2
    text = right.content.decode()
    for secret in ("张小明", ID_A, "13812345678", "王小红"):  # the petitioner, the staff member
        assert secret not in text
    wrong = track(client, petition.number, "AAAAAAAA")
    unknown = track(client, "2026-HB-999999", code)
    assert_error(wrong, 404, "not_found", chinese=False)
    assert wrong.json() == unknown.json() and unknown.status_code == 404
    assert_error(track(client, "", ""), 422, "validation_failed")


@pytest.mark.usefixtures("empty_cache")
def test_public_track_is_rate_limited_per_client(world: World) -> None:
    petition, code = register(world.user("office"), world.township)
    client = Client()
    for _attempt in range(ratelimit.TRACK.count):
        assert track(client, petition.number, "AAAAAAAA").status_code == 404
    refused = track(client, petition.number, code)  # even the right code, once over the limit
    assert_error(refused, 429, "rate_limited", chinese=False)
    assert refused["Retry-After"] == str(ratelimit.TRACK.window_seconds)
    assert track(client, petition.number, code, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_schema_documents_every_petitions_route(client: Client) -> None:
    schema = client.get("/api/schema").json()
    paths = schema["paths"]
    for path in (
        "/api/petitions",
        "/api/petitions/{petition_id}",
        "/api/petitions/{petition_id}/accept",
        "/api/petitions/{petition_id}/re-review/hearing",
        "/api/petitions/{petition_id}/attachments",
        "/api/petitions/{petition_id}/attachments/{attachment_id}",
        "/api/public/track",
    ):
        assert path in paths, path
    assert {"201", "400", "403", "422"} <= set(paths["/api/petitions"]["post"]["responses"])
    assert "409" in paths["/api/petitions/{petition_id}/accept"]["post"]["responses"]
    assert "429" in paths["/api/public/track"]["post"]["responses"]
    assert "200" in paths["/api/petitions/{petition_id}/attachments/{attachment_id}"]["get"]["responses"]
    assert not paths["/api/public/track"]["post"].get("security")
