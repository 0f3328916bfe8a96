from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "zhenwu.petitions"
    label = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        from zhenwu.core.navigation import MENU, MenuEntry
        from zhenwu.core.scoping import Action
        from zhenwu.petitions import dashboard  # noqa: F401 -- registers the dashboard panel

        if not any(entry.url_name == "petitions:list" for entry in MENU):
            home = next((i for i, entry in enumerate(MENU) if entry.url_name == "core:home"), -1)
            MENU.insert(home + 1, MenuEntry(_("Petitions"), "petitions:list", Action.PETITION_VIEW))
