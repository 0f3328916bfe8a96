"""The Django admin, for administrators, as a read-only inspection tool.

Every change to zhenwu's data goes through a service (audited, validated, in one transaction);
the admin's own save/delete would bypass that, so every zhenwu model is registered read-only here.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhenwu.core.models import ApiToken, AuditEvent, CalendarDay, CalendarYear, OutboxMessage, Unit, User
from zhenwu.core.notifications.selectors import mask_recipient


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    list_select_related = ("parent",)


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "full_name", "unit", "role", "position", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name")
    list_select_related = ("unit",)
    exclude = ("password",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "actor_name", "action", "object_type", "object_repr", "interface")
    list_filter = ("action", "interface")
    search_fields = ("object_repr", "actor_name", "request_id")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "recipient_masked", "event_key", "status", "attempts")
    list_filter = ("status", "channel")
    # A webhook URL carries the robot's key and a number is personal data: show them masked only.
    exclude = ("recipient",)
    readonly_fields = ("recipient_masked",)

    @admin.display(description=_("recipient"))
    def recipient_masked(self, obj: OutboxMessage) -> str:
        return mask_recipient(obj.channel, obj.recipient)


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "source")


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "kind", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "prefix", "created_at", "revoked_at")
    exclude = ("key_hash",)


# Second factors are managed on the person page (a reset there is audited); django-otp's own admin
# pages would let anyone with admin access read or change a device's secret.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)
