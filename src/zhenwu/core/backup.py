"""Backup and restore of one instance: a consistent snapshot of the database plus every stored file.

A backup is a directory::

    manifest.json           what is in it (format, vendor, migrations, row counts, sizes, checksums, key ids)
    db.sqlite3 | db.dump    the database: an SQLite online-backup copy, or ``pg_dump --format=custom``
    files/...               every file under MEDIA_ROOT, at the same relative path

The database copy is one snapshot taken while the site keeps running: SQLite's online backup API
copies the live (WAL-mode) file in one read transaction; on PostgreSQL a REPEATABLE READ
transaction exports its snapshot, ``pg_dump --snapshot`` dumps exactly that, and the row counts of
the manifest are taken in the same transaction. On SQLite they are counted in the copy itself. So
the counts are those of the snapshot, not of the live database a moment later.

Files are copied after the database snapshot. Stored names are random and never reused, so a file
added meanwhile comes along unreferenced (harmless); every file the snapshot refers to is there
unless it was deleted during the backup.

The data-encryption keys are deliberately NOT in a backup (only their ids are in the manifest):
whoever holds a backup without the keys sees ciphertext. Keep ``var/data_keys`` or the
``ZHENWU_DATA_KEYS`` value safely apart from the backups, and give it to the restored instance.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 -- pg_dump/pg_restore, argument lists only, never a shell
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core import crypto

FORMAT = 1
MANIFEST = "manifest.json"
FILES_DIR = "files"
DUMP_NAMES = {"sqlite": "db.sqlite3", "postgresql": "db.dump"}
_CHUNK = 1 << 20

#: Models whose rows a fresh ``migrate`` inserts (reference data from data migrations). Their rows do
#: not make a database "hold data"; core/tests/test_backup.py checks that a freshly migrated
#: database counts as empty, so a new data migration that seeds rows fails there until listed here.
SEEDED_BY_MIGRATIONS = frozenset({"mediation.DisputeKind"})


class BackupError(Exception):
    """A backup or restore that cannot be done or went wrong; the message says what to do."""


@dataclass
class Summary:
    """What a backup or restore moved, for the command's closing line."""

    directory: Path
    tables: int = 0
    rows: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


