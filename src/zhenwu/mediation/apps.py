from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "zhenwu.mediation"
    label = "mediation"
    verbose_name = _("Mediation")

    def ready(self) -> None:
        from zhenwu.core.navigation import MENU, MenuEntry
        from zhenwu.core.scoping import Action
        from zhenwu.mediation import dashboard  # noqa: F401 -- registers the dashboard panel
        from zhenwu.mediation.sources import DISPUTES
        from zhenwu.reports.sources import register_source

        register_source(DISPUTES)

        if not any(entry.url_name == "mediation:list" for entry in MENU):
            after = next((i for i, entry in enumerate(MENU) if entry.url_name == "petitions:list"), 0)
            MENU.insert(after + 1, MenuEntry(_("Mediation"), "mediation:list", Action.DISPUTE_VIEW))
