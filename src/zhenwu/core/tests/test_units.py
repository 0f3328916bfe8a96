"""Unit tree services: create, validate, move (with cycle refusal), deactivate; subtree queries."""

import pytest
from django.db import connection

from zhenwu.core.choices import AuditAction, Interface, UnitKind
from zhenwu.core.exceptions import PermissionRefused, ValidationFailed
from zhenwu.core.models import AuditEvent, Unit
from zhenwu.core.models.units import PATH_SEGMENT, path_upper_bound, unit_subtree_q
from zhenwu.core.services.units import unit_create, unit_move, unit_set_active, unit_update
from zhenwu.testing.world import World


def test_create_builds_path_depth_and_audit(world: World) -> None:
    v = world.village
    assert v.path == world.township.path + f"{v.pk:0{PATH_SEGMENT}d}"
    assert v.depth == 2
    event = AuditEvent.objects.get(object_type="core.unit", object_id=str(v.pk), action=AuditAction.CREATE)
    assert event.actor == world.user("admin")
    assert event.interface == Interface.CLI
    assert event.changes["code"] == [None, "HB-01"]
    assert event.unit == v


def test_code_is_normalised_to_upper_case(world: World) -> None:
    unit = unit_create(
        actor=world.user("admin"), parent=world.township, kind=UnitKind.OFFICE, name="党政办", code="hb-of"
    )
    assert unit.code == "HB-OF"


@pytest.mark.parametrize("code", ["HB 03", "HB_03", "-HB", "HB--1", "镇01", "A" * 13, ""])
def test_invalid_code_is_refused_and_nothing_saved(world: World, code: str) -> None:
    before = Unit.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        unit_create(
            actor=world.user("admin"), parent=world.township, kind=UnitKind.VILLAGE, name="新村", code=code
        )
    assert "code" in exc.value.errors
    assert Unit.objects.count() == before


def test_duplicate_code_and_sibling_name_are_refused(world: World) -> None:
    admin = world.user("admin")
    with pytest.raises(ValidationFailed) as exc:
        unit_create(actor=admin, parent=world.township, kind=UnitKind.VILLAGE, name="别的村", code="HB-01")
    assert "code" in exc.value.errors
    with pytest.raises(ValidationFailed):
        unit_create(actor=admin, parent=world.township, kind=UnitKind.VILLAGE, name="河东村", code="HB-77")
    # The same name under another parent is fine.
    unit_create(actor=admin, parent=world.other_township, kind=UnitKind.VILLAGE, name="河东村", code="SQ-77")


def test_bad_phone_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        unit_update(actor=world.user("admin"), unit=world.village, phone="12345")
    assert "phone" in exc.value.errors


def test_update_records_before_and_after(world: World) -> None:
    unit_update(actor=world.user("office"), unit=world.village, name="河东新村", phone="0759-4688138")
    event = AuditEvent.objects.filter(object_id=str(world.village.pk), action=AuditAction.UPDATE).get()
    assert event.changes == {"name": ["河东村", "河东新村"], "phone": ["", "0759-4688138"]}


def test_update_without_changes_writes_no_event(world: World) -> None:
    before = AuditEvent.objects.count()
    unit_update(actor=world.user("office"), unit=world.village, name="河东村")
    assert AuditEvent.objects.count() == before


def test_move_rewrites_the_whole_subtree_and_keeps_history(world: World) -> None:
    admin = world.user("admin")
    group = unit_create(actor=admin, parent=world.village, kind=UnitKind.OFFICE, name="一组", code="HB-01-1")
    unit_move(actor=admin, unit=world.village, new_parent=world.other_township)
    world.village.refresh_from_db()
    group.refresh_from_db()
    assert world.village.parent == world.other_township
    assert world.village.path.startswith(world.other_township.path)
    assert group.path == world.village.path + f"{group.pk:0{PATH_SEGMENT}d}"
    assert (world.village.depth, group.depth) == (2, 3)
    # The lineage follows the move: root, new township, village, group.
    assert group.lineage_ids() == [world.county.pk, world.other_township.pk, world.village.pk, group.pk]
    assert world.county.lineage_ids() == [world.county.pk]
    assert set(Unit.objects.subtree_of(world.other_township)) >= {world.village, group}
    assert world.village not in Unit.objects.subtree_of(world.township)
    move = AuditEvent.objects.get(object_id=str(world.village.pk), action=AuditAction.MOVE)
    assert move.changes == {"parent": [world.township.pk, world.other_township.pk]}
    # Earlier events of the unit are still attached to it.
    assert AuditEvent.objects.filter(object_type="core.unit", object_id=str(world.village.pk)).count() == 2


@pytest.mark.parametrize("target", ["self", "child"])
def test_move_into_own_subtree_is_a_cycle(world: World, target: str) -> None:
    new_parent = world.township if target == "self" else world.village
    paths = dict(Unit.objects.values_list("pk", "path"))
    with pytest.raises(ValidationFailed) as exc:
        unit_move(actor=world.user("admin"), unit=world.township, new_parent=new_parent)
    assert exc.value.code == "unit_cycle"
    assert dict(Unit.objects.values_list("pk", "path")) == paths


def test_root_cannot_move_and_office_cannot_move_outside_scope(world: World) -> None:
    with pytest.raises(ValidationFailed):
        unit_move(actor=world.user("admin"), unit=world.county, new_parent=world.township)
    with pytest.raises(PermissionRefused):
        unit_move(actor=world.user("office"), unit=world.village, new_parent=world.other_township)


def test_office_manages_only_inside_its_township(world: World) -> None:
    office = world.user("office")
    unit_create(actor=office, parent=world.village, kind=UnitKind.OFFICE, name="一组", code="HB-01-1")
    with pytest.raises(PermissionRefused):
        unit_create(
            actor=office, parent=world.other_township, kind=UnitKind.VILLAGE, name="新村", code="SQ-09"
        )
    with pytest.raises(PermissionRefused):
        unit_create(actor=office, parent=None, kind=UnitKind.COUNTY, name="新县", code="XX")
    with pytest.raises(PermissionRefused):
        unit_update(actor=world.user("leader"), unit=world.village, name="改名")


def test_deactivate_rules(world: World) -> None:
    admin = world.user("admin")
    with pytest.raises(ValidationFailed):  # active villages below
        unit_set_active(actor=admin, unit=world.township, is_active=False)
    with pytest.raises(ValidationFailed):  # the reporter works in HB-01
        unit_set_active(actor=admin, unit=world.village, is_active=False)
    unit_set_active(actor=admin, unit=world.village2, is_active=False)
    world.village2.refresh_from_db()
    assert world.village2.is_active is False
    with pytest.raises(ValidationFailed):  # nothing may be added under an inactive unit
        unit_create(actor=admin, parent=world.village2, kind=UnitKind.OFFICE, name="一组", code="HB-02-1")


def test_path_upper_bound() -> None:
    assert path_upper_bound("0000000001") == "0000000002"
    assert path_upper_bound("00000000010000000099") == "00000000010000000100"


def test_subtree_query_uses_the_path_index(world: World) -> None:
    qs = Unit.objects.filter(unit_subtree_q(world.township.path))
    if connection.vendor == "sqlite":
        plan = qs.explain()
        assert "USING INDEX core_unit_path" in plan, plan
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
        plan = qs.explain()
        assert "core_unit_path" in plan, plan
    assert set(qs) == {world.township, world.village, world.village2}
