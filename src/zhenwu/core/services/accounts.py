"""Sign-in protection of staff accounts: lockouts (django-axes) and two-factor devices (django-otp).

Reads (is an account locked, does it need or have a second factor) and the writes administrators
and users make (unlock, reset two-factor, enrol) live here; every write is audited.
"""

import secrets
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction, Role
from zhenwu.core.exceptions import ValidationFailed
from zhenwu.core.models import User
from zhenwu.core.scoping import effective_role
from zhenwu.core.services.people import require_manage

#: Roles that see a whole township or the instance: a stolen password must not be enough.
OTP_REQUIRED_ROLES = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.OVERSIGHT})
#: One-time backup codes handed out at enrolment (shown once).
BACKUP_CODE_COUNT = 10
#: TOTP parameters every authenticator app understands (RFC 6238 defaults).
TOTP_DIGITS = 6
TOTP_STEP = 30


# --- lockouts -------------------------------------------------------------------------------------


def _recent_attempts() -> "Q":
    return Q(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)


def login_lockout_active(username: str) -> bool:
    """Whether sign-in for ``username`` is locked (by its own failures; an address lock is per client)."""
    failures = (
        AccessAttempt.objects.filter(_recent_attempts(), username=username).aggregate(
            total=Sum("failures_since_start")
        )["total"]
        or 0
    )
    return bool(failures >= settings.AXES_FAILURE_LIMIT)


@transaction.atomic
def person_unlock(*, actor: User, person: User) -> int:
    """Lift a sign-in lockout: the account's failures and those of the addresses they came from.

    Clearing the addresses too is what makes the unlock work for a user behind a shared office
    address that was locked by the same typing mistakes. Returns the number of records removed.
    """
    require_manage(actor, person.unit, person.role)
    addresses = set(
        AccessAttempt.objects.filter(username=person.username)
        .exclude(ip_address=None)
        .values_list("ip_address", flat=True)
    )
    removed, _details = AccessAttempt.objects.filter(
        Q(username=person.username) | Q(ip_address__in=addresses)
    ).delete()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=person,
        unit=person.unit,
        changes={"login_lockout": [removed, 0]},
        note="sign-in lockout lifted",
    )
    return int(removed)


def record_lockout(*, username: str) -> None:
    """Audit the moment an account or address gets locked out (called from the axes signal)."""
    person = User.objects.filter(username=username).select_related("unit").first()
    audit_record(
        actor=None,
        action=AuditAction.DENIED,
        obj=person,
        object_type_label="core.user",
        object_repr=username[:150],
        unit=person.unit if person is not None else None,
        note="sign-in locked out after repeated failures",
    )


# --- two-factor -----------------------------------------------------------------------------------


def otp_required(user: User) -> bool:
    """Whether ``user`` must use a second factor (their role needs it and the instance enforces it)."""
    return bool(settings.ZHENWU_REQUIRE_2FA) and effective_role(user) in OTP_REQUIRED_ROLES


def otp_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def otp_has_device(user: User) -> bool:
    """Any confirmed device (an authenticator or backup codes) means the code step is asked."""
    return otp_enrolled(user) or StaticDevice.objects.filter(user=user, confirmed=True).exists()


def otp_new_key() -> str:
    """A fresh 160-bit TOTP secret, hex as django-otp stores it."""
    return secrets.token_hex(20)


def otp_key_matches(key_hex: str, code: str) -> bool:
    """Whether ``code`` is the current (±1 step) code of ``key_hex`` (enrolment, before a device exists)."""
    code = code.strip()
    if not (code.isdigit() and len(code) == TOTP_DIGITS):
        return False
    totp = TOTP(bytes.fromhex(key_hex), step=TOTP_STEP, digits=TOTP_DIGITS)
    return bool(totp.verify(int(code), tolerance=1))


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    backup_codes: list[str]


@transaction.atomic
def otp_enrol(*, actor: User, key_hex: str, code: str) -> Enrolment:
    """Confirm the user's authenticator with a code of it and hand out backup codes (shown once).

    Replaces any earlier devices of the user. The confirming code is consumed: it cannot be
    replayed at the next sign-in.
    """
    User.objects.select_for_update().get(pk=actor.pk)  # one enrolment at a time per account
    if not otp_key_matches(key_hex, code):
        raise ValidationFailed(
            _("The code is not valid. Check the time on your phone and try the newest code."),
            errors={"code": [_("The code is not valid.")]},
        )
    TOTPDevice.objects.filter(user=actor).delete()
    StaticDevice.objects.filter(user=actor).delete()
    device = TOTPDevice.objects.create(
        user=actor,
        name=_("Authenticator app"),
        key=key_hex,
        step=TOTP_STEP,
        digits=TOTP_DIGITS,
        confirmed=True,
    )
    if not device.verify_token(code.strip()):  # records the code's time step: no replay
        raise ValidationFailed(_("The code is not valid."), errors={"code": [_("The code is not valid.")]})
    backup = StaticDevice.objects.create(user=actor, name=_("Backup codes"), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=c) for c in codes])
    audit_record(
        actor=actor, action=AuditAction.UPDATE, obj=actor, unit=actor.unit, note="two-factor enrolled"
    )
    return Enrolment(device=device, backup_codes=codes)


def otp_verify(*, user: User, code: str) -> Device | None:
    """The user's device that accepts ``code`` (an authenticator code or an unused backup code).

    Each code works once: the authenticator remembers its last time step and a backup code is
    deleted when used. Locks the devices so two requests cannot both use one code.
    """
    code = "".join(code.split()).lower()
    if not code or len(code) > 16:
        return None
    with transaction.atomic():
        if code.isdigit():
            for totp in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if totp.verify_token(code):
                    return totp
        for static in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if static.verify_token(code):
                return static
    return None


@transaction.atomic
def person_otp_reset(*, actor: User, person: User) -> None:
    """Remove a user's two-factor devices (a lost phone); they enrol again at their next login."""
    require_manage(actor, person.unit, person.role)
    enrolled = otp_has_device(person)
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=person,
        unit=person.unit,
        changes={"two_factor": [enrolled, False]},
        note="two-factor reset",
    )
