"""Sign-in events for the audit log.

Logins are not model changes made by our services, so Django's auth signals are the one place
to see them; no password or entered secret is ever recorded, only the username tried.
"""

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction
from zhenwu.core.middleware import remember_otp_need
from zhenwu.core.models import User
from zhenwu.core.services.accounts import record_lockout


@receiver(user_logged_in)
def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditAction.LOGIN, obj=user, unit=user.unit)
    if request is not None and hasattr(request, "session"):
        remember_otp_need(request, user)  # decided once per login, not on every page


@receiver(user_logged_out)
def on_logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None and user.pk:
        audit_record(actor=user, action=AuditAction.LOGOUT, obj=user, unit=user.unit)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None, action=AuditAction.LOGIN_FAILED, object_type_label="core.user", object_repr=username
    )


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: HttpRequest, username: str | None = None, **kwargs: Any) -> None:
    # django-axes signals every refused attempt while locked; the audit log wants the moment it began.
    if getattr(request, "axes_failures_since_start", None) == settings.AXES_FAILURE_LIMIT:
        record_lockout(username=str(username or "")[:150])
