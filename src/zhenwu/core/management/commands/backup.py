"""``manage.py backup [--output DIR]``: a consistent snapshot of the running site (see core/backup.py).

Writes the database (SQLite online backup of the live file, or ``pg_dump --format=custom`` of one
exported snapshot on PostgreSQL), a copy of every file under MEDIA_ROOT and ``manifest.json`` (row
counts of the snapshot, checksums, applied migrations, the ids of the data keys).

The data-encryption keys are NOT in the backup: keep ``var/data_keys`` (or the ``ZHENWU_DATA_KEYS``
value) safely apart from the backups; a restore without them cannot open ID numbers and phones.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhenwu.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Back up the database and the stored files into a new directory (default "
        "var/backups/<UTC timestamp>/) while the site keeps running. The data keys are NOT included: "
        "keep var/data_keys or ZHENWU_DATA_KEYS safely apart from the backups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="Directory to create (must not exist, or be empty). Default: var/backups/<UTC timestamp>/.",
        )

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        try:
            summary = backup_write(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "Backup written to %(path)s: %(tables)d tables, %(rows)d rows, %(files)d files, "
                "%(bytes)d bytes in %(seconds).1f s."
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
        self.stdout.write(_("The data keys are not in the backup: keep them safely apart."))
