"""Staff account writes. Passwords are hashed by Django; only administrators hand out admin and oversight."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record, diff, masked, snapshot
from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.exceptions import PermissionRefused, ValidationFailed
from zhenwu.core.models import Unit, User
from zhenwu.core.personal_data import mask_email, mask_phone
from zhenwu.core.scoping import Action, has_instance_scope, user_can
from zhenwu.core.services.common import validated

_AUDITED_FIELDS = ("username", "full_name", "unit", "role", "position", "phone", "email", "is_active")
#: Personal fields are recorded masked in the audit log.
_MASKED = {"phone": mask_phone, "email": mask_email}
#: Roles only an administrator may grant: they see the whole instance or audit everyone.
_RESERVED_ROLES = frozenset({Role.ADMIN, Role.OVERSIGHT})


def require_manage(actor: User, unit: Unit | None, role: str | None) -> None:
    """An administrator manages every account; a manager those of their units (never admin or oversight)."""
    if has_instance_scope(actor):
        return
    if unit is None or not user_can(actor, Action.PERSON_MANAGE, unit):
        raise PermissionRefused(_("You may only manage staff of units inside your own unit."))
    if role in _RESERVED_ROLES:
        raise PermissionRefused(_("Only an administrator may grant this role."))


def _check_unit(unit: Unit | None, role: str) -> None:
    if unit is None:
        if role != Role.ADMIN:
            raise ValidationFailed(
                _("Every account except an administrator belongs to a unit."),
                errors={"unit": [_("Choose a unit.")]},
            )
        return
    # Re-read: the caller's instance may predate a deactivation.
    if not Unit.objects.filter(pk=unit.pk, is_active=True).exists():
        raise ValidationFailed(
            _("This unit is inactive; staff cannot be assigned to it."),
            code="inactive_unit",
            errors={"unit": [_("This unit is inactive; staff cannot be assigned to it.")]},
        )


def _sync_admin_flags(person: User) -> None:
    """Django's admin site and its permissions follow the zhenwu role (administrators only)."""
    person.is_staff = person.is_superuser = person.role == Role.ADMIN


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], errors={"password": list(exc.messages)}) from None


@transaction.atomic
def person_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    unit: Unit | None,
    role: str,
    position: str = "",
    phone: str = "",
    email: str = "",
    password: str | None = None,
    password_hash: str | None = None,
    check_password: bool = True,
    must_change_password: bool | None = None,
) -> User:
    """Create a staff account. ``actor`` None is the installer (createsuperuser, demo loader).

    ``password_hash`` takes an already hashed password (Django's format), for loaders that give many
    accounts one password; it is only accepted from the installer.

    An account created by someone (``actor``) must set its own password at its first login, unless
    ``must_change_password`` says otherwise; the installer's accounts are trusted unless it is True
    (the demo loader sets it: the demo password is published).
    """
    if password_hash is not None and actor is not None:
        raise PermissionRefused()
    if actor is not None:
        require_manage(actor, unit, role)
    _check_unit(unit, role)
    person = User(
        username=username.strip(),
        full_name=full_name.strip(),
        unit=unit,
        role=role,
        position=position.strip(),
        phone=phone.strip(),
        email=email.strip().lower(),
        must_change_password=actor is not None if must_change_password is None else must_change_password,
    )
    _sync_admin_flags(person)
    if password_hash is not None:
        person.password = password_hash
    elif password:
        if check_password:
            _check_password(password, person)
        person.set_password(password)
    else:
        person.set_unusable_password()
    validated(person)
    person.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=person,
        unit=unit,
        changes=masked({k: [None, v] for k, v in snapshot(person, _AUDITED_FIELDS).items()}, _MASKED),
    )
    return person


@transaction.atomic
def person_update(
    *,
    actor: User,
    person: User,
    full_name: str | None = None,
    unit: Unit | None = None,
    role: str | None = None,
    position: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> User:
    """Change a staff account's details, unit or role."""
    person = User.objects.select_for_update().get(pk=person.pk)
    require_manage(actor, person.unit, person.role)
    if unit is not None or role is not None:
        require_manage(actor, unit or person.unit, role or person.role)
    if person.pk == actor.pk and role is not None and role != person.role:
        raise PermissionRefused(_("You cannot change your own role."))
    before = snapshot(person, _AUDITED_FIELDS)
    for field, value in (
        ("full_name", full_name),
        ("position", position),
        ("phone", phone),
    ):
        if value is not None:
            setattr(person, field, value.strip())
    if email is not None:
        person.email = email.strip().lower()
    if role is not None:
        person.role = role
    if unit is not None:
        person.unit = unit
    if unit is not None or role is not None:
        _check_unit(person.unit, person.role)
    _sync_admin_flags(person)
    validated(person)
    changes = diff(before, snapshot(person, _AUDITED_FIELDS))
    if changes:
        person.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=person,
            unit=person.unit,
            changes=masked(changes, _MASKED),
        )
    return person


@transaction.atomic
def person_set_active(*, actor: User, person: User, is_active: bool) -> User:
    """Disable or re-enable an account (accounts are never deleted: the audit log names them)."""
    person = User.objects.select_for_update().get(pk=person.pk)
    require_manage(actor, person.unit, person.role)
    if person.pk == actor.pk:
        raise PermissionRefused(_("You cannot disable your own account."))
    if is_active:
        _check_unit(person.unit, person.role)
    if person.is_active != is_active:
        person.is_active = is_active
        person.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=person,
            unit=person.unit,
            changes={"is_active": [not is_active, is_active]},
        )
    return person


@transaction.atomic
def person_set_password(*, actor: User, person: User, password: str) -> User:
    """Set a new password (by its owner or by whoever may manage the account).

    A password set by someone else is known to them: its owner must replace it at the next login.
    """
    person = User.objects.select_for_update().get(pk=person.pk)
    own = person.pk == actor.pk
    if not own:
        require_manage(actor, person.unit, person.role)
    _check_password(password, person)
    person.set_password(password)
    person.must_change_password = not own
    person.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=person,
        unit=person.unit,
        note="password changed" if own else "password reset by an administrator",
    )
    return person
