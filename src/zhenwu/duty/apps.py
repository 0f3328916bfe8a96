from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "zhenwu.duty"
    label = "duty"
    verbose_name = _("Duty")

    def ready(self) -> None:
        from zhenwu.core.navigation import MENU, MenuEntry
        from zhenwu.core.scoping import Action
        from zhenwu.duty import dashboard  # noqa: F401 -- registers the dashboard panel

        if not any(entry.url_name == "duty:desk" for entry in MENU):
            after = next((i for i, entry in enumerate(MENU) if entry.url_name == "reports:index"), 0)
            MENU.insert(after + 1, MenuEntry(_("Duty"), "duty:desk", Action.DUTY_VIEW))
