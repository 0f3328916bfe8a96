"""Scoping: a user sees their own unit's subtree only (administrators: everything)."""

import pytest

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.exceptions import NotFound
from zhenwu.core.models import AuditEvent, User
from zhenwu.core.scoping import Action, user_can
from zhenwu.core.selectors import access_unit, audit_list, person_list, unit_list
from zhenwu.testing.world import World


def codes(qs) -> set[str]:
    return {u.code for u in qs}


def test_unit_list_is_the_users_subtree(world: World) -> None:
    assert codes(unit_list(user=world.user("admin"))) == {"LX", "HB", "HB-01", "HB-02", "SQ", "SQ-01"}
    for role in ("office", "leader", "mediator", "oversight"):
        assert codes(unit_list(user=world.user(role))) == {"HB", "HB-01", "HB-02"}, role
    assert codes(unit_list(user=world.user("reporter"))) == {"HB-01"}


def test_out_of_scope_object_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        access_unit(world.user("office"), world.other_village.pk)
    with pytest.raises(NotFound):
        access_unit(world.user("reporter"), world.township.pk)
    with pytest.raises(NotFound):
        access_unit(world.user("office"), "not-a-number")
    assert access_unit(world.user("admin"), world.other_village.pk) == world.other_village


def test_user_without_unit_or_inactive_sees_nothing(world: World) -> None:
    stray = User.objects.create_user(username="stray", password="x", role=Role.OFFICE, full_name="无单位")
    assert not unit_list(user=stray).exists()
    leader = world.user("leader")
    leader.is_active = False
    assert not unit_list(user=leader).exists()


def test_person_list_follows_units(world: World) -> None:
    assert {p.username for p in person_list(user=world.user("reporter"))} == {"reporter"}
    hb = {p.username for p in person_list(user=world.user("office"))}
    assert hb == {"office", "leader", "reporter", "mediator", "oversight"}
    assert "admin" in {p.username for p in person_list(user=world.user("admin"))}


def test_audit_list_scope(world: World) -> None:
    admin = world.user("admin")
    audit_record(
        actor=admin,
        action=AuditAction.UPDATE,
        object_type_label="x.y",
        object_id="1",
        unit=world.other_village,
    )
    audit_record(actor=admin, action=AuditAction.UPDATE, object_type_label="x.y", object_id="2", unit=None)
    oversight = world.user("oversight")
    seen = audit_list(user=oversight)
    assert seen.exists()
    assert not seen.filter(object_type="x.y").exists()
    assert set(audit_list(user=admin).filter(object_type="x.y").values_list("object_id", flat=True)) == {
        "1",
        "2",
    }
    assert not audit_list(user=world.user("office")).exists()  # office does not hold audit.view
    assert AuditEvent.objects.count() > seen.count()


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("oversight", Action.UNIT_MANAGE, False),
        ("oversight", Action.AUDIT_VIEW, True),
        ("reporter", Action.PERSON_MANAGE, False),
        ("office", Action.PERSON_MANAGE, True),
        ("reporter", Action.PERSONAL_VIEW, False),
        ("mediator", Action.PERSONAL_VIEW, True),
    ],
)
def test_role_grants(world: World, role: str, action: str, allowed: bool) -> None:
    assert user_can(world.user(role), action, world.village) is allowed


def test_grant_is_limited_to_scope(world: World) -> None:
    assert user_can(world.user("office"), Action.UNIT_MANAGE, world.village)
    assert not user_can(world.user("office"), Action.UNIT_MANAGE, world.other_village)
