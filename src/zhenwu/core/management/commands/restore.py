"""``manage.py restore DIR [--check]``: restore a backup made by ``manage.py backup`` into an empty instance.

First every checksum is verified (a damaged backup is refused, naming the file); then the target
must hold no data (a freshly migrated, empty database is fine). The database is written (SQLite:
through the online backup API into the configured file; PostgreSQL: ``pg_restore`` into the
configured database), the files are copied into MEDIA_ROOT, and every table is recounted against the
manifest. Stop the web server and workers of the target instance first.

The data keys are not in a backup: give the restored instance the backup's keys (``var/data_keys``
or ``ZHENWU_DATA_KEYS``); the command warns when they do not cover the manifest's key ids.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhenwu.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup directory into this empty instance (stop its server and workers first). "
        "Checksums are verified first; the data keys are not in the backup: configure them yourself."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="A directory written by `manage.py backup`.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Verify the backup and the target (empty, keys) and write nothing.",
        )

    def handle(self, *args: Any, directory: Path, check: bool, **options: Any) -> None:
        try:
            summary = backup_restore(directory, check_only=check)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if check:
            self.stdout.write(
                _("The backup is intact and this instance can receive it; nothing was written.")
            )
        else:
            self.stdout.write(
                _(
                    "Restored %(path)s: %(tables)d tables, %(rows)d rows (as in the manifest), "
                    "%(files)d files, %(bytes)d bytes in %(seconds).1f s."
                )
                % {
                    "path": summary.directory,
                    "tables": summary.tables,
                    "rows": summary.rows,
                    "files": summary.files,
                    "bytes": summary.bytes,
                    "seconds": summary.seconds,
                }
            )
        for warning in summary.warnings:
            self.stderr.write(self.style.WARNING(_("Warning: %(warning)s") % {"warning": warning}))
