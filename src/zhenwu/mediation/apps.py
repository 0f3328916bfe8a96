import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "zhenwu.mediation"
    label = "mediation"
    verbose_name = _("Mediation")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_default_kinds, sender=self)
        from zhenwu.core.navigation import MENU, MenuEntry
        from zhenwu.core.scoping import Action
        from zhenwu.mediation import dashboard  # noqa: F401 -- registers the dashboard panel
        from zhenwu.mediation.sources import DISPUTES
        from zhenwu.reports.sources import register_source

        register_source(DISPUTES)

        if not any(entry.url_name == "mediation:list" for entry in MENU):
            after = next((i for i, entry in enumerate(MENU) if entry.url_name == "petitions:list"), 0)
            MENU.insert(after + 1, MenuEntry(_("Mediation"), "mediation:list", Action.DISPUTE_VIEW))


def _default_kinds(**kwargs: object) -> None:
    """Put back the starting dispute kinds when the table is empty (a flushed test database).

    The data migration 0002 creates them on a new instance; ``flush`` (used between transactional
    tests) empties the table and then sends ``post_migrate``, so they come back here. Kinds the office
    renamed or deactivated are rows too, so an instance in use is never touched.
    """
    from django.db import DEFAULT_DB_ALIAS

    from zhenwu.mediation.models import DisputeKind

    using = str(kwargs.get("using") or DEFAULT_DB_ALIAS)
    if DisputeKind.objects.using(using).exists():
        return
    kinds = importlib.import_module("zhenwu.mediation.migrations.0002_dispute_kinds").KINDS
    DisputeKind.objects.using(using).bulk_create(
        DisputeKind(code=code, name=name, sort_order=(order + 1) * 10)
        for order, (code, name) in enumerate(kinds)
    )
