from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "zhenwu.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from zhenwu.core.navigation import MENU, MenuEntry
        from zhenwu.core.scoping import Action
        from zhenwu.reports import dashboard  # noqa: F401 -- registers the dashboard panel

        if not any(entry.url_name == "reports:index" for entry in MENU):
            after = next((i for i, entry in enumerate(MENU) if entry.url_name == "petitions:list"), 0)
            MENU.insert(after + 1, MenuEntry(_("Reports"), "reports:index", Action.REPORT_VIEW))
