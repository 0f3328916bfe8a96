"""SQLite only: the ledger-order and deadline indexes with the scope's columns (see
``petitions/sqlite_indexes.py`` for why PostgreSQL does without them)."""

from typing import Any

from django.db import migrations

from zhenwu.petitions.sqlite_indexes import sqlite_scope_indexes_create, sqlite_scope_indexes_drop


def create(apps: Any, schema_editor: Any) -> None:
    sqlite_scope_indexes_create(schema_editor.connection)


def drop(apps: Any, schema_editor: Any) -> None:
    sqlite_scope_indexes_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0003_encrypt_personal_data"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
