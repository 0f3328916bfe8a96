"""Load the demo township: ``manage.py load_demo [--if-empty]`` (``make run`` passes --if-empty).

Idempotent: units are matched by code and accounts by username, so a second run creates nothing.
With ``--if-empty`` it does nothing when any unit exists, so a real installation never gets demo data.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from zhenwu.core.choices import Interface
from zhenwu.core.context import acting_through
from zhenwu.core.demo import DEMO_EXTENSIONS, demo_load
from zhenwu.core.exceptions import DomainError
from zhenwu.core.models import Unit


class Command(BaseCommand):
    help = "Create the demo county (临溪县), two townships, their units and staff; safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has any unit (used by `make run`).",
        )

    def handle(self, *args: Any, if_empty: bool, **options: Any) -> None:
        if not (if_empty and Unit.objects.exists()):
            # Hashing ~60 passwords with the production hasher takes a while; say so up front.
            self.stdout.write(_("Loading the demo township; this takes a few seconds..."))
        with acting_through(Interface.CLI):  # one command run is one request id in the audit log
            self._load(if_empty)

    def _load(self, if_empty: bool) -> None:
        try:
            result = demo_load(if_empty=if_empty)
        except DomainError as exc:
            # Nothing was saved: the whole load is one transaction.
            raise CommandError(_("The demo was not loaded: %(reason)s") % {"reason": exc.message}) from exc
        if result is None:
            self.stdout.write(_("Units exist already; the demo was not loaded."))
            return
        self.stdout.write(
            _("Demo units: %(created)d created, %(existing)d already there, %(skipped)d skipped.")
            % {
                "created": result.units_created,
                "existing": result.units_existing,
                "skipped": result.units_skipped,
            }
        )
        self.stdout.write(
            _("Demo staff accounts: %(created)d created, %(existing)d already there, %(skipped)d skipped.")
            % {
                "created": result.staff_created,
                "existing": result.staff_existing,
                "skipped": result.staff_skipped,
            }
        )
        autodiscover_modules("demo")  # the domain apps' demo loaders register themselves
        for loader in DEMO_EXTENSIONS:
            self.stdout.write(loader())
