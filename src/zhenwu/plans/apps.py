from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "zhenwu.plans"
    label = "plans"
    verbose_name = _("Plans and oversight")

    def ready(self) -> None:
        from zhenwu.core.navigation import MENU, MenuEntry
        from zhenwu.core.scoping import Action
        from zhenwu.plans import dashboard  # noqa: F401 -- registers the dashboard panel

        if not any(entry.url_name == "plans:list" for entry in MENU):
            after = next((i for i, entry in enumerate(MENU) if entry.url_name == "safety:hazards"), 0)
            MENU.insert(after + 1, MenuEntry(_("Plans"), "plans:list", Action.PLAN_VIEW))
