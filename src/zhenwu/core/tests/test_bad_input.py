"""The issue's bad inputs: a Chinese message in the UI, a JSON error in the API, a 4xx, nothing saved."""

import re

from django.test import Client
from django.urls import reverse

from zhenwu.core.models import AuditEvent, Unit, User
from zhenwu.core.services.units import unit_set_active
from zhenwu.testing.world import World

CJK = re.compile(r"[\u4e00-\u9fff]")


def form_errors(response) -> list[str]:
    form = response.context["form"]
    return [str(m) for messages in form.errors.values() for m in messages]


def state() -> tuple[list[tuple[int, str, int | None]], int, int]:
    return (
        list(Unit.objects.values_list("pk", "path", "parent_id").order_by("pk")),
        User.objects.count(),
        AuditEvent.objects.exclude(action="login").count(),
    )


def test_invalid_unit_code(world: World, client: Client) -> None:
    client.force_login(world.user("office"))
    before = state()
    page = client.post(
        reverse("core:unit_create"), {"parent": "HB", "kind": "village", "name": "新村", "code": "HB 03"}
    )
    assert page.status_code == 200
    assert page.context["form"].errors["code"]
    assert all(CJK.search(m) for m in form_errors(page)), form_errors(page)
    api = client.post(
        "/api/units",
        data={"parent_id": world.township.pk, "kind": "village", "name": "新村", "code": "HB 03"},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert CJK.search(api.json()["message"]) and "code" in api.json()["errors"]
    assert state() == before


def test_cycle_in_the_unit_tree(world: World, client: Client) -> None:
    client.force_login(world.user("office"))
    before = state()
    page = client.post(reverse("core:unit_move", args=[world.township.pk]), {"parent": "HB-01"})
    assert page.status_code == 200
    assert any(CJK.search(m) for m in form_errors(page)), form_errors(page)
    api = client.post(
        f"/api/units/{world.township.pk}/move",
        data={"parent_id": world.village.pk},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json()["code"] == "unit_cycle" and CJK.search(api.json()["message"])
    assert state() == before


def test_staff_assigned_to_inactive_unit(world: World, client: Client) -> None:
    unit_set_active(actor=world.user("admin"), unit=world.village2, is_active=False)
    client.force_login(world.user("office"))
    before = state()
    page = client.post(
        reverse("core:person_create"),
        {"username": "new1", "full_name": "吴新", "unit": "HB-02", "role": "reporter"},
    )
    assert page.status_code == 200
    assert page.context["form"].errors["unit"]
    assert all(CJK.search(m) for m in form_errors(page))
    api = client.post(
        "/api/people",
        data={"username": "new1", "full_name": "吴新", "unit_id": world.village2.pk, "role": "reporter"},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json()["code"] == "inactive_unit" and CJK.search(api.json()["message"])
    assert state() == before


def test_deadline_in_an_unknown_year(world: World, client: Client) -> None:
    client.force_login(world.user("reporter"))
    page = client.get(reverse("core:calendar"), {"rule": "petition.accept_notice", "start": "2027-03-01"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "2027" in text and CJK.search(text)
    api = client.post(
        "/api/deadlines",
        data={"rule": "petition.accept_notice", "start": "2027-03-01"},
        content_type="application/json",
    )
    assert api.status_code == 400
    body = api.json()
    assert (
        body["code"] == "unknown_calendar_year" and "2027" in body["message"] and CJK.search(body["message"])
    )
