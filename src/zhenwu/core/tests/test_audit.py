"""The audit log: append-only, records interface and request, personal-data views, sign-ins, its page."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhenwu.core.choices import AuditAction, Interface
from zhenwu.core.models import AuditEvent
from zhenwu.testing.world import PASSWORD, World


def test_events_cannot_be_changed_or_deleted(world: World) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    event.note = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.note == ""


def test_page_change_is_recorded_with_interface_and_request_id(world: World, client: Client) -> None:
    client.force_login(world.user("office"))
    response = client.post(
        reverse("core:unit_edit", args=[world.village.pk]),
        {"kind": "village", "name": "河东村", "code": "HB-01", "phone": "0759-4688138"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(world.village.pk))
    assert event.interface == Interface.WEB
    assert event.actor == world.user("office")
    assert event.request_id == response["X-Request-ID"]
    assert event.changes == {"phone": ["", "0759-4688138"]}


def test_api_change_is_recorded_as_api(world: World, client: Client) -> None:
    client.force_login(world.user("office"))
    response = client.patch(
        f"/api/units/{world.village.pk}", data={"name": "河东一村"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(world.village.pk))
    assert event.interface == Interface.API


def test_personal_details_are_masked_and_each_reveal_is_audited(world: World, client: Client) -> None:
    reporter = world.user("reporter")
    client.force_login(world.user("leader"))
    listing = client.get(reverse("core:person_list")).content.decode()
    assert "139****1234" in listing and "13900001234" not in listing
    detail = client.get(reverse("core:person_detail", args=[reporter.pk])).content.decode()
    assert "13900001234" not in detail
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()
    revealed = client.get(reverse("core:person_detail", args=[reporter.pk]) + "?reveal=1").content.decode()
    assert "13900001234" in revealed
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert (event.actor, event.object_id, event.unit) == (
        world.user("leader"),
        str(reporter.pk),
        world.village,
    )
    assert event.changes == {"fields": ["email", "phone"]}
    client.get(reverse("core:person_detail", args=[reporter.pk]) + "?reveal=1")
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).count() == 2


def test_refused_reveal_is_recorded_and_shows_nothing(world: World, client: Client) -> None:
    client.force_login(world.user("reporter"))
    page = client.get(reverse("core:person_detail", args=[world.user("reporter").pk]) + "?reveal=1")
    assert page.status_code == 200
    assert "13900001234" not in page.content.decode()
    denied = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert denied.actor == world.user("reporter")
    assert "phone" in denied.note


def test_sign_in_events_never_store_the_password(world: World, client: Client) -> None:
    client.post(reverse("login"), {"username": "leader", "password": "wrong-password-1"})
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.object_repr == "leader"
    assert "wrong-password-1" not in str(failed.changes) + failed.note
    client.post(reverse("login"), {"username": "leader", "password": PASSWORD})
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=world.user("leader")).exists()


def test_audit_page_filters(world: World, client: Client) -> None:
    client.force_login(world.user("oversight"))
    url = reverse("core:audit_list")
    page = client.get(url, {"action": "create", "object_type": "core.unit"})
    assert page.status_code == 200
    assert [e.object_type for e in page.context["page_obj"]] == ["core.unit"] * 3  # HB, HB-01, HB-02
    today = timezone.localdate()
    empty = client.get(url, {"since": (today + datetime.timedelta(days=2)).isoformat()})
    assert len(empty.context["page_obj"]) == 0
    bad = client.get(url, {"since": "2026-03-01", "until": "2026-02-01"})
    assert bad.status_code == 200
    assert bad.context["filters"].errors
    assert len(bad.context["page_obj"]) == 0
    unknown_actor = client.get(url, {"actor": "nobody"})
    assert len(unknown_actor.context["page_obj"]) == 0


def test_audit_page_shows_changes_compactly(world: World, client: Client) -> None:
    from zhenwu.core.services.units import unit_update

    unit_update(actor=world.user("office"), unit=world.village, name="河东新村")
    client.force_login(world.user("leader"))
    client.get(reverse("core:person_detail", args=[world.user("reporter").pk]) + "?reveal=1")
    client.force_login(world.user("oversight"))
    html = client.get(reverse("core:audit_list")).content.decode()
    assert "河东村 → 河东新村" in html
    assert "None →" not in html  # a created object's fields show just their values
    assert "email, phone" in html  # the fields of a personal-data view are a list, not a change
