"""The main menu: one entry per area, shown only to roles that may use it.

Domain apps append their entries to ``MENU`` in their ``AppConfig.ready``.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zhenwu.core.models import User
from zhenwu.core.scoping import Action, role_allows


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    action: str | None  # None: every signed-in user


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    active: bool


MENU: list[MenuEntry] = [
    MenuEntry(_("Home"), "core:home", None),
    MenuEntry(_("Units"), "core:unit_list", Action.UNIT_VIEW),
    MenuEntry(_("People"), "core:person_list", Action.PERSON_VIEW),
    MenuEntry(_("Deadlines"), "core:calendar", Action.CALENDAR_VIEW),
    MenuEntry(_("Notifications"), "core:outbox_list", Action.OUTBOX_VIEW),
    MenuEntry(_("Audit log"), "core:audit_list", Action.AUDIT_VIEW),
]


def menu_for(user: User, current_path: str) -> list[MenuItem]:
    items = []
    for entry in MENU:
        if entry.action is not None and not role_allows(user, entry.action):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:  # an area whose pages are not installed
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append(MenuItem(str(entry.label), url, active))
    return items
