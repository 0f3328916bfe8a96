from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "zhenwu.safety"
    label = "safety"
    verbose_name = _("Safety")

    def ready(self) -> None:
        from zhenwu.core.navigation import MENU, MenuEntry
        from zhenwu.core.scoping import Action
        from zhenwu.reports.sources import register_source
        from zhenwu.safety import dashboard  # noqa: F401 -- registers the dashboard panel
        from zhenwu.safety.sources import INCIDENTS

        register_source(INCIDENTS)

        if not any(entry.url_name == "safety:hazards" for entry in MENU):
            after = next((i for i, entry in enumerate(MENU) if entry.url_name == "mediation:list"), 0)
            MENU.insert(after + 1, MenuEntry(_("Safety"), "safety:hazards", Action.SAFETY_VIEW))
