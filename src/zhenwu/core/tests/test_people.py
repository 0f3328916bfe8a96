"""Staff account services: validation, role grants, scope, and the admin flags that follow the role."""

import pytest

from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.exceptions import PermissionRefused, ValidationFailed
from zhenwu.core.models import AuditEvent, User
from zhenwu.core.services.people import person_create, person_set_active, person_set_password, person_update
from zhenwu.core.services.units import unit_set_active
from zhenwu.testing.world import World


def test_inactive_unit_is_refused_and_nothing_saved(world: World) -> None:
    unit_set_active(actor=world.user("admin"), unit=world.village2, is_active=False)
    before = User.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        person_create(
            actor=world.user("office"),
            username="x1",
            full_name="孙一",
            unit=world.village2,
            role=Role.REPORTER,
        )
    assert exc.value.code == "inactive_unit"
    assert "unit" in exc.value.errors
    assert User.objects.count() == before


def test_only_admin_grants_admin_and_oversight(world: World) -> None:
    office = world.user("office")
    for role in (Role.ADMIN, Role.OVERSIGHT):
        with pytest.raises(PermissionRefused):
            person_create(actor=office, username=f"x-{role}", full_name="孙二", unit=world.village, role=role)
    person = person_create(
        actor=world.user("admin"), username="o2", full_name="孙三", unit=world.township, role=Role.OVERSIGHT
    )
    assert person.role == Role.OVERSIGHT


def test_office_cannot_create_outside_its_township(world: World) -> None:
    with pytest.raises(PermissionRefused):
        person_create(
            actor=world.user("office"),
            username="x2",
            full_name="孙四",
            unit=world.other_village,
            role=Role.REPORTER,
        )


def test_non_admin_needs_a_unit(world: World) -> None:
    with pytest.raises(ValidationFailed):
        person_create(actor=world.user("admin"), username="x3", full_name="孙五", unit=None, role=Role.LEADER)


def test_password_policy(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        person_create(
            actor=world.user("admin"),
            username="x4",
            full_name="孙六",
            unit=world.village,
            role=Role.REPORTER,
            password="12345678",
        )
    assert "password" in exc.value.errors
    person = person_create(
        actor=world.user("admin"), username="x5", full_name="孙七", unit=world.village, role=Role.REPORTER
    )
    assert not person.has_usable_password()


def test_update_changes_unit_and_role_with_audit(world: World) -> None:
    reporter = world.user("reporter")
    person_update(
        actor=world.user("office"),
        person=reporter,
        unit=world.village2,
        role=Role.MEDIATOR,
        position="调解员",
    )
    reporter.refresh_from_db()
    assert (reporter.unit, reporter.role, reporter.position) == (world.village2, Role.MEDIATOR, "调解员")
    event = AuditEvent.objects.filter(
        object_type="core.user", object_id=str(reporter.pk), action=AuditAction.UPDATE
    ).get()
    assert event.changes["unit"] == [world.village.pk, world.village2.pk]
    assert event.changes["role"] == [Role.REPORTER, Role.MEDIATOR]


def test_cannot_change_own_role_or_disable_self(world: World) -> None:
    office = world.user("office")
    with pytest.raises(PermissionRefused):
        person_update(actor=office, person=office, role=Role.LEADER)
    with pytest.raises(PermissionRefused):
        person_set_active(actor=office, person=office, is_active=False)


def test_admin_flags_follow_the_role(world: World) -> None:
    admin = world.user("admin")
    assert admin.is_staff and admin.is_superuser
    leader = world.user("leader")
    assert not leader.is_staff and not leader.is_superuser
    person_update(actor=admin, person=leader, role=Role.ADMIN)
    leader.refresh_from_db()
    assert leader.is_staff and leader.is_superuser


def test_set_password_by_owner_and_disable(world: World) -> None:
    reporter = world.user("reporter")
    person_set_password(actor=reporter, person=reporter, password="A-new-password-77")
    reporter.refresh_from_db()
    assert reporter.check_password("A-new-password-77")
    with pytest.raises(PermissionRefused):
        person_set_password(actor=reporter, person=world.user("mediator"), password="A-new-password-78")
    person_set_active(actor=world.user("office"), person=reporter, is_active=False)
    reporter.refresh_from_db()
    assert not reporter.is_active


def test_audit_records_personal_fields_masked(world: World) -> None:
    person = person_create(
        actor=world.user("office"),
        username="x9",
        full_name="孙九",
        unit=world.village,
        role=Role.REPORTER,
        phone="13812345678",
        email="sun9@hb.gov.cn",
    )
    created = AuditEvent.objects.get(
        object_type="core.user", object_id=str(person.pk), action=AuditAction.CREATE
    )
    assert created.changes["phone"] == [None, "138****5678"]
    assert created.changes["email"] == [None, "s***@hb.gov.cn"]
    person_update(actor=world.user("office"), person=person, phone="13987654321")
    changed = AuditEvent.objects.get(object_id=str(person.pk), action=AuditAction.UPDATE)
    assert changed.changes == {"phone": ["138****5678", "139****4321"]}
    assert "13812345678" not in str(
        AuditEvent.objects.filter(object_id=str(person.pk)).values_list("changes")
    )
