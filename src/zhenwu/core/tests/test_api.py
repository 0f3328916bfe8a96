"""The REST API: token and session auth, one JSON error shape, scoping, pagination, schema and docs."""

import datetime
import json
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from zhenwu.core.models import ApiToken, Unit
from zhenwu.core.services.tokens import token_create, token_revoke
from zhenwu.testing.world import World


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_error_shape(body: dict[str, object], code: str) -> None:
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]


def test_token_auth(world: World, client: Client) -> None:
    token, key = token_create(actor=world.user("leader"), name="手机")
    assert ApiToken.objects.get(pk=token.pk).key_hash != key  # only the hash is stored
    response = client.get("/api/me", headers=bearer(key))
    assert response.status_code == 200
    me = response.json()
    assert me["username"] == "leader"
    assert "unit.view" in me["permissions"] and "unit.manage" not in me["permissions"]
    token_revoke(actor=world.user("leader"), token_id=token.pk)
    refused = client.get("/api/me", headers=bearer(key))
    assert refused.status_code == 401
    assert_error_shape(refused.json(), "not_authenticated")


def test_expired_and_garbage_tokens_are_refused(world: World, client: Client) -> None:
    _, key = token_create(
        actor=world.user("office"), name="短期", expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    assert client.get("/api/me", headers=bearer(key)).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        assert client.get("/api/me", headers=bearer(key)).status_code == 401
    assert client.get("/api/me", headers=bearer("zw_not-a-token")).status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_disabled_user_token_is_refused(world: World, client: Client) -> None:
    _, key = token_create(actor=world.user("mediator"), name="x")
    from zhenwu.core.services.people import person_set_active

    person_set_active(actor=world.user("office"), person=world.user("mediator"), is_active=False)
    assert client.get("/api/me", headers=bearer(key)).status_code == 401


def test_session_auth_needs_csrf_on_writes(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("office"))
    assert client.get("/api/units").status_code == 200
    response = client.patch(
        f"/api/units/{world.village.pk}", data={"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_token_writes_need_no_csrf(world: World) -> None:
    _, key = token_create(actor=world.user("office"), name="脚本")
    client = Client(enforce_csrf_checks=True)
    response = client.patch(
        f"/api/units/{world.village.pk}",
        data={"phone": "0759-4688138"},
        content_type="application/json",
        headers=bearer(key),
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "0759-4688138"


def test_schema_validation_error_shape(world: World, client: Client) -> None:
    client.force_login(world.user("admin"))
    response = client.post(
        "/api/units",
        data={"parent_id": world.township.pk, "kind": "castle", "name": "x", "code": "HB-50"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert_error_shape(body, "validation_failed")
    assert "kind" in body["errors"]


def test_body_that_is_not_json_gets_the_error_shape(world: World, client: Client) -> None:
    client.force_login(world.user("admin"))
    response = client.post("/api/units", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert_error_shape(response.json(), "bad_request")
    assert not Unit.objects.filter(code="HB-50").exists()


@pytest.mark.parametrize("query", ["page=99999999999999999999", "page=0", "page_size=100000"])
def test_absurd_page_numbers_are_422_not_500(world: World, client: Client, query: str) -> None:
    client.force_login(world.user("admin"))
    response = client.get(f"/api/units?{query}")
    assert response.status_code == 422
    assert_error_shape(response.json(), "validation_failed")


def test_domain_validation_error_shape_and_nothing_saved(world: World, client: Client) -> None:
    client.force_login(world.user("admin"))
    count = Unit.objects.count()
    response = client.post(
        "/api/units",
        data={"parent_id": world.township.pk, "kind": "village", "name": "新村", "code": "bad code"},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, "validation_failed")
    assert "code" in body["errors"]
    assert Unit.objects.count() == count


def test_cycle_is_a_clear_400(world: World, client: Client) -> None:
    client.force_login(world.user("admin"))
    response = client.post(
        f"/api/units/{world.township.pk}/move",
        data={"parent_id": world.village.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert_error_shape(response.json(), "unit_cycle")


def test_messages_are_chinese_by_default_and_english_on_request(world: World, client: Client) -> None:
    client.force_login(world.user("office"))
    zh = client.get(f"/api/units/{world.other_village.pk}").json()
    en = client.get(f"/api/units/{world.other_village.pk}", headers={"Accept-Language": "en"}).json()
    assert zh["code"] == en["code"] == "not_found"
    assert re.search(r"[\u4e00-\u9fff]", zh["message"]), zh
    assert en["message"] == "The object does not exist or is not visible to you."


def test_list_is_scoped_filtered_and_paginated(world: World, client: Client) -> None:
    client.force_login(world.user("office"))
    body = client.get("/api/units").json()
    assert body["count"] == 3
    assert {u["code"] for u in body["items"]} == {"HB", "HB-01", "HB-02"}
    page = client.get("/api/units", {"page_size": 2, "page": 2}).json()
    assert page["count"] == 3 and len(page["items"]) == 1
    assert client.get("/api/units", {"kind": "village", "q": "河东"}).json()["count"] == 1
    assert client.get("/api/units", {"under": world.other_township.pk}).status_code == 404


def test_people_api_create_and_refusals(world: World, client: Client) -> None:
    client.force_login(world.user("office"))
    created = client.post(
        "/api/people",
        data={"username": "grid1", "full_name": "周网格", "unit_id": world.village.pk, "role": "reporter"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["unit"]["code"] == "HB-01"
    refused = client.post(
        "/api/people",
        data={"username": "boss", "full_name": "钱", "unit_id": world.village.pk, "role": "admin"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert_error_shape(refused.json(), "permission_denied")


def test_schema_and_docs_are_served_locally(client: Client) -> None:
    schema = client.get("/api/schema").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/units" in schema["paths"]
    assert "422" in schema["paths"]["/api/units"]["post"]["responses"]
    docs = client.get("/api/docs").content.decode()
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', docs) + re.findall(r'<link[^>]+href="([^"]+)"', docs)
    assert scripts
    assert all(src.startswith("/static/") for src in scripts), scripts


@pytest.mark.django_db
def test_unknown_route_is_json_404(client: Client) -> None:
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404


def test_api_list_query_count_is_constant(world: World, client: Client, django_assert_num_queries) -> None:
    from zhenwu.core.choices import UnitKind
    from zhenwu.core.services.units import unit_create

    client.force_login(world.user("admin"))
    client.get("/api/units")  # warm the session
    with django_assert_num_queries(4) as small:
        client.get("/api/units")
    for i in range(20):
        unit_create(
            actor=world.user("admin"),
            parent=world.township,
            kind=UnitKind.VILLAGE,
            name=f"村{i}",
            code=f"HB-{i + 10}",
        )
    with django_assert_num_queries(len(small.captured_queries)):
        body = client.get("/api/units").json()
    assert body["count"] == 26
    json.dumps(body)
