import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import Role
from zhenwu.core.validators import validate_phone


class User(AbstractUser):
    """A staff account (工作人员): works in one unit, holds one role and a position."""

    full_name = models.CharField(
        verbose_name=_("full name"),
        max_length=50,
    )
    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    role = models.CharField(
        verbose_name=_("role"),
        max_length=16,
        choices=Role.choices,
        default=Role.REPORTER,
    )
    position = models.CharField(
        verbose_name=_("position"),
        max_length=50,
        blank=True,
        help_text=_("For example 党委书记, 镇长, 综治信访维稳中心主任, 村党支部书记."),
    )
    phone = models.CharField(
        verbose_name=_("phone"),
        max_length=32,
        blank=True,
        validators=[validate_phone],
    )
    must_change_password = models.BooleanField(
        verbose_name=_("must change password"),
        default=False,
        help_text=_("Set when an administrator chose the password; cleared when the owner sets their own."),
    )

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")
        ordering = ["unit__path", "username"]
        indexes = [models.Index(fields=["unit", "role"], name="core_user_unit_role")]

    @staticmethod
    def shown_name(full_name: str, username: str) -> str:
        """How a person is named on pages: the full name, else the user name (also for rows read
        without a model instance)."""
        return full_name or username

    def __str__(self) -> str:
        return self.shown_name(self.full_name, self.username)

    def get_full_name(self) -> str:
        return self.shown_name(self.full_name, self.username)

    def get_short_name(self) -> str:
        return self.shown_name(self.full_name, self.username)


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 hash is stored, the secret is shown once."""

    user = models.ForeignKey(
        "core.User",
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
    )
    prefix = models.CharField(
        verbose_name=_("prefix"),
        max_length=12,
    )
    key_hash = models.CharField(
        verbose_name=_("key hash"),
        max_length=64,
        unique=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )
    expires_at = models.DateTimeField(
        verbose_name=_("expires at"),
        null=True,
        blank=True,
    )
    last_used_at = models.DateTimeField(
        verbose_name=_("last used at"),
        null=True,
        blank=True,
    )
    revoked_at = models.DateTimeField(
        verbose_name=_("revoked at"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
