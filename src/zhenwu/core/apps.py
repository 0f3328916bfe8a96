from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zhenwu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from zhenwu.core import auth_events  # noqa: F401 -- connects the sign-in audit receivers
