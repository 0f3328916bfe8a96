"""The ledger's sorts by deadline (either way) and by status get indexes on both databases
(``petitions/vendor_indexes.py``): with the scope's columns on SQLite, plain on PostgreSQL; SQLite
also gets the category and channel filters with the scope's columns. Django's state does not track
them."""

from typing import Any

from django.db import migrations

from zhenwu.petitions.vendor_indexes import vendor_indexes_create

ADDED = {
    "sqlite": (
        "petitions_due_scope_idx",
        "petitions_due_desc_scope_idx",
        "petitions_status_scope_idx",
        "petitions_category_scope_idx",
        "petitions_channel_scope_idx",
    ),
    "postgresql": ("petitions_due_order_idx", "petitions_due_desc_order_idx", "petitions_status_order_idx"),
}


def create(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    vendor_indexes_create(connection)
    if connection.vendor == "postgresql":
        # Statistics of the indexed expression (``due_on IS NULL``) for the planner; SQLite's are
        # refreshed after every migrate (``core.maintenance.tasks``).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE petitions_petition")


def drop(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        for name in ADDED.get(schema_editor.connection.vendor, ()):
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0006_search_vector"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
