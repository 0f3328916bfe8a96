"""Personal API tokens: the secret is shown once; only its hash is kept."""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction
from zhenwu.core.exceptions import NotFound, ValidationFailed
from zhenwu.core.models import ApiToken, User
from zhenwu.core.services.common import validated

TOKEN_PREFIX = "zw_"  # noqa: S105 -- a public marker that tells tokens apart, not a secret
MAX_ACTIVE_TOKENS = 10


@transaction.atomic
def token_create(
    *, actor: User, name: str, expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``actor`` and return it with its secret (never retrievable again)."""
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed(
            _("The expiry must be in the future."),
            errors={"expires_at": [_("The expiry must be in the future.")]},
        )
    active = ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationFailed(_("You already have the maximum number of tokens; revoke one first."))
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=actor,
        name=name.strip(),
        prefix=key[: len(TOKEN_PREFIX) + 6],
        key_hash=ApiToken.hash_key(key),
        expires_at=expires_at,
    )
    validated(token)
    token.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=token, unit=actor.unit)
    return token, key


@transaction.atomic
def token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens."""
    token = ApiToken.objects.select_for_update().filter(user=actor, pk=token_id).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=token, unit=actor.unit, note="revoked")
    return token


def token_authenticate(key: str) -> User | None:
    """The active user a token belongs to, or None. Records the last use at most once a minute."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