# --- helpers ----------------------------------------------------------------------------------


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(
            _("Backup and restore support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def _copy_hashed(src: Path, dst: Path) -> tuple[str, int]:
    """Copy ``src`` to ``dst`` and return the sha256 and size of the bytes written."""
    digest = hashlib.sha256()
    size = 0
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            fout.write(chunk)
    return digest.hexdigest(), size


def _hash(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _stored_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, absolute path) of every regular file under ``root``, sorted."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


def _safe_relative(rel: str) -> PurePosixPath:
    """A manifest path that stays inside its directory (a tampered manifest must not write elsewhere)."""
    path = PurePosixPath(rel)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts):
        raise BackupError(_("The manifest names an unsafe path: %(path)s") % {"path": rel})
    return path


def _configured_key_ids() -> list[str]:
    """The ids of the configured data keys, without generating a key file where none exists."""
    if crypto.keys_from_file() and not crypto.key_file().exists():
        return []
    return crypto.key_ids()


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _count_tables(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 -- quoted table names
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "ORDER BY name"
    )
    return [row[0] for row in cursor.fetchall()]


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    return [row[0] for row in cursor.fetchall()]


def _migrations(cursor: Any, tables: list[str]) -> list[str]:
    if "django_migrations" not in tables:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


# --- PostgreSQL client tools -------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """The client tool of the server's major version where Debian keeps it, else the one on PATH."""
    connection.ensure_connection()
    major = connection.pg_version // 10000  # type: ignore[attr-defined]
    versioned = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if versioned.is_file():
        return str(versioned)
    found = shutil.which(name)
    if not found:
        raise BackupError(
            _("%(tool)s (PostgreSQL %(major)d client) is not installed or not on PATH.")
            % {"tool": name, "major": major}
        )
    return found


def _pg_env() -> dict[str, str]:
    """libpq environment for the configured database: the password goes here, never on a command line."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGDATABASE", db.get("NAME")),
    ):
        if value:
            env[var] = str(value)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "connect_timeout"):
        if value := (db.get("OPTIONS") or {}).get(option):
            env[f"PG{option.upper()}"] = str(value)
    return env


def _run_tool(argv: list[str]) -> None:
    result = subprocess.run(argv, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s failed (exit %(code)d): %(error)s")
            % {"tool": Path(argv[0]).name, "code": result.returncode, "error": result.stderr.strip()[-2000:]}
        )


# --- backup -----------------------------------------------------------------------------------


def _snapshot_sqlite(target: Path) -> tuple[dict[str, int], list[str]]:
    name = Path(str(settings.DATABASES["default"]["NAME"]))
    if not name.is_file():
        raise BackupError(_("The database file %(path)s does not exist.") % {"path": name})
    source = sqlite3.connect(name, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            # pages=-1: the whole database in one step, i.e. in one read transaction of the live file,
            # so the copy is one consistent snapshot while writers go on in WAL mode.
            source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
            cursor = copy.cursor()
            tables = _sqlite_tables(cursor)
            counts = {t: int(cursor.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}  # noqa: S608
            return counts, _migrations(cursor, tables)
        finally:
            copy.close()
    finally:
        source.close()


def _snapshot_postgresql(target: Path) -> tuple[dict[str, int], list[str]]:
    pg_dump = _pg_tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        # One snapshot for the dump and the counts: pg_dump imports the one this transaction exports.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        _run_tool(
            [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot_id}", f"--file={target}"]
        )
        tables = _pg_tables(cursor)
        return _count_tables(cursor, tables), _migrations(cursor, tables)


def backup_write(*, output: Path | None = None) -> Summary:
    """Write a backup directory (default ``var/backups/<UTC timestamp>``) and return its summary."""
    started = time.monotonic()
    vendor = _vendor()
    created_at = timezone.now()
    if output is None:
        output = Path(settings.VAR_DIR) / "backups" / created_at.strftime("%Y%m%dT%H%M%SZ")
    output = output.resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if output.is_relative_to(media_root):
        raise BackupError(
            _("The backup may not be written inside MEDIA_ROOT (%(path)s).") % {"path": media_root}
        )
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise BackupError(_("%(path)s exists and is not an empty directory.") % {"path": output})
    output.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed at the end: an interrupted backup never looks complete.
    partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    try:
        dump = partial / DUMP_NAMES[vendor]
        snapshot = _snapshot_sqlite if vendor == "sqlite" else _snapshot_postgresql
        counts, migrations = snapshot(dump)
        dump_sha, dump_size = _hash(dump)
        files = []
        for rel, path in _stored_files(media_root):
            dst = partial / FILES_DIR / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            sha, size = _copy_hashed(path, dst)
            files.append({"path": rel, "sha256": sha, "size": size})
        manifest = {
            "format": FORMAT,
            "application": "zhenwu",
            "created_at": created_at.isoformat(),
            "database": {
                "vendor": vendor,
                "file": dump.name,
                "sha256": dump_sha,
                "size": dump_size,
                "server_version": connection.pg_version if vendor == "postgresql" else sqlite3.sqlite_version,  # type: ignore[attr-defined]
            },
            "migrations": migrations,
            "tables": counts,
            "files": files,
            "data_key_ids": _configured_key_ids(),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
        if output.exists():
            output.rmdir()
        partial.rename(output)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Summary(
        directory=output,
        tables=len(counts),
        rows=sum(counts.values()),
        files=len(files),
        bytes=dump_size + sum(int(f["size"]) for f in files),  # type: ignore[call-overload]
        seconds=time.monotonic() - started,
    )


# --- restore ----------------------------------------------------------------------------------


def manifest_read(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(
            _("%(path)s is not a backup: it has no manifest.json.") % {"path": directory}
        ) from None
    except ValueError as exc:
        raise BackupError(_("manifest.json is not valid JSON: %(error)s") % {"error": exc}) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("This backup has format %(found)s; this version of zhenwu reads format %(known)s.")
            % {"found": manifest.get("format"), "known": FORMAT}
        )
    return manifest


def backup_verify(directory: Path, manifest: dict[str, Any]) -> None:
    """Check the size and sha256 of the dump and of every file; refuse, naming each one that differs."""
    database = manifest["database"]
    entries = [(database["file"], database["sha256"], database["size"])]
    entries += [(f"{FILES_DIR}/{f['path']}", f["sha256"], f["size"]) for f in manifest["files"]]
    bad = []
    for rel, sha, size in entries:
        path = directory.joinpath(*_safe_relative(rel).parts)
        if not path.is_file():
            bad.append(_("%(path)s is missing") % {"path": rel})
            continue
        if _hash(path) != (sha, size):
            bad.append(_("%(path)s does not match its checksum") % {"path": rel})
    if bad:
        raise BackupError(
            _("The backup is damaged; nothing was restored: %(files)s.") % {"files": "; ".join(bad)}
        )


def database_tables_with_data() -> list[str]:
    """The zhenwu tables that hold a row, apart from the reference rows migrations insert."""
    existing = set(connection.introspection.table_names())
    seeded = {apps.get_model(label)._meta.db_table for label in SEEDED_BY_MIGRATIONS}
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_config.name.startswith("zhenwu.") and model._meta.managed
        }
        & (existing - seeded)
    )
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # noqa: S608 -- quoted table name
            if cursor.fetchone() is not None:
                found.append(table)
    return found


def _restore_sqlite(dump: Path) -> None:
    name = Path(str(settings.DATABASES["default"]["NAME"]))
    connections.close_all()  # nothing of ours may hold the file open while it is replaced
    name.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(name, timeout=30)
        try:
            source.backup(target, pages=-1)
            target.execute("PRAGMA journal_mode=WAL")  # what the settings use for the live database
        finally:
            target.close()
    finally:
        source.close()


def _restore_postgresql(dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    with transaction.atomic(), connection.cursor() as cursor:
        # Only reached when no table holds data: clear a freshly migrated schema so the dump's own
        # tables (with their data, sequences and indexes) replace it exactly.
        tables = _pg_tables(cursor)
        if tables:
            cursor.execute("DROP TABLE IF EXISTS " + ", ".join(_quote(t) for t in tables) + " CASCADE")
    connections.close_all()
    name = str(settings.DATABASES["default"]["NAME"])
    _run_tool(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={name}",
            str(dump),
        ]
    )


def _recount() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = _sqlite_tables(cursor) if connection.vendor == "sqlite" else _pg_tables(cursor)
        return _count_tables(cursor, tables)


def backup_restore(directory: Path, *, check_only: bool = False) -> Summary:
    """Restore a backup into this (empty) instance; with ``check_only`` run every check and write nothing."""
    started = time.monotonic()
    directory = directory.resolve()
    manifest = manifest_read(directory)
    vendor = _vendor()
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            _("This is a %(backup)s backup; the configured database is %(target)s.")
            % {"backup": manifest["database"]["vendor"], "target": vendor}
        )
    backup_verify(directory, manifest)

    warnings = []
    configured = set(_configured_key_ids())
    if missing := [k for k in manifest["data_key_ids"] if k not in configured]:
        warnings.append(
            _(
                "The configured data keys do not include %(ids)s: encrypted ID numbers and phones will "
                "not open. Put the keys the backup was made with in var/data_keys or ZHENWU_DATA_KEYS."
            )
            % {"ids": ", ".join(missing)}
        )

    if tables := database_tables_with_data():
        raise BackupError(
            _("The target database already holds data (%(tables)s); restore only into an empty instance.")
            % {"tables": ", ".join(tables[:10]) + (" ..." if len(tables) > 10 else "")}
        )
    media_root = Path(settings.MEDIA_ROOT)
    files = manifest["files"]
    for entry in files:
        existing = media_root.joinpath(*_safe_relative(entry["path"]).parts)
        if existing.exists() and _hash(existing) != (entry["sha256"], entry["size"]):
            raise BackupError(
                _("%(path)s already exists in MEDIA_ROOT with other content; restore into an empty instance.")
                % {"path": entry["path"]}
            )
    summary = Summary(directory=directory, warnings=warnings)
    if check_only:
        summary.seconds = time.monotonic() - started
        return summary

    dump = directory / manifest["database"]["file"]
    if vendor == "sqlite":
        _restore_sqlite(dump)
    else:
        _restore_postgresql(dump)
    for entry in files:
        rel = _safe_relative(entry["path"])
        dst = media_root.joinpath(*rel.parts)
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{dst.name}.restoring")
        if _copy_hashed(directory / FILES_DIR / Path(*rel.parts), tmp) != (entry["sha256"], entry["size"]):
            tmp.unlink()
            raise BackupError(_("%(path)s changed while it was being restored.") % {"path": entry["path"]})
        tmp.replace(dst)

    counts = _recount()
    expected: dict[str, int] = manifest["tables"]
    differences = [
        _("%(table)s: %(found)s rows, the manifest says %(expected)s")
        % {
            "table": table,
            "found": counts.get(table, _("no table")),
            "expected": expected.get(table, _("no table")),
        }
        for table in sorted(set(counts) | set(expected))
        if counts.get(table) != expected.get(table)
    ]
    if differences:
        raise BackupError(
            _("The restored database does not match the manifest: %(differences)s.")
            % {"differences": "; ".join(differences)}
        )
    summary.tables = len(counts)
    summary.rows = sum(counts.values())
    summary.files = len(files)
    summary.bytes = int(manifest["database"]["size"]) + sum(int(f["size"]) for f in files)
    summary.seconds = time.monotonic() - started
    return summary
