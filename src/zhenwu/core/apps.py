from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _refresh_statistics_after_migrate(
    sender: AppConfig, using: str = "default", plan: list[Any] | None = None, **kwargs: Any
) -> None:
    """A migration may have added an index the planner's statistics do not know yet (see
    ``core.maintenance.tasks``). Not after ``flush`` (no plan) or a ``migrate`` with nothing to do."""
    if not plan:
        return
    from zhenwu.core.maintenance.tasks import database_statistics_refresh

    database_statistics_refresh(using)


class CoreConfig(AppConfig):
    name = "zhenwu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from zhenwu.core import auth_events  # noqa: F401 -- connects the sign-in audit receivers

        post_migrate.connect(_refresh_statistics_after_migrate, sender=self)
