"""Masking of personal data and the audited reveal of it.

Lists, search results and exports show personal fields masked (张*明, 138****5678,
430102********123X). Opening them unmasked is a deliberate act by a role that needs it, and
every such view writes an audit event (DESIGN.md: "every view of it is logged").
"""

from collections.abc import Iterable

from django.db import models

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction
from zhenwu.core.exceptions import PermissionRefused
from zhenwu.core.models import Unit, User
from zhenwu.core.scoping import Action, user_can


def mask_name(name: str) -> str:
    """张明 -> 张*, 张小明 -> 张*明, 欧阳小明 -> 欧**明."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; 0759-4688138 -> 0759-***8138."""
    phone = phone.strip()
    if not phone:
        return ""
    if "-" in phone:
        area, _, rest = phone.partition("-")
        return f"{area}-{'*' * max(len(rest) - 4, 0)}{rest[-4:]}"
    if len(phone) <= 7:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(number: str) -> str:
    """430102199001011234 -> 430102********1234 (address code and last four kept)."""
    number = number.strip()
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_email(address: str) -> str:
    local, at, domain = address.partition("@")
    if not at:
        return mask_name(address)
    return (local[:1] + "***" if local else "") + "@" + domain


def mask_address(address: str) -> str:
    """Keep the first six characters (the district), hide the rest."""
    address = address.strip()
    return address[:6] + ("…" if len(address) > 6 else "")


def personal_data_reveal(
    *, actor: User, obj: models.Model, unit: Unit | None, fields: Iterable[str], reason: str = ""
) -> None:
    """Authorise and record one unmasked view of ``fields`` of ``obj``; raise if not allowed.

    Call it before rendering the unmasked values. A refused attempt is recorded too, so this is
    deliberately not one atomic block: the refusal's audit row must survive the raised error.
    """
    names = sorted(fields)
    if not user_can(actor, Action.PERSONAL_VIEW, unit):
        audit_record(
            actor=actor,
            action=AuditAction.DENIED,
            obj=obj,
            unit=unit,
            note="personal data: " + ", ".join(names),
        )
        raise PermissionRefused()
    audit_record(
        actor=actor,
        action=AuditAction.VIEW_PERSONAL,
        obj=obj,
        unit=unit,
        changes={"fields": names},
        note=reason,
    )
