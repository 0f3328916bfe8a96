"""SQLite's covering indexes of the scope, from its two sides and by id
(``petitions/vendor_indexes.py``); nothing on PostgreSQL. Django's state does not track them."""

from typing import Any

from django.db import migrations

from zhenwu.petitions.vendor_indexes import vendor_indexes_create

ADDED = ("petitions_unit_scope_idx", "petitions_handling_scope_idx", "petitions_id_scope_idx")


def create(apps: Any, schema_editor: Any) -> None:
    vendor_indexes_create(schema_editor.connection)


def drop(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        for name in ADDED:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0004_scope_covering_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
