"""Unit tree writes: create, change, move, deactivate — each one audited transaction."""

from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record, diff, snapshot
from zhenwu.core.choices import AuditAction
from zhenwu.core.exceptions import PermissionRefused, ValidationFailed
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import PATH_SEGMENT, unit_subtree_q
from zhenwu.core.scoping import Action, has_instance_scope, user_can
from zhenwu.core.services.common import validated

_AUDITED_FIELDS = ("parent", "kind", "name", "code", "phone", "is_active")
_MAX_PATH = Unit._meta.get_field("path").max_length or 255


def _require_manage(actor: User, unit: Unit | None) -> None:
    """Office staff manage units below their own; administrators manage the whole tree."""
    if has_instance_scope(actor):
        return
    if unit is None or not user_can(actor, Action.UNIT_MANAGE, unit):
        raise PermissionRefused(_("You may only manage units inside your own unit."))


def _check_parent(parent: Unit | None) -> None:
    if parent is not None and not parent.is_active:
        raise ValidationFailed(
            _("The parent unit is inactive."), errors={"parent": [_("The parent unit is inactive.")]}
        )


@transaction.atomic
def unit_create(
    *,
    actor: User | None,
    parent: Unit | None,
    kind: str,
    name: str,
    code: str,
    phone: str = "",
) -> Unit:
    """Add a unit under ``parent`` (None: a new root, administrators only).

    ``actor`` None is the installer (the demo loader, the first-run setup on the command line).
    """
    if actor is not None:
        _require_manage(actor, parent)
    _check_parent(parent)
    unit = Unit(parent=parent, kind=kind, name=name.strip(), code=code.strip().upper(), phone=phone.strip())
    if parent is not None:
        unit.depth = parent.depth + 1
        if len(parent.path) + PATH_SEGMENT > _MAX_PATH:
            raise ValidationFailed(_("The unit tree is too deep here."))
    validated(unit, exclude=["path"])
    unit.save()
    # The path embeds the primary key, so it can only be written once the row exists.
    unit.path = (parent.path if parent else "") + f"{unit.pk:0{PATH_SEGMENT}d}"
    unit.save(update_fields=["path", "depth"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=unit,
        unit=unit,
        changes={k: [None, v] for k, v in snapshot(unit, _AUDITED_FIELDS).items()},
    )
    return unit


@transaction.atomic
def unit_update(
    *,
    actor: User,
    unit: Unit,
    kind: str | None = None,
    name: str | None = None,
    code: str | None = None,
    phone: str | None = None,
) -> Unit:
    """Change a unit's own fields (moving is ``unit_move``, deactivating ``unit_set_active``)."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require_manage(actor, unit)
    before = snapshot(unit, _AUDITED_FIELDS)
    if kind is not None:
        unit.kind = kind
    if name is not None:
        unit.name = name.strip()
    if code is not None:
        unit.code = code.strip().upper()
    if phone is not None:
        unit.phone = phone.strip()
    validated(unit)
    changes = diff(before, snapshot(unit, _AUDITED_FIELDS))
    if changes:
        unit.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=unit, unit=unit, changes=changes)
    return unit


@transaction.atomic
def unit_move(*, actor: User, unit: Unit, new_parent: Unit) -> Unit:
    """Re-hang ``unit`` and its whole subtree under ``new_parent``; history stays with the units.

    Records keep pointing at the same unit rows, so a moved village keeps its petitions, reports
    and audit trail; the move itself is an audit event with the old and new parent.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.get(pk=new_parent.pk)
    _require_manage(actor, unit)
    _require_manage(actor, new_parent)
    if unit.parent_id is None:
        raise ValidationFailed(_("A root unit cannot be moved."))
    if new_parent.is_descendant_of(unit):
        raise ValidationFailed(
            _("A unit cannot be moved under itself or one of its own sub-units."),
            code="unit_cycle",
            errors={"parent": [_("A unit cannot be moved under itself or one of its own sub-units.")]},
        )
    _check_parent(new_parent)
    if unit.parent_id == new_parent.pk:
        return unit
    if Unit.objects.filter(parent=new_parent, name=unit.name).exists():
        raise ValidationFailed(
            _("A unit with this name already exists under this parent."),
            errors={"parent": [_("A unit with this name already exists under this parent.")]},
        )
    old_path, old_parent_id = unit.path, unit.parent_id
    new_path = new_parent.path + old_path[-PATH_SEGMENT:]
    depth_shift = new_parent.depth + 1 - unit.depth
    subtree = Unit.objects.filter(unit_subtree_q(old_path))
    longest = subtree.aggregate(m=Max(Length("path")))["m"] or len(old_path)
    if longest - len(old_path) + len(new_path) > _MAX_PATH:
        raise ValidationFailed(_("The unit tree is too deep here."))
    # One UPDATE rewrites the prefix of every path in the subtree (new prefix + the old tail).
    subtree.update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.MOVE,
        obj=unit,
        unit=unit,
        changes={"parent": [old_parent_id, new_parent.pk]},
    )
    return unit


@transaction.atomic
def unit_set_active(*, actor: User, unit: Unit, is_active: bool) -> Unit:
    """Deactivate (or reactivate) a unit. Units are never deleted: their records must stay."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require_manage(actor, unit)
    if unit.is_active == is_active:
        return unit
    if not is_active:
        if Unit.objects.filter(unit_subtree_q(unit.path, include_self=False), is_active=True).exists():
            raise ValidationFailed(_("Deactivate the sub-units first."))
        if User.objects.filter(unit=unit, is_active=True).exists():
            raise ValidationFailed(_("Move or deactivate the staff of this unit first."))
    elif unit.parent is not None and not unit.parent.is_active:
        raise ValidationFailed(_("The parent unit is inactive."))
    unit.is_active = is_active
    unit.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=unit,
        unit=unit,
        changes={"is_active": [not is_active, is_active]},
    )
    return unit
